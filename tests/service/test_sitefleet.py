"""The site-level resync (site replication, facts §15) through `SiteResyncRunner` and the `siterepl` calls,
against the `site-replication` lab: one start, failures listed per bucket, the Ongoing-after-cancel quirk."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from recovery_tui.lab import sitescen
from recovery_tui.lab.server import Lab
from recovery_tui.service.discovery import discover
from recovery_tui.service.errors import ConnectionFailure, InputError
from recovery_tui.service.fleet import FleetRunner
from recovery_tui.service.fleetmodel import COMPLETED, FAILED
from recovery_tui.service.fleetstatus import fleet_status
from recovery_tui.service.sitefleet import SITE_READS_AT_END, SiteResyncRunner
from recovery_tui.service.siterepl import (
    SiteResyncAllFailed,
    SiteResyncRefused,
    site_replication_info,
    site_resync,
    site_resync_metrics,
)

from .conftest import make_service
from .test_fleet import Log


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = Lab(scenario="site-replication", objects=150, resync_delay=0.0).start()
    try:
        yield lab
    finally:
        lab.stop()


def test_site_level_run_completes_with_one_start(lab: Lab, tmp_path: Path) -> None:
    svc = make_service(lab, tmp_path)
    plan = discover(svc, "source", "target")
    log = Log()
    snap = SiteResyncRunner(svc, plan, journal=log, poll_interval=0.05).run()
    assert snap.status == COMPLETED and {r.bucket for r in snap.rows} == set(sitescen.recoverable("site-replication"))
    [start] = log.of("site.resync.site-start")
    assert start["result"] == "ok" and not log.of("site.resync.start")
    assert start["mc"] == "mc admin replicate resync start source target"
    assert snap.site.startswith(f"site resync {start['resync_id'][:8]}: ") and "versions re-sent" in snap.site
    assert {r.reset_id for r in snap.rows} == {start["resync_id"]}
    m = site_resync_metrics(svc, "source", lab.target.site.deployment_id)
    assert m is not None and m.complete and m.resync_id == start["resync_id"] and m.replicated_count > 0
    status = fleet_status(svc, plan)
    assert status.status == COMPLETED and "server status Completed" in status.note


def test_partial_failure_fails_those_rows_and_says_why(lab: Lab, tmp_path: Path) -> None:
    svc = make_service(lab, tmp_path)
    plan = discover(svc, "source", "target")
    lab.call(lambda: lab.source.site.targets.__setitem__("docs", []))
    runner = SiteResyncRunner(svc, plan, poll_interval=0.05)
    snap = runner.run()
    rows = {r.bucket: r for r in snap.rows}
    assert rows["docs"].status == FAILED and "no valid remote target found for this peer" in rows["docs"].detail
    assert all(r.clean for b, r in rows.items() if b != "docs")
    assert "never started" in snap.note and "Ongoing" in snap.note and "site resync cancel source target" in snap.note


@pytest.mark.parametrize(("unread", "said"), [(2, "never started"), (99, "could not be read")])
def test_the_site_status_is_read_after_every_bucket_ended(lab: Lab, tmp_path: Path, unread: int, said: str) -> None:
    """The metrics read on the tick where the last bucket ends fails (a cut stream): the run asks again on the
    next ticks instead of ending without the site-level status; unread SITE_READS_AT_END times, it ends saying
    that status is unknown and how to read it."""
    svc = make_service(lab, tmp_path)
    plan = discover(svc, "source", "target")
    lab.call(lambda: lab.source.site.targets.__setitem__("docs", []))  # the site status then stays Ongoing
    runner = SiteResyncRunner(svc, plan, poll_interval=0.05)
    real, left, asked = runner.metrics, [unread], []

    def cut_at_the_end() -> Any:
        if FleetRunner.finished.fget(runner):  # type: ignore[attr-defined]  # every bucket has ended
            asked.append(1)
            if left[0] > 0:
                left[0] -= 1
                raise ConnectionFailure("source: the metrics stream was cut")
        return real()

    runner.metrics = cut_at_the_end  # type: ignore[method-assign]
    snap = runner.run()
    assert said in snap.note
    if unread < SITE_READS_AT_END:
        assert len(asked) == unread + 1 and runner.site_status == "Ongoing" and "Ongoing" in snap.note
    else:
        assert len(asked) == SITE_READS_AT_END
        assert "mc admin replicate resync status source target" in snap.note


def test_already_running_is_followed_and_second_start_refused(lab: Lab, tmp_path: Path) -> None:
    lab.source.replicator.resync.delay = 0.01  # type: ignore[attr-defined]
    svc = make_service(lab, tmp_path)
    info = site_replication_info(svc, "source")
    peer = info.peer(lab.target.site.deployment_id)
    assert info.enabled and peer is not None and [p.name for p in info.sites] == ["source", "target"]
    first = site_resync(svc, "source", peer, "start")
    assert first.status == "Ongoing" and first.failed == ()
    with pytest.raises(SiteResyncRefused) as refused:
        site_resync(svc, "source", peer, "start", target_alias="target")
    assert "already running" in refused.value.message and "mc admin service restart source" in refused.value.hint
    log = Log()
    snap = SiteResyncRunner(svc, discover(svc, "source", "target"), journal=log, poll_interval=0.05).run()
    assert not log.of("site.resync.site-start") and len(log.of("site.resync.adopt")) == 1
    assert snap.status == COMPLETED and {r.reset_id for r in snap.rows} == {first.resync_id}


def test_cancel_is_best_effort_and_said_plainly(lab: Lab, tmp_path: Path) -> None:
    lab.source.replicator.resync.delay = 0.05  # type: ignore[attr-defined]
    svc = make_service(lab, tmp_path)
    plan = discover(svc, "source", "target")
    runner = SiteResyncRunner(svc, plan, poll_interval=0.05)
    runner.step()
    op = runner.cancel_site()
    assert op.status == "Canceled" and "until source restarts" in runner.note
    snap = runner.run()
    assert snap.status == FAILED and all(r.status == FAILED and "canceled" in r.detail for r in snap.rows)
    assert "still reports site resync" in snap.note
    # A new run follows the (canceled, still "Ongoing") resync instead of starting a second one.
    again = SiteResyncRunner(svc, plan, poll_interval=0.05)
    again.step()
    assert "already running" in again.note
    lab.faults.restart("source")
    with pytest.raises(SiteResyncRefused, match="already canceled"):
        SiteResyncRunner(svc, plan).cancel_site()


def test_all_failed_is_one_clear_error(lab: Lab, tmp_path: Path) -> None:
    svc = make_service(lab, tmp_path)
    plan = discover(svc, "source", "target")

    def strip() -> None:
        for name in lab.source.site.targets:
            lab.source.site.targets[name] = []
    lab.call(strip)
    log = Log()
    runner = SiteResyncRunner(svc, plan, journal=log, poll_interval=0.05)
    with pytest.raises(SiteResyncAllFailed) as info:
        runner.run()
    assert info.value.exit_code == 1 and "refuses a new start until then" in info.value.hint
    snap = runner.snapshot()  # every row says it never started; nothing is left queued to retry
    assert snap.rows and all(r.status == "Failed" and r.detail.startswith("did not start") for r in snap.rows)
    [start] = log.of("site.resync.site-start")
    assert start["result"] == "failed" and start["mc"] == "mc admin replicate resync start source target"


def test_bucket_mode_plan_is_refused(tmp_path: Path) -> None:
    lab = Lab(scenario="site-loss", objects=40).start()
    try:
        svc = make_service(lab, tmp_path)
        with pytest.raises(InputError, match="not a site-replication peer"):
            SiteResyncRunner(svc, discover(svc, "source", "target"))
    finally:
        lab.stop()
