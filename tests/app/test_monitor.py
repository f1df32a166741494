"""Pilot tests of the Monitor screen: chained polling, completion, transient errors, suspension, stall banner.

The scripted `FakeService` gives deterministic answers; the lab-backed tests are
in `test_monitor_lab.py`.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from helpers.clock import FixedClock
from helpers.fakes import FakeService, make_state, status
from helpers.pilot import settle, wait_for
from recovery_tui.app import make_app
from recovery_tui.messages import StepDone
from recovery_tui.screens.dialogs import ConfirmModal, ErrorModal
from recovery_tui.screens.monitor import MonitorScreen
from recovery_tui.service.errors import AccessDenied, ConnectionFailure
from recovery_tui.widgets.resync_progress import ResyncProgress


def _app(svc: FakeService, state: Any, clock: FixedClock | None = None) -> Any:
    return make_app(svc, aliases=["source", "target"], lab=True, state=state, clock=clock or FixedClock(),
                    persist=False)


def polling(screen: MonitorScreen) -> bool:
    """A next poll is scheduled or one is running."""
    return screen._timer is not None or screen._in_flight


def banner(screen: MonitorScreen) -> str:
    return str(screen.query_one("#mon-banner", Static).render())


def panel(screen: MonitorScreen) -> str:
    return str(screen.query_one("#mon-progress", ResyncProgress).query_one("#progress-text", Static).render())


async def test_polls_until_completed_then_offers_validate() -> None:
    svc = FakeService(versions=200)
    svc.statuses = [status("Pending", 0, 0), status("Ongoing", 50, 5000), status("Completed", 200, 20000)]
    st = make_state()
    seen: list[Any] = []
    app = _app(svc, st)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = MonitorScreen(svc, st, interval=0.05)
        app.push_screen(screen)
        await wait_for(pilot, lambda: st.resync_status == "Completed")
        await settle(pilot)
        assert not polling(screen)  # stops polling once Completed: no poll scheduled, none in flight
        assert svc.calls.count("resync_status") == 3
        assert st.replicated_count == 200 and st.resync_finished_at is not None
        assert st.source_versions == 200  # counted once, in a worker
        assert "Resync Completed" in banner(screen) and "press v" in banner(screen).lower()
        assert "200 versions" in panel(screen) and "100%" in panel(screen)
        await pilot.press("v")
        await pilot.pause()
        assert any(isinstance(m, StepDone) and m.step == 4 for m in seen)


@pytest.mark.slow
async def test_transient_error_keeps_last_sample_then_recovers() -> None:
    svc = FakeService()
    st = make_state(source_versions=4000)
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MonitorScreen(svc, st, interval=0.05)
        app.push_screen(screen)
        await wait_for(pilot, lambda: st.replicated_count == 1234)
        svc.fail["resync_status"] = ConnectionFailure("connection refused")
        await wait_for(pilot, lambda: "Connection lost" in banner(screen))
        text = banner(screen)
        assert "retrying in 2s" in text and "last good sample" in text
        assert "1,234 versions" in panel(screen)  # the last good sample, not zero
        assert st.replicated_count == 1234 and st.resync_status == "Ongoing"  # never read as completion
        assert isinstance(app.screen, MonitorScreen)  # no modal for a retryable error
        del svc.fail["resync_status"]
        svc.statuses = [status("Ongoing", 1500, 6_000_000)]
        await wait_for(pilot, lambda: st.replicated_count == 1500)
        await wait_for(pilot, lambda: "Connection lost" not in banner(screen), what="the banner cleared")


async def test_blocking_error_goes_to_router_and_polling_waits_for_r() -> None:
    svc = FakeService()
    svc.fail["resync_status"] = AccessDenied("not allowed", action="s3:ResetBucketReplicationState")
    st = make_state(source_versions=10)
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MonitorScreen(svc, st, interval=0.05)
        app.push_screen(screen)
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal))
        calls = svc.calls.count("resync_status")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Polling stopped" in banner(screen), what="the stopped banner")
        await settle(pilot, failed_ok=True)
        assert not polling(screen) and svc.calls.count("resync_status") == calls  # stopped
        del svc.fail["resync_status"]
        await pilot.press("r")
        await wait_for(pilot, lambda: st.replicated_count == 1234)


async def test_polling_stops_while_another_screen_is_shown() -> None:
    svc = FakeService()
    st = make_state(source_versions=4000)
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MonitorScreen(svc, st, interval=0.05)
        app.push_screen(screen)
        await wait_for(pilot, lambda: svc.calls.count("resync_status") >= 2)
        await pilot.press("v")  # not Completed: a confirmation covers the monitor
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the confirmation")
        before = svc.calls.count("resync_status")
        await settle(pilot)
        assert screen._timer is None  # no next poll scheduled while covered
        assert svc.calls.count("resync_status") <= before + 1  # at most the poll already in flight
        await pilot.press("n")  # keep watching
        await wait_for(pilot, lambda: svc.calls.count("resync_status") > before + 2)


async def test_no_status_yet_is_not_zero_or_completion() -> None:
    svc = FakeService()
    svc.statuses = [None]
    st = make_state(source_versions=100)
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MonitorScreen(svc, st, interval=0.05)
        app.push_screen(screen)
        await wait_for(pilot, lambda: svc.calls.count("resync_status") >= 2)
        await wait_for(pilot, lambda: "no resync status for this ARN yet" in panel(screen), what="the no-status note")
        assert st.resync_status == "Pending" and st.resync_finished_at is None


async def test_stall_banner_after_threshold() -> None:
    svc = FakeService()
    clock = FixedClock()
    st = make_state(source_versions=4000)
    app = _app(svc, st, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MonitorScreen(svc, st, interval=0.05, stall_seconds=120)
        app.push_screen(screen)
        await wait_for(pilot, lambda: svc.calls.count("resync_status") >= 2)
        assert "No progress" not in banner(screen)
        clock.advance(150)
        await wait_for(pilot, lambda: "No progress for 2m 30s" in banner(screen))
        svc.statuses = [status("Ongoing", 1300)]
        await wait_for(pilot, lambda: "No progress" not in banner(screen))


async def test_link_and_metrics_failure_does_not_hide_status() -> None:
    svc = FakeService()
    svc.fail["remote_targets"] = ConnectionFailure("target admin API down")
    st = make_state(source_versions=4000)
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MonitorScreen(svc, st, interval=0.05)
        app.push_screen(screen)
        await wait_for(pilot, lambda: st.replicated_count == 1234)
        await wait_for(pilot, lambda: "unknown (Cannot reach the server)" in panel(screen), what="the link note")
