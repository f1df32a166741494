"""`SiteStep.PLAN` (site 1 of 4) · every bucket the healthy site replicates to the damaged one, in one plan.

A thread worker runs discovery and the version counts (`SiteOps.plan`), posting progress. The table shows
each bucket: included or not, whether a resync can recover it, the versions each side holds and the size.
`space` includes/excludes the highlighted bucket, `a` all or none, `o` the queue order (biggest first or as
listed), `m` how many resyncs run at once, `s` starts after ONE typed confirmation (the damaged alias).
A bucket that cannot be resynced shows why and the command that fixes it under the table.

Site replication (both aliases peers of one group, facts §15): the recommended path is ONE site-level
resync of every bucket (`mc admin replicate resync start SRC DST`), said in the status line; `p` switches
to bucket-by-bucket resyncs (include/exclude, order and cap apply again) and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker

from recovery_tui.procedure.monitor_math import human_bytes as human_size
from recovery_tui.screens.dialogs import TypeToConfirmModal
from recovery_tui.screens.site_base import SiteScreen
from recovery_tui.service.sitemodels import BucketPlan, SitePlan
from recovery_tui.steps import SiteStep


@dataclass
class PlanProgress(Message):
    done: int
    total: int
    phase: str


@dataclass
class PlanLoaded(Message):
    plan: SitePlan


def _count(n: Optional[int]) -> str:
    return "-" if n is None else f"{n:,}"


class SitePlanScreen(SiteScreen):
    """The site plan (see the module docstring)."""

    SITE_STEP = SiteStep.PLAN
    AUTO_FOCUS = "#plan-table"
    EXPLAIN = (
        "Every bucket the [b]healthy[/b] site replicates to the damaged one, versions on each side. [b]✓[/b] "
        "can be resynced; [b]✗[/b] needs the fix below. Resyncs run m at a time, biggest first (o); with site "
        "replication ONE site-level resync covers all (p: per bucket). s starts, once confirmed; r reloads."
    )
    # Every key fits the footer at 80 columns: the ones the screen already names elsewhere are left out of it
    # (c: "c copy" beside the command; p: in the line above the table; r: in the Why pane).
    BINDINGS = [
        Binding("c", "copy_command", "Copy mc", show=False, id="step.copy"),
        Binding("space", "toggle_bucket", "In/out", id="site-plan.toggle"),
        Binding("a", "toggle_all", "All", id="site-plan.all"),
        Binding("o", "order", "Order", id="site-plan.order"),
        Binding("m", "max_running", "At once", id="site-plan.max"),
        Binding("p", "path(True)", "Per bucket", show=False, id="site-plan.per-bucket"),
        Binding("p", "path(False)", "Site-level", show=False, id="site-plan.site-level"),
        Binding("s", "start", "Start", id="site-plan.start"),
        Binding("r", "reload", "Reload", show=False, id="site-plan.reload"),
    ]
    DEFAULT_CSS = """
    SitePlanScreen #plan-status { height: 1; padding: 0 1; color: $text-muted; }
    SitePlanScreen #plan-status.-error { color: $error; }
    SitePlanScreen #plan-detail { height: 4; padding: 0 1; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static("Reading the buckets and their targets…", id="plan-status")
        table: DataTable[str] = DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="plan-detail")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> Optional[bool]:
        """`p` only with site replication (to the other path); include/exclude, order and cap only bucket by
        bucket."""
        if action == "path":
            return self.session.site_mode and bool(parameters) and parameters[0] != self.session.per_bucket
        if action in ("toggle_bucket", "toggle_all", "order", "max_running"):
            return not self.session.site_level
        return True

    def mc_command(self) -> str:
        """The site-level start (site replication), the highlighted bucket's `mc replicate ls`, or the command
        that fixes it (what `c` copies)."""
        if self.session.site_level:
            return f"mc admin replicate resync start {self.session.source} {self.session.target}"
        b = self._current() if self.is_mounted else None
        if b is None:
            return f"mc admin info {self.session.source}"
        return b.fix if not b.recoverable else f"mc replicate ls {self.session.source}/{b.bucket} --json"

    def on_mount(self) -> None:
        table = self.query_one("#plan-table", DataTable)
        src, dst = self.session.source, self.session.target
        table.add_columns("in", "bucket", "resync", f"v. {src}"[:14], f"v. {dst}"[:14], "size")
        if self.session.plan is not None:
            self._show(self.session.plan)
        else:
            self.load_plan()

    # -- loading ------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="site-plan", description="Building the site plan")
    def load_plan(self) -> None:
        def progressed(done: int, total: int, phase: str) -> None:
            self.post_message(PlanProgress(done, total, phase))

        plan = self.ops.plan(self.session.source, self.session.target, progress=progressed)
        self.post_message(PlanLoaded(plan))

    @on(PlanProgress)
    def _progress(self, m: PlanProgress) -> None:
        what = "counting versions" if m.phase == "count" else "reading buckets and targets"
        self.query_one("#plan-status", Static).update(f"{what}… {m.done}/{m.total}")

    @on(PlanLoaded)
    def _loaded(self, m: PlanLoaded) -> None:
        self.session.choose_plan(m.plan)
        self.record("site.plan", source=m.plan.source, target=m.plan.target, mode=m.plan.mode,
                    buckets=len(m.plan.buckets), recoverable=len(m.plan.recoverable()))
        self._show(m.plan)
        self.refresh_bindings()

    def worker_failed(self, worker: Worker[object]) -> None:
        status = self.query_one("#plan-status", Static)
        status.add_class("-error")
        error = worker.error
        status.update(f"✗ {getattr(error, 'message', error)} — r retries")

    # -- display ------------------------------------------------------------------------------------

    def _row(self, b: BucketPlan) -> tuple[str, ...]:
        mark = ("☑" if b.bucket in self.session.included else "☐") if b.recoverable else "✗"
        verdict = "✓ ready" if b.recoverable else "✗ needs a fix"
        size = human_size(b.source_bytes) if b.source_bytes is not None else "-"
        return (mark, b.bucket, verdict, _count(b.source_versions), _count(b.target_versions), size)

    def _show(self, plan: SitePlan) -> None:
        table = self.query_one("#plan-table", DataTable)
        row = table.cursor_row
        table.clear()
        for b in plan.buckets:
            table.add_row(*self._row(b), key=b.bucket)
        if plan.buckets:
            table.move_cursor(row=min(max(row, 0), len(plan.buckets) - 1))
        self._status()
        self._detail()
        self.refresh_mc_command()

    def _status(self) -> None:
        plan = self.session.plan
        status = self.query_one("#plan-status", Static)
        status.remove_class("-error")
        if plan is None:
            return
        if not plan.recoverable():
            status.update(f"✗ No bucket of {plan.source} can be resynced to {plan.target}: fix the ones below first.")
            return
        if self.session.site_level:
            status.update(f"★ Recommended: one site-level resync, all {len(plan.recoverable())} buckets · "
                          "p per bucket · s starts")
            return
        mode = (f"{self.session.max_running} at a time, "
                f"{'biggest first' if self.session.order == 'size' else 'as listed'}")
        back = " · p site-level" if self.session.site_mode else ""
        status.update(f"{len(self.session.included)} of {len(plan.recoverable())} included · {mode}{back} · "
                      "s starts")

    def _detail(self) -> None:
        plan = self.session.plan
        table = self.query_one("#plan-table", DataTable)
        detail = self.query_one("#plan-detail", Static)
        if plan is None or not plan.buckets:
            detail.update("")
            return
        b = plan.buckets[min(max(table.cursor_row, 0), len(plan.buckets) - 1)]
        if b.recoverable:
            tb = b.target_bucket if b.target_bucket != b.bucket else ""
            detail.update(f"{b.bucket}{' → ' + tb if tb else ''}: {b.arn}")
        else:
            detail.update(f"[b]{b.bucket}[/b]: {b.reason} — fix (c copies it):\n{b.fix}")

    @on(DataTable.RowHighlighted, "#plan-table")
    def _highlighted(self) -> None:
        self._detail()
        self.refresh_mc_command()

    # -- actions ------------------------------------------------------------------------------------

    def _current(self) -> Optional[BucketPlan]:
        plan = self.session.plan
        if plan is None or not plan.buckets:
            return None
        return plan.buckets[min(max(self.query_one("#plan-table", DataTable).cursor_row, 0), len(plan.buckets) - 1)]

    def action_toggle_bucket(self) -> None:
        b = self._current()
        if b is None:
            return
        if not b.recoverable:
            self.notify(f"{b.bucket} cannot be resynced: {b.reason}", severity="warning", timeout=5)
            return
        self.session.included ^= {b.bucket}
        self._show(self.session.plan)  # type: ignore[arg-type]

    def action_toggle_all(self) -> None:
        plan = self.session.plan
        if plan is None:
            return
        every = {b.bucket for b in plan.recoverable()}
        self.session.included = set() if self.session.included == every else every
        self._show(plan)

    def action_path(self, per_bucket: bool) -> None:
        if not self.session.site_mode or per_bucket == self.session.per_bucket:
            return
        self.session.choose_per_bucket(per_bucket)
        self.record("site.plan.path", path="per-bucket" if self.session.per_bucket else "site-level")
        self._show(self.session.plan)  # type: ignore[arg-type]
        self.refresh_bindings()

    def action_order(self) -> None:
        self.session.order = "given" if self.session.order == "size" else "size"
        self._status()

    def action_max_running(self) -> None:
        self.notify(f"{self.session.next_max_running()} resyncs at once.", timeout=3)
        self._status()

    def action_reload(self) -> None:
        self.session.plan = None
        self.query_one("#plan-status", Static).update("Reading the buckets and their targets…")
        self.load_plan()

    def action_start(self) -> None:
        plan = self.session.plan
        if plan is None:
            self.notify("The plan is still being built.", timeout=3)
            return
        if not self.session.included:
            self.notify("No bucket is included: space includes one, a includes all.", severity="warning", timeout=4)
            return
        n = len(self.session.included)
        what = ("ONE site-replication resync of every bucket" if self.session.site_level else
                f"{n} bucket resync(s), {self.session.max_running} at a time")
        message = (f"This starts {what} from [b]{plan.source}[/b] to [b]{plan.target}[/b]. Each re-sends the "
                   "bucket's versions; nothing is deleted, and leaving the monitor never cancels them.")
        self.app.push_screen(TypeToConfirmModal("Start the site resync?", message, plan.target, action="Start",
                                                noun="damaged alias"), self._confirmed)

    def _confirmed(self, answer: Optional[bool]) -> None:
        if not answer:
            return
        from recovery_tui.screens.site_monitor import SiteMonitorScreen

        self.session.started_at = self.now()
        self.state.extra["site"] = {"source": self.session.source, "target": self.session.target,
                                    "included": sorted(self.session.included), "order": self.session.order,
                                    "max_running": self.session.max_running,
                                    "per_bucket": self.session.per_bucket,
                                    "started_at": self.session.started_at.isoformat()}
        self.save_state()
        self.record("site.resync.confirm", source=self.session.source, target=self.session.target,
                    buckets=sorted(self.session.included), max_running=self.session.max_running,
                    order=self.session.order, path="site-level" if self.session.site_level else "per-bucket")
        self.finish_site(SiteMonitorScreen(self.service, self.state, self.session, self.ops))


__all__ = ["SitePlanScreen"]
