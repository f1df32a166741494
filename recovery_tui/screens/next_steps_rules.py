"""Next steps: the wizard recreates the target's missing replication rules itself (`a`), after a typed yes.

What `mc replicate add TARGET/BUCKET --remote-bucket SOURCE/BUCKET --replicate … --priority N` does, one
rule at a time, through `RecoveryService.add_replication_rule` (set-remote-target with the source alias's
keys sent madmin-encrypted, then the configuration read and written back with the rule). Right before the
writes the configuration of both sides is read again and only rules still missing are added. Each write
is journaled with the equivalent mc command (aliases, never keys); no object is read, written or deleted.
Afterwards the screen re-reads both configurations: "Rules restored" is ticked only by that read-back.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Optional

from textual.message import Message

from recovery_tui.procedure.next_steps_plan import RulePlan, flags_of
from recovery_tui.screens.dialogs import TypeToConfirmModal
from recovery_tui.service.errors import RecoveryError

if TYPE_CHECKING:
    from recovery_tui.screens.next_steps import NextStepsScreen

GROUP = "next-rules"
"""Worker group of the rule writes."""


@dataclass
class RulesWritten(Message):
    """The rule writes finished: what was added (`AddedRule`s) and the error that stopped them, if any."""

    added: list[Any]
    skipped: int
    error: str = ""


def mc_add(plan: RulePlan, target: str, source: str) -> str:
    """The mc command the wizard performs for one rule, with aliases (runnable by an operator who has both)."""
    rule = plan.source_rule
    cmd = f'mc replicate add {target} --remote-bucket {source} --replicate "{",".join(flags_of(rule))}" ' \
          f"--priority {rule.priority}"
    if rule.storage_class:
        cmd += f" --storage-class {rule.storage_class}"
    return cmd


class RuleActions:
    """Drives "recreate the rules" for one `NextStepsScreen`."""

    def __init__(self, screen: "NextStepsScreen") -> None:
        self.screen = screen
        self.busy = False

    def _missing(self) -> list[RulePlan]:
        plan = self.screen.plan
        return [r for r in plan.to_fix if r.status == "missing"] if plan is not None else []

    def begin(self) -> None:
        """Ask (typed bucket name) before recreating the rules the last comparison found missing."""
        st = self.screen.state
        missing = self._missing()
        if self.busy:
            self.screen.notify("The rules are being written already.", timeout=3)
            return
        plan = self.screen.plan
        if plan is not None and plan.site_replication:
            self.screen.notify(f"Nothing to recreate here: site replication manages the rules "
                               f"({plan.status_command}).", timeout=6)
            return
        if not missing:
            why = ("the comparison failed: press r to read both sides again" if plan is None and
                   self.screen._plan_error else
                   "the comparison is still running" if plan is None else
                   "no rule is missing on the target" if not plan.to_fix else
                   "the rules that differ need mc replicate update (shown above)")
            self.screen.notify(f"Nothing to recreate: {why}.", timeout=5)
            return
        target, source = f"{st.target_alias}/{st.target_bucket or st.source_bucket}", st.source
        lines = "\n".join(f"  {mc_add(r, target, source)}" for r in missing)
        body = (f"On [b]{target}[/b]: a remote target pointing at {source} (with the keys of alias "
                f"'{st.source_alias}', sent encrypted) and {len(missing)} rule(s) mirroring the source's. "
                f"As mc would do it:\n{lines}\n\nNo object is read, written or deleted; each step is journaled.")
        self.screen.app.push_screen(
            TypeToConfirmModal(f"Recreate {len(missing)} rule(s) on {target}?", body,
                               st.target_bucket or st.source_bucket, action="Recreate"), self._answer)

    def _answer(self, answer: Optional[bool]) -> None:
        if not answer:
            self.screen.notify("Nothing was written.", timeout=3)
            return
        self.busy = True
        self.screen.notify("Recreating the rules…", timeout=3)
        self.screen.run_worker(self._work, thread=True, exclusive=True, exit_on_error=False, group=GROUP,
                               description="Recreating the target's replication rules")

    def _work(self) -> None:
        """Re-read both sides, then add each rule still missing (stops at the first error)."""
        st = self.screen.state
        target_bucket = st.target_bucket or st.source_bucket
        target, source = f"{st.target_alias}/{target_bucket}", st.source
        plan = self.screen.compute_plan()  # re-checked right before the writes
        missing = [r for r in plan.to_fix if r.status == "missing"] if not plan.site_replication else []
        added: list[Any] = []
        error = ""
        for r in missing:
            mc = mc_add(r, target, source)
            try:
                done = self.screen.service.add_replication_rule(st.target_alias, target_bucket, st.source_alias,
                                                                st.source_bucket, r.source_rule)
            except RecoveryError as exc:
                error = exc.one_line()
                self._journal("rules.recreate", mc=mc, result="failed", error=error)
                break
            added.append(done)
            self._journal("rules.recreate", mc=mc, result="ok", arn=done.arn, rule_id=done.rule_id,
                          priority=done.priority)
        skipped = len(self._missing()) - len(missing)  # missing at the last look, present when re-checked
        self.screen.post_message(RulesWritten(added, max(0, skipped), error))

    def _journal(self, action: str, **detail: Any) -> None:
        try:
            self.screen.app.call_from_thread(partial(self.screen.record, action, **detail))
        except RuntimeError:  # the app is closing
            pass

    def written(self, message: RulesWritten) -> None:
        """Say what happened, then read both configurations back (the read-back ticks the item)."""
        self.busy = False
        n = len(message.added)
        if message.error:
            self.screen.notify(f"Recreated {n} rule(s), then stopped: {message.error}", title="Rules not restored",
                               severity="error", timeout=12)
        elif n:
            self.screen.notify(f"Recreated {n} rule(s); reading both configurations back…", timeout=5)
        else:
            self.screen.notify("No rule was missing any more when re-checked: nothing written.", timeout=5)
        st = self.screen.state
        st.extra["rules_recreated"] = st.extra.get("rules_recreated", []) + [
            {"arn": a.arn, "rule_id": a.rule_id, "priority": a.priority, "at": self.screen.now().isoformat()}
            for a in message.added]
        self.screen.save_state()
        self.screen.action_recheck()

    def failed(self) -> None:
        self.busy = False


__all__ = ["GROUP", "RuleActions", "RulesWritten", "mc_add"]
