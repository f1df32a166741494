"""The fleet runner: bucket resyncs for a whole site, a few at a time, checkpointed and journaled.

`FleetRunner(service, plan, …)` keeps at most `max_running` resyncs (default 4) Pending/Ongoing on the
healthy site and queues the rest, biggest first or in the given order. Each `step()` polls the
running buckets' resync status (§4) and starts more while slots are free. Promises:

* never a second resync on a bucket that has one Pending/Ongoing: the status is read right before each
  start; a running one is followed ("adopted"), not started again, and a start the server refuses as
  "already in progress" is adopted the same way;
* one bucket's refused start fails that row only (the reason in `detail`); the rest go on;
* a damaged site that does not answer pauses new starts (running resyncs go on on the server) until it
  answers again; past `max_pause` seconds the run stops with `FleetPaused` (exit 3), checkpointed;
* a bucket deleted mid-run fails its row ("deleted during the run"), nothing else;
* every start, adoption, refusal, pause, resume and end is journaled with the equivalent mc command, and
  the checkpoint (`kind` "site-resync", per source/target pair) is written after each change, so a
  re-run (after Ctrl+C, SIGHUP or a crash) follows the running ones, re-queues failed ones and
  continues with the queue. A run whose every row ended clean marks the checkpoint done.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Callable, Optional

from recovery_tui.mccmd import q

from .checkpoint import Checkpoint, default_path
from .errors import Conflict, ConnectionFailure, RecoveryError
from .fleetmodel import (
    COMPLETED,
    EXCLUDED,
    FAILED,
    ORDERS,
    PENDING,
    QUEUED,
    FleetRow,
    FleetSnapshot,
    queue_order,
    rows_from_plan,
    snapshot,
)
from .runlock import RunLock
from .sitemodels import SitePlan

DEFAULT_MAX_RUNNING = 4
KIND = "site-resync"
REMOTE_DOWN = "XMinioAdminReplicationRemoteConnectionError"
REMOTE_RETRIES = 3
"""Starts refused with REMOTE_DOWN while the damaged site answers its health check, before the row fails
(stored credentials refused fail every time; a target too busy for the 3 s liveness probe usually passes)."""
NO_RECORD_GRACE = 60.0
"""Seconds a started bucket may show no resync record with its ResetID before its row fails."""


class FleetPaused(ConnectionFailure):
    """A site stayed unreachable longer than the run's `max_pause`."""

    default_title = "Run paused too long"


def open_checkpoint(plan: SitePlan, *, reattach_since: Optional[float] = None) -> Checkpoint:
    """The run's checkpoint. `reattach_since` (wall-clock seconds the reattached run was confirmed): its
    checkpoint is read back even when the run finished meanwhile, so a reattach shows every row as it ended
    and starts nothing again (a finished checkpoint from before that time is still a new run's clean slate)."""
    params = {"source": plan.source, "target": plan.target, "mode": plan.mode}
    return Checkpoint.open(default_path(KIND, params), KIND, params, done_since=reattach_since)


