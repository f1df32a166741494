"""Pilot: `--lab --drill target-drops-mid-resync`, played well and played badly, scored from the journal."""

from __future__ import annotations

import pytest

from recovery_tui.steps import Step

from pilot_helpers import (
    Clock,
    begin,
    drill_app,
    finish_run,
    fired,
    ids,
    on_step,
    pick_source,
    quit_to_debrief,
    retrigger,
    revalidate_until_in_sync,
    settle,
    start_resync,
    to_preflight,
    validate,
    wait_for,
    watch_to_end,
)

pytestmark = pytest.mark.slow  # a whole drill through the wizard on its lab


async def test_played_well_passes() -> None:
    clock = Clock()
    app, session = drill_app("target-drops-mid-resync", clock=clock)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await begin(pilot, app)
            await pick_source(pilot, app)
            await to_preflight(pilot, app)
            await start_resync(pilot, app)
            await wait_for(pilot, lambda: "outage" in fired(session), what="the outage")
            assert session.lab.faults.is_offline("target")
            await watch_to_end(pilot, app)
            assert app.state.failed_count > 0  # versions tried while the target was down
            clock.offset += 30  # ... 30 s later the target is back
            await wait_for(pilot, lambda: "back" in fired(session), what="the target's return")
            report = await validate(pilot, app)
            assert not report.in_sync
            await retrigger(pilot, app)
            report = await revalidate_until_in_sync(pilot, app)
            assert report.in_sync
            screen = await finish_run(pilot, app)
            result = screen.result
            assert ids(result.met) == {"started-once", "watched-to-the-end", "retriggered-after-return", "in-sync"}
            assert result.made == [] and result.passed
            assert [f.id for f in result.faults] == ["outage", "back"]
            titles = [s.title for s in result.steps]
            assert titles[:4] == ["Connect", "Replication targets", "Preflight checks", "Start resync"]
            md = screen.paths.markdown.read_text()
            assert "PASSED · 4 of 4 objectives met · no mistakes" in md
            assert "The target site went offline at 40 % of the resync." in md
            report_md = (screen.report_path.read_text())
            assert "## Drill debrief" in report_md and "PASSED" in report_md
    finally:
        session.stop()


async def test_played_badly_is_scored_with_its_mistakes() -> None:
    clock = Clock()
    app, session = drill_app("target-drops-mid-resync", clock=clock)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await begin(pilot, app)
            await pick_source(pilot, app)
            await to_preflight(pilot, app)
            await start_resync(pilot, app)
            await watch_to_end(pilot, app)
            clock.offset += 30
            await wait_for(pilot, lambda: "back" in fired(session), what="the target's return")
            await wait_for(pilot, lambda: all(t.online for t in session.lab.source.site.targets["data"]),
                           what="the source's health check seeing the target again (preflight asks the source)")
            await pilot.press("escape", "escape")  # back past the (one-shot) Start page to Preflight ...
            await wait_for(pilot, lambda: on_step(app, Step.PREFLIGHT), what="preflight again")
            await settle(pilot, app)
            await start_resync(pilot, app)  # ... and start the whole resync again
            await wait_for(pilot, lambda: app.state.resync_status == "Completed", timeout=60, what="second resync")
            screen = await quit_to_debrief(pilot, app)
            result = screen.result
            assert ids(result.made) == {"restarted-everything", "never-validated"}
            assert ids(result.critical) == {"never-validated"}
            assert ids(result.missed) == {"retriggered-after-return", "in-sync"}
            assert not result.passed
            await pilot.press("q")
        assert "NOT PASSED" in screen.paths.markdown.read_text()
    finally:
        session.stop()
