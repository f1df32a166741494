"""The whole-site flow in the wizard on the `site-loss` lab (issue 11 "done when"): Connect's `w`, the plan, one
typed confirmation, the fleet monitor until every bucket completed, fleet validation IN SYNC, rules, checklist and
the site report, keyboard only at 80x24, counting the keys pressed."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from helpers.fleetkit import starts
from helpers.labkit import site_loss_lab
from helpers.pilot import Keys, settle, wait_for
from helpers.waiting import wait_until
from recovery_tui.lab import sitescen
from recovery_tui.lab.server import Lab
from recovery_tui.screens.dialogs import ErrorModal, TypeToConfirmModal
from recovery_tui.screens.site_base import PickDamagedModal
from recovery_tui.screens.site_monitor import BucketMonitorScreen, SiteMonitorScreen
from recovery_tui.screens.site_plan import SitePlanScreen
from recovery_tui.screens.site_report import SiteReportScreen
from recovery_tui.screens.site_validate import DiffModal, SiteValidateScreen
from recovery_tui.service.client import RecoveryService
from recovery_tui.widgets.footer import Footer

pytestmark = pytest.mark.slow  # the whole-site flow through the wizard on a site lab


@pytest.fixture
def site_lab() -> Any:
    with site_loss_lab(150) as lab:
        yield lab


async def test_whole_site_recovery_keyboard_only(site_lab: Lab, wizard: Any, monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    app = wizard(site_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        press = Keys(pilot)
        await press("w")
        assert isinstance(app.screen, PickDamagedModal)
        await press("enter")  # the only other alias: target
        assert isinstance(app.screen, SitePlanScreen)
        plan = app.screen.session.plan
        assert plan is not None and plan.source == "source" and plan.target == "target"
        assert {b.bucket for b in plan.recoverable()} == set(sitescen.recoverable("site-loss"))
        assert app.screen.query_one("#plan-table", DataTable).row_count == len(plan.buckets)
        await press("s")
        assert isinstance(app.screen, TypeToConfirmModal)
        await press(*"target", "enter")
        assert isinstance(app.screen, SiteMonitorScreen)
        snap = app.screen.snap
        assert snap is not None and snap.status == "Completed", snap and [(r.bucket, r.status, r.detail)
                                                                            for r in snap.rows]
        assert "Every bucket Completed" in str(app.screen.query_one("#fleet-banner").render())
        await press("enter")  # the highlighted bucket's own monitor
        assert isinstance(app.screen, BucketMonitorScreen)
        await press("escape")
        assert isinstance(app.screen, SiteMonitorScreen)
        await press("v")
        assert isinstance(app.screen, SiteValidateScreen)
        validation = app.screen.session.validation
        assert validation is not None and validation.in_sync, [b.to_json() for b in validation.buckets]
        await press("enter")
        assert isinstance(app.screen, DiffModal)
        await press("escape", "n")
        assert isinstance(app.screen, SiteReportScreen)
        rules = app.screen.session.rules
        wiped = {n for n, _, how in sitescen.SITE_LOSS_BUCKETS if how == "wipe"}
        assert {b for b, p in rules.items() if p.to_fix} == wiped
        await press("w")
        paths = app.screen.session.report_paths
        assert len(paths) == 2 and all(Path(p).exists() for p in paths)
        report = json.loads(Path(paths[1]).read_text())
        rows = {b["bucket"]: b for b in report["buckets"]}
        assert rows["photos"]["resync"]["status"] == "Completed"
        assert rows["photos"]["validation"]["in_sync"] is True
        assert rows[sitescen.TARGET_MISSING]["recoverable"] is False and rows[sitescen.TARGET_MISSING]["fix"]
        checks = {c["key"]: c["done"] for c in report["checklist"]}
        assert checks["resync"] and checks["validate"] and not checks["rules"]
        assert "# Site recovery: source → target" in Path(paths[0]).read_text()
        assert press.count <= 40
        assert site_lab.source.site.secret_key not in Path(paths[0]).read_text() + Path(paths[1]).read_text()


async def test_plan_include_exclude_and_cap(site_lab: Lab, wizard: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    app = wizard(site_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w", "enter")
        await settle(pilot, 5)
        screen = app.screen
        assert isinstance(screen, SitePlanScreen)
        footer = screen.query_one(Footer)  # every key it shows fits in 80 columns ("s Start" was cut off)
        shown = [k.description for k in footer.query(FooterKey)]
        assert "Start" in shown and footer.virtual_size.width <= footer.size.width == 80, (shown, footer.virtual_size)
        every = set(screen.session.included)
        await pilot.press("a")  # none
        assert screen.session.included == set()
        await pilot.press("r")  # read again: the operator's choice stays
        await settle(pilot, 5)
        assert screen.session.plan is not None and screen.session.included == set()
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SitePlanScreen)  # nothing included: nothing to confirm
        await pilot.press("a", "m")
        assert screen.session.included == every and screen.session.max_running == 8
        first = screen.session.plan.buckets[0].bucket
        await pilot.press("space")
        assert first not in screen.session.included
        await pilot.press("s", *"target", "enter")
        await settle(pilot, 6)
        snap = app.screen.snap
        rows = {r.bucket: r for r in snap.rows}
        assert rows[first].status == "Excluded" and "left out" in rows[first].detail
        assert all(r.clean for b, r in rows.items() if b in every - {first})


async def _start_site_run(pilot: Any) -> None:
    """From Connect: w (the damaged site: target), then s and the typed confirmation on the plan."""
    await settle(pilot)
    await pilot.press("w", "enter")
    await settle(pilot, 5)
    await pilot.press("s", *"target", "enter")


async def _reattached(site_lab: Lab, wizard: Any) -> dict[str, Any]:
    """The next session, resumed from the saved wizard state: its fleet monitor's rows once the run is over."""
    from recovery_tui.state import WizardState

    saved = WizardState.load(lab=True)
    assert saved is not None and saved.resumable and saved.extra["site"]["target"] == "target"
    again = wizard(site_lab, resume=saved)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("y")  # Resume
        await settle(pilot, 6)
        snap = again.screen.snap
        assert isinstance(again.screen, SiteMonitorScreen) and snap is not None and snap.status == "Completed"
        return {r.bucket: r for r in snap.rows}


