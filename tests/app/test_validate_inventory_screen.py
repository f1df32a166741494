"""The Validate screen on the inventory path: `i` picks the engine, the servers' jobs show their progress
(state, scanned, matched, written) while they run, and an incomplete report shows UNKNOWN, never missing."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest
from textual.widgets import Static

from helpers.clock import FixedClock
from helpers.fakes import FakeService, make_report, make_state
from helpers.pilot import wait_for
from recovery_tui.app import make_app
from recovery_tui.screens.validate import ValidateScreen
from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.inventory_api import JobStatus
from recovery_tui.service.inventory_engine import InventoryProgress


def verdict(screen: ValidateScreen) -> str:
    return str(screen.query_one("#val-verdict", Static).render())


def counts(screen: ValidateScreen) -> str:
    return str(screen.query_one("#val-counts", Static).render())


def jobs_progress(state: str = "Running") -> InventoryProgress:
    return InventoryProgress("jobs", JobStatus(state, 1234, 1200, 1100), JobStatus("Pending"))


async def test_engine_key_cycles_and_is_passed_to_the_engine() -> None:
    calls: list[str] = []

    def validator(service: Any, src: Any, dst: Any, *, engine: str = "", **_: Any) -> Any:
        calls.append(engine)
        return replace(make_report(), engine="listing" if engine != "inventory" else "inventory")

    svc, st = FakeService(), make_state(step=5)
    app = make_app(svc, aliases=["source", "target"], lab=True, state=st, clock=FixedClock(), persist=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ValidateScreen(svc, st, validator=validator)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: len(calls) == 1 and screen.report is not None)
        await pilot.press("i")
        await wait_for(pilot, lambda: len(calls) == 2)
        await pilot.press("i")
        await wait_for(pilot, lambda: len(calls) == 3 and screen.report is not None)
        assert calls == ["auto", "listing", "inventory"] and screen.engine == "inventory"
        await wait_for(pilot, lambda: st.validation.get("engine") == "inventory")


async def test_jobs_progress_then_unknown_target() -> None:
    release = threading.Event()

    def validator(service: Any, src: Any, dst: Any, *, progress: Any = None, cancel: Any = None, **_: Any) -> Any:
        progress(jobs_progress())
        while not release.wait(0.01):
            if cancel is not None and cancel.is_set():
                break
        return replace(make_report(missing=0), engine="inventory", incomplete=True,
                       unknown=("target_counts", "missing_on_target"),
                       error="target: part-00002.parquet is listed in the manifest but missing")

    svc, st = FakeService(), make_state(step=5)
    app = make_app(svc, aliases=["source", "target"], lab=True, state=st, clock=FixedClock(), persist=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ValidateScreen(svc, st, validator=validator)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: "1,234 scanned" in verdict(screen))
        text = verdict(screen)
        assert "Inventory jobs running on the servers" in text and "1,200 matched" in text and "1,100 written" in text
        assert "target Pending" in text
        release.set()
        await wait_for(pilot, lambda: screen.report is not None)
        await pilot.pause()
        assert "UNKNOWN: target counts, missing on target" in verdict(screen)
        assert "nothing unknown is called missing" in verdict(screen)
        assert "target UNKNOWN" in counts(screen) and "source" in counts(screen)
        assert st.validation["unknown"] == ["target_counts", "missing_on_target"]


@pytest.mark.slow
async def test_real_inventory_engine_on_the_lab(lab_factory: Any) -> None:
    """The real engine through the screen on an aistor lab: job progress arrives, then the same counts as a listing."""
    pytest.importorskip("duckdb")
    lab = lab_factory("partial-loss", flavor="aistor")
    lab.faults.set_inventory("source", pace=0.02, rows_per_file=40)
    service = RecoveryService(AliasBook(dict(lab.env())))
    from recovery_tui.service.aliases import BucketPath
    from recovery_tui.service.validate import validate

    expected = validate(service, BucketPath("source", "data"), BucketPath("target", "data"))
    st = make_state(step=5)
    seen: list[Any] = []
    app = make_app(service, aliases=["source", "target"], lab=True, state=st, clock=FixedClock(), persist=False)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = ValidateScreen(service, st)
        screen.engine = "inventory"
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None)
        r = screen.report
        assert r is not None and r.engine == "inventory" and not r.incomplete
        assert (r.source_counts, r.target_counts, r.missing_on_target) == (
            expected.source_counts, expected.target_counts, expected.missing_on_target)
        progressed = [getattr(m, "progress", None) for m in seen if type(m).__name__ == "ValidationProgressed"]
        assert any(isinstance(p, InventoryProgress) and p.source is not None for p in progressed)
