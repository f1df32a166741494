"""The backlog engine proves what it reports (issue "Real-server fidelity, round 2", items 1, 3, 9):
an error line in the diff stream keeps the run incomplete and its checkpoint open; every 405 counts as
triggered; pending deletes are read from `dStatus`, counted apart and never copied; after a run the
backlog is re-read and each version sent is reported replicated, still PENDING or still FAILED."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from helpers.waiting import wait_until
from recovery_tui.lab.scenarios import arn_for
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.backlog import run_backlog
from recovery_tui.service.backlog_model import BacklogItem, refusal_reason
from recovery_tui.service.checkpoint import Checkpoint
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.http import HttpStatusError
from recovery_tui.service.version_probe import DELETE_MARKER, PENDING_DELETE, TRIGGERED, head_trigger

from .conftest import put_versions
from .test_backlog import SpyService


def _vid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _failed(lab: Any, prefix: str, n: int) -> set[tuple[str, str]]:
    specs = [(f"{prefix}o{i:03d}", _vid(f"{prefix}v{i}"), b"data%d" % i, False, 5) for i in range(n)]
    put_versions(lab, "source", "data", specs, status="FAILED", arn=arn_for(lab.target))
    return {(k, v) for k, v, *_ in specs}


def test_a_diff_error_line_leaves_the_run_incomplete_and_the_checkpoint_open(lab: Any, tmp_path: Path) -> None:
    _failed(lab, "de/", 6)
    params = {"path": "source/data/de/"}
    lab.faults.fail_replication("de/*")  # they stay backlogged: the re-run meets the first two again
    lab.faults.set_diff_error(2)
    try:
        r = run_backlog(SpyService(lab), BucketPath("source", "data", "de/"), wait_limit=0,
                        checkpoint=Checkpoint.open(tmp_path / "c.json", "backlog", params))
        lab.faults.set_diff_error(None)
        assert r.incomplete and not r.ok and (r.total, r.processed) == (2, 2) and r.error_exit_code == 1
        assert "walk" in r.error and "partial" in r.error
        cp = Checkpoint.open(tmp_path / "c.json", "backlog", params)
        assert cp.resumed and cp.state["processed"] == 2  # not marked done: a re-run continues
        again = run_backlog(SpyService(lab), BucketPath("source", "data", "de/"), wait_limit=0, checkpoint=cp)
    finally:
        lab.faults.set_diff_error(None)
        lab.faults.clear_replication_failures()
    assert again.resumed and again.skipped == 2 and (again.total, again.processed) == (6, 6) and not again.incomplete


def test_what_replicated_after_the_run_is_read_back(lab: Any) -> None:
    want = _failed(lab, "ok/", 4)
    r = run_backlog(RecoveryService(AliasBook(dict(lab.env()))), BucketPath("source", "data", "ok/"))
    a = r.after
    assert a is not None and (a.tracked, a.completed, a.pending, a.failed) == (4, 4, 0, 0) and a.settled
    assert r.ok and len(want) == 4


@pytest.mark.slow
def test_still_failed_after_the_run_is_counted_and_not_ok(lab: Any) -> None:
    want = _failed(lab, "sf/", 3)
    lab.faults.fail_replication("sf/o00[01]")
    try:
        r = run_backlog(RecoveryService(AliasBook(dict(lab.env()))), BucketPath("source", "data", "sf/"),
                        quiet=0.5)
    finally:
        lab.faults.clear_replication_failures()
    a = r.after
    assert (r.processed, r.failed) == (3, 0) and a is not None
    assert (a.completed, a.failed) == (1, 2) and not r.ok
    assert {(i.key, i.version_id) for i in a.still_failed} < want


def test_pending_delete_is_triggered_counted_apart_and_never_copied(lab: Any) -> None:
    """A FAILED version deleted by versionId while its delete cannot replicate: hidden, 405 on HEAD, listed in
    the diff with dStatus. --clear-checksum re-triggers it (the delete then replicates), never copies it."""
    [(key, vid)] = _failed(lab, "pd/", 1)
    svc = RecoveryService(AliasBook(dict(lab.env())))
    s3 = svc.site("source").s3
    lab.faults.fail_replication("pd/*")
    try:
        s3.delete_object(Bucket="data", Key=key, VersionId=vid)
        b = lab.source.site.buckets["data"]
        wait_until(lambda: lab.call(lambda: (b.get_purge(key, vid) or b.get_version(key, vid)).__class__.__name__)
              == "Purge" and lab.call(lambda: b.get_purge(key, vid).status) == "FAILED")
        dry = run_backlog(svc, BucketPath("source", "data", "pd/"), dry_run=True, clear_checksum=True)
    finally:
        lab.faults.clear_replication_failures()
    assert [(i.key, i.purge_status, i.op) for i in dry.items] == [(key, "FAILED", "DEL")] and dry.pending_deletes == 1
    spy = SpyService(lab)
    r = run_backlog(spy, BucketPath("source", "data", "pd/"), clear_checksum=True)
    assert spy.copies == [] and spy.heads == [(key, vid)] and (r.processed, r.pending_deletes) == (1, 1)
    assert r.after is not None and r.after.completed == 1 and r.ok  # the delete replicated: purged for good
    assert lab.call(lambda: lab.source.site.buckets["data"].get_purge(key, vid)) is None


def test_every_405_counts_as_triggered() -> None:
    """The real server answers 405 for a delete marker and for a pending delete (§17); the headers tell them
    apart, and a 405 carrying neither still means the heal was queued."""

    class Http:
        def __init__(self, headers: dict[str, str]) -> None:
            self.headers = headers

        def send(self, *a: Any, **kw: Any) -> Any:
            raise HttpStatusError(405, self.headers, b"")

    class Site:
        def __init__(self, headers: dict[str, str]) -> None:
            self.http = Http(headers)

        def ctx(self, *a: Any) -> None:
            return None

    class Service(RecoveryService):
        def __init__(self, headers: dict[str, str]) -> None:  # no aliases needed: the site is faked
            self._fake = Site(headers)

        def site(self, alias: str) -> Any:
            return self._fake

    for headers, kind in (({}, TRIGGERED), ({"x-amz-delete-marker": "true"}, DELETE_MARKER),
                          ({"x-amz-delete-marker": "true", "X-Minio-Replication-Delete-Status": "PENDING"},
                           PENDING_DELETE)):
        assert head_trigger(Service(headers), "a", "b")("k", "v") == kind


def test_a_pending_delete_or_delete_marker_is_never_copied() -> None:
    class Latest:
        version_id, delete_marker = "v", False

    assert refusal_reason(BacklogItem("k", "v", False, "FAILED", purge_status="PENDING"), Latest())
    assert refusal_reason(BacklogItem("k", "v", True, "FAILED"), Latest())
    assert refusal_reason(BacklogItem("k", "v", False, "FAILED"), Latest()) == ""
