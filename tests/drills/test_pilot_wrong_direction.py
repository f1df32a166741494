"""Pilot: `--lab --drill wrong-direction` (the alias named source is the damaged one), played well and badly."""

from __future__ import annotations

import pytest

from recovery_tui.steps import Step

from pilot_helpers import (
    begin,
    drill_app,
    finish_run,
    ids,
    on_step,
    override_direction,
    pick_source,
    quit_to_debrief,
    start_resync,
    to_preflight,
    validate,
    wait_for,
    watch_to_end,
)

pytestmark = pytest.mark.slow  # a whole drill through the wizard on its lab


async def test_played_well_turns_back_and_resyncs_from_target() -> None:
    app, session = drill_app("wrong-direction")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await begin(pilot, app)
            await pick_source(pilot, app)  # the wizard opens on source/data, as usual
            await to_preflight(pilot, app)
            assert app.state.source_versions < app.state.target_versions  # the direction check's evidence
            await pilot.press("escape", "escape")
            await wait_for(pilot, lambda: on_step(app, Step.CONNECT), what="back to connect")
            await pick_source(pilot, app, "target")
            await to_preflight(pilot, app)
            assert app.state.source == "target/data" and app.state.source_versions > app.state.target_versions
            await start_resync(pilot, app)
            await watch_to_end(pilot, app)
            assert (await validate(pilot, app)).in_sync
            result = (await finish_run(pilot, app)).result
            assert ids(result.met) == {"checked-direction", "picked-healthy-side", "resynced-right-way", "in-sync"}
            assert result.made == [] and result.passed
    finally:
        session.stop()


async def test_played_badly_resyncs_from_the_damaged_side() -> None:
    app, session = drill_app("wrong-direction")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await begin(pilot, app)
            await pick_source(pilot, app)
            await to_preflight(pilot, app)
            await override_direction(pilot, app)  # the preflight blocks the direction: o, typed override
            await start_resync(pilot, app)  # from source/data
            await watch_to_end(pilot, app)
            report = await validate(pilot, app)
            assert not report.in_sync and report.extra_on_target > 0  # nothing came back to the damaged side
            result = (await quit_to_debrief(pilot, app)).result
            assert ids(result.made) == {"wrong-way", "warned-and-went-on"}
            assert ids(result.critical) == {"wrong-way"}
            assert ids(result.missed) == {"picked-healthy-side", "resynced-right-way", "in-sync"}
    finally:
        session.stop()
