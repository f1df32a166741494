"""The fleet runner (issue 11 items 3/6, bucket-replication path) against the `site-loss` lab: the cap on
running resyncs, the queue order, never a second start, checkpoint/resume, and the faults of the issue."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from helpers.fleetkit import starts as lab_starts
from recovery_tui.lab import sitescen
from recovery_tui.lab.server import Lab
from recovery_tui.service.checkpoint import Checkpoint
from recovery_tui.service.discovery import count_versions, discover
from recovery_tui.service.fleet import FleetPaused, FleetRunner
from recovery_tui.service.fleetmodel import COMPLETED, EXCLUDED, FAILED
from recovery_tui.service.retry import RetryPolicy

from .conftest import make_service

FAST = RetryPolicy(name="TEST_FAST", attempts=1)


class Log:
    """Collects journal records."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def record(self, action: str, *, mc: str = "", result: str = "ok", **detail: Any) -> None:
        with self.lock:
            self.records.append({"action": action, "mc": mc, "result": result, **detail})

    def of(self, action: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["action"] == action]


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = Lab(scenario="site-loss", objects=120, resync_delay=0.0).start()
    try:
        yield lab
    finally:
        lab.stop()


def server_running(lab: Lab) -> int:
    def count() -> int:
        return sum(1 for b in lab.source.site.buckets.values() for r in b.resync.values()
                   if r.status in ("Pending", "Ongoing"))
    return int(lab.call(count))


def reset_ids(lab: Lab) -> dict[str, set[str]]:
    return lab.call(lambda: {n: {r.reset_id for r in b.resync.values()} for n, b in lab.source.site.buckets.items()
                             if b.resync})


