"""`SiteStep.MONITOR` (site 2 of 4) · Fleet monitor: one row per bucket, totals and a site ETA on top.

A thread worker drives the session's `FleetRunner` (or `SiteResyncRunner`): it starts queued buckets as
slots free up, polls the running ones, and posts a `FleetUpdated` per tick; the rates, ETAs and stalls are
`procedure.fleet_math`'s. Only cells that changed are redrawn, so a thousand rows stay cheap. A site that
stops answering shows the connection banner (new starts pause, the running resyncs go on on the server).
Enter opens the highlighted bucket's own monitor; `m` changes how many run at once; `v` validates.
Leaving (or quitting) never cancels anything; the run is checkpointed, so reattaching restores every row.

On the site-level path (site replication) the server resyncs every bucket from ONE start: the top lines add
the site resync as the metrics stream reports it, and `x` cancels it after a confirmation. The cancel is
best-effort on the server and leaves the site status Ongoing until the healthy site restarts: said plainly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from recovery_tui.procedure.fleet_math import FleetProgress
from recovery_tui.procedure.monitor_math import human_duration
from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.screens.monitor import MonitorScreen
from recovery_tui.screens.site_base import SiteScreen
from recovery_tui.service.fleetmodel import COMPLETED, FleetRow, FleetSnapshot
from recovery_tui.state import WizardState
from recovery_tui.steps import SiteStep

COLUMNS = (("status", 9), ("re-sent", 9), ("of", 9), ("rate/s", 7), ("ETA", 7), ("detail", 90))
"""Fixed widths after the bucket column: a cell update then redraws one cell, never re-measures a column
(re-measuring is O(rows) per cell, which at 1,000 rows costs seconds per frame)."""


@dataclass
class FleetUpdated(Message):
    snap: FleetSnapshot


@dataclass
class SiteCancelSent(Message):
    note: str


class AppJournal:
    """The runner's journal: the App's audit journal (thread-safe appends)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def record(self, action: str, *, mc: str = "", result: str = "ok", **detail: Any) -> None:
        self.app.record(action, mc=mc, result=result, **detail)


