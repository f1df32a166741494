"""`Step.NEXT_STEPS` (7 of 7) · Next steps: restore the target's replication rules, verify both ways, close the
checklist, export.

Reads both sides' replication configuration (thread worker) and shows what the
target must get back, with the `mc` commands (placeholders, never secrets).
The checklist — validation passed, rules restored, replication verified both
ways (canary objects), load-balancer traffic restored — is kept in the
`WizardState`; each tick carries a timestamp. `x` writes the run's report
(Markdown + JSON) under the XDG state directory and shows the path.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Optional

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.worker import Worker

from recovery_tui.procedure.checklist import CheckItem
from recovery_tui.procedure.next_steps_plan import Plan, compare
from recovery_tui.report import reports_dir, write_report
from recovery_tui.screens.base import StepScreen
from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.screens.next_steps_canary import CanaryDone, CanaryFlow, CanaryRemoved, CanaryWaiting
from recovery_tui.screens.next_steps_rules import GROUP as RULES_GROUP
from recovery_tui.screens.next_steps_rules import RuleActions, RulesWritten
from recovery_tui.service.errors import NotFound, RecoveryError
from recovery_tui.state import ChecklistItem
from recovery_tui.steps import Step
from recovery_tui.widgets.checklist import Checklist

if TYPE_CHECKING:
    from recovery_tui.service.client import RecoveryService
    from recovery_tui.state import WizardState

ITEMS: tuple[tuple[str, str], ...] = (
    ("validation-passed", "Validation passed"),
    ("rules-restored", "Rules restored on the target"),
    ("replication-verified", "Replication verified both ways"),
    ("lb-restored", "Load-balancer traffic restored"),
)
"""The closing checklist: key and label."""

EVIDENCE = {
    "validation-passed": "ticked when Validate shows IN SYNC (escape to go back and re-run it)",
    "rules-restored": "ticked when r re-checks the target and finds every rule",
    "replication-verified": "ticked when k writes a canary on each side and sees it on the other",
}
"""How each automatic item gets ticked (shown when the operator tries to tick it by hand)."""

TODO = {
    "validation-passed": "Validate must show IN SYNC",
    "rules-restored": "press a (or run the commands, then r)",
    "replication-verified": "press k (canary test)",
    "lb-restored": "press enter once done",
}
"""The short "what to do" shown next to an open item."""


class ClosingChecklist(Checklist):
    """The shared `Checklist` with box marks: ☑ done (with time and evidence) / ☐ open (with what to do)."""

    @staticmethod
    def _prompt(item: CheckItem) -> Text:
        done = item.status == "pass"
        text = Text()
        text.append("☑ done  " if done else "☐ open  ", style="bold green" if done else "bold yellow")
        text.append(item.label, style="bold")
        if item.detail:
            text.append(f" — {item.detail}", style="" if done else "italic")
        return text


@dataclass
class PlanRead(Message):
    """Both configurations read and compared."""

    plan: Plan


def short_path(path: Any, width: int = 52) -> str:
    """A path for a one-line status: `~` for the home directory, then its last `width` characters after "…"
    (the file name always shows; the full path is in the toast and the report's journal entry)."""
    from pathlib import Path

    text = str(path)
    home = str(Path.home())
    if text.startswith(home + "/"):
        text = "~" + text[len(home):]
    return text if len(text) <= width else "…" + text[-(width - 1):]


def render_plan(plan: Optional[Plan], source: str, target: str, error: str = "", *, lab: bool = False) -> Text:
    """The rules section: verdict line, then each rule to fix with its command."""
    t = Text()
    if error:
        t.append(f"? Could not compare the configurations ({error}). Press r to retry.", style="yellow")
        return t
    if plan is None:
        t.append("Reading the replication configuration of both sides…", style="italic")
        return t
    if not plan.rules:
        t.append(f"i No rule on {source} points at this target: nothing to mirror.", style="bold cyan")
        return t
    if plan.restored:
        t.append(f"✔ {target} has rules matching the source's {len(plan.rules)} rule(s).", style="bold green")
        return t
    where = "has no replication configuration" if not plan.target_has_config else "differs from the source"
    if plan.site_replication:
        t.append(f"i {target} {where}, but it is in site-replication group '{plan.site_replication}': the group "
                 "recreates bucket targets and rules itself (mc replicate add is refused there). Check it:\n",
                 style="bold cyan")
        t.append(f"$ {plan.status_command}")
        return t
    t.append(f"✘ {target} {where}: recreate {len(plan.to_fix)} rule(s)\n", style="bold red")
    if any(r.status == "missing" for r in plan.to_fix):
        t.append("  Press a: the wizard recreates them here (typed yes; journaled; no object touched).\n"
                 if not lab else "  These commands cannot reach the lab (its aliases live in the wizard): "
                 "press a to recreate the rule(s) here (typed yes).\n", style="bold")
    if not plan.remote_target_present:
        t.append("  Its remote target is gone too: --remote-bucket URL recreates it.\n", style="dim")
    for r in plan.to_fix:
        if r.differences:
            t.append("  " + "; ".join(r.differences) + "\n", style="yellow")
        for cmd in r.commands:
            t.append(f"$ {cmd}\n")
    t.append("Credentials are placeholders: use a replication user of the source.", style="dim")
    return t


class NextStepsScreen(StepScreen):
    """`NextStepsScreen(service, state, canary_timeout=60.0)`."""

    STEP = Step.NEXT_STEPS
    EXPLAIN = (
        "Before traffic goes back to the recovered site: its replication rules must exist again (a total "
        "loss removes them), replication must work [b]both ways[/b] (a canary written on each side appears "
        "on the other), then the load balancer may send clients to it. Tick items with enter; x exports "
        "the report."
    )
    BINDINGS = [
        Binding("r", "recheck", "Re-check", id="next.recheck"),
        Binding("k", "canary", "Canary", id="next.canary"),
        Binding("x", "export", "Report", id="next.export"),
        Binding("a", "add_rules", "Add rules", id="next.add_rules", show=False),
        Binding("d", "done", "Done", id="next.done"),
    ]
    DEFAULT_CSS = """
    NextStepsScreen #ns-plan-box { height: auto; max-height: 10; padding: 0 1; }
    NextStepsScreen #ns-checklist { height: 1fr; min-height: 4; }
    NextStepsScreen #ns-report { height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap; }
    NextStepsScreen #ns-canary { height: 1; padding: 0 1; display: none; text-wrap: nowrap;
                                 text-overflow: ellipsis; }
    """

    def __init__(self, service: "RecoveryService", state: "WizardState", *, canary_timeout: float = 60.0,
                 id: Optional[str] = None) -> None:
        super().__init__(service, state, id=id)
        self.canary_timeout = canary_timeout
        """Seconds to wait for each canary to appear on the other side."""
        self.plan: Optional[Plan] = None
        """The last comparison."""
        self._plan_error = ""
        self.canary = CanaryFlow(self)
        """The canary round trip (k)."""
        self.rules = RuleActions(self)
        """The "recreate the rules" flow (`a`)."""
        if not state.checklist:
            state.checklist = [ChecklistItem(k, label) for k, label in ITEMS]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="ns-plan-box"):
            yield Static(render_plan(None, self.state.source, self.state.target_label), id="ns-plan")
        yield ClosingChecklist(self._items(), id="ns-checklist")
        yield Static("", id="ns-canary")
        yield Static("x exports the report (Markdown + JSON).", id="ns-report")

    def mc_command(self) -> str:
        tgt = f"{self.state.target_alias or 'TARGET'}/{self.state.target_bucket or 'BUCKET'}"
        return f"{self.STEP.mc} {self.state.source or 'SOURCE/BUCKET'}; {self.STEP.mc} {tgt}"

    # -- lifecycle ----------------------------------------------------------------------------------

    def on_mount(self) -> None:
        v = self.state.validation or {}
        item = self._item("validation-passed")
        if v.get("in_sync") and not v.get("incomplete") and not item.done:
            n = v.get("source", {}).get("versions", "?")
            self._tick("validation-passed", note=f"{n:,} versions each side" if isinstance(n, int) else
                       f"{n} versions each side")
        self.read_plan()
        self.query_one("#ns-checklist", Checklist).focus()

    # -- workers ------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="next-plan",
          description="Reading both replication configurations")
    def read_plan(self) -> None:
        """Read both configurations and the target's remote targets, then compare."""
        self.post_message(PlanRead(self.compute_plan()))

    def compute_plan(self) -> Plan:
        """Both configurations and the target's remote targets, compared (blocking: call from a worker)."""
        st = self.state
        target_alias, target_bucket = st.target_alias, st.target_bucket or st.source_bucket
        source_cfg = self.service.replication_config(st.source_alias, st.source_bucket)
        target_cfg = self.service.replication_config(target_alias, target_bucket) if target_alias else None
        try:
            remotes = self.service.remote_targets(target_alias, target_bucket) if target_alias else []
        except NotFound:
            remotes = []
        url = getattr(getattr(self.service, "aliases", None), "get", lambda _a: None)(st.source_alias)
        source_url = getattr(url, "url", "") or "https://SOURCE_HOST:PORT"
        plan = compare(source_cfg, target_cfg, st.arn, target_path=f"{target_alias or 'TARGET'}/{target_bucket}",
                       source_url=source_url, source_bucket=st.source_bucket, target_remotes=remotes)
        group = self._site_group(target_alias) if target_alias and plan.to_fix else ""
        return replace(plan, site_replication=group, target_alias=target_alias or "")

    def _site_group(self, alias: str) -> str:
        """The site-replication group `alias` belongs to ("" when none, or when the info cannot be read:
        the per-bucket commands are then offered as before, and the server would say if it refuses them)."""
        try:
            return self.service.site_replication_group(alias)
        except RecoveryError:
            return ""

    # -- messages -----------------------------------------------------------------------------------

    @on(PlanRead)
    def _plan_read(self, message: PlanRead) -> None:
        plan = self.plan = message.plan
        self._plan_error = ""
        self.state.extra["rules_to_recreate"] = plan.commands()
        self.query_one("#ns-plan", Static).update(render_plan(plan, self.state.source, self.state.target_label,
                                                              lab=self.state.lab))
        if plan.restored and not self._item("rules-restored").done:
            self._tick("rules-restored", note=f"{len(plan.rules)} rule(s) match")
        self.save_state()

    @on(CanaryWaiting)
    def _canary_waiting(self, message: CanaryWaiting) -> None:
        self.set_canary_line(message.text)

    @on(CanaryDone)
    def _canary_done(self, message: CanaryDone) -> None:
        self.canary.done(message.checks)

    @on(CanaryRemoved)
    def _canary_removed(self, message: CanaryRemoved) -> None:
        self.canary.removed(message)

    def set_canary_line(self, text: str) -> None:
        """The canary's progress or outcome, under the checklist."""
        line = self.query_one("#ns-canary", Static)
        line.update(Text(text))
        line.display = bool(text)

    @on(RulesWritten)
    def _rules_written(self, message: RulesWritten) -> None:
        self.rules.written(message)

    def worker_failed(self, worker: Worker[Any]) -> None:
        if worker.group == "next-canary":
            self.canary.busy = False
            self.set_canary_line("✘ The canary test stopped on an error (see the message); k tries again.")
        if worker.group == RULES_GROUP:
            self.rules.failed()
        if worker.group == "next-plan":
            self._plan_error = getattr(worker.error, "title", "error")
            self.query_one("#ns-plan", Static).update(
                render_plan(None, self.state.source, self.state.target_label, self._plan_error))

    # -- checklist ----------------------------------------------------------------------------------

    def _item(self, key: str) -> ChecklistItem:
        return next(i for i in self.state.checklist if i.key == key)

    def _check_item(self, item: ChecklistItem) -> CheckItem:
        if item.done:
            when = (item.at or "")[11:19]
            note = f" · {item.note}" if item.note else ""
            return CheckItem(item.key, item.label, "pass", f"{when} UTC{note}")
        return CheckItem(item.key, item.label, "info", TODO.get(item.key, "press enter once done"))

    def _items(self) -> list[CheckItem]:
        return [self._check_item(i) for i in self.state.checklist]

    def tick_item(self, key: str, *, note: str = "") -> None:
        """Tick item `key` with its evidence (the canary flow calls this)."""
        self._tick(key, note=note)

    def _tick(self, key: str, *, done: bool = True, note: str = "") -> None:
        item = self.state.tick(key, done=done, at=self.now(), note=note)
        if not done:
            item.note = ""
        for checklist in self.query("#ns-checklist").results(Checklist):
            checklist.update_item(self._check_item(item))
            if done:
                self._highlight_first_open(checklist)
        self.record("checklist", result="ticked" if done else "unticked", item=key, note=note)
        self.save_state()

    def _highlight_first_open(self, checklist: Checklist) -> None:
        """Move the highlight to the first open item, so the next enter acts on what is left to do."""
        for index, item in enumerate(self.state.checklist):
            if not item.done:
                checklist.highlighted = index
                return

    @on(OptionList.OptionSelected, "#ns-checklist")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id or ""
        item = self._item(key)
        if item.done:
            self.app.push_screen(
                ConfirmModal("Reopen this item?", f"[b]{item.label}[/b] was ticked at {(item.at or '')[11:19]} UTC."
                             "\n\nMark it open again (the journal records it)?", yes="Reopen", no="Keep ticked"),
                lambda ok: self._tick(key, done=False) if ok else None)
        elif key == "lb-restored" and not self._item("replication-verified").done:
            failed = [c for c in self.state.extra.get("canaries") or [] if not c.get("seen_on_peer")]
            why = ("the canary test FAILED: " + "; ".join(f"{c.get('site')}→{c.get('peer')} not seen" for c in failed)
                   if failed else "replication was not verified both ways (k runs the canary test)")
            self.app.push_screen(
                ConfirmModal("Send clients back without verified replication?",
                             f"[b]{why[:1].upper() + why[1:]}[/b].\n\nClients sent to {self.state.target_label} "
                             "now may "
                             "write data that never reaches the other site. Tick it anyway (the journal and "
                             "the report record the override)?", yes="Tick anyway", no="Leave open"),
                lambda ok: self._tick(key, note=f"override: ticked while {why}") if ok else None)
        elif key in EVIDENCE:
            self.app.push_screen(
                ConfirmModal("Tick without the evidence?", f"This item is {EVIDENCE[key]}.\n\nTick it by hand "
                             "anyway (the report will say so)?", yes="Tick", no="Leave open"),
                lambda ok: self._tick(key, note="ticked by hand") if ok else None)
        else:
            self._tick(key)

    # -- actions ------------------------------------------------------------------------------------

    def action_recheck(self) -> None:
        """Read both configurations again (after running the commands)."""
        self.query_one("#ns-plan", Static).update(render_plan(None, self.state.source, self.state.target_label))
        self.read_plan()

    def action_add_rules(self) -> None:
        """Recreate the rules missing on the target (asks for the bucket name first; journaled)."""
        self.rules.begin()

    def action_canary(self) -> None:
        """Write one canary object on each side (asks first: these are writes)."""
        if not self.canary.busy:
            self.canary.begin()

    def action_export(self) -> bool:
        """Write the report files and show where; False when they could not be written."""
        try:
            paths = write_report(self.state, directory=reports_dir(self.app.settings.state_dir), now=self.now())
        except OSError as exc:
            self.notify(f"Could not write the report: {exc.strerror}", severity="error")
            self.query_one("#ns-report", Static).update(f"The report was NOT written ({exc.strerror}).")
            return False
        self.state.extra["report"] = {"markdown": str(paths.markdown), "json": str(paths.json)}
        self.save_state()
        self.record("report", result="written", path=str(paths.markdown))
        line = self.query_one("#ns-report", Static)
        room = line.content_size.width - len("Report written:  (and .json)")  # the path gets what is left
        line.update(f"Report written: {short_path(paths.markdown, max(20, room))} (and .json)")
        return True

    def action_done(self) -> None:
        """Finish the run: write the report (with the checklist as it stands), then end (asks when items are open)."""
        open_items = [i.label for i in self.state.checklist if not i.done]
        if not open_items:
            self._finish_run()
            return
        self.app.push_screen(
            ConfirmModal("Finish with open items?", "Still open:\n• " + "\n• ".join(open_items)
                         + "\n\nThe report will list them as open.", yes="Finish", no="Stay"),
            lambda ok: self._finish_run() if ok else None)

    def _finish_run(self) -> None:
        if not self.action_export():
            self.state.extra.pop("report", None)  # the App then says no report was written
        self.finish()


__all__ = ["CanaryDone", "CanaryRemoved", "NextStepsScreen", "PlanRead", "render_plan"]
