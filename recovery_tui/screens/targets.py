"""`Step.TARGETS` (2 of 7) · Replication targets (`mc replicate ls`): the source's rules joined with their
remote targets.

The operator picks the ARN of the damaged site's bucket. A target whose
endpoint matches a known mc alias is shown by that alias.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, Static
from textual.worker import Worker

from recovery_tui.procedure.units import human_rate
from recovery_tui.screens.base import StepScreen
from recovery_tui.service.errors import RecoveryError
from recovery_tui.service.models import TargetView
from recovery_tui.steps import Step


def human_latency(seconds: float) -> str:
    """Latency in ms, "-" when unknown."""
    return f"{seconds * 1000:.0f} ms" if seconds else "-"


def target_name(view: TargetView) -> str:
    """`alias/bucket` when an alias matches the endpoint, else `endpoint/bucket`."""
    if view.target is None:
        return "(no remote target)"
    return f"{view.alias or view.target.endpoint}/{view.target.target_bucket}"


@dataclass
class TargetsLoaded(Message):
    """`service.targets()` answered."""

    views: list[TargetView]


class TargetsScreen(StepScreen):
    """A table of rule × remote target, and the details of the highlighted row."""

    STEP = Step.TARGETS
    EXPLAIN = (
        "The source knows the damaged bucket as a [b]remote target[/b] named by an ARN; each rule sends to one "
        "ARN. Pick the ARN of the bucket that lost data: the resync re-sends to that target only, and only "
        "through a rule with [b]existing-object replication[/b] enabled."
    )
    BINDINGS = [
        Binding("enter", "pick", "Pick ARN", id="targets.pick", priority=False),
        Binding("r", "reload", "Reload", id="targets.reload"),
    ]

    def __init__(self, service: Any, state: Any, *, id: Optional[str] = None) -> None:
        super().__init__(service, state, id=id)
        self.views: list[TargetView] = []
        """What the last load returned, in table order."""

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="body"):
            yield Label(f"Source {self.state.source} (read from) → pick the DAMAGED target (written to)",
                        classes="section-title")
            table: DataTable[Any] = DataTable(id="targets", cursor_type="row", zebra_stripes=True)
            table.add_columns("Target", "Rule", "Existing", "Online", "Latency", "Bandwidth")
            yield table
            yield Static("", id="empty", classes="status-line")
            yield Static("", id="detail")

    def on_mount(self) -> None:
        self.query_one("#targets", DataTable).focus()
        self.reload()

    def reentered(self) -> None:
        """Back from a later step: targets may have changed (one went offline): ask the source again."""
        self.reload()

    def mc_command(self) -> str:
        return f"{self.STEP.mc} {self.state.source} --json"

    def action_reload(self) -> None:
        """Ask the source again."""
        self.reload()

    def reload(self) -> None:
        """Show the table as loading and start the worker."""
        self.query_one("#targets", DataTable).loading = True
        self.load_targets(self.state.source_alias, self.state.source_bucket)

    @work(thread=True, exclusive=True, exit_on_error=False, group="targets", description="Listing replication targets")
    def load_targets(self, alias: str, bucket: str) -> None:
        """`mc replicate ls`: rules joined with remote targets."""
        self.post_message(TargetsLoaded(self.service.targets(alias, bucket)))

    def worker_failed(self, worker: Worker[Any]) -> None:
        self.query_one("#targets", DataTable).loading = False
        error = worker.error
        text = error.one_line() if isinstance(error, RecoveryError) else "unexpected error"
        self._empty(f"Could not list the targets: {text}\n(r retries · escape goes back)", error=True)

    def _empty(self, text: str, *, error: bool = False) -> None:
        line = self.query_one("#empty", Static)
        line.update(Text(text))
        line.set_class(error, "-error")
        line.display = bool(text)

    def on_targets_loaded(self, message: TargetsLoaded) -> None:
        table = self.query_one("#targets", DataTable)
        table.loading = False
        table.clear()
        self.views = message.views
        self.refresh_bindings()
        if not self.views:
            table.display = False
            self._empty(
                f"{self.state.source} has no replication configuration, so it cannot drive a resync.\n"
                "If this is the damaged side, go back (escape) and pick the healthy site. If the rules were "
                "lost on both sides, recreate them first: mc replicate add --help"
            )
            self.query_one("#detail", Static).update("")
            return
        table.display = True
        self._empty("")
        for i, view in enumerate(self.views):
            t = view.target
            online = Text("-", style="dim") if t is None else (
                Text("online", style="green") if t.online else Text("OFFLINE", style="bold red")
            )
            existing = Text(view.rule.existing_object_replication or "unset",
                            style="green" if view.rule.existing_objects_enabled else "bold red")
            table.add_row(
                target_name(view),
                Text(view.rule.status, style="green" if view.rule.enabled else "bold red"),
                existing,
                online,
                human_latency(t.latency.curr) if t else "-",
                human_rate(t.bandwidth_limit) if t else "-",
                key=str(i),
            )
        chosen = next((i for i, v in enumerate(self.views) if v.rule.destination_arn == self.state.arn), 0)
        table.move_cursor(row=chosen)
        self._show_detail(chosen)

    @on(DataTable.RowHighlighted, "#targets")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, row: int) -> None:
        if not 0 <= row < len(self.views):
            return
        view = self.views[row]
        rule, t = view.rule, view.target
        text = Text()
        text.append("ARN       ", style="bold")
        text.append(rule.destination_arn + "\n")
        text.append("Rule      ", style="bold")
        text.append(f"{rule.id} · {rule.status} · priority {rule.priority} · filter {rule.filter.describe()}\n")
        text.append("Replicate ", style="bold")
        text.append(
            f"existing objects {rule.existing_object_replication or 'unset'} · deletes {rule.delete_replication}"
            f" · delete markers {rule.delete_marker_replication}\n"
        )
        text.append("Endpoint  ", style="bold")
        if t is None:
            text.append("no remote target carries this ARN (a stale rule)", style="bold red")
        else:
            alias = f" (alias {view.alias})" if view.alias else " (no alias of yours points here)"
            text.append(f"{t.endpoint}{alias} → bucket {t.target_bucket} · latency avg {human_latency(t.latency.avg)}")
        self.query_one("#detail", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick":
            return bool(self.views)
        return True

    @on(DataTable.RowSelected, "#targets")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.pick(event.cursor_row)

    def action_pick(self) -> None:
        """Pick the highlighted row's ARN."""
        self.pick(self.query_one("#targets", DataTable).cursor_row)

    def pick(self, row: int) -> None:
        """Record the chosen ARN and its target in the state, then go to Preflight."""
        if not 0 <= row < len(self.views):
            return
        view = self.views[row]
        if view.target is None:
            self.notify(
                "This rule's ARN has no remote target on the source, so nothing can be resynced to it. "
                "Pick another row, or recreate the rule and its target with "
                f"`mc replicate add {self.state.source or 'SRC/BUCKET'} --remote-bucket TARGET_ALIAS/BUCKET "
                "--priority 1`.",
                title="No remote target",
                severity="warning",
                timeout=8,
            )
            return
        s = self.state
        if s.arn != view.rule.destination_arn:
            s.reset_id, s.resync_status = "", ""
            s.resync_started_at = s.resync_finished_at = None
            s.source_versions = s.target_versions = None
        s.arn = view.rule.destination_arn
        s.rule_id = view.rule.id
        s.target_alias = view.alias
        s.target_bucket = view.target.target_bucket
        s.target_endpoint = view.target.endpoint
        s.bandwidth_limit = view.target.bandwidth_limit
        self.record("wizard.target", mc=self.mc_command(), arn=s.arn, target=s.target_label)
        self.finish()