async def test_reattach_after_a_drop_restores_every_row(site_lab: Lab, wizard: Any, monkeypatch: Any) -> None:
    """Quit mid-run (as after SIGHUP): the next session offers to reattach, the fleet monitor comes back with
    every row from the checkpoint, follows the running resyncs and starts the rest, each bucket exactly once.

    The lab holds every started resync Ongoing until the first session is gone: running free, it finishes the
    whole fleet in about a second, so the quit could come after the end (and a poll might never see one run)."""

    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    site_lab.source.replicator.resync.delay = 0.02  # type: ignore[attr-defined]
    site_lab.faults.hold_resync(0)
    app = wizard(site_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start_site_run(pilot)
        await wait_for(pilot, lambda: mid_run(app.screen), what="a full set of resyncs running, the rest queued")
        assert isinstance(app.screen, SiteMonitorScreen) and app.site_running
        first = {r.bucket: r.reset_id for r in app.screen.snap.rows if r.reset_id}
        runner = app.screen.session.runner
        assert runner is not None
    wait_until(runner.idle.is_set, what="the first session's runner to stop")  # (Textual does not join it)
    site_lab.faults.release_resync()
    rows = await _reattached(site_lab, wizard)
    assert all(rows[b].reset_id == rid for b, rid in first.items())  # followed, not restarted
    # each bucket started exactly once over both sessions (the lab's own count; a record keeps only the last)
    assert starts(site_lab) == {b: 1 for b in sitescen.recoverable("site-loss")}


async def test_reattach_after_the_run_finished_starts_nothing_again(site_lab: Lab, wizard: Any,
                                                                     monkeypatch: Any) -> None:
    """The run ends while nobody watches (its checkpoint is marked done), then the session drops: the reattach
    shows every row as the run ended, each with its own ResetID, and starts no bucket a second time."""

    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    app = wizard(site_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start_site_run(pilot)
        await settle(pilot, 6)
        snap = app.screen.snap
        assert isinstance(app.screen, SiteMonitorScreen) and snap is not None and snap.status == "Completed"
        first = {r.bucket: r.reset_id for r in snap.rows if r.reset_id}
        runner = app.screen.session.runner
        assert runner is not None
    wait_until(runner.idle.is_set, what="the first session's runner to stop")
    assert set(first) == set(sitescen.recoverable("site-loss"))
    rows = await _reattached(site_lab, wizard)
    assert {b: r.reset_id for b, r in rows.items() if r.reset_id} == first
    assert starts(site_lab) == {b: 1 for b in sitescen.recoverable("site-loss")}


async def test_leaving_while_a_start_is_under_way_then_starting_again_starts_it_once(site_lab: Lab, wizard: Any,
                                                                                    monkeypatch: Any) -> None:
    """Escape from the fleet monitor while its runner is starting a bucket, and s again at once: the new monitor
    waits (and says so) until that start is in the checkpoint, then follows it. Before, it read the checkpoint
    without it and started the bucket itself; `empty` completes at once, so the old start then began a second
    resync of it."""

    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    inside, gate = threading.Event(), threading.Event()
    start = RecoveryService.start_resync

    def gated(self: RecoveryService, alias: str, bucket: str, *args: Any, **kw: Any) -> Any:
        if bucket == "empty" and not inside.is_set():  # the first start of `empty` waits for the gate
            inside.set()
            gate.wait(30)
        return start(self, alias, bucket, *args, **kw)

    monkeypatch.setattr(RecoveryService, "start_resync", gated)
    app = wizard(site_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start_site_run(pilot)
        await wait_for(pilot, inside.is_set, timeout=30, what="the runner starting `empty`")
        old = app.screen.session.runner
        await pilot.press("escape")
        assert isinstance(app.screen, SitePlanScreen)
        await pilot.press("s", *"target", "enter")
        monitor = app.screen
        assert isinstance(monitor, SiteMonitorScreen)
        await wait_for(pilot, lambda: "Waiting for the previous monitor" in str(monitor.query_one("#fleet-totals")
                                                                                    .render()),
                       what="the new monitor waiting for the old run's last tick")
        assert starts(site_lab).get("empty", 0) == 0
        gate.set()
        await wait_for(pilot, old.idle.is_set, what="the old run's last tick to end")
        await wait_for(pilot, lambda: monitor.snap is not None and monitor.snap.status == "Completed", timeout=30,
                       what="the run to complete")
        assert starts(site_lab) == {b: 1 for b in sitescen.recoverable("site-loss")}


async def test_the_monitor_refuses_to_drive_a_run_another_process_drives(site_lab: Lab, wizard: Any) -> None:
    """Another process holds the run's lock (`runlock`): the fleet monitor starts nothing and says who drives
    the run and how to watch it (the App's error dialog, then the monitor's banner)."""
    from recovery_tui.service.fleet import open_checkpoint
    from recovery_tui.service.runlock import RunLock

    app = wizard(site_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w", "enter")
        await settle(pilot, 5)
        other = RunLock(open_checkpoint(app.screen.session.plan).path, "")
        other.acquire(None)
        try:
            await pilot.press("s", *"target", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), what="the refusal")
            modal = app.screen
            assert isinstance(modal, ErrorModal) and modal.title_text == "Another recovery-tui drives this run"
            assert f"drives this site run (pid {os.getpid()} on " in modal.message and "nothing was started" in \
                modal.message and "Watch it with: recovery-tui site resync status source target" in modal.hint
            await pilot.press("enter")
        finally:
            other.release()
        monitor = app.screen
        assert isinstance(monitor, SiteMonitorScreen)
        banner = str(monitor.query_one("#fleet-banner").render())
        assert "another recovery-tui process drives this site run" in banner and "Watch it with" in banner
        assert starts(site_lab) == {} and not app.site_running


def mid_run(screen: Any) -> bool:
    """The fleet monitor shows as many resyncs running as it runs at once, and some still queued."""
    snap = getattr(screen, "snap", None)
    return snap is not None and snap.totals.running == snap.max_running and snap.totals.queued > 0
