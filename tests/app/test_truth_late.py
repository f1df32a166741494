"""Issue 14, steps 4-7: every screen tells the truth (each test failed on the main of 2026-05, before the fix).

* Monitor: Completed with failures is a warning with the count and the next action, never a green tick; with
  --older-than the bar's total is what the job can re-send; the age shown is the age of the data on screen and
  a standstill longer than the server's lag shows the stall banner; "never cancels" is not claimed in the lab
  or after the job ended.
* Start's explanation does not call the resync the wizard's only write.
* Validate: an UNKNOWN result is not "has not finished"; the count lines of a large bucket fit 80 columns.
* Next steps: `d` writes the report and says where (the App used to claim one was on disk); the canary wait is
  shown while it lasts; the removal question and its answer count the same things; the load-balancer item
  asks (and records the override) while replication is not verified.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from textual.widgets import Static

from helpers.clock import T0, FixedClock
from helpers.fakes import FakeService, make_report, make_state, status
from recovery_tui.app import make_app
from recovery_tui.lab.server import Lab
from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.screens.monitor import MonitorScreen
from recovery_tui.screens.next_steps import NextStepsScreen
from recovery_tui.screens.start import StartScreen
from recovery_tui.screens.validate import ValidateScreen
from recovery_tui.service.models import ObjectVersion
from recovery_tui.widgets.resync_progress import ResyncProgress


async def wait_for(pilot: Any, cond: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"condition not reached: {what}")
        await pilot.pause(0.02)


def _app(svc: Any, st: Any, clock: FixedClock | None = None, **kw: Any) -> Any:
    return make_app(svc, aliases=["source", "target"], lab=kw.pop("lab", True), state=st,
                    clock=clock or FixedClock(), persist=kw.pop("persist", False), **kw)


def text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def panel(screen: MonitorScreen) -> str:
    return str(screen.query_one("#mon-progress", ResyncProgress).query_one("#progress-text", Static).render())


# -- Monitor -----------------------------------------------------------------------------------------------


async def test_completed_with_failures_is_a_warning_with_the_next_action() -> None:
    svc = FakeService(versions=164)
    svc.statuses = [status("Completed", 20, 40_000, failed=144)]
    st = make_state(source_versions=164)
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MonitorScreen(svc, st, interval=0.05)
        app.push_screen(screen)
        await wait_for(pilot, lambda: st.resync_status == "Completed")
        await pilot.pause()
        shown, banner = panel(screen), text(screen, "#mon-banner")
        assert "✔" not in shown and "✔" not in banner
        assert "Completed with 144 FAILED" in shown
        assert "144" in banner and "resync-backlog" in banner and "v" in banner
        assert "-partial" in screen.query_one("#mon-banner").classes


class _Dated(FakeService):
    """Source versions modified 1..60 days before T0 (one per day)."""

    def list_object_versions(self, alias: str, bucket: str, prefix: str = "", **_: Any) -> Iterator[ObjectVersion]:
        for i in range(60):
            yield ObjectVersion(key=f"k{i:03d}", version_id=f"v{i}", is_latest=True,
                                last_modified=T0 - timedelta(days=i + 1, hours=1))


async def test_older_than_total_is_what_the_job_can_resend() -> None:
    svc = _Dated()
    eligible = 31  # modified more than 30 days before the start (30 days + 1 h … 60 days + 1 h)
    svc.statuses = [status("Completed", eligible, 30_000)]
    st = make_state(older_than_days=30, source_versions=60)
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MonitorScreen(svc, st, interval=0.05)
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.tracker.source_total == eligible and st.resync_status == "Completed")
        await pilot.pause()
        shown = panel(screen)
        assert "Older than 30d  31 versions" in shown and "100%" in shown, shown
        assert st.source_versions == 60  # the bucket's own count is untouched


async def test_the_age_shown_is_the_age_of_the_data_and_a_long_standstill_is_a_stall() -> None:
    svc = FakeService()
    clock = FixedClock()
    # the server's endTime moved at the last status change, 4m 17s ago: not the age of the counts
    svc.statuses = [status("Ongoing", 100, updated=T0 - timedelta(minutes=4, seconds=17))]
    st = make_state(source_versions=4000)
    app = _app(svc, st, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MonitorScreen(svc, st, interval=0.05)
        app.push_screen(screen)
        await wait_for(pilot, lambda: st.replicated_count == 100)
        await pilot.pause()
        assert "4m 17s" not in panel(screen) and "data 0s old" in panel(screen), panel(screen)
        clock.advance(100)  # no count moved for 100 s: more than the ~1 min the server's counters may lag
        await wait_for(pilot, lambda: "No progress" in text(screen, "#mon-banner"), what="stall banner")


async def test_the_monitor_never_claims_the_job_runs_on_after_it_ended_or_in_the_lab() -> None:
    svc = FakeService()
    svc.statuses = [status("Ongoing", 10)]
    st = make_state(source_versions=4000)
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = MonitorScreen(svc, st, interval=0.05)
        app.push_screen(screen)
        await wait_for(pilot, lambda: st.replicated_count == 10)
        note = text(screen, "#mon-note")
        assert "never cancels the resync: it keeps running on the server" not in note
        assert "Quitting the lab stops it" in note
        svc.statuses = [status("Completed", 4000)]
        await wait_for(pilot, lambda: st.resync_status == "Completed")
        await pilot.pause()
        assert "has ended (Completed)" in text(screen, "#mon-note")
        assert "or quitting" not in MonitorScreen.EXPLAIN


async def test_start_does_not_call_the_resync_the_only_write() -> None:
    svc = FakeService()
    st = make_state(reset_id="", resync_status="")
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(StartScreen(svc, st))
        await pilot.pause()
        assert "only write" not in StartScreen.EXPLAIN and "canary" in StartScreen.EXPLAIN


# -- Validate ----------------------------------------------------------------------------------------------


async def test_next_after_an_unknown_validation_says_unknown() -> None:
    svc = FakeService()
    st = make_state(step=5, target_alias="")  # no alias points at the target: the validation cannot run
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ValidateScreen(svc, st, validator=lambda *a, **k: None)
        app.push_screen(screen)
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "UNKNOWN" in app.screen.message and "has not finished" not in app.screen.message.lower()


async def test_count_lines_of_a_large_bucket_fit_80_columns() -> None:
    from dataclasses import replace

    from recovery_tui.service.validate import SideCounts

    report = replace(make_report(missing=1200), source_counts=SideCounts(100_000, 75_000, 22_500, 2_500),
                     target_counts=SideCounts(98_800, 74_100, 22_200, 2_500))

    def validator(*a: Any, **k: Any) -> Any:
        return report

    svc = FakeService()
    st = make_state(step=5)
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ValidateScreen(svc, st, validator=validator)
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None)
        await pilot.pause()
        counts = screen.query_one("#val-counts", Static)
        lines = str(counts.render()).splitlines()
        assert len(lines) == 2 and lines[1].startswith("target")
        assert all(len(line) <= counts.content_region.width for line in lines), lines


# -- Next steps --------------------------------------------------------------------------------------------


async def test_done_writes_the_report_and_says_where(tmp_path: Path) -> None:
    svc = FakeService()
    st = make_state(step=6, resync_status="Completed", failed_count=144, replicated_count=20,
                    validation={"in_sync": False, "incomplete": False})
    app = _app(svc, st)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = NextStepsScreen(svc, st)
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.plan is not None)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)  # items still open
        await pilot.press("y")
        await wait_for(pilot, lambda: bool(st.extra.get("finished_at")))
        report = Path(st.extra["report"]["markdown"])
        assert report.exists()
        assert "Completed with 144 FAILED" in report.read_text()
        said = " ".join(str(n.message) for n in app._notifications)
        assert str(report) in said and "NO report" not in said


def _lab_state(app: Any, lab: Lab) -> Any:
    arn = app.service.replication_config("source", "data").rules[0].destination_arn
    st = app.state
    st.source_alias, st.source_bucket, st.arn = "source", "data", arn
    st.target_alias, st.target_bucket, st.step = "target", "data", 6
    return st


@pytest.mark.slow
async def test_canary_wait_is_shown_and_counts_agree(lab_factory: Callable[..., Lab], wizard: Any) -> None:
    """total-loss: the target has no rule back, so target→source is never seen: the wait is on screen, the
    removal question and the toast count the same objects, and the load-balancer item asks first."""
    lab = lab_factory("total-loss")
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        st = _lab_state(app, lab)
        screen = NextStepsScreen(app.service, st, canary_timeout=3)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.plan is not None)
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: "waiting for it on source" in text(screen, "#ns-canary"), timeout=20,
                       what="the wait on screen")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), timeout=20, what="removal question")
        question = app.screen.message
        assert "2 canary object(s)" in question and "up to 4 version(s)" in question, question
        await pilot.press("y")
        await wait_for(pilot, lambda: all(c.get("removed") for c in st.extra.get("canaries", [{}])))
        await pilot.pause()
        said = " ".join(str(n.message) for n in app._notifications)
        assert "of 2 canary object(s)" in said, said
        removed = int(said.split("Removed ")[1].split(" ")[0])
        assert 1 <= removed <= 4
        assert "NOT seen" in text(screen, "#ns-canary")
        lb = next(i for i, item in enumerate(st.checklist) if item.key == "lb-restored")
        screen.query_one("#ns-checklist").highlighted = lb
        screen.query_one("#ns-checklist").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal) and "FAILED" in app.screen.message
        await pilot.press("y")
        await pilot.pause()
        item = st.checklist[lb]
        assert item.done and item.note.startswith("override")
