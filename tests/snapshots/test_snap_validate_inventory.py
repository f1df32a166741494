"""Snapshots of the Validate step on the inventory path at 80x24: the servers' jobs at work, and a result whose
target report was incomplete (UNKNOWN, never missing). Scripted `FakeService` and validators: nothing moves."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any, Callable

import pytest
from textual.widgets import Static

from helpers.clock import FixedClock
from helpers.fakes import FakeService, fixed_validator, make_report, make_state
from helpers.pilot import settle, wait_for
from recovery_tui.app import make_app
from recovery_tui.screens.validate import ValidateScreen
from recovery_tui.service.inventory_api import JobStatus
from recovery_tui.service.inventory_engine import InventoryProgress

pytestmark = pytest.mark.slow  # SVG snapshots

def _app(svc: FakeService, state: Any) -> Any:
    return make_app(svc, aliases=["source", "target"], lab=True, state=state, clock=FixedClock(), persist=False)


def _working_validator() -> Callable[..., Any]:
    """Reports both jobs mid-run, then waits until the screen goes away (its cancel event) or 30 s at most."""

    def run(service: Any, src: Any, dst: Any, *, progress: Any = None, cancel: Any = None, **_: Any) -> Any:
        progress(InventoryProgress("jobs", JobStatus("Running", 1_843_211, 1_843_211, 1_500_000),
                                   JobStatus("Running", 912_004, 912_004, 750_000)))
        (cancel or threading.Event()).wait(30)
        return make_report()

    return run


class TestValidateInventory:
    def test_jobs_running(self, snap_compare: Any) -> None:
        """The verdict line reads 'Inventory jobs running on the servers…' with, per side, the job's state and
        its scanned / matched / written counts; the counts below are still '—'."""
        svc, st = FakeService(), make_state(step=5)

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            screen = ValidateScreen(svc, st, validator=_working_validator())
            await pilot.app.push_screen(screen)
            await wait_for(pilot, lambda: "scanned" in str(screen.query_one("#val-verdict", Static).render()),
                           what="the jobs' progress in the verdict line")
            await pilot.pause()

        assert snap_compare(_app(svc, st), run_before=run_before)

    def test_target_report_incomplete(self, snap_compare: Any) -> None:
        """Yellow '? UNKNOWN: target counts, missing on target (target: part-00002.parquet is listed in the
        manifest but missing)…'; the source line has its counts, the target line says UNKNOWN."""
        svc, st = FakeService(), make_state(step=5)
        report = replace(make_report(missing=0, extra=1, mismatched=1), engine="inventory", incomplete=True,
                         unknown=("target_counts", "missing_on_target"),
                         error="target: part-00002.parquet is listed in the manifest but missing")

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.app.push_screen(ValidateScreen(svc, st, validator=fixed_validator(report)))
            await settle(pilot)

        assert snap_compare(_app(svc, st), run_before=run_before)
