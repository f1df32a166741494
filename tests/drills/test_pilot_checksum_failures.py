"""Pilot: `--lab --drill checksum-failures` (versions stay FAILED after a re-trigger), played well and badly."""

from __future__ import annotations

from typing import Any

import pytest

from recovery_tui.screens.dialogs import ConfirmModal, TypeToConfirmModal
from recovery_tui.screens.validate_clear import ListModal

from pilot_helpers import (
    begin,
    debrief,
    drill_app,
    ids,
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


async def to_first_validation(pilot: Any, app: Any) -> Any:
    await begin(pilot, app)
    await pick_source(pilot, app)
    await to_preflight(pilot, app)
    await start_resync(pilot, app)
    await watch_to_end(pilot, app)
    assert app.state.failed_count > 0  # the broken checksums
    report = await validate(pilot, app)
    assert not report.in_sync
    return report


def journal_actions(app: Any) -> list[tuple[str, str]]:
    from recovery_tui.drills.scoring import read_records

    return [(r["action"], r["result"]) for r in read_records(app.journal.path)]


async def test_played_well_validates_on_one_object_then_clears_the_rest() -> None:
    app, session = drill_app("checksum-failures")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await to_first_validation(pilot, app)
            await retrigger(pilot, app)
            report = await revalidate_until_in_sync(pilot, app, tries=2)
            assert not report.in_sync  # a HEAD re-trigger cannot fix a checksum
            await pilot.press("k")  # --clear-checksum: its dry run first, then the one-object question
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), timeout=60,
                           what="one-object question")
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmModal), timeout=90,
                           what=lambda: f"the rest question; {journal_actions(app)[-6:]}")
            assert ("resync-backlog.clear_checksum.validate", "ok") in journal_actions(app)
            await pilot.press(*app.state.source_bucket, "enter")
            await wait_for(pilot, lambda: ("resync-backlog.clear_checksum.run", "started") in journal_actions(app)
                           and any(a == "resync-backlog.clear_checksum.run" and r != "started"
                                   for a, r in journal_actions(app)), timeout=90, what="clearing done")
            copies = [r for a, r in journal_actions(app) if a == "resync-backlog.clear_checksum"]
            assert copies and all(r == "ok" for r in copies)
            await settle(pilot, app)
            if isinstance(app.screen, ListModal):  # the refused versions (not their key's latest), listed
                await pilot.press("enter")
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="continue question")
            await pilot.press("y")
            await settle(pilot, app)
            await pilot.press("d")
            if isinstance(app.screen, ConfirmModal):
                await pilot.press("y")
            result = (await debrief(pilot, app)).result
            assert ids(result.met) == {"resynced", "validated", "retriggered", "revalidated",
                                       "clear-checksum-validated", "cleared-the-rest"}
            assert result.made == [] and result.passed
    finally:
        session.stop()


async def test_played_badly_loops_on_the_retrigger() -> None:
    app, session = drill_app("checksum-failures")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await to_first_validation(pilot, app)
            for _ in range(3):
                await retrigger(pilot, app)
            result = (await quit_to_debrief(pilot, app)).result
            assert ids(result.made) == {"retrigger-loop"}
            assert ids(result.missed) == {"revalidated", "clear-checksum-validated", "cleared-the-rest"}
            assert not result.passed
    finally:
        session.stop()
