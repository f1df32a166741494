"""`StepScreen`: what every wizard step has in common.

A step header ("Step 3 of 7 · Preflight checks"), the "why this step" pane
(`e` toggles it; open by default in lab mode), the body the subclass composes,
the equivalent `mc` command (`c` copies it), the footer with key hints, `escape`
to go back and `q` to quit. A message covers everything when the terminal is
smaller than 80x24.

Subclasses set `STEP` and `EXPLAIN`, implement `compose_body()`, call the service
only from thread workers that post messages, and call `finish()` when the step
is done. A failed worker is forwarded to the App's error router automatically;
override `worker_failed()` to reset the screen's own loading state.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Optional, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from recovery_tui.messages import StateChanged, StepDone, WorkerFailed
from recovery_tui.steps import Step
from recovery_tui.widgets.explain import ExplainPane
from recovery_tui.widgets.footer import Footer
from recovery_tui.widgets.mc_command import McCommand
from recovery_tui.widgets.step_header import StepHeader

if TYPE_CHECKING:
    from recovery_tui.app import RecoveryApp
    from recovery_tui.service.client import RecoveryService
    from recovery_tui.state import WizardState

MIN_WIDTH, MIN_HEIGHT = 80, 24
"""The smallest terminal the wizard is laid out for."""

TOO_SMALL = (
    "[b]This terminal is too small.[/b]\n\n"
    f"Enlarge it to at least {MIN_WIDTH}x{MIN_HEIGHT}.\n"
    "Nothing is lost: the wizard carries on when it fits again.\n"
    "(q quits; a running resync continues on the server.)"
)
"""Shown over the whole screen below 80x24."""

COPIED_TOAST_SECONDS = 5.0
"""How long the "Copied to the clipboard" toast stays."""
COPIED_TOAST_AGAIN_AFTER = 4.0
"""`c` pressed again with the same command shows a fresh toast only once the last one is this old: until then
that one (the same words) is still on the screen for at least another second. Every press copies; only the
toast is not stacked again (issue 9, U2: fifty identical toasts from a held or repeated `c` covered the screen,
and each new one made Textual lay out and render all of them, ~45 ms of the UI thread per press)."""


class StepScreen(Screen[None]):
    """Base of the seven wizard screens. Constructed as `SomeScreen(service, state)`."""

    STEP: ClassVar[Step] = Step.CONNECT
    """The step this screen shows (its title and mc command are in `steps.STEPS`)."""
    EXPLAIN: ClassVar[str] = ""
    """Why this step: the procedure in our own words (rich markup)."""

    HORIZONTAL_BREAKPOINTS = [(0, "-too-narrow"), (MIN_WIDTH, "-wide-enough")]
    VERTICAL_BREAKPOINTS = [(0, "-too-short"), (MIN_HEIGHT, "-tall-enough")]

    BINDINGS = [
        Binding("escape", "back", "Back", id="step.back"),
        Binding("e", "toggle_explain", "Explain", id="step.explain"),
        Binding("c", "copy_command", "Copy mc", id="step.copy"),
        Binding("q", "quit_wizard", "Quit", id="step.quit"),
    ]

    DEFAULT_CSS = """
    StepScreen { layers: base overlay; }
    StepScreen #too-small {
        layer: overlay;
        dock: top;
        width: 100%;
        height: 100%;
        display: none;
        content-align: center middle;
        text-align: center;
        background: $error-darken-3;
        color: $text;
    }
    StepScreen.-too-narrow #too-small, StepScreen.-too-short #too-small { display: block; }
    """

    def __init__(self, service: "RecoveryService", state: "WizardState", *, id: Optional[str] = None) -> None:
        super().__init__(id=id)
        self.service = service
        """The client service; only called from thread workers."""
        self.state = state
        """The run's state, shared with the App (which saves it)."""
        self.returning = False
        """Set when a later step was closed onto this one (escape): its next resume calls `reentered()`."""
        self._copied_toast: tuple[str, float] = ("", 0.0)
        """The command the last "Copied" toast showed and when (`time.monotonic`)."""

    @property
    def app(self) -> "RecoveryApp":  # type: ignore[override]
        """The wizard App, typed: a step screen only ever runs inside `RecoveryApp`."""
        return cast("RecoveryApp", super().app)

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self._size_classes_now()
        yield StepHeader(self.STEP, self.header_context(), id="step-header")
        yield ExplainPane(self.EXPLAIN, shown=self.app.explain_shown, id="explain")
        yield from self.compose_body()
        yield McCommand(self.mc_command(), id="mc")
        yield Footer()
        yield Static(TOO_SMALL, id="too-small")

    def _size_classes_now(self) -> None:
        """Set the breakpoint classes for the terminal's size before the widgets are first styled. Textual sets
        them on the screen's first resize, which then restyled every widget of the screen once more before the
        first frame (issue 9, U1); now that resize finds them set. A later resize still updates them."""
        width, height = self.app.size
        for size, points in ((width, self.HORIZONTAL_BREAKPOINTS), (height, self.VERTICAL_BREAKPOINTS)):
            reached = [(at, name) for at, name in points if size >= at]
            if reached:
                self.add_class(max(reached)[1], update=False)

    def compose_body(self) -> ComposeResult:
        """The step's own widgets, between the explain pane and the mc command."""
        yield from ()

    def header_context(self) -> str:
        """Right-hand side of the header: the buckets concerned, and "lab" in lab mode."""
        parts = []
        if self.state.source:
            parts.append(self.state.source)
            if self.state.target_bucket and self.STEP >= Step.PREFLIGHT:
                parts[-1] += f" → {self.state.target_label}"
        if self.state.lab:
            parts.append("LAB")
        return " · ".join(parts)

    def mc_command(self) -> str:
        """The `mc` command equivalent to this screen (without `$ `), "" if none."""
        return ""

    def refresh_mc_command(self) -> None:
        """Recompute the mc command line (after the operator changed a choice)."""
        self.query_one("#mc", McCommand).command = self.mc_command()

    def refresh_header(self) -> None:
        """Recompute the header's context (after the state changed)."""
        self.query_one("#step-header", StepHeader).context = self.header_context()

    # -- helpers for subclasses ---------------------------------------------------------------------

    def now(self) -> datetime:
        """The current time from the App's injected clock (UTC)."""
        return self.app.clock()

    def finish(self, goto: Optional[Step] = None) -> None:
        """This step is done: the App saves the state and shows step `goto` (default: the next one)."""
        self.app.post_message(StepDone(self.STEP, goto))

    def save_state(self) -> None:
        """Ask the App to save the state now (something changed inside the step)."""
        self.app.post_message(StateChanged())

    def record(self, action: str, **detail: Any) -> None:
        """Write an action to the App's audit journal."""
        self.app.record(action, **detail)

    def worker_failed(self, worker: Worker[Any]) -> None:
        """Hook: a worker of this screen failed (the App already shows the error). Reset loading states here."""

    def reentered(self) -> None:
        """Hook: the operator came back to this step from a later one. What it showed may be stale
        (a resync started, a site changed): re-read the servers here. Not called when a dialog closes."""

    # -- events and actions -------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        self.note_step()
        self.refresh_header()
        self.app.step_shown(self.STEP)
        if self.returning:
            self.returning = False
            self.reentered()

    def note_step(self) -> None:
        """Record in the saved state that the wizard is at this step (the whole-site screens do not)."""
        if self.state.step != self.STEP:
            self.state.step = self.STEP
            self.save_state()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Forward a failed worker to the App's single error router, then let the screen tidy up."""
        error = event.worker.error
        if event.state == WorkerState.ERROR and error is not None:
            worker = event.worker
            self.app.post_message(WorkerFailed(error, worker.description, worker.group))
            self.worker_failed(worker)

    def action_back(self) -> None:
        """Go back one step (the screen stack is the history); the first step has nowhere to go."""
        stack = self.app.screen_stack
        step_back = getattr(self.app, "step_back", None)
        if len(stack) > 2:
            below = stack[-2]
            if isinstance(below, StepScreen):
                below.returning = True
            self.app.pop_screen()
        elif self.STEP > 0 and step_back is not None and step_back(self.STEP):
            pass  # a reattached session: the earlier step is built now
        else:
            self.notify("This is the first step. Press q to quit.", timeout=3)

    def action_toggle_explain(self) -> None:
        """Show or hide the "why this step" pane (remembered for the next screens)."""
        self.app.explain_shown = self.query_one("#explain", ExplainPane).toggle()

    def action_copy_command(self) -> None:
        """Copy the mc command to the clipboard (OSC 52) and say so."""
        command = self.mc_command()
        if not command:
            self.notify("No mc command for this step yet.", timeout=3)
            return
        self.app.copy_to_clipboard(command)
        now = time.monotonic()
        shown, at = self._copied_toast
        if shown == command and now - at < COPIED_TOAST_AGAIN_AFTER:
            return  # the toast saying so is still up (see COPIED_TOAST_AGAIN_AFTER)
        self._copied_toast = (command, now)
        self.notify(
            f"{command}\n(if your terminal ignores OSC 52 copies, select the line at the bottom)",
            title="Copied to the clipboard",
            timeout=COPIED_TOAST_SECONDS,
        )

    def action_quit_wizard(self) -> None:
        """Quit through the App, which warns when a resync is still running on the server."""
        self.app.action_request_quit()