def wait_for(pred: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := pred()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return value


def plan_of(lab: Lab, tmp_path: Path, **kw: Any) -> tuple[Any, Any]:
    svc = make_service(lab, tmp_path, **kw)
    return svc, count_versions(svc, discover(svc, "source", "target"))


def test_cap_order_and_completion(lab: Lab, tmp_path: Path) -> None:
    lab.source.replicator.resync.delay = 0.002  # type: ignore[attr-defined]
    svc, plan = plan_of(lab, tmp_path)
    log, peak = Log(), [0]
    runner = FleetRunner(svc, plan, max_running=2, journal=log, poll_interval=0.05,
                         on_update=lambda s: peak.__setitem__(0, max(peak[0], server_running(lab))))
    snap = runner.run()
    assert snap.status == COMPLETED and 1 <= peak[0] <= 2
    rows = {r.bucket: r for r in snap.rows}
    assert {b for b, r in rows.items() if r.status == EXCLUDED} == {sitescen.NO_EXISTING, sitescen.TARGET_MISSING}
    assert all(r.clean for r in rows.values() if r.status != EXCLUDED)
    starts = [r["bucket"] for r in log.of("site.resync.start")]
    assert sorted(starts) == sorted(sitescen.recoverable("site-loss"))  # each exactly once
    sizes = {b.bucket: b.source_versions for b in plan.recoverable()}
    assert starts[:2] == sorted(sizes, key=lambda b: (-sizes[b], b))[:2]  # biggest first
    assert log.of("site.resync.start")[0]["mc"].startswith(f"mc replicate resync start source/{starts[0]} "
                                                            "--remote-bucket arn:minio:replication::")
    assert len(log.of("site.resync.end")) == len(starts)
    assert lab_starts(lab) == {b: 1 for b in sitescen.recoverable("site-loss")}  # the lab's own count of starts


def test_given_order_and_selection(lab: Lab, tmp_path: Path) -> None:
    svc, plan = plan_of(lab, tmp_path)
    log = Log()
    runner = FleetRunner(svc, plan, buckets=["media", "audit", "empty"], order="given", max_running=1,
                         journal=log, poll_interval=0.05)
    snap = runner.run()
    assert [r["bucket"] for r in log.of("site.resync.start")] == ["media", "audit", "empty"]
    rows = {r.bucket: r for r in snap.rows}
    assert rows["photos"].status == EXCLUDED and "--buckets" in rows["photos"].detail
    assert snap.status == COMPLETED


def test_a_running_resync_is_followed_never_started_twice(lab: Lab, tmp_path: Path) -> None:
    lab.source.replicator.resync.delay = 0.01  # type: ignore[attr-defined]
    svc, plan = plan_of(lab, tmp_path)
    row = plan.get("logs")
    mine = svc.start_resync("source", "logs", row.arn, reset_id="operator-started-it")
    log = Log()
    snap = FleetRunner(svc, plan, buckets=["logs", "crm"], journal=log, poll_interval=0.05).run()
    assert [r["bucket"] for r in log.of("site.resync.adopt")] == ["logs"]
    assert [r["bucket"] for r in log.of("site.resync.start")] == ["crm"]
    logs = next(r for r in snap.rows if r.bucket == "logs")
    assert logs.reset_id == mine.reset_id == "operator-started-it" and logs.status == COMPLETED
    assert reset_ids(lab)["logs"] == {"operator-started-it"} and lab_starts(lab) == {"logs": 1, "crm": 1}


def test_checkpoint_resume_continues_without_double_start(lab: Lab, tmp_path: Path) -> None:
    lab.source.replicator.resync.delay = 0.01  # type: ignore[attr-defined]
    svc, plan = plan_of(lab, tmp_path)
    cp_path = tmp_path / "fleet.json"
    params = {"source": "source", "target": "target", "mode": plan.mode}
    first_log = Log()
    first = FleetRunner(svc, plan, max_running=3, journal=first_log, poll_interval=0.05,
                        checkpoint=Checkpoint.open(cp_path, "site-resync", params))
    first.step()  # three started, then the process "dies" (Ctrl+C / SIGHUP)
    started_first = {r["bucket"] for r in first_log.of("site.resync.start")}
    assert len(started_first) == 3
    second_log = Log()
    second = FleetRunner(svc, plan, max_running=3, journal=second_log, poll_interval=0.05,
                         checkpoint=Checkpoint.open(cp_path, "site-resync", params))
    assert second.resumed
    snap = second.run()
    started_second = {r["bucket"] for r in second_log.of("site.resync.start")}
    assert started_first.isdisjoint(started_second)
    assert started_first | started_second == set(sitescen.recoverable("site-loss"))
    assert snap.status == COMPLETED and lab_starts(lab) == {b: 1 for b in sitescen.recoverable("site-loss")}
    assert Checkpoint.open(cp_path, "site-resync", params).state == {}  # done: a new run starts afresh


def test_one_refused_start_fails_its_row_only(lab: Lab, tmp_path: Path) -> None:
    svc, plan = plan_of(lab, tmp_path)
    lab.call(lambda: setattr(lab.target.site.buckets["media"], "versioning", "Suspended"))
    log = Log()
    snap = FleetRunner(svc, plan, journal=log, poll_interval=0.05).run()
    rows = {r.bucket: r for r in snap.rows}
    assert rows["media"].status == FAILED and "start refused" in rows["media"].detail
    assert "versioning" in rows["media"].detail
    assert [r["bucket"] for r in log.of("site.resync.refused")] == ["media"]
    assert all(r.clean for b, r in rows.items() if b != "media" and r.status != EXCLUDED), \
        [(r.bucket, r.status, r.failed_count, r.detail) for r in rows.values()]
    assert snap.status == FAILED


def test_bucket_deleted_mid_run(lab: Lab, tmp_path: Path) -> None:
    svc, plan = plan_of(lab, tmp_path)
    lab.faults.delete_bucket("source", "audit")
    snap = FleetRunner(svc, plan, poll_interval=0.05).run()
    rows = {r.bucket: r for r in snap.rows}
    assert rows["audit"].status == FAILED and "deleted during the run" in rows["audit"].detail
    assert sum(1 for r in rows.values() if r.clean) == len(sitescen.recoverable("site-loss")) - 1, \
        [(r.bucket, r.status, r.failed_count, r.detail) for r in rows.values()]


def test_damaged_site_offline_pauses_then_resumes(lab: Lab, tmp_path: Path) -> None:
    svc, plan = plan_of(lab, tmp_path, retry=FAST)
    lab.faults.set_offline("target", True)
    log, result = Log(), {}
    runner = FleetRunner(svc, plan, journal=log, poll_interval=0.05, max_pause=120)
    thread = threading.Thread(target=lambda: result.setdefault("snap", runner.run()))
    thread.start()
    try:
        wait_for(lambda: runner.snapshot().paused)
        assert "damaged site target does not answer" in runner.snapshot().paused
        assert server_running(lab) == 0 and not log.of("site.resync.start")
        lab.faults.set_offline("target", False)
        thread.join(timeout=120)
    finally:
        runner.cancel.set()
        thread.join(timeout=10)
    assert result["snap"].status == COMPLETED
    assert len(log.of("site.pause")) == 1 and len(log.of("site.resume")) == 1


def test_offline_longer_than_max_pause_stops_with_exit_3(lab: Lab, tmp_path: Path) -> None:
    svc, plan = plan_of(lab, tmp_path, retry=FAST)
    lab.faults.set_offline("target", True)
    runner = FleetRunner(svc, plan, poll_interval=0.05, max_pause=0.3)
    with pytest.raises(FleetPaused) as info:
        runner.run()
    assert info.value.exit_code == 3 and "run the same command again" in info.value.hint.lower()
