"""`Step.PREFLIGHT` (3 of 7) · Preflight: a checklist for the chosen ARN; Start stays disabled while any item blocks.

The checks themselves live in `procedure/preflight_checks.py` (Textual-free). When a resync is already
Pending/Ongoing for the ARN, the screen offers "Monitor the running resync"
instead of Start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, OptionList, Static
from textual.worker import Worker, get_current_worker

from recovery_tui.procedure import preflight_checks as checks
from recovery_tui.procedure.checklist import CheckItem
from recovery_tui.screens.base import StepScreen
from recovery_tui.screens.dialogs import TypeToConfirmModal
from recovery_tui.state import iso
from recovery_tui.steps import Step
from recovery_tui.widgets.checklist import Checklist


@dataclass
class CheckDone(Message):
    """One checklist item has its answer."""

    item: CheckItem


@dataclass
class PreflightDone(Message):
    """Every check has run."""

    findings: checks.Findings


class PreflightScreen(StepScreen):
    """The checklist, a one-line verdict and the Start / Monitor / Re-check buttons."""

    STEP = Step.PREFLIGHT
    EXPLAIN = (
        "A resync needs both sites up, the rule enabled with [b]existing-object replication[/b], and "
        "versioning on both ends. Never run two for one ARN. The source should hold at least as many "
        "versions as the damaged target. Keep clients on the healthy site until the end."
    )
    BINDINGS = [
        Binding("s", "start", "Start", id="preflight.start"),
        Binding("m", "monitor", "Monitor", id="preflight.monitor"),
        Binding("r", "recheck", "Re-check", id="preflight.recheck"),
        Binding("o", "override", "Override", id="preflight.override"),
    ]

    def __init__(self, service: Any, state: Any, *, id: Optional[str] = None) -> None:
        super().__init__(service, state, id=id)
        self.findings: Optional[checks.Findings] = None
        """What the last complete run found (None while checking)."""

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="body"):
            yield Checklist([CheckItem(k, label) for k, label in checks.LABELS.items()], id="checklist")
            yield Static("Checking…", id="verdict", classes="status-line")
            with Horizontal(classes="actions"):
                yield Button("Start resync… (s)", id="start", variant="warning", disabled=True, compact=True)
                yield Button("Monitor the running resync (m)", id="monitor", variant="primary", compact=True)
                yield Button("Re-check (r)", id="recheck", compact=True)

    def on_mount(self) -> None:
        self.query_one("#monitor", Button).display = False
        self.query_one("#checklist", Checklist).focus()
        self.run_checks()

    def reentered(self) -> None:
        """Back from a later step: what was checked may have changed (a resync may run now): check again."""
        self.run_checks()

    def mc_command(self) -> str:
        try:
            checklist = self.query_one("#checklist", Checklist)
        except Exception:
            return checks.MC_COMMANDS["running"](self.state)
        index = checklist.highlighted
        key = checklist.items[index].key if index is not None else "running"
        return checks.MC_COMMANDS[key](self.state)

    @on(OptionList.OptionHighlighted, "#checklist")
    def _highlighted(self) -> None:
        self.refresh_mc_command()

    # -- running the checks -------------------------------------------------------------------------

    def run_checks(self) -> None:
        """Reset every item to "checking" and start the worker."""
        self.findings = None
        checklist = self.query_one("#checklist", Checklist)
        for key, label in checks.LABELS.items():
            checklist.update_item(CheckItem(key, label))
        self.query_one("#verdict", Static).update("Checking…")
        self._update_actions()
        self.preflight()

    @work(thread=True, exclusive=True, exit_on_error=False, group="preflight", description="Running preflight checks")
    def preflight(self) -> None:
        """Run every check in order, posting each answer as it comes."""
        worker = get_current_worker()
        findings = checks.Findings()
        state = self.state
        for item in (checks.info_bandwidth(state), checks.info_traffic(state)):
            self.post_message(CheckDone(item))
        for check in (checks.check_running, checks.check_health, checks.check_rule, checks.check_versioning,
                      checks.check_target_bucket):
            if worker.is_cancelled:
                return
            self.post_message(CheckDone(check(self.service, state, findings)))
        def counting(item: CheckItem) -> None:
            self.post_message(CheckDone(item))

        item = checks.check_direction(self.service, state, findings, lambda: worker.is_cancelled, counting)
        if worker.is_cancelled:
            return
        self.post_message(CheckDone(item))
        self.post_message(CheckDone(checks.check_permissions(findings)))
        self.post_message(PreflightDone(findings))

    def on_check_done(self, message: CheckDone) -> None:
        self.query_one("#checklist", Checklist).update_item(message.item)
        self._update_actions()

    def on_preflight_done(self, message: PreflightDone) -> None:
        self.findings = message.findings
        self.state.source_versions = message.findings.source_versions
        self.state.target_versions = message.findings.target_versions
        self.save_state()
        checklist = self.query_one("#checklist", Checklist)
        blocks = [i for i in checklist.items if i.status == "block"]
        warns = [i for i in checklist.items if i.status == "warn"]
        if self.findings.running is not None:
            text = "A resync is already running for this ARN: press m to monitor it."
        elif self.overridable:
            text = "The source holds FEWER versions: esc to pick the other side, or o overrides."
        elif blocks:
            text = f"{len(blocks)} item(s) block the start: fix them (hints above), then press r to re-check."
        elif warns:
            text = f"Ready, with {len(warns)} warning(s) to read first. Press s to start the resync."
        else:
            text = "All checks passed. Press s to start the resync."
        self.query_one("#verdict", Static).update(text)
        self._update_actions()
        self.record("wizard.preflight", mc=checks.MC_COMMANDS["running"](self.state),
                    result="blocked" if blocks else "ok", statuses=checklist.statuses())

    def worker_failed(self, worker: Worker[Any]) -> None:
        self.query_one("#verdict", Static).update("The checks stopped on an error. Press r to re-check.")
        self.findings = checks.Findings()
        self._update_actions()

    # -- actions ----------------------------------------------------------------------------------------

    @property
    def can_start(self) -> bool:
        """All checks done and none blocks."""
        return self.findings is not None and not self.query_one("#checklist", Checklist).blocking

    @property
    def running(self) -> bool:
        """A resync is already Pending/Ongoing for the ARN."""
        return self.findings is not None and self.findings.running is not None

    @property
    def overridable(self) -> bool:
        """The only thing blocking the start is the reversed direction (the operator may override it)."""
        if self.findings is None or not self.findings.reversed:
            return False
        blocks = [i.key for i in self.query_one("#checklist", Checklist).items if i.status in ("block", "pending")]
        return blocks == ["direction"]

    def _update_actions(self) -> None:
        self.query_one("#start", Button).disabled = not self.can_start
        self.query_one("#monitor", Button).display = self.running
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return True if self.can_start else None  # None: shown dimmed in the footer
        if action == "monitor":
            return self.running
        if action == "override":
            return self.overridable
        return True

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        """Go to the Start step (which confirms before writing anything)."""
        if self.can_start:
            self.finish()

    @on(Button.Pressed, "#monitor")
    def action_monitor(self) -> None:
        """Reattach to the running resync instead of starting another."""
        running = self.findings.running if self.findings else None
        if running is None:
            return
        self.state.reset_id = running.reset_id
        self.state.resync_status = running.status
        self.state.resync_finished_at = None
        if running.start_time is not None:
            self.state.resync_started_at = iso(running.start_time)
        self.record("wizard.monitor-existing", mc=checks.MC_COMMANDS["running"](self.state), reset_id=running.reset_id)
        self.finish(goto=Step.MONITOR)

    def action_override(self) -> None:
        """Start from the side holding fewer versions anyway: only after typing the override word (journaled)."""
        if not self.overridable or self.findings is None:
            return
        f, s = self.findings, self.state
        body = (f"[b]{s.source}[/b] holds {f.source_versions:,} versions, [b]{s.target_label}[/b] "
                f"{f.target_versions:,}. A resync copies source → target only: if {s.source_alias} is the damaged "
                "side, it rebuilds nothing and you keep the wrong data.\n"
                "Override only if you know this source is the healthy one (e.g. the target holds junk).")
        self.app.push_screen(
            TypeToConfirmModal("Start from the side with FEWER versions?", body, checks.OVERRIDE_WORD,
                               action="Override", prompt=f"Type [b]{checks.OVERRIDE_WORD}[/b] to allow the start:"),
            self._override_answer)

    def _override_answer(self, answer: bool | None) -> None:
        if not answer or self.findings is None:
            return
        record = checks.direction_override(self.state, self.findings)
        self.state.extra["direction_override"] = {**record, "at": iso(self.now())}
        self.record("preflight.override", mc=checks.MC_COMMANDS["direction"](self.state),
                    result="operator override: the source holds fewer versions", check="direction", **record)
        self.save_state()
        self.run_checks()

    @on(Button.Pressed, "#recheck")
    def action_recheck(self) -> None:
        """Run every check again."""
        self.run_checks()
