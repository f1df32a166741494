"""Site discovery and the plan (issue 11 item 1) against the `site-loss` and `site-replication` labs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from recovery_tui.lab import sitescen
from recovery_tui.lab.server import Lab
from recovery_tui.service.discovery import count_versions, discover
from recovery_tui.service.errors import ConnectionFailure, InputError
from recovery_tui.service.retry import RetryPolicy
from recovery_tui.service.sitemodels import BUCKET_MODE, SITE_MODE

from .conftest import make_service

FAST = RetryPolicy(name="TEST_FAST", attempts=1)


@pytest.fixture(scope="module")
def loss_lab() -> Iterator[Lab]:
    lab = Lab(scenario="site-loss", objects=300, resync_delay=0.0).start()
    try:
        yield lab
    finally:
        lab.stop()


def _versions(lab: Lab, site: str, bucket: str) -> Any:
    def count() -> Any:
        b = lab.site(site).site.buckets.get(bucket)
        return None if b is None else b.count_versions()
    return lab.call(count)


def test_plan_lists_recoverable_and_broken_buckets_but_not_the_third_party(loss_lab: Lab, tmp_path: Path) -> None:
    svc = make_service(loss_lab, tmp_path)
    plan = discover(svc, "source", "target")
    names = {b.bucket for b in plan.buckets}
    assert names == set(sitescen.recoverable("site-loss")) | {sitescen.NO_EXISTING, sitescen.TARGET_MISSING}
    assert sitescen.THIRD_PARTY not in names and plan.skipped == 1
    assert plan.mode == BUCKET_MODE and plan.metadata == "export" and plan.peer is None
    assert plan.source_deployment == loss_lab.source.site.deployment_id
    assert plan.target_deployment == loss_lab.target.site.deployment_id
    assert {b.bucket for b in plan.recoverable()} == set(sitescen.recoverable("site-loss"))
    for b in plan.recoverable():
        target = loss_lab.call(lambda b=b: loss_lab.source.site.targets[b.bucket][0])
        assert b.arn == target.arn and b.target_bucket == b.bucket and b.reason == "" and b.fix == ""
    legacy = plan.get(sitescen.NO_EXISTING)
    assert legacy is not None and not legacy.recoverable and "no existing-object replication" in legacy.reason
    assert legacy.fix == (f"mc replicate update source/{legacy.bucket} --id {legacy.rule_id} "
                          "--replicate delete-marker,delete,existing-objects,metadata-sync")
    staging = plan.get(sitescen.TARGET_MISSING)
    assert staging is not None and "does not exist on target" in staging.reason
    assert staging.fix == f"mc mb --with-versioning target/{sitescen.TARGET_MISSING}"


def test_counts_match_the_stores(loss_lab: Lab, tmp_path: Path) -> None:
    svc = make_service(loss_lab, tmp_path)
    plan = count_versions(svc, discover(svc, "source", "target"))
    for b in plan.buckets:
        assert b.source_versions == _versions(loss_lab, "source", b.bucket), b.bucket
        assert b.target_versions == _versions(loss_lab, "target", b.bucket), b.bucket
        assert b.count_error == ""
    assert plan.get("empty").source_versions == 0 and plan.get(sitescen.TARGET_MISSING).target_versions is None
    assert plan.get(sitescen.BIG_BUCKET).source_versions == 300
    assert plan.get(sitescen.BIG_BUCKET).source_bytes > 0
    doc = plan.to_json()
    assert {"source", "target", "mode", "buckets"} <= set(doc)
    assert all({"bucket", "arn", "recoverable", "reason", "fix", "source_versions", "target_versions"} <= set(b)
               for b in doc["buckets"])


def test_per_bucket_fallback_gives_the_same_plan(loss_lab: Lab, tmp_path: Path) -> None:
    ak, sk = "LIMITEDUSER0000000000", "limited-secret-for-the-fallback-test"
    actions = frozenset({"s3:*", "admin:GetBucketTarget", "admin:ServerInfo", "admin:SiteReplicationInfo"})
    for rt in (loss_lab.source, loss_lab.target):
        loss_lab.call(lambda rt=rt: rt.site.users.__setitem__(ak, (sk, actions)))
    env = {f"MC_HOST_{n}": f"http://{ak}:{sk}@127.0.0.1:{rt.port}" for n, rt in
           (("lsrc", loss_lab.source), ("ldst", loss_lab.target))}
    svc = make_service(loss_lab, tmp_path, **env)
    limited = discover(svc, "lsrc", "ldst")
    full = discover(svc, "source", "target")
    assert limited.metadata == "per-bucket" and full.metadata == "export"
    strip = [(b.bucket, b.arn, b.recoverable, b.reason.replace("ldst", "target"), b.rule_id) for b in limited.buckets]
    assert strip == [(b.bucket, b.arn, b.recoverable, b.reason, b.rule_id) for b in full.buckets]


def test_same_alias_and_same_server_are_bad_input(loss_lab: Lab, tmp_path: Path) -> None:
    svc = make_service(loss_lab, tmp_path, MC_HOST_again=loss_lab.env()["MC_HOST_source"])
    with pytest.raises(InputError, match="same alias 'source'"):
        discover(svc, "source", "source")
    with pytest.raises(InputError, match="point at the same server"):
        discover(svc, "source", "again")


def test_unrelated_deployments_say_so(loss_lab: Lab, tmp_path: Path) -> None:
    other = Lab(scenario="healthy").start()
    try:
        svc = make_service(loss_lab, tmp_path, MC_HOST_other=other.env()["MC_HOST_source"])
        with pytest.raises(InputError) as info:
            discover(svc, "source", "other")
        assert info.value.exit_code == 2 and info.value.title == "Unrelated deployments"
        assert "no bucket on source replicates to other" in info.value.message
        assert f"127.0.0.1:{loss_lab.target.port}" in info.value.message
    finally:
        other.stop()


def test_damaged_site_offline_at_plan_time(tmp_path: Path) -> None:
    lab = Lab(scenario="site-loss", objects=50, resync_delay=0.0).start()
    try:
        lab.faults.set_offline("target", True)
        svc = make_service(lab, tmp_path, retry=FAST)
        with pytest.raises(ConnectionFailure) as info:
            discover(svc, "source", "target")
        assert info.value.exit_code == 3 and "damaged site target does not answer" in info.value.message
        assert "nothing was started" in info.value.hint
        lab.faults.set_offline("target", False)
        assert len(discover(svc, "source", "target").recoverable()) == len(sitescen.recoverable("site-loss"))
    finally:
        lab.stop()


def test_site_replication_is_detected(tmp_path: Path) -> None:
    lab = Lab(scenario="site-replication", objects=50, resync_delay=0.0).start()
    try:
        plan = discover(make_service(lab, tmp_path), "source", "target")
        assert plan.mode == SITE_MODE and plan.peer is not None
        assert plan.peer.deployment_id == lab.target.site.deployment_id and plan.peer.endpoint == lab.target.url
        assert {b.bucket for b in plan.recoverable()} == set(sitescen.recoverable("site-replication"))
        assert plan.to_json()["mode"] == "site-replication"
    finally:
        lab.stop()


def test_site_many_scenario_every_bucket_recoverable(tmp_path: Path) -> None:
    lab = Lab(scenario="site-many", objects=40, resync_delay=0.0).start()
    try:
        svc = make_service(lab, tmp_path)
        plan = count_versions(svc, discover(svc, "source", "target"))
        assert [b.bucket for b in plan.recoverable()] == list(sitescen.recoverable("site-many", 40))
        assert all(b.source_versions == b.target_versions + 1 for b in plan.buckets)
    finally:
        lab.stop()
