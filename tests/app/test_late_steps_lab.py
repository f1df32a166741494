"""Lab-backed pilot tests for Monitor → Validate → Next steps, with the real service and the real engines.

partial-loss: a resync started through the service reaches Completed on screen, Validate shows IN SYNC,
Next steps completes the checklist (canary both ways) and exports a report with no secret in it.
Also: the source going offline mid-monitor, Validate before the resync, total-loss rules to recreate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from textual.widgets import Static

from helpers.pilot import wait_for
from helpers.waiting import wait_until
from recovery_tui.lab.server import Lab
from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.screens.monitor import MonitorScreen
from recovery_tui.screens.next_steps import NextStepsScreen
from recovery_tui.screens.validate import ValidateScreen
from recovery_tui.state import WizardState
from recovery_tui.widgets.resync_progress import ResyncProgress

pytestmark = pytest.mark.slow  # Monitor to report on a lab


def state_for(app: Any, lab: Lab, **kw: Any) -> WizardState:
    svc = app.service
    arn = svc.replication_config("source", "data").rules[0].destination_arn
    st = app.state
    st.source_alias, st.source_bucket, st.arn = "source", "data", arn
    st.target_alias, st.target_bucket, st.step = "target", "data", 4
    for k, v in kw.items():
        setattr(st, k, v)
    return st


def text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_happy_path_monitor_to_report(lab: Lab, wizard: Callable[..., Any], tmp_path: Path) -> None:
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        st = state_for(app, lab)
        job = app.service.start_resync("source", "data", st.arn)
        st.reset_id = job.reset_id
        monitor = MonitorScreen(app.service, st, interval=0.2)
        await app.push_screen(monitor)
        await wait_for(pilot, lambda: st.resync_status == "Completed")
        assert st.replicated_count == st.source_versions and st.source_versions
        await wait_for(pilot, lambda: "Resync Completed" in text(monitor, "#mon-banner"))
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ValidateScreen))
        validate = app.screen
        await wait_for(pilot, lambda: validate.report is not None)
        assert validate.report.in_sync, validate.report
        assert "IN SYNC" in text(validate, "#val-verdict")
        assert st.validation["in_sync"] is True
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NextStepsScreen))
        nxt = app.screen
        await wait_for(pilot, lambda: nxt.plan is not None)
        done = {i.key: i.done for i in st.checklist}
        assert done["validation-passed"] and done["rules-restored"]
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")  # write the canaries
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), timeout=30)
        await pilot.press("y")  # remove them (consent)
        await wait_for(pilot, lambda: all(c.get("removed") for c in st.extra.get("canaries", [{}])))
        assert [c["seen_on_peer"] for c in st.extra["canaries"]] == [True, True]
        checklist = nxt.query_one("#ns-checklist")
        checklist.highlighted = 3
        await pilot.press("enter")  # load balancer: manual tick
        await pilot.pause()
        assert all(i.done and i.at for i in st.checklist)
        await pilot.press("x")
        await pilot.pause()
        md, js = Path(st.extra["report"]["markdown"]), Path(st.extra["report"]["json"])
        assert md.exists() and js.exists()
        assert "Report written" in text(nxt, "#ns-report")
        body = md.read_text() + js.read_text()
        assert "IN SYNC" in body and "Complete." in body
        for site in (lab.source.site, lab.target.site):
            assert site.secret_key not in body
        # every pre-existing version is still there: the canaries were the only writes and are gone
        listed = {(v.key, v.version_id) for v in app.service.list_object_versions("source", "data")}
        assert not any(k.startswith(".recovery-tui-canary/") for k, _ in listed)


async def test_source_offline_mid_monitor_shows_connection_lost_then_recovers(
        lab_factory: Callable[..., Lab], wizard: Callable[..., Any]) -> None:
    lab = lab_factory("partial-loss")
    lab.faults.hold_resync(40)  # the resync sits at 40 % of its versions while the source is away
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        total = sum(1 for _ in app.service.list_object_versions("source", "data"))
        st = state_for(app, lab, source_versions=total)
        st.reset_id = app.service.start_resync("source", "data", st.arn).reset_id
        held = wait_until(lab.faults.held_resyncs, what="the resync at the hold")[0]["count"]
        monitor = MonitorScreen(app.service, st, interval=0.2)
        await app.push_screen(monitor)
        await wait_for(pilot, lambda: monitor.tracker.last is not None and monitor.tracker.last.count == held,
                       what="the held sample on screen")
        kept = monitor.tracker.last
        lab.faults.set_offline("source", True)
        await wait_for(pilot, lambda: "Connection lost" in text(monitor, "#mon-banner"), what="connection lost")
        panel = str(monitor.query_one("#mon-progress", ResyncProgress).query_one("#progress-text", Static).render())
        assert f"{kept.count:,} versions" in panel  # the last good sample stays
        assert st.resync_status == "Ongoing" and st.replicated_count == held  # never read as completion
        assert isinstance(app.screen, MonitorScreen)
        lab.faults.set_offline("source", False)
        await wait_for(pilot, lambda: "Connection lost" not in text(monitor, "#mon-banner"), what="reconnected")
        lab.faults.release_resync()
        await wait_for(pilot, lambda: st.resync_status == "Completed", what="completed after the release")
        assert st.replicated_count == total and held == int(total * 0.4)


async def test_validate_before_resync_counts_missing(lab: Lab, wizard: Callable[..., Any]) -> None:
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        st = state_for(app, lab, step=5)
        src = {(v.key, v.version_id) for v in app.service.list_object_versions("source", "data")}
        dst = {(v.key, v.version_id) for v in app.service.list_object_versions("target", "data")}
        screen = ValidateScreen(app.service, st)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None)
        r = screen.report
        assert r.missing_on_target == len(src - dst) > 0 and r.extra_on_target == 0 and not r.incomplete
        assert f"{len(src - dst):,} missing on target" in text(screen, "#val-verdict")
        assert st.validation["in_sync"] is False


async def test_total_loss_next_steps_shows_rules_to_recreate(
        lab_factory: Callable[..., Lab], wizard: Callable[..., Any]) -> None:
    lab = lab_factory("total-loss")
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        st = state_for(app, lab, step=6)
        screen = NextStepsScreen(app.service, st)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.plan is not None)
        assert screen.plan.to_fix and not screen.plan.target_has_config
        shown = text(screen, "#ns-plan")
        assert "has no replication configuration" in shown and "mc replicate add target/data" in shown
        assert "SOURCE_ACCESS_KEY:SOURCE_SECRET_KEY@" in shown
        for site in (lab.source.site, lab.target.site):
            assert site.secret_key not in shown and site.access_key not in shown
        assert not next(i for i in st.checklist if i.key == "rules-restored").done
        assert st.extra["rules_to_recreate"]


async def test_failed_versions_surviving_a_retrigger_point_to_clear_checksum(
        lab_factory: Callable[..., Lab], wizard: Callable[..., Any]) -> None:
    """checksum-failures: a HEAD re-trigger cannot fix versions whose replication keeps failing; after the run
    the screen says so and offers the wizard's own --clear-checksum flow (k), instead of looping on re-validate.
    In --lab it names no headless command: nothing outside the wizard can reach the embedded lab."""
    lab = lab_factory("checksum-failures")
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        st = state_for(app, lab, step=5)
        screen = ValidateScreen(app.service, st)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None and screen.backlog_groups is not None)
        failed_before = screen.backlog_groups.count("FAILED")
        assert failed_before > 0
        assert "--clear-checksum" not in text(screen, "#val-retrigger")  # no advice before anything was tried
        await pilot.press("b")  # dry run first, then the confirmation
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), timeout=30)
        await pilot.press("y")
        await wait_for(pilot, lambda: "Press k" in text(screen, "#val-retrigger"), timeout=30)
        hint = text(screen, "#val-retrigger")
        assert f"{failed_before:,} still FAILED" in hint and "recovery-tui resync-backlog" not in hint
        assert isinstance(app.screen, ConfirmModal) and app.screen.title_text == "Try --clear-checksum?"
        done = st.extra["backlog"]  # what the HEADs achieved was read back: nothing replicated
        assert (done["processed"], done["replicated"], done["still_failed"]) == (failed_before, 0, failed_before)