class SiteMonitorScreen(SiteScreen):
    """The fleet monitor (see the module docstring)."""

    SITE_STEP = SiteStep.MONITOR
    AUTO_FOCUS = "#fleet-table"
    EXPLAIN = (
        "Each bucket's resync runs on the server; this view starts the queued ones as others finish and shows "
        "what each re-sent. [b]Leaving or quitting cancels nothing[/b]. Enter opens a bucket's own monitor; "
        "every bucket Completed? Validate them all (v)."
    )
    SITE_EXPLAIN = (
        "[b]One site-level resync[/b] (site replication) re-sends every bucket; each row is that bucket's own "
        "resync status. [b]Leaving or quitting cancels nothing[/b]; x cancels (asks first). Enter opens a "
        "bucket's own monitor; every bucket Completed? Validate them all (v)."
    )

    BINDINGS = [
        Binding("enter", "open_bucket", "Bucket", id="site-monitor.open"),
        Binding("m", "max_running", "At once", id="site-monitor.max"),
        Binding("v", "validate", "Validate", id="site-monitor.validate"),
        Binding("x", "cancel_site", "Cancel resync", id="site-monitor.cancel"),
    ]
    DEFAULT_CSS = """
    SiteMonitorScreen #fleet-totals { height: 2; padding: 0 1; text-style: bold; }
    SiteMonitorScreen #fleet-banner { height: auto; max-height: 4; padding: 0 1; display: none; }
    SiteMonitorScreen #fleet-banner.-lost { display: block; background: $warning 30%; }
    SiteMonitorScreen #fleet-banner.-done { display: block; background: $success 30%; }
    SiteMonitorScreen #fleet-banner.-failed { display: block; background: $error 30%; }
    SiteMonitorScreen #fleet-banner.-note { display: block; background: $primary 20%; }
    """

    monotonic: Callable[[], float] = staticmethod(time.monotonic)
    """The rate clock (tests inject a scripted one)."""
    poll_interval = 2.0

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.progress = FleetProgress()
        self.snap: Optional[FleetSnapshot] = None
        self._cells: dict[str, tuple[str, ...]] = {}
        self._texts: dict[str, tuple[str, Optional[str]]] = {}
        self._canceled_once = False
        self._keys: tuple[bool, str] = (False, "")

    def compose_body(self) -> ComposeResult:
        yield Static("Starting…", id="fleet-totals")
        yield Static("", id="fleet-banner")
        yield DataTable(id="fleet-table", cursor_type="row", zebra_stripes=True)

    def explain_text(self) -> str:
        return self.SITE_EXPLAIN if self.session.site_level else self.EXPLAIN

    def check_action(self, action: str, parameters: tuple[object, ...]) -> Optional[bool]:
        """`x` only on the site-level path, `m` only bucket by bucket."""
        if action == "cancel_site":  # while a bucket runs, or the server still says Ongoing; once per monitor
            ongoing = str(getattr(self.session.runner, "site_status", "")).lower() == "ongoing"
            running = self.snap is None or any(r.running for r in self.snap.rows)
            return self.session.site_level and not self._canceled_once and (running or ongoing)
        if action == "max_running":
            return not self.session.site_level
        return True

    def mc_command(self) -> str:
        if self.session.site_level:
            return f"mc admin replicate resync status {self.session.source} {self.session.target}"
        row = self._highlighted() if self.is_mounted else None
        if row is None:
            return f"mc admin info {self.session.source}"
        return f"mc replicate resync status {self.session.source}/{row.bucket} --remote-bucket {row.arn}"

    def on_mount(self) -> None:
        table = self.query_one("#fleet-table", DataTable)
        self.watch(table, "scroll_y", lambda _old, _new: self._draw_rows(table, self.monotonic()), init=False)
        names = [b.bucket for b in self.session.plan.buckets] if self.session.plan is not None else []
        table.add_column("bucket", width=min(24, max([6] + [len(n) for n in names])))
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        runner = self.session.runner
        if runner is not None and not runner.cancel.is_set():
            self._updated(FleetUpdated(runner.snapshot()))
        self.drive()

    def on_unmount(self) -> None:
        runner = self.session.runner
        if runner is not None:
            runner.cancel.set()  # stop polling only: every resync goes on on the server
        self.app.site_running = False

    # -- the runner ---------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="site-monitor", description="Running the site resync")
    def drive(self) -> None:
        if self.session.plan is None:  # reattached: the plan is read again, the rows come from the checkpoint
            self.session.choose_plan(self.ops.plan(self.session.source, self.session.target))
        runner = self.session.runner
        if runner is None or runner.cancel.is_set():
            if runner is not None and not self._left_behind(runner):
                return
            runner = self.session.runner = self.ops.runner(self.session, journal=AppJournal(self.app),
                                                           poll_interval=self.poll_interval)
        def updated(snap: Any) -> None:
            self.post_message(FleetUpdated(snap))

        runner.on_update = updated
        self.app.site_running = True
        self.app.site_level_run = bool(self.session.site_level)
        runner.run()

    def _left_behind(self, old: Any) -> bool:
        """Wait for the replaced run to end its last tick (it may be starting a bucket: then the checkpoint holds
        that start, and the new runner follows it, never starts it twice). False: this monitor closed meanwhile."""
        worker, waited = get_current_worker(), 0
        while not old.idle.wait(0.2):
            if worker.is_cancelled:
                return False
            waited += 1
            if waited == 3 and self.is_mounted:
                self.app.call_from_thread(self._set, "#fleet-totals", "Waiting for the previous monitor's last "
                                          "check of the servers to end (it may be starting a bucket)…")
        return True

    @on(FleetUpdated)
    def _updated(self, m: FleetUpdated) -> None:
        self.snap = m.snap
        at = self.monotonic()
        self.progress.feed(m.snap, at)
        running = any(r.running or r.status == "Queued" for r in m.snap.rows)
        keys = (running, str(getattr(self.session.runner, "site_status", "")))
        if keys != self._keys:  # x follows what runs and what the server says
            self._keys = keys
            self.refresh_bindings()
        self.app.site_running = running
        self._draw(at)
        if not running and self.session.finished_at is None and m.snap.rows:
            self.session.finished_at = self.now()

    def worker_failed(self, worker: Any) -> None:
        error = worker.error
        if worker.group == "site-cancel":  # refused (already canceled, none in progress): the server's reason
            hint = getattr(error, "hint", "")
            self._set("#fleet-banner", f"✗ Cancel: {getattr(error, 'message', error)}" + (f". {hint}" if hint else ""),
                      "-failed")
            return
        runner = self.session.runner
        if runner is not None:
            self._updated(FleetUpdated(runner.snapshot()))  # the rows as the run left them (failed ones say why)
        message, hint = getattr(error, "message", str(error)), getattr(error, "hint", "")
        if hint and (self.session.site_level or getattr(error, "exit_code", 0) == 2):  # refused: why, and the fix
            text = f"✗ {message}. {hint}"  # (the site-level start; another process driving the run: RunBusy)
        else:
            text = (f"✗ {message} — the resyncs already started go on on the server; escape and s again continues "
                    "(nothing starts twice).")
        self._set("#fleet-banner", text, "-failed")
        self.app.site_running = False

    # -- drawing ------------------------------------------------------------------------------------

    def _cells_of(self, r: FleetRow, at: float) -> tuple[str, ...]:
        view = self.progress.view(r.bucket, at, self.now()) if r.running else None
        rate = f"{view.rate.objects:,.1f}" if view is not None and view.rate is not None else ""
        eta = human_duration(view.eta_seconds) if view is not None and view.eta_seconds is not None else ""
        status = "stalled" if view is not None and view.stalled else r.status
        of = "-" if r.source_versions is None else f"{r.source_versions:,}"
        return (r.bucket, status, f"{r.replicated_count:,}", of, rate, eta, r.detail)

    def _visible(self, table: DataTable[Any]) -> range:
        """Rows on screen, with a margin: only those are formatted and redrawn each frame (the others are
        redrawn when they scroll into view), so a thousand rows cost what a screenful costs."""
        top = int(table.scroll_y)
        return range(max(0, top - 5), top + table.size.height + 5)

    def _draw(self, at: float) -> None:
        snap = self.snap
        if snap is None:
            return
        table = self.query_one("#fleet-table", DataTable)
        if table.row_count == 0:
            for r in snap.rows:
                cells = self._cells_of(r, at)
                table.add_row(*cells, key=r.bucket)
                self._cells[r.bucket] = cells
        else:
            self._draw_rows(table, at)
        site = self.progress.site(snap, at, self.now())
        t = snap.totals
        eta = "" if t.running + t.queued == 0 else f" · site ETA {human_duration(site.eta_seconds)}"
        if self.session.site_level:  # one start covers every bucket: no queue; the metrics line under the totals
            self._set("#fleet-totals", f"{t.completed} completed · {t.running} running · {t.failed} failed · "
                                       f"{t.excluded} excluded{eta}" + (f"\n{snap.site}" if snap.site else ""))
        else:
            self._set("#fleet-totals", f"{t.completed} completed · {t.running} running · {t.queued} queued · "
                                       f"{t.failed} failed · {t.excluded} excluded · {snap.max_running} at once{eta}")
        self._banner(snap, site.stalled)

    def _set(self, selector: str, text: str, classes: Optional[str] = None) -> None:
        """Update a line only when it changed (an unchanged update still costs a repaint)."""
        key = (text, classes)
        if self._texts.get(selector) == key:
            return
        self._texts[selector] = key
        widget = self.query_one(selector, Static)
        if classes is not None:
            widget.set_classes(classes)
        widget.update(text)

    def _draw_rows(self, table: DataTable[Any], at: float) -> None:
        snap = self.snap
        if snap is None:
            return
        for index in self._visible(table):
            if index >= len(snap.rows):
                break
            r = snap.rows[index]
            cells = self._cells_of(r, at)
            old = self._cells.get(r.bucket)
            if old is None:
                continue
            for col, (a, b) in enumerate(zip(old, cells, strict=False)):
                if a != b:
                    table.update_cell_at(Coordinate(index, col), b)
            self._cells[r.bucket] = cells

    def _banner(self, snap: FleetSnapshot, stalled: tuple[str, ...]) -> None:
        if snap.paused:
            self._set("#fleet-banner", f"⚠ Connection lost: {snap.paused}. Running resyncs go on on the server; "
                                       "this view resumes by itself.", "-lost")
        elif stalled:
            self._set("#fleet-banner", f"⚠ No progress for a while: {', '.join(stalled[:4])}"
                      + (" …" if len(stalled) > 4 else "") + ". Enter opens a bucket's own monitor.", "-lost")
        elif snap.status == COMPLETED:
            self._set("#fleet-banner", "✓ Every bucket Completed with no failed version. Validate them all: v", "-done")
        elif snap.status == "Failed" and self.session.site_level and snap.note:
            self._set("#fleet-banner", f"✗ {snap.note[0].upper()}{snap.note[1:]}. v validates the others.", "-failed")
        elif snap.status == "Failed":
            self._set("#fleet-banner", "✗ Some buckets did not complete (see detail). Validate the others (v), "
                      "fix the failed ones, then start again (it continues, never starts twice).", "-failed")
        elif snap.note:
            self._set("#fleet-banner", snap.note, "-note")
        else:
            self._set("#fleet-banner", "", "")

    # -- actions ------------------------------------------------------------------------------------

    def _highlighted(self) -> Optional[FleetRow]:
        if self.snap is None or not self.snap.rows:
            return None
        table = self.query_one("#fleet-table", DataTable)
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.snap.rows if r.bucket == key), None)

    def action_open_bucket(self) -> None:
        row = self._highlighted()
        plan = self.session.plan
        if row is None or plan is None:
            return
        if not row.reset_id:
            self.notify(f"{row.bucket}: {row.status}" + (f" — {row.detail}" if row.detail else ", not started yet"),
                        timeout=6)
            return
        b = plan.get(row.bucket)
        state = WizardState(lab=self.state.lab, source_alias=plan.source, source_bucket=row.bucket, arn=row.arn,
                            target_alias=plan.target, target_bucket=(b.target_bucket if b else "") or row.bucket,
                            reset_id=row.reset_id, source_versions=row.source_versions)
        self.app.push_screen(BucketMonitorScreen(self.service, state))

    @on(DataTable.RowHighlighted, "#fleet-table")
    def _moved(self) -> None:
        self.refresh_mc_command()

    @on(DataTable.RowSelected, "#fleet-table")
    def _selected(self) -> None:
        self.action_open_bucket()

    def action_max_running(self) -> None:
        if self.session.site_level:
            self.notify("Site replication: the server resyncs every bucket at once.", timeout=3)
            return
        self.notify(f"{self.session.next_max_running()} resyncs at once.", timeout=3)

    def action_cancel_site(self) -> None:
        """Cancel the site-level resync, after a confirmation that says what a cancel really does (§15.4)."""
        runner = self.session.runner
        resync_id = str(getattr(runner, "resync_id", "") or "")
        if not self.session.site_level:
            return
        if not resync_id:
            self.notify("No site resync has started yet: nothing to cancel.", timeout=4)
            return
        src = self.session.source
        message = (f"This asks [b]{src}[/b] once to cancel site resync {resync_id[:8]}. MinIO treats a cancel as "
                   "best-effort: the buckets read Canceled, but the site status stays [b]Ongoing[/b] until "
                   f"{src} restarts (mc admin service restart {src}), and a new site-level start is refused "
                   "until then.\n\nLeaving this screen never cancels anything.")
        self.app.push_screen(ConfirmModal("Cancel the site resync?", message, yes="Cancel it", no="Keep it running"),
                             lambda yes: self._cancel() if yes else None)

    def _cancel(self) -> None:
        self._canceled_once = True
        self.refresh_bindings()
        self.record("site.resync.cancel.confirm", source=self.session.source, target=self.session.target)
        self._set("#fleet-banner", "Sending the cancel…", "-note")
        self.cancel_worker()

    @work(thread=True, exclusive=False, exit_on_error=False, group="site-cancel",
          description="Canceling the site resync")
    def cancel_worker(self) -> None:
        self.post_message(SiteCancelSent(self.ops.cancel_site(self.session)))

    @on(SiteCancelSent)
    def _cancel_sent(self, m: SiteCancelSent) -> None:
        self.notify("Cancel sent (best-effort): see the banner.", timeout=4)
        self._set("#fleet-banner", f"■ {m.note[0].upper()}{m.note[1:]}", "-note")

    def action_validate(self) -> None:
        snap = self.snap
        if snap is not None and not any(r.running or r.status == "Queued" for r in snap.rows):
            self._go_validate()
            return
        message = ("Some buckets are still queued or running: validating now shows their versions as missing."
                   "\n\nThe resyncs keep going on the server either way.")
        self.app.push_screen(ConfirmModal("Validate before every bucket completed?", message,
                                          yes="Validate anyway", no="Keep watching"),
                             lambda yes: self._go_validate() if yes else None)

    def _go_validate(self) -> None:
        from recovery_tui.screens.site_validate import SiteValidateScreen

        self.finish_site(SiteValidateScreen(self.service, self.state, self.session, self.ops))


class BucketMonitorScreen(MonitorScreen):
    """One bucket's own monitor, opened from the fleet monitor; its "validate" goes back there."""

    def finish(self, goto: Any = None) -> None:
        self.app.pop_screen()


__all__ = ["SiteMonitorScreen", "BucketMonitorScreen", "FleetUpdated"]
