"""The whole-site flow on the `site-replication` lab (issue 11 item 2): the plan recommends ONE site-level resync,
one typed confirmation starts it through `resync/op`, the fleet monitor follows each bucket's own resync and the
metrics stream, and every bucket ends IN SYNC by the same per-bucket validation, keyboard only at 80x24 with the
keys counted. Then what the server really does (facts §15.4): a resync already running is followed, a bucket that
failed to start fails its row only, all-failed is one error with its fix, a cancel leaves the site status Ongoing;
leaving the monitor never cancels, and a reattach restores the site-level run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers.pilot import Keys, keep_notifications, screen_text, settle, wait_for
from recovery_tui.journal import read_run
from recovery_tui.lab import sitescen
from recovery_tui.lab.server import Lab
from recovery_tui.mccheck import check_command, problems_in_text
from recovery_tui.screens.dialogs import ConfirmModal, ErrorModal, TypeToConfirmModal
from recovery_tui.screens.site_base import PickDamagedModal
from recovery_tui.screens.site_monitor import SiteMonitorScreen
from recovery_tui.screens.site_plan import SitePlanScreen
from recovery_tui.screens.site_report import SiteReportScreen
from recovery_tui.screens.site_validate import SiteValidateScreen

pytestmark = pytest.mark.slow  # the site-level flow through the wizard on a site-replication lab

START_MC = "mc admin replicate resync start source target"
BUCKETS = set(sitescen.recoverable("site-replication"))


@pytest.fixture
def sr_lab() -> Any:
    lab = Lab(scenario="site-replication", objects=150, resync_delay=0.0).start()
    try:
        yield lab
    finally:
        lab.stop()


def journal(app: Any, action: str) -> list[dict[str, Any]]:
    """This run's journal records of `action`, their details merged in."""
    if not app.journal.path.exists():
        return []
    return [{**r, **(r.get("detail") or {})} for r in read_run(app.journal.path) if r.get("action") == action]


def unrunnable(app: Any, *texts: str) -> dict[str, Any]:
    """Printed mc commands that would not run as printed: the journal's `mc` fields and the given prose."""
    bad: dict[str, Any] = {r["mc"]: check_command(r["mc"]) for r in read_run(app.journal.path) if r.get("mc")}
    for text in texts:
        bad.update(problems_in_text(text))
    return {cmd: p for cmd, p in bad.items() if p}


def banner(app: Any) -> str:
    return str(app.screen.query_one("#fleet-banner").render())


def ended(app: Any) -> bool:
    snap = getattr(app.screen, "snap", None)
    return snap is not None and bool(snap.rows) and not any(r.running or r.status == "Queued" for r in snap.rows)


def running_on_server(lab: Lab) -> set[str]:
    """Buckets whose resync is Pending/Ongoing on the healthy site."""
    return lab.call(lambda: {n for n, b in lab.source.site.buckets.items()
                             if any(r.status in ("Pending", "Ongoing") for r in b.resync.values())})


def site_resyncs(lab: Lab) -> dict[str, set[str]]:
    """Bucket → the ResetIDs of its resyncs on the healthy site (one per start)."""
    return lab.call(lambda: {n: {r.reset_id for r in b.resync.values()}
                             for n, b in lab.source.site.buckets.items() if b.resync})


async def to_plan(pilot: Any, app: Any) -> SitePlanScreen:
    await settle(pilot)
    await pilot.press("w", "enter")
    await settle(pilot, 5)
    screen = app.screen
    assert isinstance(screen, SitePlanScreen) and screen.session.plan is not None
    return screen


async def start(pilot: Any, app: Any) -> SiteMonitorScreen:
    await pilot.press("s", *"target", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SiteMonitorScreen) and app.screen.snap is not None,
                   what="the fleet monitor's first snapshot")
    return app.screen


