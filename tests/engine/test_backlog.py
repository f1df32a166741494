"""The backlog engine on the lab: dry run sends nothing, one HEAD per version (405 on a delete marker
counts), concurrency bound, paced rate limit, re-runs touch only what is still backlogged, resume from
a checkpoint, clear-checksum copies, validate-one."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from helpers.waiting import wait_until
from recovery_tui.lab.scenarios import arn_for
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.backlog import RateLimiter, run_backlog
from recovery_tui.service.checkpoint import Checkpoint
from recovery_tui.service.client import RecoveryService

from .conftest import FAST_FAIL, put_versions


class SpyService(RecoveryService):
    """The real service, recording which versions it HEADs and copies and how many at once."""

    def __init__(self, lab: Any, cancel_after: int = 0, cancel: threading.Event | None = None,
                 meet: int = 0) -> None:
        super().__init__(AliasBook(dict(lab.env())))
        self.heads: list[tuple[str, str]] = []
        self.copies: list[tuple[str, str]] = []
        self.active = self.max_active = 0
        self.lock = threading.Condition()
        self.cancel_after, self.cancel = cancel_after, cancel
        self.meet, self.met = meet, False
        """`meet=N`: the first calls wait (bounded) until N are in flight at once, so reaching N is an event
        the test can see, not a matter of timing."""

    def _enter(self) -> None:
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            if self.meet and not self.met:
                self.lock.notify_all()
                self.met = self.lock.wait_for(lambda: self.met or self.active >= self.meet, timeout=30)
                self.lock.notify_all()

    def _leave(self, log: list, key: str, vid: str) -> None:
        with self.lock:
            self.active -= 1
            log.append((key, vid))
            if self.cancel is not None and len(self.heads) + len(self.copies) >= self.cancel_after:
                self.cancel.set()

    def head_version(self, alias: str, bucket: str, key: str, version_id: str) -> Any:
        self._enter()
        try:
            return super().head_version(alias, bucket, key, version_id)
        finally:
            self._leave(self.heads, key, version_id)

    def copy_to_self(self, alias: str, bucket: str, key: str, version_id: str) -> str:
        self._enter()
        try:
            return super().copy_to_self(alias, bucket, key, version_id)
        finally:
            self._leave(self.copies, key, version_id)


def _vid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _failed(lab: Any, prefix: str, n: int, *, dm_key: bool = False) -> set[tuple[str, str]]:
    """`n` FAILED object versions under `prefix` on the source (plus a FAILED delete marker if asked)."""
    arn = arn_for(lab.target)
    specs = [(f"{prefix}o{i:03d}", _vid(f"{prefix}v{i}"), b"data%d" % i, False, 5) for i in range(n)]
    if dm_key:
        specs.append((f"{prefix}o000", _vid(f"{prefix}dm"), b"", True, 1))
    put_versions(lab, "source", "data", specs, status="FAILED", arn=arn)
    return {(k, v) for k, v, *_ in specs}


def _statuses(lab: Any, prefix: str) -> dict[tuple[str, str], str]:
    b = lab.source.site.buckets["data"]
    return lab.call(lambda: {(v.key, v.version_id): v.replication_status for v in b.iter_versions(prefix)})


def test_dry_run_lists_and_sends_nothing(lab: Any) -> None:
    want = _failed(lab, "dry/", 12, dm_key=True)
    before = _statuses(lab, "dry/")
    spy = SpyService(lab)
    r = run_backlog(spy, BucketPath("source", "data", "dry/"), dry_run=True)
    assert r.total == 13 and r.processed == 0 and {(i.key, i.version_id) for i in r.items} == want
    assert spy.heads == [] and spy.copies == []
    lab.call(lab.source.replicator.drain)  # anything the dry run queued would have landed by now
    assert _statuses(lab, "dry/") == before and set(before.values()) == {"FAILED"}


def test_one_head_per_version_and_405_on_delete_marker_counts(lab: Any) -> None:
    want = _failed(lab, "dm/", 3, dm_key=True)
    spy = SpyService(lab)
    r = run_backlog(spy, BucketPath("source", "data", "dm/"))
    assert (r.total, r.processed, r.failed) == (4, 4, 0)
    assert sorted(spy.heads) == sorted(want)  # each exactly once, the delete marker included
    assert spy.head_version("source", "data", "dm/o000", _vid("dm/dm")).delete_marker  # it answered 405


def test_rerun_touches_only_what_is_still_backlogged(lab: Any) -> None:
    ok = _failed(lab, "rr/ok-", 5)
    stuck = _failed(lab, "rr/stuck-", 3)
    lab.faults.fail_replication("rr/stuck-*")
    try:
        first = run_backlog(SpyService(lab), BucketPath("source", "data", "rr/"), wait_limit=0)
        assert (first.total, first.processed, first.failed) == (8, 8, 0)

        def settled() -> bool:
            st = _statuses(lab, "rr/")
            return all(st[p] == "COMPLETED" for p in ok) and all(st[p] == "FAILED" for p in stuck)

        wait_until(settled, what="the first run's heals landed")
        spy = SpyService(lab)
        second = run_backlog(spy, BucketPath("source", "data", "rr/"), wait_limit=0)
    finally:
        lab.faults.clear_replication_failures()
    assert second.total == 3 and sorted(spy.heads) == sorted(stuck)


def test_concurrency_is_bounded(lab: Any) -> None:
    _failed(lab, "cc/", 30)
    lab.faults.fail_replication("cc/*")
    try:
        five = SpyService(lab, meet=5)
        r = run_backlog(five, BucketPath("source", "data", "cc/"), concurrent=5, wait_limit=0)
        one = SpyService(lab)
        run_backlog(one, BucketPath("source", "data", "cc/"), concurrent=1, wait_limit=0)
    finally:
        lab.faults.clear_replication_failures()
    assert r.processed == 30 and len(five.heads) == 30 and len(one.heads) == 30
    assert five.met and five.max_active == 5  # five at a time, not one by one, and never more
    assert one.max_active == 1


def test_rate_limit_paces_request_starts(lab: Any) -> None:
    _failed(lab, "rl/", 15)
    lab.faults.fail_replication("rl/*")
    try:
        r = run_backlog(SpyService(lab), BucketPath("source", "data", "rl/"), concurrent=10, rate_limit=20,
                        wait_limit=0)
    finally:
        lab.faults.clear_replication_failures()
    assert r.processed == 15
    # never faster than the limit (load can only slow the starts down, so both bounds are safe under it)
    assert r.achieved_rate <= 20 * 1.05
    assert r.last_start - r.first_start >= 14 / 20 * 0.95


def test_rate_limiter_schedules_starts_without_banking_idle_time() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(round(s, 6))
        now[0] += s

    limiter = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
    assert slept == [0.1, 0.1]
    now[0] += 5  # idle: no burst of 50 afterwards
    limiter.wait()
    limiter.wait()
    assert slept == [0.1, 0.1, 0.1]


def test_resume_from_checkpoint_sends_nothing_twice(lab: Any, tmp_path: Path) -> None:
    want = _failed(lab, "rs/", 10)
    lab.faults.fail_replication("rs/*")
    params = {"path": "source/data/rs/"}
    try:
        cancel = threading.Event()
        spy1 = SpyService(lab, cancel_after=4, cancel=cancel)
        r1 = run_backlog(spy1, BucketPath("source", "data", "rs/"), concurrent=1, cancel=cancel,
                         checkpoint=Checkpoint.open(tmp_path / "b.json", "backlog", params))
        assert r1.interrupted and r1.processed == 4
        cp = Checkpoint.open(tmp_path / "b.json", "backlog", params)
        assert cp.resumed and cp.state["processed"] == 4
        spy2 = SpyService(lab)
        r2 = run_backlog(spy2, BucketPath("source", "data", "rs/"), concurrent=3, checkpoint=cp, wait_limit=0)
    finally:
        lab.faults.clear_replication_failures()
    assert r2.resumed and r2.skipped == 4 and (r2.total, r2.processed, r2.failed) == (10, 10, 0)
    assert not set(spy1.heads) & set(spy2.heads) and set(spy1.heads) | set(spy2.heads) == want


def test_clear_checksum_copies_objects_and_heads_delete_markers(lab: Any) -> None:
    """o001's FAILED version is its key's latest: copied. o000's object version sits under a newer
    FAILED delete marker: the marker gets a HEAD, the object version is refused (a copy would undelete it)."""
    _failed(lab, "cs/", 2, dm_key=True)
    before = len(_statuses(lab, "cs/"))
    spy = SpyService(lab)
    r = run_backlog(spy, BucketPath("source", "data", "cs/"), clear_checksum=True)
    assert (r.total, r.processed, r.new_versions, r.refused) == (3, 2, 1, 1)
    assert spy.copies == [("cs/o001", _vid("cs/v1"))] and spy.heads == [("cs/o000", _vid("cs/dm"))]
    assert [f.item.key for f in r.refusals] == ["cs/o000"]
    assert len(_statuses(lab, "cs/")) == before + 1  # each copy is a new version


def test_clear_checksum_rerun_never_copies_a_version_twice(lab: Any) -> None:
    """The originals stay FAILED after their copies are made, so the diff lists them again: a second
    --clear-checksum run must skip them (and say so) rather than add another version per object."""
    want = _failed(lab, "ck/", 3)
    b = lab.source.site.buckets["data"]
    lab.call(lambda: [setattr(b.get_version(k, v), "checksum_broken", True) for k, v in want])  # stays FAILED
    first = run_backlog(SpyService(lab), BucketPath("source", "data", "ck/"), clear_checksum=True, wait_limit=0)
    assert first.new_versions == 3
    after_first = len(_statuses(lab, "ck/"))
    spy = SpyService(lab)
    second = run_backlog(spy, BucketPath("source", "data", "ck/"), clear_checksum=True, wait_limit=0)
    assert spy.copies == [] and second.new_versions == 0 and second.already_copied == 3
    # community MinIO keeps the checksum, so the copies FAILED too: re-triggered, never copied again
    copies = {(k, v) for (k, v), st in _statuses(lab, "ck/").items() if (k, v) not in want}
    assert sorted(spy.heads) == sorted(copies) and len(copies) == 3
    assert len(_statuses(lab, "ck/")) == after_first
    assert second.to_json()["already_copied"] == 3


@pytest.mark.parametrize("clear", [False, True])
def test_validate_processes_exactly_one(lab: Any, clear: bool) -> None:
    _failed(lab, f"v1{int(clear)}/", 4, dm_key=True)
    spy = SpyService(lab)
    r = run_backlog(spy, BucketPath("source", "data", f"v1{int(clear)}/"), validate_one=True, clear_checksum=clear)
    assert r.processed == 1 and len(spy.heads) + len(spy.copies) == 1 and len(r.items) == 1
    assert len(spy.copies) == (1 if clear else 0)


def test_stock_service_uses_raw_head_and_heals(lab: Any) -> None:
    """Without a customised head_version the engine sends raw signed HEADs: objects heal, the DM's 405 counts."""
    want = _failed(lab, "raw/", 3, dm_key=True)
    r = run_backlog(RecoveryService(AliasBook(dict(lab.env()))), BucketPath("source", "data", "raw/"))
    assert (r.total, r.processed, r.failed) == (4, 4, 0)
    wait_until(lambda: set(_statuses(lab, "raw/").values()) == {"COMPLETED"}, what="the HEADs healed every version")
    assert set(_statuses(lab, "raw/")) == want and set(_statuses(lab, "raw/").values()) == {"COMPLETED"}


def test_failed_heads_are_counted_and_reported(lab: Any) -> None:
    """The source goes offline after the first HEAD: the rest fail, are counted and listed, nothing hangs."""
    _failed(lab, "off/", 5)

    class GoesOffline(SpyService):
        def head_version(self, alias: str, bucket: str, key: str, version_id: str) -> Any:
            out = super().head_version(alias, bucket, key, version_id)
            lab.faults.set_offline("source", True)
            return out

    spy = GoesOffline(lab)
    spy.retry = FAST_FAIL
    try:
        r = run_backlog(spy, BucketPath("source", "data", "off/"), concurrent=1, rate_limit=50, wait_limit=0)
    finally:
        lab.faults.set_offline("source", False)
    assert (r.total, r.processed, r.failed) == (5, 1, 4) and not r.ok
    assert len(r.failures) == 4 and all(f.error for f in r.failures)
