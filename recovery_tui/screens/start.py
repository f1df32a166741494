"""`Step.START` (4 of 7) · Start resync (`mc replicate resync start`): the recovery's main write, behind a
typed confirmation.

Before asking, and again right before writing, the server is asked whether a
resync is already Pending/Ongoing for the ARN; if so the wizard goes to the
monitor instead of starting a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker

from recovery_tui.procedure.units import human_rate
from recovery_tui.screens.base import StepScreen
from recovery_tui.screens.dialogs import TypeToConfirmModal
from recovery_tui.service.errors import RecoveryError
from recovery_tui.service.models import ResyncJob, ResyncTargetStatus
from recovery_tui.state import iso
from recovery_tui.steps import Step

MAX_OLDER_THAN_DAYS = 36_500
"""A hundred years: anything larger is a typo."""


def parse_older_than(text: str) -> Optional[int]:
    """"" → None (every version); "30" or "30d" → 30. Raises ValueError with the reason otherwise."""
    raw = text.strip().lower().removesuffix("d").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValueError(f"older-than must be a whole number of days, got '{text.strip()}'")
    days = int(raw)
    if not 1 <= days <= MAX_OLDER_THAN_DAYS:
        raise ValueError(f"older-than must be between 1 and {MAX_OLDER_THAN_DAYS} days, got {days}")
    return days


@dataclass
class Prechecked(Message):
    """The server's answer to "is a resync already running for this ARN?"."""

    running: Optional[ResyncTargetStatus]


@dataclass
class Started(Message):
    """The resync started (or one was found running at the last moment: `job` None, `running` set)."""

    job: Optional[ResyncJob]
    running: Optional[ResyncTargetStatus] = None