async def test_site_level_recovery_keyboard_only(sr_lab: Lab, wizard: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    app = wizard(sr_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        press = Keys(pilot)
        await press("w")
        assert isinstance(app.screen, PickDamagedModal)
        await press("enter")
        plan_screen = app.screen
        assert isinstance(plan_screen, SitePlanScreen)
        assert plan_screen.session.site_level and plan_screen.session.included == BUCKETS
        status = str(plan_screen.query_one("#plan-status").render())
        assert "Recommended: one site-level resync, all 7 buckets" in status and "p per bucket" in status
        assert plan_screen.mc_command() == START_MC
        await press("s")
        assert isinstance(app.screen, TypeToConfirmModal) and "ONE site-replication resync" in screen_text(app)
        await press(*"target", "enter")
        assert isinstance(app.screen, SiteMonitorScreen)
        await wait_for(pilot, lambda: ended(app), timeout=60, what="every bucket's resync ended")
        snap = app.screen.snap
        assert snap.status == "Completed", [(r.bucket, r.status, r.detail) for r in snap.rows]
        [site_start] = journal(app, "site.resync.site-start")
        assert site_start["mc"] == START_MC and site_start["result"] == "ok"
        assert not journal(app, "site.resync.start")  # no per-bucket start: the server started every bucket
        assert {r.reset_id for r in snap.rows} == {site_start["resync_id"]}
        assert all(ids == {site_start["resync_id"]} for ids in site_resyncs(sr_lab).values())
        await wait_for(pilot, lambda: "Completed · " in str(app.screen.query_one("#fleet-totals").render()),
                       what="the metrics stream's line reads Completed")
        assert "Every bucket Completed" in banner(app)
        await press("v")
        assert isinstance(app.screen, SiteValidateScreen)
        validation = app.screen.session.validation
        assert validation is not None and validation.in_sync, [b.to_json() for b in validation.buckets]
        assert {b.bucket for b in validation.buckets} == BUCKETS
        await press("n")
        assert isinstance(app.screen, SiteReportScreen)
        # site replication manages the rules back (its servers refuse `mc replicate add`): none is offered
        wiped = {n for n, _, how in sitescen.SITE_REPL_BUCKETS if how == "wipe"}
        assert {b for b, p in app.screen.session.rules.items() if p.to_fix} == wiped
        assert app.screen.mc_command() == "mc admin replicate status target"
        rules_text = str(app.screen.query_one("#rep-rules").render())
        assert "mc admin replicate status target" in rules_text and "--remote-bucket" not in rules_text
        await press("w")
        paths = app.screen.session.report_paths
        assert len(paths) == 2
        report = json.loads(Path(paths[1]).read_text())
        rows = {b["bucket"]: b for b in report["buckets"]}
        assert all(rows[b]["rules_to_recreate"] == [] and rows[b]["rules_missing"] == 1 for b in wiped)
        markdown = Path(paths[0]).read_text()
        assert "mc admin replicate status target" in markdown and "--remote-bucket" not in markdown
        assert press.count <= 40, press.count
        assert unrunnable(app, markdown, rules_text) == {}


async def test_per_bucket_stays_an_explicit_choice(sr_lab: Lab, wizard: Any, monkeypatch: Any) -> None:
    """`p` on the plan: bucket-by-bucket resyncs (one start per bucket, no site-level call); `p` again goes back."""
    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    app = wizard(sr_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await to_plan(pilot, app)
        await pilot.press("p", "p")
        assert screen.session.site_level
        await pilot.press("p", "space")  # per bucket: the first bucket left out
        assert not screen.session.site_level and screen.mc_command().startswith("mc replicate ls source/")
        first = screen.session.plan.buckets[0].bucket
        assert first not in screen.session.included
        assert app.state.extra.get("site") is None
        await start(pilot, app)
        assert app.state.extra["site"]["per_bucket"] is True
        await wait_for(pilot, lambda: ended(app), timeout=60, what="every bucket's resync ended")
        assert not journal(app, "site.resync.site-start")
        starts = journal(app, "site.resync.start")
        assert {r["bucket"] for r in starts} == BUCKETS - {first}
        assert all(r["mc"].startswith("mc replicate resync start source/") for r in starts)


async def test_already_running_is_followed_not_started(sr_lab: Lab, wizard: Any, monkeypatch: Any) -> None:
    from recovery_tui.service.siterepl import site_resync

    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    app = wizard(sr_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await to_plan(pilot, app)
        sr_lab.faults.hold_resync(0)  # the running resync cannot end before the wizard meets it (a pace could)
        first = site_resync(app.service, "source", screen.session.plan.peer, "start")  # e.g. another operator
        monitor = await start(pilot, app)
        assert "already running" in banner(app) and first.resync_id in banner(app)
        sr_lab.faults.release_resync()
        await wait_for(pilot, lambda: ended(app), timeout=60, what="the running resync ended")
        assert monitor.snap.status == "Completed"
        assert {r.reset_id for r in monitor.snap.rows} == {first.resync_id}
        assert not journal(app, "site.resync.site-start")  # not started again
        [adopt] = journal(app, "site.resync.adopt")
        assert adopt["resync_id"] == first.resync_id and adopt["mc"] == "mc admin replicate resync status source target"
    assert all(ids == {first.resync_id} for ids in site_resyncs(sr_lab).values())


async def test_one_bucket_failed_to_start_the_rest_go_on(sr_lab: Lab, wizard: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    app = wizard(sr_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_plan(pilot, app)
        sr_lab.call(lambda: sr_lab.source.site.targets.__setitem__("docs", []))  # its target went away
        monitor = await start(pilot, app)
        await wait_for(pilot, lambda: ended(app), timeout=60, what="every started bucket ended")
        rows = {r.bucket: r for r in monitor.snap.rows}
        assert rows["docs"].status == "Failed"
        assert rows["docs"].detail.startswith("did not start: no valid remote target found for this peer target")
        assert all(rows[b].status == "Completed" for b in BUCKETS - {"docs"})
        [site_start] = journal(app, "site.resync.site-start")
        assert site_start["result"] == "partial" and [f["bucket"] for f in site_start["failed"]] == ["docs"]
        await wait_for(pilot, lambda: "still reports site resync" in banner(app), what="the stuck-Ongoing note")
        text = banner(app)
        assert "Ongoing" in text and "mc admin service restart source" in text and "v validates the others" in text
        assert unrunnable(app, text) == {}
        # the note says "cancel it": x stays offered while the server says Ongoing, once
        assert monitor.check_action("cancel_site", ())
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the cancel confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: bool(journal(app, "site.resync.cancel")), what="the cancel journaled")
        assert not monitor.check_action("cancel_site", ())


async def test_all_failed_is_one_clear_error_with_the_fix(sr_lab: Lab, wizard: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    app = keep_notifications(wizard(sr_lab))
    async with app.run_test(size=(80, 24)) as pilot:
        await to_plan(pilot, app)

        def strip() -> None:
            for name in sr_lab.source.site.targets:
                sr_lab.source.site.targets[name] = []

        sr_lab.call(strip)
        await pilot.press("s", *"target", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), what="the all-failed error")
        modal = app.screen
        assert modal.title_text == "No bucket started" and "all buckets resync failed" in modal.message
        assert "mc admin service restart source" in modal.hint and "mc replicate ls source/BUCKET" in modal.hint
        assert unrunnable(app, modal.message + "\n" + modal.hint) == {}
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SiteMonitorScreen)
        assert {r.status for r in app.screen.snap.rows} == {"Failed"}
        assert all(r.detail.startswith("did not start") for r in app.screen.snap.rows)
        assert "mc admin service restart source" in banner(app) and "escape and s again" not in banner(app)
        [site_start] = journal(app, "site.resync.site-start")  # once: never retried
        assert site_start["result"] == "failed" and site_start["mc"] == START_MC
        await settle(pilot)
        assert len(journal(app, "site.resync.site-start")) == 1


async def test_leaving_never_cancels_and_cancel_leaves_ongoing(sr_lab: Lab, wizard: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    app = wizard(sr_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_plan(pilot, app)
        sr_lab.faults.hold_resync(0)  # every bucket stays running until the cancel, however slow the machine
        monitor = await start(pilot, app)
        await wait_for(pilot, lambda: any(r.status == "Ongoing" for r in monitor.snap.rows), what="a bucket Ongoing")
        await pilot.press("escape")  # leave the monitor: nothing is canceled
        await settle(pilot)  # the monitor's worker stopped with it (its polling only)
        assert isinstance(app.screen, SitePlanScreen) and not journal(app, "site.resync.cancel")
        assert running_on_server(sr_lab)  # still going on the server
        monitor = await start(pilot, app)  # back: the same run is followed, nothing starts twice
        assert len(journal(app, "site.resync.site-start")) == 1
        assert any(r.running for r in monitor.snap.rows)
        # no settle() from here: it waits for every worker, and the monitor's runs until the resync ends
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the cancel confirmation")
        assert "stays Ongoing" in screen_text(app)
        await pilot.press("n")  # the cancel key confirms first: no means nothing is sent
        await wait_for(pilot, lambda: isinstance(app.screen, SiteMonitorScreen), what="back on the monitor")
        assert not journal(app, "site.resync.cancel")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the cancel confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: bool(journal(app, "site.resync.cancel")), what="the cancel journaled")
        sr_lab.faults.release_resync()
        [cancel] = journal(app, "site.resync.cancel")
        assert cancel["mc"] == "mc admin replicate resync cancel source target" and cancel["status"] == "Canceled"
        assert not monitor.check_action("cancel_site", ())  # sent once, never again from here
        await wait_for(pilot, lambda: ended(app), timeout=30, what="the rows read the cancel")
        assert any(r.detail == "canceled on the server" for r in monitor.snap.rows)
        await wait_for(pilot, lambda: "still reports site resync" in banner(app), what="the Ongoing-after-cancel note")
        assert "MinIO keeps that after a cancel until it restarts (mc admin service restart source)" in banner(app)
        assert ": Ongoing ·" in str(monitor.query_one("#fleet-totals").render())  # what the server still says
        assert unrunnable(app, banner(app)) == {}


async def test_reattach_restores_the_site_level_run(sr_lab: Lab, wizard: Any, monkeypatch: Any) -> None:
    from recovery_tui.state import WizardState

    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.1)
    app = wizard(sr_lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_plan(pilot, app)
        sr_lab.faults.hold_resync(0)  # running until released, however slow the machine (a pace was not)
        await start(pilot, app)
        await wait_for(pilot, lambda: app.screen.snap.totals.running > 0, what="resyncs running")
        [site_start] = journal(app, "site.resync.site-start")
    saved = WizardState.load(lab=True)
    assert saved is not None and saved.resumable and saved.extra["site"]["per_bucket"] is False
    sr_lab.faults.release_resync()
    again = wizard(sr_lab, resume=saved)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("y")  # Resume
        await wait_for(pilot, lambda: isinstance(again.screen, SiteMonitorScreen) and ended(again), timeout=60,
                       what="the reattached run ended")
        snap = again.screen.snap
        assert again.screen.session.site_level and snap.status == "Completed"
        assert {r.reset_id for r in snap.rows} == {site_start["resync_id"]}  # followed, not restarted
        assert not journal(again, "site.resync.site-start")
    assert all(ids == {site_start["resync_id"]} for ids in site_resyncs(sr_lab).values())
