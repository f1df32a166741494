"""Helpers for the wizard's pilot tests (imported by test modules; fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from recovery_tui.state import WizardState


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let workers finish and their messages land (several rounds: one message can start another worker)."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def to_preflight(pilot: Pilot[Any]) -> None:
    """Connect (source/data) → Targets (first ARN) → Preflight, waiting for every check."""
    await settle(pilot)
    await pilot.press("enter")  # the focus starts on the buckets: pick the highlighted `data`
    await settle(pilot)
    await pilot.press("enter")  # pick the highlighted ARN
    await settle(pilot, 5)


def saved_state() -> WizardState | None:
    """The lab session file the app wrote."""
    return WizardState.load(lab=True)
