"""The screens' `Footer` (widgets/footer.py) skips Textual's rebuild when its keys are unchanged: it must still
show every change of a key's enabled or shown state, of the focus chain, exactly as Textual's own footer does."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Button
from textual.widgets import Footer as TextualFooter

from helpers.pilot import footer_keys, to_preflight, wait_for
from recovery_tui.screens.preflight import PreflightScreen
from recovery_tui.widgets.footer import Footer


class CountingFooter(Footer):
    """Counts the bindings updates that reached it (`calls`); `recomposes` counts those that rebuilt the keys."""

    calls = 0

    async def recompose(self) -> None:
        self.calls += 1
        await super().recompose()


class Editor(Button):
    """A focusable widget with a binding of its own (shown only while it has the focus)."""

    BINDINGS = [Binding("x", "cut", "Cut")]


class Keyed(Screen[None]):
    """`s` enabled or dimmed, `m` shown or hidden, `x` only while the editor has the focus."""

    BINDINGS = [Binding("s", "start", "Start"), Binding("m", "monitor", "Monitor"), Binding("q", "quit", "Quit")]

    def __init__(self) -> None:
        super().__init__()
        self.can_start, self.running = False, False

    def compose(self) -> ComposeResult:
        yield Button("plain", id="plain")
        yield Editor("editor", id="editor")
        yield TextualFooter(id="stock")
        yield CountingFooter(id="ours")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return True if self.can_start else None  # None: dimmed
        if action == "monitor":
            return self.running  # False: hidden
        return True


class KeyedApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Keyed())


PALETTE = ("ctrl+p", "palette", True)
"""Textual's command palette key, last in both footers (this test app keeps the palette)."""


async def _shows(pilot: Any, expected: list[tuple[str, str, bool]], what: str) -> None:
    """Both footers come to show `expected` and the palette key (Textual's, to prove the expectation; ours, under
    test)."""
    expected = [*expected, PALETTE]
    screen = pilot.app.screen
    for footer_id in ("#stock", "#ours"):
        footer = screen.query_one(footer_id)
        await wait_for(pilot, lambda f=footer: footer_keys(f) == expected, timeout=10, what=f"{footer_id} {what}")


async def test_the_footer_follows_enabled_shown_and_focus_changes_and_skips_only_true_repeats() -> None:
    app = KeyedApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, Keyed)
        screen.query_one("#plain").focus()
        start, monitor, quit_ = ("s", "Start", True), ("m", "Monitor", True), ("q", "Quit", True)
        await _shows(pilot, [("s", "Start", False), quit_], "s dimmed, m hidden")

        screen.can_start = True  # the same keys, one of them now enabled
        screen.refresh_bindings()
        await _shows(pilot, [start, quit_], "s enabled")

        screen.running = True  # a key appears
        screen.refresh_bindings()
        await _shows(pilot, [start, monitor, quit_], "m shown")

        screen.can_start, screen.running = False, False  # enabled and shown change in one update
        screen.refresh_bindings()
        await _shows(pilot, [("s", "Start", False), quit_], "s dimmed again, m hidden again")

        screen.query_one("#editor").focus()  # the focus chain brings the editor's own key
        await _shows(pilot, [("x", "Cut", True), ("s", "Start", False), quit_], "x while the editor has the focus")

        screen.can_start = True  # changed without refresh_bindings: drawn at the next update of any kind
        screen.query_one("#plain").focus()
        await _shows(pilot, [start, quit_], "s enabled, x gone with the focus")

        ours = screen.query_one("#ours", CountingFooter)
        calls, rebuilt, keys = ours.calls, ours.recomposes, list(ours.children)
        screen.refresh_bindings()  # nothing changed: the update arrives and rebuilds nothing
        await wait_for(pilot, lambda: ours.calls > calls, timeout=10, what="the update reaches the footer")
        assert ours.recomposes == rebuilt and list(ours.children) == keys
        assert footer_keys(ours) == [start, quit_, PALETTE]


async def test_preflight_footer_enables_start_once_every_check_passed(lab: Any, wizard: Any) -> None:
    """While the checks run, Start is in the footer dimmed; when all passed the same key is enabled."""
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        await wait_for(pilot, lambda: app.screen.findings is not None, timeout=40, what="checks done")
        assert isinstance(app.screen, PreflightScreen) and app.screen.can_start
        footer = app.screen.query_one(Footer)
        await wait_for(pilot, lambda: ("s", "Start", True) in footer_keys(footer), timeout=10, what="s enabled")
        assert [k for k, _, _ in footer_keys(footer)] == ["escape", "e", "c", "q", "s", "r"]
        screen = app.screen
        screen.run_checks()  # again: Start dims while checking, no key added or removed
        await wait_for(pilot, lambda: ("s", "Start", False) in footer_keys(footer), timeout=10, what="s dimmed")
        await wait_for(pilot, lambda: screen.findings is not None, timeout=40, what="checks done again")
        await wait_for(pilot, lambda: ("s", "Start", True) in footer_keys(footer), timeout=10, what="s enabled")
