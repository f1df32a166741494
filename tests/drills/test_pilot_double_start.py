"""Pilot: `--lab --drill double-start` (a resync already Ongoing on arrival), played well and badly."""

from __future__ import annotations

import pytest

from pilot_helpers import (
    begin,
    drill_app,
    finish_run,
    fired,
    ids,
    pick_source,
    quit_to_debrief,
    to_preflight,
    validate,
    wait_for,
    watch_to_end,
)

pytestmark = pytest.mark.slow  # a whole drill through the wizard on its lab


async def test_played_well_reattaches_and_passes() -> None:
    app, session = drill_app("double-start")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await begin(pilot, app)
            await wait_for(pilot, lambda: "colleague-start" in fired(session), what="the colleague's resync")
            assert session.lab.source.replicator.resync.delay == 10  # still crawling when the trainee arrives
            await pick_source(pilot, app)
            await to_preflight(pilot, app)
            assert app.screen.running  # type: ignore[attr-defined]  # preflight found it: start is disabled
            await pilot.press("s")  # does nothing: Start is disabled while a resync runs
            await pilot.press("m")
            await wait_for(pilot, lambda: "speed-up" in fired(session), what="the timeline's speed-up")
            await watch_to_end(pilot, app)
            report = await validate(pilot, app)
            assert report.in_sync
            result = (await finish_run(pilot, app)).result
            assert ids(result.met) == {"reattached", "watched-to-the-end", "in-sync"}
            assert result.made == [] and result.passed
    finally:
        session.stop()


async def test_played_badly_never_reattaches() -> None:
    app, session = drill_app("double-start")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await begin(pilot, app)
            await pick_source(pilot, app)
            await to_preflight(pilot, app)
            result = (await quit_to_debrief(pilot, app)).result
            assert ids(result.missed) == {"reattached", "watched-to-the-end", "in-sync"}
            assert ids(result.critical) == {"never-validated"} and not result.passed
            assert "speed-up" not in fired(session)  # nobody reached the resync
    finally:
        session.stop()
