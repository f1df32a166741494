"""The lab's resync re-sends what the server's resync selects (issue 13 item 8, facts §3).

`resyncBucket` keeps the versions the rules for the ARN select (prefix filter, existing-object flag; a delete
marker only with DeleteReplication Enabled) and, in active-active, the replicas received from the peer too.
The client's `resync_scope.count_scope` (the monitor's total) reaches the same number as the server's counters.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import pytest

from recovery_tui.lab import replconfig
from recovery_tui.lab.scenarios import arn_for
from recovery_tui.lab.server import Lab
from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.resync_scope import count_scope


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = Lab(scenario="partial-loss", objects=80).start()
    try:
        yield lab
    finally:
        lab.stop()


def _edit_source_rule(lab: Lab, edit: Callable[[replconfig.LabRule], None]) -> None:
    def run() -> None:
        b = lab.source.site.buckets["data"]
        cfg = replconfig.parse_config(b.replication_xml)
        edit(cfg.rules[0])
        b.replication_xml = replconfig.render(cfg)
    lab.call(run)


def _resync(lab: Lab) -> tuple[int, int]:
    """Start a resync source → target and wait (bounded) for the server's final counters."""
    svc = RecoveryService(AliasBook(env=lab.env()))
    arn = arn_for(lab.target)
    svc.start_resync("source", "data", arn)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        st = svc.resync_status("source", "data", arn).for_arn(arn)
        if st is not None and st.finished:
            assert st.status == "Completed"
            return st.replicated_count, st.failed_count
        time.sleep(0.1)
    raise AssertionError("resync did not finish")


def _source_versions(lab: Lab, pred: Callable[[Any], bool]) -> int:
    return lab.call(lambda: sum(1 for v in lab.source.site.buckets["data"].iter_versions() if pred(v)))


def test_prefix_rule_resyncs_only_its_prefix_and_the_client_counts_the_same(lab: Lab) -> None:
    def to_docs(r: replconfig.LabRule) -> None:
        r.filter_prefix = "docs/"
    _edit_source_rule(lab, to_docs)
    want = _source_versions(lab, lambda v: v.key.startswith("docs/"))
    total = _source_versions(lab, lambda v: True)
    assert 0 < want < total
    svc = RecoveryService(AliasBook(env=lab.env()))
    scope = count_scope(svc, "source", "data", arn_for(lab.target))
    assert scope is not None and scope.exact and scope.prefixes == ("docs/",) and scope.count == want
    replicated, failed = _resync(lab)
    assert replicated + failed == want


def test_delete_markers_need_versioned_delete_replication(lab: Lab) -> None:
    def no_versioned_deletes(r: replconfig.LabRule) -> None:
        r.delete_replication = replconfig.DISABLED
    _edit_source_rule(lab, no_versioned_deletes)
    want = _source_versions(lab, lambda v: not v.delete_marker)
    assert want < _source_versions(lab, lambda v: True)  # the scenario has delete markers
    svc = RecoveryService(AliasBook(env=lab.env()))
    scope = count_scope(svc, "source", "data", arn_for(lab.target))
    assert scope is not None and scope.count == want
    replicated, failed = _resync(lab)
    assert replicated + failed == want


@pytest.mark.slow
def test_replicas_are_resynced_in_active_active(lab: Lab) -> None:
    """A version written on the target reaches the source as a REPLICA; the source's resync re-sends it too."""
    from helpers.waiting import wait_until as wait_for

    from fixtures_repl import s3

    vid = s3(lab.target).put_object(Bucket="data", Key="from-target/peer.txt", Body=b"peer")["VersionId"]
    wait_for(lambda: _source_versions(lab, lambda v: v.version_id == vid and v.replication_status == "REPLICA") == 1)
    want = _source_versions(lab, lambda v: True)
    assert _source_versions(lab, lambda v: v.replication_status == "REPLICA") >= 1
    replicated, failed = _resync(lab)
    assert replicated + failed == want


def test_replicated_delete_markers_are_not_counted_as_replicas_received(lab: Lab) -> None:
    """§21: `replicaCount` grows on PutObject of a replica only; a replicated delete marker is not counted."""
    from helpers.waiting import wait_until as wait_for

    from fixtures_repl import s3

    def received() -> int:
        return lab.call(lambda: lab.target.replicator.metrics.bucket("data").replica_count)

    src = s3(lab.source)
    before = received()
    vid = src.put_object(Bucket="data", Key="count/one.txt", Body=b"1")["VersionId"]
    wait_for(lambda: src.head_object(Bucket="data", Key="count/one.txt", VersionId=vid)["ReplicationStatus"]
             == "COMPLETED")
    assert received() == before + 1
    dm = src.delete_object(Bucket="data", Key="count/one.txt")["VersionId"]
    wait_for(lambda: any(m["VersionId"] == dm for m in s3(lab.target).list_object_versions(
        Bucket="data", Prefix="count/").get("DeleteMarkers", [])))
    assert received() == before + 1
