"""The wizard under lab faults, step by step: a site goes offline (or slows down, fails replication, loses its
bucket) while a step is shown. Each case asserts a clear message (a toast with a hint, an ErrorModal, a status
line or a blocking checklist item with its fix), that the app keeps running on a sensible screen with working
keys, that it recovers after `lab.faults.clear()` and the step's retry key, and that an error is never read as
completion, as "in sync" or as a zero count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Static

from helpers.labkit import arn_of, wizard_for
from helpers.pilot import screen_text, settle, to_preflight, wait_for
from helpers.waiting import wait_until
from recovery_tui.lab.server import Lab
from recovery_tui.state import WizardState

pytestmark = pytest.mark.slow  # the wizard on a lab under each fault


def _name(app: Any) -> str:
    return type(app.screen).__name__


def _state_at(lab: Lab, step: int, **kw: Any) -> WizardState:
    """A saved session at `step` for the lab pair (reattached with `y`, as after a restart)."""
    return WizardState(step=step, source_alias="source", source_bucket="data", arn=arn_of(lab),
                       target_alias="target", target_bucket="data",
                       target_endpoint=f"{lab.target.host}:{lab.target.port}", **kw)


async def _reattach(pilot: Any, app: Any, screen: str) -> None:
    await settle(pilot, failed_ok=True)
    assert _name(app) == "ConfirmModal"
    await pilot.press("y")
    await wait_for(pilot, lambda: _name(app) == screen, what=screen)
    await settle(pilot, 4, failed_ok=True)


def _no_crash(app: Any) -> None:
    """No "Unexpected error" modal (a bug) and the app is still running."""
    assert app.is_running
    assert "Unexpected error" not in screen_text(app)


async def test_connect_source_offline(lab: Lab, tmp_path: Path) -> None:
    lab.faults.set_offline("source", True)
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, 4, failed_ok=True)
        await wait_for(pilot, lambda: "Cannot list buckets on source" in screen_text(app), what="status line")
        text = screen_text(app)
        assert _name(app) == "ConnectScreen" and "unreachable" in text and "r retries" in text
        _no_crash(app)
        lab.faults.clear()
        await pilot.press("r")
        await wait_for(pilot, lambda: "as the SOURCE" in screen_text(app), what="buckets listed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: _name(app) == "TargetsScreen", what="targets")


async def test_targets_source_offline(lab: Lab, tmp_path: Path) -> None:
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, failed_ok=True)
        lab.faults.set_offline("source", True)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Could not list the targets" in screen_text(app), what="targets error")
        text = screen_text(app)
        assert _name(app) == "TargetsScreen" and "unreachable" in text and "r retries" in text
        assert not app.screen.views
        _no_crash(app)
        await pilot.press("enter")  # nothing to pick: stays put
        assert _name(app) == "TargetsScreen"
        lab.faults.clear()
        await pilot.press("r")
        await wait_for(pilot, lambda: bool(app.screen.views), what="targets listed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: _name(app) == "PreflightScreen", what="preflight")


async def test_preflight_target_offline_blocks_with_a_fix(lab: Lab, tmp_path: Path) -> None:
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        assert _name(app) == "PreflightScreen" and app.screen.can_start
        lab.faults.set_offline("target", True)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen.findings is not None, timeout=30, what="checks done")
        checklist = app.screen.query_one("#checklist")
        health = next(i for i in checklist.items if i.key == "health")
        assert health.status == "block" and "target" in health.detail and "re-check" in health.hint, health
        assert app.screen.query_one("#start", Button).disabled and not app.screen.can_start
        assert "block the start" in str(app.screen.query_one("#verdict", Static).render())
        await pilot.press("s")  # disabled: nothing happens
        await settle(pilot, failed_ok=True)
        assert _name(app) == "PreflightScreen"
        _no_crash(app)
        lab.faults.clear()
        lab.faults.set_latency("target", 0.05)  # slow but up
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen.findings is not None, timeout=30, what="checks again")
        items = {i.key: i for i in app.screen.query_one("#checklist").items}
        # the target answers again (its own checks pass; the source's view of the link may lag a health period)
        assert items["versioning"].status == "pass" and items["direction"].status == "pass", items


async def test_start_source_offline_then_retry(lab: Lab, tmp_path: Path) -> None:
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: _name(app) == "StartScreen", what="start")
        lab.faults.set_offline("source", True)
        await pilot.press("s")
        await wait_for(pilot, lambda: "Could not check the server" in screen_text(app), timeout=20, what="error")
        text = screen_text(app)
        assert _name(app) == "StartScreen" and "unreachable" in text
        assert not app.screen.query_one("#start", Button).disabled  # the operator may try again
        assert not app.state.reset_id
        _no_crash(app)
        lab.faults.clear()
        await pilot.press("s")
        await wait_for(pilot, lambda: _name(app) == "TypeToConfirmModal", what="typed confirmation")
        await pilot.press("escape")
        await settle(pilot, failed_ok=True)
        assert _name(app) == "StartScreen" and not app.state.reset_id


async def test_start_write_fails_when_source_drops_after_confirmation(lab: Lab, tmp_path: Path) -> None:
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: _name(app) == "StartScreen", what="start")
        await pilot.press("s")
        await wait_for(pilot, lambda: _name(app) == "TypeToConfirmModal", what="typed confirmation")
        lab.faults.set_offline("source", True)
        await pilot.press(*"data", "enter")
        await wait_for(pilot, lambda: "Not started" in screen_text(app), timeout=20, what="not started")
        assert _name(app) == "StartScreen" and not app.state.reset_id and "unreachable" in screen_text(app)
        _no_crash(app)


async def test_monitor_connection_lost_keeps_the_last_sample(lab: Lab, tmp_path: Path) -> None:
    lab.faults.hold_resync(50)  # the resync sits at half its versions: it outlives the outage
    service_app = wizard_for(lab, tmp_path)
    job = service_app.service.start_resync("source", "data", arn_of(lab))
    app = wizard_for(lab, tmp_path, resume=_state_at(lab, 4, reset_id=job.reset_id, resync_status="Pending"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _reattach(pilot, app, "MonitorScreen")
        monitor = app.screen
        monitor.interval = 0.2
        held = wait_until(lab.faults.held_resyncs, what="the resync at the hold")[0]["count"]
        await wait_for(pilot, lambda: app.state.replicated_count == held > 0, what="the held sample")
        lab.faults.set_offline("source", True)
        before = app.state.replicated_count
        monitor.action_refresh_now()
        await wait_for(pilot, lambda: "Connection lost" in screen_text(app), what="lost banner")
        banner = str(monitor.query_one("#mon-banner", Static).render())
        assert "retrying in" in banner and "last good sample" in banner, banner
        assert app.state.replicated_count == before > 0 and app.state.resync_status == "Ongoing"
        assert app.state.resync_finished_at is None and "Completed" not in banner
        assert monitor._status is not None and monitor._status.replicated_count == before
        await pilot.press("e")  # keys still work while disconnected
        _no_crash(app)
        assert _name(app) == "MonitorScreen"
        lab.faults.clear()  # back online, hold released
        await pilot.press("r")
        await wait_for(pilot, lambda: app.state.resync_status == "Completed", what="completed")
        assert "Connection lost" not in str(monitor.query_one("#mon-banner", Static).render())
        assert app.state.replicated_count >= before


async def test_monitor_replication_failures_are_not_completion(lab: Lab, tmp_path: Path) -> None:
    lab.faults.fail_replication("*")
    service_app = wizard_for(lab, tmp_path)
    job = service_app.service.start_resync("source", "data", arn_of(lab))
    app = wizard_for(lab, tmp_path, resume=_state_at(lab, 4, reset_id=job.reset_id, resync_status="Pending"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _reattach(pilot, app, "MonitorScreen")
        app.screen.interval = 0.2
        await wait_for(pilot, lambda: app.state.resync_status in ("Completed", "Failed", "Canceled"),
                       what="resync end")
        banner = str(app.screen.query_one("#mon-banner", Static).render())
        assert app.state.failed_count > 0, app.state
        assert "✔" not in banner and ("FAILED" in banner or "Failed" in banner), banner
        _no_crash(app)


async def test_validate_target_offline_is_unknown_never_in_sync(lab: Lab, tmp_path: Path) -> None:
    app = wizard_for(lab, tmp_path, resume=_state_at(lab, 5))
    async with app.run_test(size=(80, 24)) as pilot:
        await _reattach(pilot, app, "ValidateScreen")
        validate = app.screen
        await wait_for(pilot, lambda: validate.report is not None, timeout=30, what="first report")
        lab.faults.set_offline("target", True)
        await pilot.press("r")
        verdict = validate.query_one("#val-verdict", Static)
        await wait_for(pilot, lambda: "UNKNOWN" in str(verdict.render()), timeout=30, what="unknown verdict")
        assert "IN SYNC" not in str(verdict.render()) and "r" in str(verdict.render())
        assert not app.state.validation.get("in_sync")
        _no_crash(app)
        assert _name(app) == "ValidateScreen"
        lab.faults.clear()
        await pilot.press("r")
        await wait_for(pilot, lambda: validate.report is not None and not validate.report.incomplete, timeout=30,
                       what="complete report")
        assert "DIFFERENCES" in str(verdict.render()) and validate.report.missing_on_target > 0


async def test_validate_wiped_target_bucket_is_missing(lab: Lab, tmp_path: Path) -> None:
    lab.faults.wipe_bucket("target", "data")
    app = wizard_for(lab, tmp_path, resume=_state_at(lab, 5))
    async with app.run_test(size=(80, 24)) as pilot:
        await _reattach(pilot, app, "ValidateScreen")
        validate = app.screen
        await wait_for(pilot, lambda: validate.report is not None or validate._error, timeout=30, what="verdict")
        text = str(validate.query_one("#val-verdict", Static).render())
        assert "IN SYNC" not in text
        if validate.report is not None and not validate.report.incomplete:
            assert validate.report.target_counts.versions == 0 and validate.report.missing_on_target > 0
        else:
            assert "UNKNOWN" in text
        _no_crash(app)


async def test_next_steps_target_offline_then_recheck(lab: Lab, tmp_path: Path) -> None:
    lab.faults.set_offline("target", True)
    app = wizard_for(lab, tmp_path, resume=_state_at(lab, 6))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, failed_ok=True)
        await pilot.press("y")
        await wait_for(pilot, lambda: _name(app) in ("NextStepsScreen", "ErrorModal"), timeout=20, what="next")
        nxt = next(s for s in app.screen_stack if type(s).__name__ == "NextStepsScreen")
        plan = nxt.query_one("#ns-plan", Static)
        await wait_for(pilot, lambda: "Could not compare" in str(plan.render()), timeout=30, what="plan error")
        assert "r to retry" in str(plan.render()) and nxt.plan is None
        _no_crash(app)
        while _name(app) != "NextStepsScreen":  # an ErrorModal, if any, closes with a key
            await pilot.press("escape")
            await settle(pilot, failed_ok=True)
        lab.faults.clear()
        await pilot.press("r")
        await wait_for(pilot, lambda: nxt.plan is not None, timeout=20, what="plan read")
        assert "Could not compare" not in str(plan.render())
