"""The site-level resync (site replication, facts §15) as a fleet run: one start, one row per bucket.

`SiteResyncRunner` is a `FleetRunner` whose queue is started by ONE `resync/op?operation=start` to the
damaged peer instead of a start per bucket. What the server really does shapes it (§15.4):

* before starting, the peer's site-resync metrics are read: a resync already Ongoing is followed
  ("adopted"), never started again; a start the server refuses as "already in progress" likewise;
* the start's answer lists only the buckets that failed to start (`status` often ""): those rows fail
  with the server's reason; all the others follow their own bucket resync status (§4, the peer's ARN);
* the server keeps the site status "Ongoing" while any bucket never started, and after a cancel until it
  restarts: the runner says so in `note` instead of waiting on the site status or retrying;
* every bucket failing to start is the server's 500: each row fails ("did not start"), the error (with
  its fix) is raised, nothing is retried;
* `cancel_site()` sends the cancel once (best-effort on the server); the rows then read Canceled.

The site start, adoption and cancel are journaled with their mc equivalent (`mc admin replicate resync
start|status|cancel SRC DST`); `site` in each snapshot is the latest metrics sample in one line.
"""

from __future__ import annotations

import time
from typing import Any, Optional

from recovery_tui.mccmd import q

from .errors import ConnectionFailure, InputError, RecoveryError
from .fleet import FleetRunner
from .fleetmodel import FAILED, PENDING, QUEUED, FleetSnapshot, snapshot
from .sitemodels import SITE_MODE, SiteResyncMetrics, SiteResyncOp
from .siterepl import SiteResyncAllFailed, SiteResyncRefused, site_resync, site_resync_metrics

SITE_READS_AT_END = 3
"""Ticks after every bucket ended on which the run still asks for the site-level status before it ends
saying that status is unknown (a metrics read that fails right then must not hide a site resync left
Ongoing, §15.4)."""

