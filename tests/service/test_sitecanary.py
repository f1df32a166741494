"""The whole-site canary round (issue 11 item 5) on the `site-loss` lab: the sample (all, biggest, random,
marked), the canary rule (canary keys are the only keys written, only in the sampled buckets; no other key's
latest version changes on either site), and the verdicts (a canary not proven is unknown, never seen)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from recovery_tui.lab import sitescen
from recovery_tui.lab.server import Lab
from recovery_tui.service.canary import CANARY_PREFIX, CanaryCheck, CanaryWrite
from recovery_tui.service.discovery import count_versions, discover
from recovery_tui.service.errors import InputError
from recovery_tui.service.retry import RetryPolicy
from recovery_tui.service.sitecanary import NOT_SEEN, SEEN, UNKNOWN, canary_round, one_way_buckets, sample, verdict

from .conftest import make_service

FAST = RetryPolicy(name="TEST_FAST", attempts=1)


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = Lab(scenario="site-loss", objects=40, resync_delay=0.0).start()
    try:
        yield lab
    finally:
        lab.stop()


def latest(lab: Lab) -> dict[tuple[str, str, str], str]:
    """(site, bucket, key) → the key's latest version ID, on both sites."""
    def read() -> dict[tuple[str, str, str], str]:
        return {(rt.site.name, n, k): vs[0].version_id for rt in (lab.source, lab.target)
                for n, b in rt.site.buckets.items() for k, vs in b.versions.items() if vs}
    return dict(lab.call(read))


def plan_of(lab: Lab, tmp_path: Path, **kw: Any) -> tuple[Any, Any]:
    svc = make_service(lab, tmp_path, **kw)
    return svc, count_versions(svc, discover(svc, "source", "target"))


def test_sample_all_biggest_random_marked(lab: Lab, tmp_path: Path) -> None:
    _, plan = plan_of(lab, tmp_path)
    rows = plan.recoverable()
    every = sample(rows, "all")
    sizes = {b.bucket: b.source_versions for b in rows}
    assert sorted(every) == sorted(sitescen.recoverable("site-loss")) and sizes[every[0]] == max(sizes.values())
    assert sample(rows, "biggest", 3) == every[:3] and sizes[every[2]] >= sizes[every[3]]
    first = sample(rows, "random", 4, seed=11)
    assert len(first) == 4 and set(first) <= set(every) and sample(rows, "random", 4, seed=11) == first
    assert sample(rows, "random", 99, seed=1) == every  # never more than there are
    assert sample(rows, "marked", marked=["logs", "audit"]) == [b for b in every if b in ("logs", "audit")]
    for how, size, marked, needle in (("biggest", 0, (), "at least 1"), ("marked", None, ["nope"], "nope"),
                                      ("some", 1, (), "one of all, biggest")):
        with pytest.raises(InputError, match=needle):
            sample(rows, how, size, marked)


def test_a_sampled_round_writes_only_canary_keys_in_the_sample(lab: Lab, tmp_path: Path) -> None:
    svc, plan = plan_of(lab, tmp_path)
    wiped = {n for n, _, how in sitescen.SITE_LOSS_BUCKETS if how == "wipe"}
    chosen = ["logs", "audit", "photos"]  # photos was wiped on target, with its rules back
    one_way = one_way_buckets(svc, plan, chosen)
    assert one_way == {"photos"} and "photos" in wiped
    before = latest(lab)
    done: list[str] = []
    checks = canary_round(svc, plan, chosen, "run0001", one_way=one_way, timeout=20, interval=0.1,
                          on_done=lambda b, c: done.append(b))
    after = latest(lab)
    assert sorted(done) == sorted(chosen) and set(checks) == set(chosen)
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed and all(key.startswith(CANARY_PREFIX + "run0001-") for _, _, key in changed)
    assert {bucket for _, bucket, _ in changed} == set(chosen)  # nothing written outside the sample
    assert all(after[k] == v for k, v in before.items())  # no other key's latest version moved, either site
    assert {b: verdict(checks[b], b in one_way) for b in chosen} == {"logs": SEEN, "audit": SEEN, "photos": UNKNOWN}
    assert len(checks["photos"]) == 1 and checks["photos"][0].seen  # healthy → damaged did arrive


@pytest.mark.slow
def test_not_replicated_is_not_seen_and_an_offline_peer_is_unknown(lab: Lab, tmp_path: Path) -> None:
    svc, plan = plan_of(lab, tmp_path, retry=FAST)
    lab.faults.fail_replication(CANARY_PREFIX + "*")
    checks = canary_round(svc, plan, ["audit"], "run0002", timeout=1.0, interval=0.1)
    assert verdict(checks["audit"]) == NOT_SEEN and all(c.proven_absent for c in checks["audit"])
    lab.faults.clear_replication_failures()
    lab.faults.set_offline("target", True)
    checks = canary_round(svc, plan, ["audit"], "run0003", timeout=1.0, interval=0.1)
    assert verdict(checks["audit"]) == UNKNOWN, checks
    assert not any(c.seen or c.proven_absent for c in checks["audit"])


def test_verdict_never_ticks_what_was_not_proven() -> None:
    def check(seen: bool, proven_absent: bool = False) -> CanaryCheck:
        return CanaryCheck(CanaryWrite("source", "b", CANARY_PREFIX + "x", "v1"), "target", seen, 1.0,
                           proven_absent=proven_absent)
    assert verdict([check(True), check(True)]) == SEEN
    assert verdict([check(True), check(True)], one_way=True) == UNKNOWN
    assert verdict([check(True)]) == UNKNOWN  # one direction only
    assert verdict([check(True), check(False)]) == UNKNOWN  # not seen, not proven absent (a peer error)
    assert verdict([check(True), check(False, proven_absent=True)]) == NOT_SEEN
    assert verdict([]) == UNKNOWN
