"""`Step.MONITOR` (5 of 7) · Monitor resync (`mc replicate resync status`): a live view of the server-side job.

Polls are chained, never overlapping (dolphie's pattern): a thread worker reads
the resync status (plus the target link and replication metrics), posts
`StatusPolled`, and only then is the next poll scheduled with `set_timer`.
Polling stops while the screen is not shown and restarts when it is.

A retryable failure (connection lost, server busy) is not a sample: the last
good sample stays on screen under a "connection lost, retrying in Ns" banner
and the poll is retried with back-off; it is never read as completion or as a
zero count. Any other failure goes to the App's error router and polling waits
for `r`. Leaving this screen never cancels the job on the server. With
`--older-than N` the bar's total is what the job can re-send (versions before the cutoff).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Optional

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, get_current_worker

from recovery_tui.procedure.monitor_math import (
    DEFAULT_STALL_SECONDS,
    ProgressTracker,
    Sample,
    human_duration,
    leave_note,
    resync_cutoff,
)
from recovery_tui.screens.base import StepScreen
from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.screens.monitor_messages import PollFailed, SourceCounted, StatusPolled
from recovery_tui.service.errors import RecoveryError
from recovery_tui.service.models import RemoteTarget, ReplicationMetrics, ResyncTargetStatus
from recovery_tui.state import iso, parse_iso
from recovery_tui.steps import Step
from recovery_tui.widgets.repl_sides import ReplSides
from recovery_tui.widgets.resync_progress import MonitorDisplay, ResyncProgress

if TYPE_CHECKING:
    from recovery_tui.service.client import RecoveryService
    from recovery_tui.state import WizardState

BACKOFF = (2.0, 4.0, 8.0, 15.0, 30.0)
"""Seconds before each retry after consecutive transient failures (the last one repeats)."""


class MonitorScreen(StepScreen):
    """Live resync monitor. `MonitorScreen(service, state, interval=3.0, stall_seconds=300.0)`."""

    STEP = Step.MONITOR
    EXPLAIN = (
        "The server re-sends every source version to the target in the background; the counts are what "
        "[b]this job[/b] re-sent. Community MinIO saves this status about once a minute (it moves in steps; "
        "failed [i]size[/i] stays 0). Leaving this screen [b]does not cancel[/b] it. Completed? Validate (v)."
    )
    BINDINGS = [
        Binding("r", "refresh_now", "Refresh", id="monitor.refresh"),
        Binding("v", "validate", "Validate", id="monitor.validate"),
    ]
    DEFAULT_CSS = """
    MonitorScreen #mon-body { height: 1fr; }
    MonitorScreen #mon-banner { height: auto; width: 100%; padding: 0 1; display: none; }
    MonitorScreen #mon-banner.-lost { display: block; background: $warning 30%; }
    MonitorScreen #mon-banner.-stall { display: block; background: $warning 30%; }
    MonitorScreen #mon-banner.-done { display: block; background: $success 30%; }
    MonitorScreen #mon-banner.-failed { display: block; background: $error 30%; }
    MonitorScreen #mon-banner.-partial { display: block; background: $warning 30%; }
    MonitorScreen #mon-banner.-stopped { display: block; background: $error 30%; }
    MonitorScreen #mon-note { color: $text-muted; padding: 0 1; height: auto; }
    """

    def __init__(
        self,
        service: "RecoveryService",
        state: "WizardState",
        *,
        interval: float = 3.0,
        stall_seconds: float = DEFAULT_STALL_SECONDS,
        id: Optional[str] = None,
    ) -> None:
        super().__init__(service, state, id=id)
        self.interval = interval
        """Seconds between the end of one poll and the start of the next."""
        self.cutoff = resync_cutoff(parse_iso(state.resync_started_at), state.older_than_days)
        """With --older-than: only versions modified before this are re-sent by the job (None: all are)."""
        self.tracker = ProgressTracker(source_total=None if self.cutoff else state.source_versions,
                                       stall_seconds=stall_seconds)
        """Rates, ETA and stall state from the good samples; its total is what this job can re-send."""
        self._timer: Optional[Timer] = None
        self._ticker: Optional[Timer] = None
        self._active = False
        self._in_flight = False
        self._failures = 0
        self._retry_due = 0.0
        self._stopped = ""
        self._status: Optional[ResyncTargetStatus] = None
        self._seen_answer = False
        self._link: Optional[RemoteTarget] = None
        self._metrics: Optional[ReplicationMetrics] = None
        self._side_error = ""
        self._counting: Optional[int] = None
        self._count_error = ""
        self._lost_since: Optional[str] = None
        self._lost_reason = ""

    # -- layout -------------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="mon-body"):
            panel = ResyncProgress(id="mon-progress")
            panel.border_title = f"Resync · {self.state.arn or 'no ARN chosen'}"
            yield panel
            sides = (("Source", self.state.source_alias, self.state.source_bucket),
                     ("Target", self.state.target_alias, self.state.target_bucket or self.state.source_bucket))
            yield ReplSides(self.service.replication_status, sides, id="mon-sides")
            yield Static("", id="mon-banner")
            yield Static(self._note(), id="mon-note")

    def _note(self) -> str:
        st = getattr(self, "_status", None)
        return leave_note(st.status if st is not None and st.finished else "", lab=self.state.lab)

    def mc_command(self) -> str:
        arn = f' --remote-bucket "{self.state.arn}"' if self.state.arn else ""
        return f"{self.STEP.mc} {self.state.source or 'ALIAS/BUCKET'}{arn}"

    # -- lifecycle: poll only while shown -------------------------------------------------------------

    def on_mount(self) -> None:
        if self.tracker.source_total is None:
            self.count_source()

    def on_screen_resume(self) -> None:
        # (StepScreen's own on_screen_resume also runs: Textual dispatches to every class in the MRO)
        self._active = True
        if self._ticker is None:
            self._ticker = self.set_interval(1.0, self._tick)
        else:
            self._ticker.resume()
        if not self._finished and not self._stopped:
            self._poll()
        self._redraw()

    def on_screen_suspend(self) -> None:
        self._pause()

    def on_unmount(self) -> None:
        self._pause()

    def _pause(self) -> None:
        self._active = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._ticker is not None:
            self._ticker.pause()

    @property
    def _finished(self) -> bool:
        return self._status is not None and self._status.finished

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self._poll) if self._active else None

    def _poll(self) -> None:
        if self._in_flight or not self._active:
            return
        self._in_flight = True
        self.poll_status(self.state.source_alias, self.state.source_bucket, self.state.arn)

    # -- workers ------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="monitor-poll", description="Reading resync status")
    def poll_status(self, alias: str, bucket: str, arn: str) -> None:
        """One poll: the resync status, then (best effort) the target link and the metrics."""
        try:
            status = self.service.resync_status(alias, bucket, arn or None)
        except RecoveryError as exc:
            if exc.retryable:
                self.post_message(PollFailed(exc))
                return
            raise
        link: Optional[RemoteTarget] = None
        metrics: Optional[ReplicationMetrics] = None
        side_error = ""
        try:
            link = next((t for t in self.service.remote_targets(alias, bucket) if t.arn == arn), None)
            metrics = self.service.replication_metrics(alias, bucket)
        except RecoveryError as exc:
            side_error = exc.title
        if not get_current_worker().is_cancelled:
            target = status.for_arn(arn) if arn else (status.targets[0] if status.targets else None)
            self.post_message(StatusPolled(target, link, metrics, side_error))

    @work(thread=True, exclusive=True, exit_on_error=False, group="monitor-count",
          description="Counting the versions the resync re-sends")
    def count_source(self) -> None:
        """Count the source versions this resync re-sends as the server selects them (`service.resync_scope`);
        with --older-than, only those modified before the job's cutoff (what this job can re-send)."""
        from recovery_tui.service.resync_scope import count_scope

        worker = get_current_worker()

        def counted(n: int) -> None:
            self.post_message(SourceCounted(n, done=False))

        try:
            scope = count_scope(self.service, self.state.source_alias, self.state.source_bucket, self.state.arn,
                                before=self.cutoff, progress=counted,
                                cancelled=lambda: worker.is_cancelled)
        except RecoveryError as exc:
            self.post_message(SourceCounted(0, done=False, error=f"listing failed: {exc.title}"))
            return
        if scope is not None and not worker.is_cancelled:
            self.post_message(SourceCounted(scope.count, done=True))
        elif not worker.is_cancelled:
            self.post_message(SourceCounted(0, done=False, error="no rule of the source selects this ARN"))

    # -- messages -----------------------------------------------------------------------------------

    @on(StatusPolled)
    def _polled(self, message: StatusPolled) -> None:
        self._in_flight = False
        self._failures = 0
        self._lost_since = None
        self._seen_answer = True
        self._link, self._metrics, self._side_error = message.link, message.metrics, message.side_error
        self.query_one("#mon-sides", ReplSides).poll()  # both sides' `mc replicate status`, in its own worker
        st = message.status
        if st is not None and self.state.reset_id and st.reset_id and st.reset_id != self.state.reset_id:
            self.notify(f"The server reports ResetID {st.reset_id}, not ours ({self.state.reset_id}): "
                        "another resync replaced it.", severity="warning", timeout=8)
        previous = self._status.status if self._status else None
        self._status = st
        if st is not None:
            now = self.now()
            self.tracker.add(Sample(at=now.timestamp(), count=st.replicated_count, size=st.replicated_size,
                                    failed_count=st.failed_count, status=st.status, last_update=st.last_update,
                                    last_object=st.last_object))
            self._store(st, changed=st.status != previous)
        if self._finished:
            self._timer = None
        else:
            self._schedule(self.interval)
        self._redraw()

    @on(PollFailed)
    def _poll_failed(self, message: PollFailed) -> None:
        self._in_flight = False
        delay = BACKOFF[min(self._failures, len(BACKOFF) - 1)]
        self._failures += 1
        if self._lost_since is None:
            self._lost_since = self.now().strftime("%H:%M:%S")
        self._lost_reason = message.error.title
        self._retry_due = self.now().timestamp() + delay
        self._schedule(delay)
        self._redraw()

    @on(SourceCounted)
    def _counted(self, message: SourceCounted) -> None:
        if message.error:
            self._count_error = message.error
        elif message.done:
            self.tracker.source_total = message.count
            if self.cutoff is None:  # with a cutoff it is the job's total, not the bucket's
                self.state.source_versions = message.count
                self.save_state()
        else:
            self._counting = message.count
        self._redraw()

    def worker_failed(self, worker: Worker[Any]) -> None:
        if worker.group == "monitor-poll":
            self._in_flight = False
            self._stopped = "Polling stopped after an error (see the message). Press r to try again."
            self._redraw()
        elif worker.group == "monitor-count":
            self._count_error = "listing failed"
            self._redraw()

    # -- state and display --------------------------------------------------------------------------

    def _store(self, st: ResyncTargetStatus, *, changed: bool) -> None:
        s = self.state
        s.resync_status, s.replicated_count = st.status, st.replicated_count
        s.replicated_size, s.failed_count = st.replicated_size, st.failed_count
        if not s.reset_id and st.reset_id:
            s.reset_id = st.reset_id
        if st.finished and s.resync_finished_at is None:
            s.resync_finished_at = iso(self.now())
        if changed:
            self.record("resync status", mc=self.mc_command(), result=st.status, reset_id=st.reset_id,
                        replicated=st.replicated_count, failed=st.failed_count)
            self.save_state()

    def _tick(self) -> None:
        self._redraw()

    def _banner(self) -> tuple[str, str]:
        st = self._status
        if self._stopped:
            return "-stopped", f"✘ {self._stopped}"
        if self._lost_since is not None:
            left = max(0, math.ceil(self._retry_due - self.now().timestamp()))
            return "-lost", (f"⚠ Connection lost ({self._lost_reason}), retrying in {left}s. "
                             f"Showing the last good sample; lost at {self._lost_since} UTC.")
        if st is not None and st.status == "Completed" and st.failed_count:
            return "-partial", (f"⚠ Completed with {st.failed_count:,} FAILED versions: not re-sent. Next: v "
                                "validates, then b there re-sends them (resync-backlog).")
        if st is not None and st.status == "Completed":
            return "-done", "✔ Resync Completed. Press v to validate that both sides hold the same versions."
        if st is not None and st.status in ("Failed", "Canceled"):
            return "-failed", (f"✘ Resync {st.status}. Check the target link and the server logs, "
                               f"then start a new resync from step {Step.START.number}.")
        view = self.tracker.view(self.now().timestamp(), self.now())
        if view.stalled:
            return "-stall", (f"⚠ No progress for {human_duration(view.seconds_since_progress)} "
                              f"(threshold {human_duration(self.tracker.stall_seconds)}). Check the target link, "
                              "queued and errors below; counters can lag ~1 min.")
        return "", ""

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        now = self.now()
        view = self.tracker.view(now.timestamp(), now) if self.tracker.last is not None else None
        if view is None and self._seen_answer:
            view = self.tracker.view(now.timestamp(), now)
        display = MonitorDisplay(
            status=self._status, view=view, source_total=self.tracker.source_total, counting=self._counting,
            count_error=self._count_error, link=self._link, metrics=self._metrics, side_error=self._side_error,
            throughput=tuple(self.tracker.throughput),
            total_label=f"Older than {self.state.older_than_days}d" if self.cutoff else "Source total",
        )
        self.query_one("#mon-progress", ResyncProgress).show(display)
        cls, text = self._banner()
        banner = self.query_one("#mon-banner", Static)
        banner.set_classes(cls)
        banner.update(text)
        self.query_one("#mon-note", Static).update(self._note())

    # -- actions ------------------------------------------------------------------------------------

    def action_refresh_now(self) -> None:
        """Poll now (also restarts polling after a blocking error)."""
        self._stopped = ""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._poll()
        self._redraw()

    def action_validate(self) -> None:
        """Go to Validate; before Completed, ask first (differences are expected while it runs)."""
        st = self._status
        if st is not None and st.status == "Completed":
            self.finish()
            return
        word = st.status if st is not None else "unknown"
        message = (f"The resync is [b]{word}[/b], not Completed. Validating now will show versions still "
                   "missing on the target.\n\nThe resync keeps running on the server either way.")
        self.app.push_screen(ConfirmModal("Validate before the resync completed?", message,
                                          yes="Validate anyway", no="Keep watching"), self._validate_answer)

    def _validate_answer(self, answer: Optional[bool]) -> None:
        if answer:
            self.finish()


__all__ = ["MonitorScreen", "PollFailed", "SourceCounted", "StatusPolled"]