class SiteResyncRunner(FleetRunner):
    """See the module docstring; `buckets`/`order`/`max_running` do not apply (the server resyncs all)."""

    def __init__(self, service: Any, plan: Any, **kw: Any) -> None:
        if plan.mode != SITE_MODE or plan.peer is None:
            raise InputError(f"{plan.target} is not a site-replication peer of {plan.source}",
                             hint=f"Resync bucket by bucket: recovery-tui site resync start {plan.source} "
                                  f"{plan.target} --per-bucket")
        kw.pop("buckets", None)
        super().__init__(service, plan, **kw)
        self.peer = plan.peer
        self.resync_id = ""
        self.site_status = ""
        self.note = ""
        self.op: Optional[SiteResyncOp] = None
        self.last_metrics: Optional[SiteResyncMetrics] = None
        """The latest sample of this run's site resync (§15.5), or None."""
        self._site_read_at_end = False
        """The site-level status was read on a tick where every bucket had ended."""
        self._unread_at_end = 0
        """Ticks since every bucket ended on which that status could not be read."""
        cp = self.checkpoint
        if cp is not None and cp.resumed:
            self.resync_id = str(cp.state.get("resync_id", ""))

    def _save(self, done: bool = False) -> None:
        if self.checkpoint is not None:
            self.checkpoint.save({"rows": [r.to_state() for r in self.rows.values()], "resync_id": self.resync_id,
                                  "given": []}, done=done)

    def snapshot(self) -> FleetSnapshot:
        with self._lock:
            return snapshot(self.rows.values(), paused=self.paused, mode=SITE_MODE, note=self.note,
                            site=self._site_line())

    def _site_line(self) -> str:
        """`site resync 1a2b3c4d: Ongoing · 1,412 versions re-sent · 0 failed` from the latest sample."""
        m = self.last_metrics
        if m is None or not self.resync_id or m.resync_id != self.resync_id:
            return f"site resync {self.resync_id[:8]}: {self.site_status or 'started'}" if self.resync_id else ""
        return (f"site resync {m.resync_id[:8]}: {m.status or '?'} · {m.replicated_count:,} versions re-sent · "
                f"{m.failed_count:,} failed")

    def mc(self, op: str) -> str:
        """The mc command for a site-level `op` (start, cancel, status), as printed in the journal."""
        return f"mc admin replicate resync {op} {q(self.src)} {q(self.dst)}"

    def metrics(self) -> Optional[SiteResyncMetrics]:
        m = site_resync_metrics(self.service, self.src, self.peer.deployment_id)
        if m is not None:
            self.last_metrics = m
        return m

    # -- the start ----------------------------------------------------------------------------------
    def _start_more(self, at: float) -> None:
        if not any(r.status == QUEUED for r in self.rows.values()):
            self._resume()
            return
        if not self._damaged_answers():
            self._pause(f"the damaged site {self.dst} does not answer: the site resync starts when it does", at)
            return
        self._resume()
        try:
            self.start_site(at)
        except ConnectionFailure:
            self._pause(f"the healthy site {self.src} does not answer", at)

    def start_site(self, at: Optional[float] = None) -> None:
        """Follow a running site resync, or start one (see the module docstring)."""
        at = self.clock() if at is None else at
        current = self.metrics()
        if current is not None and current.status.lower() == "ongoing":
            self._attach(current, at, "a site resync to {dst} is already running (ID {id}): followed, not started")
            return
        try:
            op = site_resync(self.service, self.src, self.peer, "start", target_alias=self.dst)
        except SiteResyncRefused as exc:
            current = self.metrics() if "in progress" in exc.cause else None
            if current is None:
                self._record("site.resync.site-start", None, result="refused", error=exc.one_line(),
                             mc=self.mc("start"))
                raise
            self._attach(current, at, "the server refused a second site resync; following the running one ({id})")
            return
        except SiteResyncAllFailed as exc:
            self._all_failed(exc)
            raise
        except RecoveryError as exc:
            self._record("site.resync.site-start", None, result="failed", error=exc.one_line(), mc=self.mc("start"))
            raise
        self.op, self.resync_id, self.site_status = op, op.resync_id, op.status
        failed = {f.bucket: f for f in op.failed}
        now = time.time()
        with self._lock:
            for row in self.rows.values():
                if row.status != QUEUED:
                    continue
                f = failed.get(row.bucket)
                if f is not None:
                    row.status, row.detail = FAILED, f"did not start: {f.error_detail or f.status or 'no reason given'}"
                else:
                    row.status, row.reset_id, row.detail, row.started_at = PENDING, op.resync_id, "", now
                    row.replicated_count = row.replicated_size = row.failed_count = 0
                    row.attempts += 1
        others = sorted(set(failed) - set(self.rows))
        if failed:
            names = sorted(failed)
            which = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            self.note = (f"{which} did not start (see the row); the server keeps reporting this site resync Ongoing "
                         "while any bucket never started, so each bucket's own status is what counts here")
        self._record("site.resync.site-start", None, result="partial" if failed else "ok", resync_id=op.resync_id,
                     failed=[{"bucket": f.bucket, "status": f.status, "error": f.error_detail} for f in op.failed],
                     not_in_plan=others, mc=self.mc("start"))
        self._save()

    def _all_failed(self, exc: SiteResyncAllFailed) -> None:
        """The 500 (§15.4): no bucket started, the answer names none. Every queued row fails with that."""
        with self._lock:
            for row in self.rows.values():
                if row.status == QUEUED:
                    row.status, row.detail = FAILED, "did not start: the server answered 'all buckets resync failed'"
        self.note = f"{exc.message}. {exc.hint}" if exc.hint else exc.message
        self._record("site.resync.site-start", None, result="failed", error=exc.one_line(), mc=self.mc("start"))
        self._save()

    def _attach(self, m: SiteResyncMetrics, at: float, text: str) -> None:
        self.resync_id, self.site_status = m.resync_id, m.status
        self.note = text.format(dst=self.dst, id=m.resync_id)
        now = time.time()
        with self._lock:
            for row in self.rows.values():
                if row.status == QUEUED:
                    row.status, row.reset_id, row.started_at, row.detail = PENDING, m.resync_id, now, ""
        self._record("site.resync.adopt", None, resync_id=m.resync_id, status=m.status, mc=self.mc("status"))
        self._save()

    # -- polling ------------------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """Every bucket ended and the site-level status was read after that (the one place that says whether
        the server still holds the site resync Ongoing, §15.4), or could not be read `SITE_READS_AT_END` times."""
        if not super().finished:
            return False
        return not self.resync_id or self._site_read_at_end or self._unread_at_end >= SITE_READS_AT_END

    def _poll(self, at: float) -> bool:
        ok = super()._poll(at)
        if not ok or not self.resync_id:
            return ok
        ended = super().finished
        try:
            m = self.metrics()
        except RecoveryError:
            m = None
        if m is not None and m.resync_id == self.resync_id:
            self.site_status = m.status
            self._site_read_at_end = ended
            if m.status.lower() == "ongoing" and ended:
                self.note = self._stuck_note()
        elif ended:
            self._unread_at_end += 1
            if self._unread_at_end >= SITE_READS_AT_END:  # replaces a start's note, as the stuck note does
                self.note = (f"every bucket has ended; the status of site resync {self.resync_id[:8]} could not be "
                             f"read from {self.src}'s metrics (last seen: {self.site_status or 'unknown'}): see "
                             f"{self.mc('status')}")
        return ok

    def _stuck_note(self) -> str:
        """Every bucket ended, the server still says Ongoing (§15.4): why, and what clears it."""
        head = f"every bucket has ended, but {self.src} still reports site resync {self.resync_id[:8]} Ongoing"
        canceled = any(r.status == FAILED and "canceled" in r.detail for r in self.rows.values())
        if canceled:
            return (f"{head}: MinIO keeps that after a cancel until it restarts (mc admin service restart "
                    f"{self.src}); a new site start is refused until then")
        return (f"{head}: buckets that never started stay Pending there. To start another, cancel it "
                f"(recovery-tui site resync cancel {self.src} {self.dst}), then restart {self.src} "
                f"(mc admin service restart {self.src})")

    # -- cancel -------------------------------------------------------------------------------------
    def cancel_site(self) -> SiteResyncOp:
        """One cancel (never retried). Refusals raise `SiteResyncRefused` with the server's reason."""
        try:
            op = site_resync(self.service, self.src, self.peer, "cancel", target_alias=self.dst)
        except RecoveryError as exc:
            self._record("site.resync.cancel", None, result="refused", error=exc.one_line(), mc=self.mc("cancel"))
            raise
        self._record("site.resync.cancel", None, resync_id=op.resync_id, status=op.status,
                     failed=[f.bucket for f in op.failed], mc=self.mc("cancel"))
        self.note = (f"cancel sent for site resync {op.resync_id}: the buckets read Canceled, but MinIO keeps "
                     f"reporting the site resync Ongoing until {self.src} restarts (mc admin service restart "
                     f"{self.src}), and refuses a new start until then")
        return op


__all__ = ["SiteResyncRunner"]