class StartScreen(StepScreen):
    """A summary, the optional older-than, and the Start button (confirmation modal before writing)."""

    STEP = Step.START
    EXPLAIN = (
        "The [b]source[/b] re-sends every version to the target, on the server: closing this window does not "
        "stop it. [b]Older than N days[/b] limits it to older versions; empty resends all. This is the "
        "recovery's main write (canary and backlog writes are asked for later): type the bucket name to confirm."
    )
    BINDINGS = [
        Binding("s", "start", "Start resync", id="start.start"),
        Binding("m", "monitor", "Monitor", id="start.monitor"),
    ]

    def compose_body(self) -> ComposeResult:
        s = self.state
        with Vertical(classes="body", id="start-body"):
            yield Static(self._summary(), id="summary")
            with Horizontal(id="older-row"):
                yield Label("Older than (days) ", id="older-label")
                yield Input(
                    value=str(s.older_than_days or ""), placeholder="empty = every version",
                    id="older-than", max_length=6,
                )
            yield Static("", id="start-status", classes="status-line")
            with Horizontal(classes="actions"):
                yield Button("Start resync… (s)", id="start", variant="warning", compact=True)
                yield Button("Monitor it (m)", id="monitor", variant="primary", compact=True)

    def _summary(self) -> Text:
        s = self.state
        text = Text()
        rows = [
            ("Source", f"{s.source}  (healthy: versions are read here)"),
            ("Target", f"{s.target_label}  (damaged: versions are written here)"),
            ("ARN", s.arn),
            ("Versions", f"source {s.source_versions if s.source_versions is not None else '?'}"
                         f" · target {s.target_versions if s.target_versions is not None else '?'}"
                         " (counted in preflight)"),
            ("Bandwidth", human_rate(s.bandwidth_limit)),
        ]
        for label, value in rows:
            text.append(f"{label:<11}", style="bold")
            text.append(f"{value}\n" if label != "Bandwidth" or s.reset_id else value)
        if s.reset_id:
            text.append("ResetID    ", style="bold")
            text.append(f"{s.reset_id} ({s.resync_status or 'started'})", style="bold green")
        return text

    def on_mount(self) -> None:
        self._show_started()

    def reentered(self) -> None:
        """Back from the monitor: never leave the focus in the input (keys would type into it)."""
        self._busy(False)
        self.query_one("#summary", Static).update(self._summary())
        self._show_started()

    def _show_started(self) -> None:
        """Focus the button that moves on, and say what a resync started from this wizard is doing."""
        started = bool(self.state.reset_id)
        self.query_one("#monitor", Button).display = started
        self.refresh_bindings()
        if not started:
            self.query_one("#start", Button).focus()
            return
        self.query_one("#monitor", Button).focus()
        if self.state.resync_running:
            self._status(f"A resync is {self.state.resync_status or 'running'} (ResetID {self.state.reset_id}): "
                         "m goes back to its monitor; s asks the server again before anything else.")
        else:
            self._status(f"The resync ResetID {self.state.reset_id} is {self.state.resync_status or 'finished'}: "
                         "m shows it; s starts a new one (asks first).")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "monitor":
            return bool(self.state.reset_id)
        return True

    @on(Button.Pressed, "#monitor")
    def action_monitor(self) -> None:
        """Back to the monitor of the resync this wizard started (nothing is written)."""
        if self.state.reset_id:
            self.finish(goto=Step.MONITOR)

    def mc_command(self) -> str:
        s = self.state
        older = ""
        try:
            days = parse_older_than(self.query_one("#older-than", Input).value)
            older = f" --older-than {days}d" if days else ""
        except Exception:
            older = f" --older-than {s.older_than_days}d" if s.older_than_days else ""
        return f'{self.STEP.mc} --remote-bucket "{s.arn}"{older} {s.source}'

    @on(Input.Changed, "#older-than")
    def _older_changed(self) -> None:
        self.refresh_mc_command()

    def _status(self, text: str, *, error: bool = False) -> None:
        line = self.query_one("#start-status", Static)
        line.update(Text(text))
        line.set_class(error, "-error")

    def _busy(self, busy: bool) -> None:
        self.query_one("#start", Button).disabled = busy

    # -- the start --------------------------------------------------------------------------------------

    @on(Input.Submitted, "#older-than")
    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        """Validate the input, re-check the server, then ask for the typed confirmation."""
        if self.query_one("#start", Button).disabled:
            return
        try:
            self.state.older_than_days = parse_older_than(self.query_one("#older-than", Input).value)
        except ValueError as exc:
            self._status(f"{exc}. Leave it empty to resend every version.", error=True)
            self.query_one("#older-than", Input).focus()
            return
        self._busy(True)
        self._status("Asking the server whether a resync already runs for this ARN…")
        self.precheck()

    def _running_resync(self) -> Optional[ResyncTargetStatus]:
        """The server's Pending/Ongoing resync for this ARN, or None (called from workers only)."""
        s = self.state
        status = self.service.resync_status(s.source_alias, s.source_bucket, s.arn).for_arn(s.arn)
        return status if status is not None and status.running else None

    @work(thread=True, exclusive=True, exit_on_error=False, group="start", description="Checking for a running resync")
    def precheck(self) -> None:
        """Is a resync already Pending/Ongoing for the ARN?"""
        self.post_message(Prechecked(self._running_resync()))

    def on_prechecked(self, message: Prechecked) -> None:
        if message.running is not None:
            self._adopt(message.running)
            return
        s = self.state
        scope = f"versions older than {s.older_than_days} days" if s.older_than_days else "every version"
        body = (
            f"The source [b]{s.source}[/b] will re-send {scope} to\n[b]{s.target_label}[/b]\n({s.arn}).\n"
            "It runs on the server until done; nothing is deleted."
        )
        self.app.push_screen(
            TypeToConfirmModal("Start the resync?", body, s.source_bucket, action="Start resync"),
            self._confirmed,
        )

    def _confirmed(self, answer: bool | None) -> None:
        if not answer:
            self._busy(False)
            self._status("Not started. Nothing was changed.")
            return
        self._status("Starting the resync…")
        self.start_resync()

    @work(thread=True, exclusive=True, exit_on_error=False, group="start", description="Starting the resync")
    def start_resync(self) -> None:
        """Re-check once more (never start twice), then start."""
        s = self.state
        status = self._running_resync()
        if status is not None:
            self.post_message(Started(None, status))
            return
        job = self.service.start_resync(s.source_alias, s.source_bucket, s.arn, older_than_days=s.older_than_days)
        self.post_message(Started(job))

    def on_started(self, message: Started) -> None:
        if message.job is None:
            if message.running is not None:
                self._adopt(message.running)
            return
        s = self.state
        s.reset_id = message.job.reset_id
        s.resync_status = "Pending"
        s.resync_started_at = iso(self.now())
        s.resync_finished_at = None
        s.replicated_count = s.replicated_size = s.failed_count = 0
        self.record("resync.start", mc=self.mc_command(), result="ok", arn=s.arn, reset_id=s.reset_id,
                    older_than_days=s.older_than_days)
        self._busy(False)
        self._status(f"Started. ResetID {s.reset_id}")
        self.query_one("#summary", Static).update(self._summary())
        self.notify(f"ResetID {s.reset_id}", title="Resync started", timeout=6)
        self.finish()

    def _adopt(self, running: ResyncTargetStatus) -> None:
        """A resync already runs for the ARN: watch it instead of starting a second one."""
        s = self.state
        s.reset_id = running.reset_id
        s.resync_status = running.status
        s.resync_finished_at = None
        if running.start_time is not None:
            s.resync_started_at = iso(running.start_time)
        self.record("resync.start", mc=self.mc_command(), result="skipped: already running", reset_id=s.reset_id)
        self.notify(f"A resync is already {running.status} (ResetID {running.reset_id}); not starting another.",
                    title="Already running", severity="warning", timeout=8)
        self._busy(False)
        self.finish()

    def worker_failed(self, worker: Worker[Any]) -> None:
        self._busy(False)
        error = worker.error
        text = error.one_line() if isinstance(error, RecoveryError) else "unexpected error"
        if worker.name == "start_resync" or worker.description == "Starting the resync":
            self.record("resync.start", mc=self.mc_command(), result=f"error: {text}")
            self._status(f"Not started: {text}", error=True)
        else:
            self._status(f"Could not check the server: {text}", error=True)
