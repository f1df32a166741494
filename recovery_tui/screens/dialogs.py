"""Modal dialogs: a yes/no confirmation, a type-the-bucket-name confirmation, and the error modal.

Each focuses the safe choice first, answers to the keyboard alone, and shows
its keys on the buttons themselves.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from recovery_tui.service.secrets import redact

MODAL_CSS = """
ConfirmModal, TypeToConfirmModal, ErrorModal {
    align: center middle;
    background: $background 60%;
}
.modal-box {
    width: 72;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    border: thick $primary;
    background: $surface;
    padding: 0 1;
}
ErrorModal .modal-box { border: thick $error; }
TypeToConfirmModal .modal-box { border: thick $warning; }
.modal-title { text-style: bold; width: 100%; margin-bottom: 1; }
.modal-body { width: 100%; margin-bottom: 1; }
.modal-hint { width: 100%; margin-bottom: 1; color: $text-muted; }
.modal-buttons { height: auto; width: 100%; align-horizontal: right; }
.modal-buttons Button { margin-left: 1; min-width: 12; }
TypeToConfirmModal Input { margin-bottom: 1; }
"""
"""Shared look of the three dialogs."""


class ConfirmModal(ModalScreen[bool]):
    """Asks a yes/no question; `y` confirms, `n`/`escape` cancels; the safe button has focus first."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, message: str, *, yes: str = "Yes", no: str = "No", id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text = title
        """The question, short."""
        self.message = message
        """What happens if the operator says yes (rich markup allowed)."""
        self.yes_label = yes
        """Label of the confirming button (its key `y` is shown on it)."""
        self.no_label = no
        """Label of the cancelling button."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(self.title_text, classes="modal-title")
            yield Static(self.message, classes="modal-body")
            with Horizontal(classes="modal-buttons"):
                yield Button(f"{self.no_label} (n)", id="no", variant="default")
                yield Button(f"{self.yes_label} (y)", id="yes", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        """Close with the answer."""
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class TypeToConfirmModal(ModalScreen[bool]):
    """Confirms a write by making the operator type a word (the bucket name); `escape` cancels."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="type-confirm.cancel")]

    def __init__(self, title: str, message: str, expected: str, *, action: str = "Confirm", prompt: str = "",
                 noun: str = "bucket name", id: str | None = None) -> None:
        super().__init__(id=id)
        self.noun = noun
        """What the expected word is ("bucket name", "damaged alias")."""
        self.prompt = prompt or f"Type the {noun} [b]{expected}[/b] to confirm:"
        """The line above the input (rich markup allowed)."""
        self.title_text = title
        """What is about to happen."""
        self.message = message
        """Details (rich markup allowed)."""
        self.expected = expected
        """The exact text to type."""
        self.action_label = action
        """Label of the confirming button."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(self.title_text, classes="modal-title")
            yield Static(self.message, classes="modal-body")
            yield Label(self.prompt, classes="modal-hint")
            yield Input(placeholder=self.expected, id="typed")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button(f"{self.action_label} (enter)", id="confirm", variant="warning", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    @property
    def matches(self) -> bool:
        """True when the typed text is exactly the expected word."""
        return self.query_one("#typed", Input).value.strip() == self.expected

    @on(Input.Changed, "#typed")
    def _typed(self) -> None:
        self.query_one("#confirm", Button).disabled = not self.matches

    @on(Input.Submitted, "#typed")
    def _submitted(self) -> None:
        if self.matches:
            self.dismiss(True)
        else:
            self.notify(f"Type {self.expected} exactly, or press escape to cancel.", severity="warning")

    def action_cancel(self) -> None:
        """Close without confirming."""
        self.dismiss(False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm" and self.matches)


class ErrorModal(ModalScreen[None]):
    """A blocking error: the service's title, one-line message and fix hint. Never a traceback."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [Binding("escape,enter,o", "close", "OK", id="error.close")]

    def __init__(self, title: str, message: str, hint: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text = redact(title)
        """Heading (e.g. "Access denied")."""
        self.message = redact(message)
        """What happened."""
        self.hint = redact(hint)
        """What the operator can do about it."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(f"✘ {self.title_text}", classes="modal-title", markup=False)
            yield Static(self.message, classes="modal-body", markup=False)
            if self.hint:
                yield Static(f"→ {self.hint}", classes="modal-hint", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button("OK (enter)", id="ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def action_close(self) -> None:
        """Dismiss."""
        self.dismiss(None)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(None)
