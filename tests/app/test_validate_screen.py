"""Pilot tests of the Validate screen with a scripted validator and backlog engine: verdicts, table filters,
the dry-run-first re-trigger flow, and the step to Next steps."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from helpers.clock import FixedClock
from helpers.fakes import FakeService, diff_entry, fixed_validator, make_report, make_state
from helpers.pilot import wait_for
from recovery_tui.app import make_app
from recovery_tui.messages import StepDone
from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.screens.validate import ValidateScreen
from recovery_tui.service.backlog import BacklogItem, BacklogResult
from recovery_tui.widgets.backlog_summary import BacklogSummary
from recovery_tui.widgets.diff_table import DiffTable


async def open_validate(report: Any, svc: FakeService | None = None, **kw: Any) -> tuple[Any, Any, Any, list[Any]]:
    svc = svc or FakeService()
    st = make_state(step=5)
    seen: list[Any] = []
    app = make_app(svc, aliases=["source", "target"], lab=True, state=st, clock=FixedClock(), persist=False)
    return app, svc, st, seen


def verdict(screen: ValidateScreen) -> str:
    return str(screen.query_one("#val-verdict", Static).render())


@pytest.mark.slow
async def test_differences_table_filter_and_class_cycle() -> None:
    app, svc, st, seen = await open_validate(None)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = ValidateScreen(svc, st, validator=fixed_validator(make_report(missing=4, extra=2, mismatched=1)))
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None)
        await pilot.pause()
        assert "4 missing on target · 2 extra on target · 1 mismatched" in verdict(screen)
        table = screen.query_one("#val-diffs", DiffTable)
        assert len(table.shown_rows()) == 7
        await pilot.press("f")
        assert table.kind == "missing_on_target" and len(table.shown_rows()) == 4
        await pilot.press("f", "f")
        assert table.kind == "mismatched" and "size 17 ≠ 3000" in table.shown_rows()[0].detail
        await pilot.press("f", "slash")
        await pilot.press(*"agenda-1")
        assert [r.key for r in table.shown_rows()] == ["docs/agenda-1.txt"]
        await pilot.press("escape")  # closes the filter, stays on the screen
        assert isinstance(app.screen, ValidateScreen)
        assert st.validation["missing_on_target"] == 4 and st.validation["in_sync"] is False
        await pilot.press("n")  # not in sync: asks first
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert any(isinstance(m, StepDone) and m.step == 5 for m in seen)


async def test_in_sync_only_for_complete_listing() -> None:
    app, svc, st, seen = await open_validate(None)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = ValidateScreen(svc, st, validator=fixed_validator(make_report()))
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None)
        await pilot.pause()
        assert "IN SYNC" in verdict(screen) and "160 versions" in verdict(screen)
        await pilot.press("n")
        await pilot.pause()
        assert any(isinstance(m, StepDone) and m.step == 5 for m in seen)


async def test_incomplete_listing_is_unknown_not_missing() -> None:
    app, svc, st, _ = await open_validate(None)
    async with app.run_test(size=(80, 24)) as pilot:
        report = make_report(incomplete=True, error="Cannot reach the server")
        screen = ValidateScreen(svc, st, validator=fixed_validator(report))
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None)
        await pilot.pause()
        text = verdict(screen)
        assert text.startswith("? UNKNOWN") and "not missing" in text and "IN SYNC" not in text
        assert st.validation["incomplete"] is True and st.validation["in_sync"] is False


async def test_validation_that_cannot_start_shows_unknown() -> None:
    from recovery_tui.service.errors import ConnectionFailure

    def broken(*_: Any, **__: Any) -> Any:
        raise ConnectionFailure("connection refused")

    app, svc, st, _ = await open_validate(None)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ValidateScreen(svc, st, validator=broken)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: "UNKNOWN" in verdict(screen))
        assert "Cannot reach the server" in verdict(screen)


async def test_backlog_grouped_by_status_and_age() -> None:
    svc = FakeService()
    svc.diff = [diff_entry("a", "FAILED", 60, n=1), diff_entry("b", "FAILED", 7200, n=2),
                diff_entry("c", "PENDING", 60, n=3), diff_entry("d", "", 200_000, dm=True, n=4)]
    app, svc, st, _ = await open_validate(None, svc)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ValidateScreen(svc, st, validator=fixed_validator(make_report()))
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.backlog_groups is not None)
        g = screen.backlog_groups
        assert g.total == 4 and g.count("FAILED") == 2 and g.by_status["FAILED"]["1-24h"] == 1
        text = str(screen.query_one("#val-backlog", BacklogSummary).render())
        assert "FAILED 2 (<1h 1 1-24h 1)" in text and "PENDING 1" in text and "unreplicated 1" in text


async def test_retrigger_is_dry_run_first_then_confirmed() -> None:
    calls: list[dict[str, Any]] = []
    items = (BacklogItem("a", "v1", False, "FAILED"), BacklogItem("b", "v2", True, "PENDING"))

    def engine(service: Any, path: Any, **kw: Any) -> BacklogResult:
        calls.append(kw)
        if kw["dry_run"]:
            return BacklogResult(path=str(path), arn=kw["arn"], total=2, processed=0, failed=0, dry_run=True,
                                 items=items)
        return BacklogResult(path=str(path), arn=kw["arn"], total=2, processed=2, failed=0)

    app, svc, st, _ = await open_validate(None)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ValidateScreen(svc, st, validator=fixed_validator(make_report()), backlog_engine=engine)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert [c["dry_run"] for c in calls] == [True]  # nothing sent before the answer
        assert st.extra["backlog"]["dry_run"] is True
        await pilot.press("n")
        await pilot.pause()
        assert [c["dry_run"] for c in calls] == [True]
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: len(calls) == 3 and not screen.actions.busy)
        await pilot.pause()
        assert calls[-1]["dry_run"] is False and calls[-1]["arn"] == st.arn
        assert st.extra["backlog"] == {"total": 2, "processed": 2, "failed": 0, "dry_run": False,
                                       "at": "2026-05-01T10:00:00+00:00"}
        assert "Total 2 · Processed 2 · Failed 0" in str(screen.query_one("#val-retrigger", Static).render())