class FleetRunner:
    """See the module docstring. Thread-safe for `set_max_running` and `snapshot` from another thread."""

    def __init__(self, service: Any, plan: SitePlan, *, buckets: Optional[list[str]] = None, order: str = "size",
                 max_running: int = DEFAULT_MAX_RUNNING, older_than: Any = None,
                 checkpoint: Optional[Checkpoint] = None, journal: Any = None, poll_interval: float = 2.0,
                 max_pause: float = 600.0, cancel: Optional[threading.Event] = None,
                 on_update: Optional[Callable[[FleetSnapshot], None]] = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if order not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS}")
        self.service, self.plan = service, plan
        self.src, self.dst = plan.source, plan.target
        self.order, self.given = order, list(buckets or [])
        self.max_running = max(1, int(max_running))
        self.older_than = older_than
        """`--older-than` as mc reads it (an `mcduration.OlderThan`), sent as mc sends it; None: every version."""
        self.checkpoint, self.journal = checkpoint, journal
        self.poll_interval, self.max_pause = poll_interval, max_pause
        self.cancel = cancel or threading.Event()
        self.idle = threading.Event()
        """Set while no `run` is under way. A runner that replaces a canceled one on the same checkpoint (the
        fleet monitor opened again) waits for it: the old run's last tick may be starting a bucket, and that
        start must be in the checkpoint before the new runner reads it, or the bucket starts twice."""
        self.idle.set()
        self.on_update, self.clock = on_update, clock
        self.paused = ""
        self._paused_since: Optional[float] = None
        self._refusals: dict[str, int] = {}
        self._lock = threading.Lock()
        self.rows: dict[str, FleetRow] = {r.bucket: r for r in rows_from_plan(plan.buckets, buckets)}
        self.resumed = False
        if checkpoint is not None and checkpoint.resumed:
            self._restore(checkpoint.state)

    # -- state ------------------------------------------------------------------------------------
    def _restore(self, state: dict[str, Any]) -> None:
        """Rows of an unfinished run: running ones are followed, failed ones queued again."""
        for doc in state.get("rows") or []:
            old = FleetRow.from_state(doc)
            row = self.rows.get(old.bucket)
            if row is None or old.arn != row.arn:
                continue
            if row.status == EXCLUDED and not old.running:
                continue  # not recoverable now, or left out this time (and not running)
            if old.status in (FAILED, COMPLETED) and not old.clean:
                old.status, old.detail = QUEUED, ""
            elif old.status == EXCLUDED:
                old.status, old.detail = QUEUED, ""
            old.source_versions = row.source_versions if row.source_versions is not None else old.source_versions
            self.rows[old.bucket] = old
            self.resumed = True
        if not self.given:
            self.given = list(state.get("given") or [])

    def _save(self, done: bool = False) -> None:
        if self.checkpoint is not None:
            self.checkpoint.save({"rows": [r.to_state() for r in self.rows.values()], "given": self.given,
                                  "max_running": self.max_running}, done=done)

    def set_max_running(self, n: int) -> None:
        with self._lock:
            self.max_running = max(1, int(n))

    def snapshot(self) -> FleetSnapshot:
        with self._lock:
            return snapshot(self.rows.values(), paused=self.paused, mode=self.plan.mode,
                            max_running=self.max_running)

    @property
    def finished(self) -> bool:
        return not any(r.running or r.status == QUEUED for r in self.rows.values())

    def _record(self, action: str, row: Optional[FleetRow], result: str = "ok", *, mc: str = "",
                **detail: Any) -> None:
        if self.journal is None:
            return
        if mc or row is None:
            pass  # a site-level action names its own mc command
        elif action == "site.resync.start":
            mc = f"mc replicate resync start {self.src}/{row.bucket} --remote-bucket {row.arn}" + (
                f" --older-than {q(self.older_than.text)}" if self.older_than is not None else "")
        else:
            mc = f"mc replicate resync status {self.src}/{row.bucket} --remote-bucket {row.arn}"
        if row is not None:
            detail.setdefault("bucket", row.bucket)
            detail.setdefault("arn", row.arn)
        self.journal.record(action, mc=mc, result=result, **detail)

    # -- one tick ---------------------------------------------------------------------------------
    def step(self) -> FleetSnapshot:
        """Poll the running buckets, then start queued ones while slots are free."""
        at = self.clock()
        source_ok = self._poll(at)
        if source_ok:
            self._start_more(at)
        self._save(done=self.finished and all(r.clean or r.status == EXCLUDED for r in self.rows.values()))
        snap = self.snapshot()
        if self.on_update is not None:
            self.on_update(snap)
        return snap

    def run(self) -> FleetSnapshot:
        """Steps until every row is finished, or `cancel` is set (also before the first step: a runner canceled
        before it ran starts nothing); returns the last snapshot. `idle` is clear meanwhile. With a checkpoint,
        the run's lock is held throughout (`runlock`: RunBusy when another process drives the run)."""
        self.idle.clear()
        lock = None
        try:
            if self.cancel.is_set():
                return self.snapshot()
            if self.checkpoint is not None:  # one driver per run, and never from rows another one changed since
                lock = RunLock(self.checkpoint.path, f"recovery-tui site resync status {self.src} {self.dst}")
                lock.acquire(self.checkpoint.seen)
            snap = self.step()
            while not self.finished and not self.cancel.is_set():
                self.cancel.wait(self.poll_interval)
                if self.cancel.is_set():
                    break
                snap = self.step()
            return snap
        finally:
            if lock is not None:
                lock.release()
            self.idle.set()

    def _pause(self, reason: str, at: float) -> None:
        if self.paused != reason:
            self._record("site.pause", None, result="paused", reason=reason)
        self.paused = reason
        if self._paused_since is None:
            self._paused_since = at
        if at - self._paused_since > self.max_pause:
            self._save()
            raise FleetPaused(f"{reason} for more than {self.max_pause:.0f} s; the run stopped",
                              hint=f"Run the same command again when it answers: it continues where it stopped "
                                   f"(running resyncs go on on the server; see recovery-tui site resync status "
                                   f"{self.src} {self.dst}).")

    def _resume(self) -> None:
        if self.paused:
            self._record("site.resume", None, reason=self.paused)
        self.paused, self._paused_since = "", None

    def _fail(self, row: FleetRow, detail: str, action: str = "site.resync.failed") -> None:
        detail = " ".join(detail.split())  # server messages carry Go's "\n\t"
        row.status, row.detail = FAILED, detail
        self._record(action, row, result="failed", reason=detail)

    def _gone(self, exc: RecoveryError) -> str:
        if exc.code == "NoSuchBucket":
            return f"the bucket no longer exists on {self.src} (deleted during the run)"
        if exc.code == "ReplicationConfigurationNotFoundError":
            return f"its replication configuration was removed on {self.src} during the run"
        return ""

    def _poll(self, at: float) -> bool:
        """Refresh running rows; False when the healthy site does not answer (the tick stops there)."""
        for row in [r for r in self.rows.values() if r.running]:
            try:
                st = self.service.resync_status(self.src, row.bucket, row.arn).for_arn(row.arn)
            except ConnectionFailure as exc:
                if exc.status:
                    continue
                self._pause(f"the healthy site {self.src} does not answer", at)
                return False
            except RecoveryError as exc:
                gone = self._gone(exc)
                if gone:
                    self._fail(row, gone)
                continue
            if st is None or (row.reset_id and st.reset_id != row.reset_id and not st.running):
                self._no_record(row, st)
                continue
            before = row.status
            with self._lock:
                row.apply(st)
            if row.finished and before != row.status:
                self._record("site.resync.end", row, result="ok" if row.clean else "failed",
                             status=row.status, replicated=row.replicated_count, failed=row.failed_count)
        return True

    def _no_record(self, row: FleetRow, st: Any) -> None:
        """The server shows no record of this row's resync (yet: the status on disk lags, §4); after
        `NO_RECORD_GRACE` seconds the row fails, naming what the server does show."""
        if time.time() - (row.started_at or time.time()) < NO_RECORD_GRACE:
            return
        shown = f"its last resync is {st.status or 'none'}, ResetID {st.reset_id}" if st else "no resync record"
        self._fail(row, f"the server shows no resync with ResetID {row.reset_id} ({shown})")

    def _damaged_answers(self) -> bool:
        return bool(self.service.health(self.dst).healthy)

    def _start_more(self, at: float) -> None:
        free = self.max_running - sum(1 for r in self.rows.values() if r.running)
        queued = queue_order(self.rows.values(), self.order, self.given)
        if free <= 0 or not queued:
            if not queued:
                self._resume()
            return
        if not self._damaged_answers():
            self._pause(f"the damaged site {self.dst} does not answer: no new resync starts until it does", at)
            return
        self._resume()
        for bucket in queued:
            if free <= 0 or self.cancel.is_set():
                return
            row = self.rows[bucket]
            outcome = self._start_one(row, at)
            if outcome == "stop":
                return
            if outcome == "running":
                free -= 1
                self._save()

    def _start_one(self, row: FleetRow, at: float) -> str:
        """Start (or adopt) one queued row: "running", "failed", or "stop" (pause the tick)."""
        try:  # right before the start: is one running already?
            cur = self.service.resync_status(self.src, row.bucket, row.arn).for_arn(row.arn)
        except ConnectionFailure:
            self._pause(f"the healthy site {self.src} does not answer", at)
            return "stop"
        except RecoveryError as exc:
            self._fail(row, self._gone(exc) or f"cannot read its resync status: {exc.message}")
            return "failed"
        if cur is not None and cur.running:
            return self._adopt(row, cur, at)
        reset_id = str(uuid.uuid4())
        try:
            hours = self.older_than.hours if self.older_than is not None else None
            job = self.service.start_resync(self.src, row.bucket, row.arn, reset_id=reset_id,
                                            older_than_hours=hours)
        except RecoveryError as exc:
            return self._refused(row, exc, at)
        with self._lock:
            row.status, row.reset_id, row.detail = PENDING, job.reset_id or reset_id, ""
            row.started_at, row.attempts = time.time(), row.attempts + 1
            row.replicated_count = row.replicated_size = row.failed_count = 0
        self._record("site.resync.start", row, reset_id=row.reset_id, attempt=row.attempts)
        return "running"

    def _refused(self, row: FleetRow, exc: RecoveryError, at: float) -> str:
        """What a failed start means: "running" (adopted), "stop" (a site is down: pause), "failed" (this row)."""
        if exc.code == REMOTE_DOWN:  # the healthy site answered: it cannot reach the damaged one
            if not self._damaged_answers():
                self._pause(f"the damaged site {self.dst} does not answer: no new resync starts until it does", at)
                return "stop"
            refusals = self._refusals.get(row.bucket, 0) + 1
            self._refusals[row.bucket] = refusals
            if refusals < REMOTE_RETRIES:  # a busy target can miss the 3 s liveness probe: try again next tick
                self._record("site.resync.refused", row, result="retry", reason=" ".join(exc.one_line().split()),
                             attempt=refusals)
                return "stop"
        elif isinstance(exc, ConnectionFailure) and not exc.status:
            # No answer: the start's effect is unknown. The row stays queued and the next tick reads its
            # status before anything else, so a start that did happen is followed, not repeated.
            self._pause(f"the healthy site {self.src} does not answer", at)
            return "stop"
        elif isinstance(exc, Conflict) and "already in progress" in exc.message.lower():
            try:
                cur = self.service.resync_status(self.src, row.bucket, row.arn).for_arn(row.arn)
            except RecoveryError:
                cur = None
            if cur is not None and cur.running:
                return self._adopt(row, cur, at)
            self._fail(row, "the server says a resync is already in progress, but none could be read",
                       "site.resync.refused")
            return "failed"
        self._fail(row, self._gone(exc) or f"start refused: {exc.one_line()}", "site.resync.refused")
        return "failed"

    def _adopt(self, row: FleetRow, cur: Any, at: float) -> str:
        with self._lock:
            row.apply(cur)
            row.started_at = row.started_at or time.time()
            row.detail = f"already running on the server (ResetID {cur.reset_id}): followed, not started again"
        self._record("site.resync.adopt", row, reset_id=cur.reset_id, status=cur.status)
        return "running"


__all__ = ["FleetRunner", "FleetPaused", "open_checkpoint", "DEFAULT_MAX_RUNNING", "COMPLETED"]
