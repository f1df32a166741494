"""`SiteStep.REPORT` (site 4 of 4) · rules to recreate, canaries, the closing checklist, the site report.

On arrival a worker compares, for every included bucket, the healthy bucket's rules with what its target
bucket has (`procedure.next_steps_plan.compare`): the commands to recreate the missing ones are listed
(credentials as placeholders). `k` runs one canary round over every included bucket or a chosen sample
(`screens/site_canary.py`: all, the K biggest, K at random, or marked rows; it writes a small object under
`.recovery-tui-canary/` on each side); a canary not proven shows as unknown, never a tick. `w` writes the site
report (Markdown + JSON).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Optional

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from recovery_tui.procedure.next_steps_plan import Plan as RulesPlan
from recovery_tui.procedure.site_report import canary_mc, canary_sample, canary_verdict, checklist, write_site_report
from recovery_tui.screens.site_base import SiteScreen
from recovery_tui.screens.site_canary import CanarySampleModal
from recovery_tui.service.canary import CanaryCheck
from recovery_tui.service.sitecanary import NOT_SEEN, SEEN, UNKNOWN, why
from recovery_tui.steps import SiteStep


@dataclass
class RulesCompared(Message):
    rules: dict[str, RulesPlan]
    error: str = ""


@dataclass
class CanariesDone(Message):
    checks: dict[str, list[CanaryCheck]]


@dataclass
class CanaryProgress(Message):
    done: int
    total: int


class SiteReportScreen(SiteScreen):
    """Rules, canaries, checklist and report (see the module docstring)."""

    SITE_STEP = SiteStep.REPORT
    EXPLAIN = (
        "The damaged site must replicate back again: where its buckets lost their rules, recreate them with the "
        "commands below. A canary round (every bucket or a sample) proves replication works both ways (k). The "
        "site report (w) keeps one row per bucket and the checklist."
    )
    BINDINGS = [
        Binding("k", "canary", "Canaries", id="site-report.canary"),
        Binding("w", "write", "Write report", id="site-report.write"),
    ]
    DEFAULT_CSS = """
    SiteReportScreen #rep-body { height: 1fr; }
    SiteReportScreen #rep-check, SiteReportScreen #rep-rules { height: auto; padding: 0 1; }
    SiteReportScreen #rep-canary { height: auto; padding: 0 1; }
    SiteReportScreen #rep-status { height: auto; padding: 0 1; color: $text-muted; }
    """

    SITE_EXPLAIN = (
        "The damaged site must replicate back again. In a site-replication group the group manages each bucket's "
        "rules (none can be added by hand): missing ones are listed below. A canary round proves replication "
        "works both ways (k). The site report (w) keeps one row per bucket and the checklist."
    )

    def explain_text(self) -> str:
        return self.SITE_EXPLAIN if self.session.site_mode else self.EXPLAIN

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.canaries: dict[str, list[CanaryCheck]] = {}
        self._busy = False

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="rep-body"):
            yield Static("", id="rep-check")
            yield Static("", id="rep-canary")
            yield Static("Comparing each bucket's rules with its target's…", id="rep-rules")
        yield Static("", id="rep-status")

    def mc_command(self) -> str:
        if self.session.site_mode:
            return f"mc admin replicate status {self.session.target}"
        commands = [c for b in sorted(self.session.rules) for c in self.session.rules_fix(b)]
        return commands[0] if commands else f"mc replicate ls {self.session.target}/BUCKET --json"

    def on_mount(self) -> None:
        self._draw()
        self.compare_rules()

    @work(thread=True, exclusive=True, exit_on_error=False, group="site-report-rules",
          description="Comparing replication rules")
    def compare_rules(self) -> None:
        try:
            self.post_message(RulesCompared(self.ops.rules(self.session)))
        except Exception as exc:  # noqa: BLE001 — shown in the checklist, never a crash
            self.post_message(RulesCompared({}, getattr(exc, "message", str(exc))))

    @on(RulesCompared)
    def _compared(self, m: RulesCompared) -> None:
        self.session.rules, self.session.rules_error = m.rules, m.error
        lines = []
        for bucket, plan in sorted(m.rules.items()):
            if not plan.to_fix:
                lines.append(f"[green]✓[/] {bucket}: its rules back to {self.session.source} are in place")
                continue
            if self.session.site_mode:
                lines.append(f"[red]✗[/] {bucket}: {len(plan.to_fix)} rule(s) back to {self.session.source} missing")
                continue
            lines.append(f"[red]✗[/] {bucket}: {len(plan.to_fix)} rule(s) to recreate")
            lines += [f"    {c}" for c in self.session.rules_fix(bucket)]
        if self.session.rules_note:
            lines.append(f"  → {self.session.rules_note[0].upper()}{self.session.rules_note[1:]}.")
        if m.error:
            lines.append(f"[red]✗[/] could not compare the rules: {m.error}")
        self.query_one("#rep-rules", Static).update("\n".join(lines) or "No bucket was included.")
        self.refresh_mc_command()
        self._draw()

    def _draw(self) -> None:
        runner = self.session.runner
        snap = runner.snapshot() if runner is not None else None
        items = checklist(self.session, snap, self.canaries)
        self.query_one("#rep-check", Static).update(
            "[b]Checklist[/b]\n" + "\n".join(f"{'☑' if c.done else '☐'} {c.label}" for c in items))

    def action_canary(self) -> None:
        """Pick the buckets (all, the K biggest, K at random, or marked rows), then write their canaries."""
        if self._busy:
            return
        plan = self.session.plan
        rows = [b for b in plan.buckets if b.bucket in self.session.included] if plan is not None else []
        if not rows:
            self.notify("No bucket is included: nothing to write a canary in.", severity="warning", timeout=4)
            return
        one_way = ([b for b, p in self.session.rules.items() if p.to_fix] if self.session.rules else [])
        self.app.push_screen(CanarySampleModal(rows, one_way), self._canary_answer)

    def _canary_answer(self, buckets: Optional[list[str]]) -> None:
        if buckets:
            self._busy = True
            self.session.canary_sample = list(buckets)
            self.query_one("#rep-status", Static).update(
                f"Canaries written in {len(buckets)} bucket(s), waiting for them on the other side… 0/{len(buckets)}")
            self.record("site.canary.sample", buckets=list(buckets), of=len(self.session.included))
            self.run_canaries(uuid.uuid4().hex[:8], list(buckets))

    @work(thread=True, exclusive=True, exit_on_error=False, group="site-report-canary", description="Canary round")
    def run_canaries(self, run_id: str, buckets: list[str]) -> None:
        done: list[str] = []

        def one_done(bucket: str, checks: list[CanaryCheck]) -> None:
            done.append(bucket)
            self.post_message(CanaryProgress(len(done), len(buckets)))

        self.post_message(CanariesDone(self.ops.canaries(self.session, run_id, buckets=buckets, on_done=one_done)))

    @on(CanaryProgress)
    def _canary_progress(self, m: CanaryProgress) -> None:
        if self._busy:
            self.query_one("#rep-status", Static).update(
                f"Canaries written, waiting for them on the other side… {m.done}/{m.total} buckets done")

    @on(CanariesDone)
    def _canaries(self, m: CanariesDone) -> None:
        self._busy = False
        self.canaries = m.checks
        sampled = canary_sample(self.session, m.checks)
        verdicts = {b: canary_verdict(self.session, m.checks, b) for b in sampled}
        count = {v: sum(1 for x in verdicts.values() if x == v) for v in (SEEN, NOT_SEEN, UNKNOWN)}
        self.query_one("#rep-status", Static).update(
            f"Canary round ({len(sampled)} of {len(self.session.included)} buckets): {count[SEEN]} seen both ways · "
            f"{count[NOT_SEEN]} NOT seen · {count[UNKNOWN]} unknown")
        marks = {SEEN: "[green]✓[/]", NOT_SEEN: "[red]✗[/]", UNKNOWN: "[yellow]?[/]"}
        back = f"{self.session.target}→{self.session.source}"
        lines = [f"{marks[v or UNKNOWN]} {b}: {v} · {why(m.checks.get(b, []), b in self.session.canary_one_way, back)}"
                 for b, v in verdicts.items()]
        self.query_one("#rep-canary", Static).update("[b]Canaries[/b]\n" + "\n".join(lines))
        self.record("site.canary", result="ok" if count[SEEN] == len(sampled) else "incomplete",
                    buckets=len(sampled), seen=count[SEEN], not_seen=count[NOT_SEEN], unknown=count[UNKNOWN],
                    mc=canary_mc(m.checks))
        self._draw()

    def worker_failed(self, worker: Any) -> None:
        self._busy = False

    def action_write(self) -> None:
        runner = self.session.runner
        paths = write_site_report(self.session, runner.snapshot() if runner is not None else None, self.canaries,
                                  directory=self.app.settings.state_dir / "reports", now=self.now())
        self.session.report_paths = (str(paths.markdown), str(paths.json))
        self.record("site.report", markdown=str(paths.markdown), json=str(paths.json))
        self.query_one("#rep-status", Static).update(f"Site report written:\n{paths.markdown}\n{paths.json}")


__all__ = ["SiteReportScreen"]
