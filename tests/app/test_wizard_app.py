"""The App's plumbing: state save/load, resume, the error router, the small-terminal message, Connect's edges."""

from __future__ import annotations

import json
from typing import Any

import pytest
from textual.widgets import Static

from helpers.pilot import settle, wait_for
from recovery_tui.app import make_app
from recovery_tui.screens.connect import ConnectScreen
from recovery_tui.screens.dialogs import ConfirmModal, ErrorModal
from recovery_tui.screens.preflight import PreflightScreen
from recovery_tui.service.errors import AccessDenied, ConfigError, ConnectionFailure
from recovery_tui.state import ChecklistItem, WizardState, session_path
from recovery_tui.wizard import lab_aliases, resolve_source


class NoService:
    """A service that must not be called (screens that only render)."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unexpected service call {name}")


def test_state_round_trip_is_atomic_json(tmp_path) -> None:
    state = WizardState(step=3, source_alias="source", source_bucket="data", arn="arn:x", reset_id="r1",
                        checklist=[ChecklistItem("validation-passed", "Validation passed")])
    state.tick("validation-passed", note="in sync")
    path = state.save()
    assert path == session_path(False) and oct(path.stat().st_mode & 0o777) == "0o600"
    assert not list(path.parent.glob(".session-*"))
    loaded = WizardState.load()
    assert loaded == state and loaded.checklist[0].done and loaded.checklist[0].at
    path.write_text("{not json")
    assert WizardState.load() is None
    path.write_text(json.dumps({**state.to_json(), "version": 999}))
    assert WizardState.load() is None


def test_resolve_source_and_lab_aliases(lab) -> None:
    assert resolve_source(None, ["a"]) is None
    assert str(resolve_source("source/data", ["source"])) == "source/data"
    with pytest.raises(ConfigError, match="unknown alias 'nope'"):
        resolve_source("nope/data", ["source", "target"])
    book = lab_aliases(lab, "/nonexistent-mc-dir")
    assert book.names() == ["source", "target"]


@pytest.mark.slow
async def test_resume_offers_to_reattach_at_the_saved_step(lab, wizard) -> None:
    """A saved session at Preflight: the modal names the step; Resume rebuilds the stack up to it."""
    saved = WizardState(step=2, source_alias="source", source_bucket="data")
    app0 = wizard(lab)
    async with app0.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot, 5)
        saved = app0.state
    app = wizard(lab, resume=WizardState.from_json(saved.to_json()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "step 3 · Preflight checks" in app.screen.message
        await pilot.press("y")
        await settle(pilot, 5)
        assert isinstance(app.screen, PreflightScreen)
        assert app.state.arn == saved.arn
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "TargetsScreen"


async def test_error_router_modal_toast_and_no_traceback() -> None:
    app = make_app(NoService(), aliases=[], lab=False, persist=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.route_error(ConnectionFailure("source: connection refused", hint="Is it up?"))
        # a toast is a message the app handles later (App.notify posts it): wait for it, not for one pause
        await wait_for(pilot, lambda: any("connection refused" in n.message for n in app._notifications),
                       what="the connection-refused toast")
        assert not isinstance(app.screen, ErrorModal)
        app.route_error(AccessDenied("not allowed", action="s3:ResetBucketReplicationState"))
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert "s3:ResetBucketReplicationState" in app.screen.hint
        await pilot.press("enter")
        app.route_error(KeyError("boom"), "Listing buckets")
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal) and app.screen.title_text == "Unexpected error"
        assert "Traceback" not in app.screen.message and "KeyError while listing buckets" in app.screen.message


async def test_no_aliases_explains_how_to_add_one() -> None:
    app = make_app(NoService(), aliases=[], lab=False, persist=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConnectScreen)
        text = str(app.screen.query_one("#no-aliases", Static).render())
        assert "mc alias set" in text and "--lab" in text


@pytest.mark.parametrize("size", [(79, 24), (80, 23), (60, 15)])
async def test_small_terminal_says_enlarge(size) -> None:
    app = make_app(NoService(), aliases=[], lab=False, persist=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#too-small").display
    async with make_app(NoService(), aliases=[], lab=False, persist=False).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not pilot.app.screen.query_one("#too-small").display


@pytest.mark.slow
async def test_typed_missing_bucket_is_an_error_modal(lab, wizard) -> None:
    app = wizard(lab, source=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"source/nothere", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal) and app.screen.title_text == "Bucket not found"
        await pilot.press("enter")
        await pilot.press("ctrl+a")
        app.screen.query_one("#path").value = ""
        await pilot.press(*"nope/data", "enter")
        await pilot.pause()
        assert "Unknown alias 'nope'" in str(app.screen.query_one("#connect-status").render())
        app.screen.query_one("#path").value = "target/data"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TargetsScreen"


async def test_lab_explanations_open_and_toggle(lab, wizard) -> None:
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one("#explain")
        assert pane.shown
        await pilot.press("e")
        assert not pane.shown and app.explain_shown is False
        await pilot.press("c")
        await pilot.pause()
        assert any("mc replicate ls source/data" in n.message for n in app._notifications)


async def test_copy_pressed_again_copies_every_time_but_does_not_stack_the_toast(lab, wizard, monkeypatch) -> None:
    """Issue 9, U2: `c` pressed ten times copies ten times (ten OSC 52 writes) and leaves one "Copied" toast; the
    same command shows a fresh toast once the last one is COPIED_TOAST_AGAIN_AFTER old; another command at once."""
    from types import SimpleNamespace

    from recovery_tui.screens import base

    clock = SimpleNamespace(monotonic=lambda: 100.0)
    monkeypatch.setattr(base, "time", clock)  # this module's clock only (asyncio keeps the real one)
    app = wizard(lab)
    copies: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(app, "copy_to_clipboard", copies.append)

        def toasts() -> list[str]:
            return [n.message for n in app._notifications if n.title == "Copied to the clipboard"]

        await pilot.press(*"c" * 10)
        await pilot.pause()
        assert copies == ["mc replicate ls source/data --json"] * 10
        assert len(toasts()) == 1 and toasts()[0].startswith("mc replicate ls source/data --json\n")
        clock.monotonic = lambda: 100.0 + base.COPIED_TOAST_AGAIN_AFTER - 0.01
        await pilot.press("c")
        await pilot.pause()
        assert len(copies) == 11 and len(toasts()) == 1
        clock.monotonic = lambda: 100.0 + base.COPIED_TOAST_AGAIN_AFTER
        await pilot.press("c")
        await pilot.pause()
        assert len(copies) == 12 and len(toasts()) == 2
        monkeypatch.setattr(app.screen, "mc_command", lambda: "mc replicate ls target/data")
        await pilot.press("c")
        await pilot.pause()
        assert copies[-1] == "mc replicate ls target/data" and len(toasts()) == 3


def test_every_step_has_its_screen_and_each_screen_knows_its_step() -> None:
    from recovery_tui.screens.registry import SCREENS, screen_class
    from recovery_tui.steps import Step

    assert list(SCREENS) == list(Step)
    classes = [screen_class(step) for step in Step]
    for step, cls in zip(Step, classes, strict=True):
        assert cls.STEP is step, cls.__name__
    assert len(set(classes)) == len(SCREENS)
