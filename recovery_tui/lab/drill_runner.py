"""Plays a drill's timeline of faults on a running lab (see `recovery_tui/drills/model.py`).

    runner = DrillRunner(lab, drill, on_fire=lambda fired: journal.record("drill.fault", ...)).start()
    runner.observe(record)      # feed it the trainee's journal records (for `journal` triggers)
    ...
    runner.stop()               # before lab.stop()

The runner is one task on the lab's event loop: every `poll` seconds it checks the pending events in
timeline order and fires those whose trigger holds, through the lab's fault API (`lab/faults.py`) and
the resync pace. A fault that cannot be applied is reported in its `Fired.error`, never raised: the
drill goes on. `on_fire` is called on the loop thread. Never imports Textual.

The drill is read by duck typing (`recovery_tui.drills.model.Drill`'s fields: `name`, `timeline` of
events with `id`, `action`, `params`, `note`, `param(name)` and `when` with the trigger fields): the lab
imports nothing outside `recovery_tui.lab` (contract lab-self-contained).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Optional
from urllib.parse import quote

log = logging.getLogger(__name__)
ACTIVE_OR_DONE = ("Ongoing", "Completed")


@dataclass(frozen=True)
class Fired:
    """A timeline event that fired: when (UTC, ISO), and the error if the fault could not be applied."""

    id: str
    action: str
    params: tuple[tuple[str, Any], ...]
    note: str
    at: str
    error: str = ""

    def record_detail(self) -> dict[str, Any]:
        """The journal detail of this event (`drill.fault` records)."""
        return {"id": self.id, "fault": self.action, "params": dict(self.params), "note": self.note,
                "error": self.error or None}


@dataclass(frozen=True)
class ResyncView:
    site: str
    bucket: str
    arn: str
    status: str
    percent: float


class DrillRunner:
    """Drives `drill`'s timeline on `lab` (a started `recovery_tui.lab.server.Lab`)."""

    def __init__(self, lab: Any, drill: Any, *, on_fire: Optional[Callable[[Fired], None]] = None,
                 poll: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self.lab = lab
        self.drill = drill
        self.on_fire = on_fire
        self.poll = poll
        self.clock = clock
        self._lock = threading.Lock()
        self._records: list[tuple[float, Mapping[str, Any]]] = []
        self._fired: dict[str, tuple[float, Fired]] = {}
        self._events: dict[str, threading.Event] = {e.id: threading.Event() for e in drill.timeline}
        self._totals: dict[tuple[str, str, str, str], int] = {}
        self._future: Optional[concurrent.futures.Future[None]] = None

    # -- control (any thread) ------------------------------------------------------------------------
    def unsupported(self) -> list[str]:
        """Actions of this drill that this lab cannot play (checked before starting)."""
        out = []
        for e in self.drill.timeline:
            if e.action in ("hold-resync", "release-resync") and not hasattr(self.lab.faults, "hold_resync"):
                out.append(f"{e.id}: action {e.action!r} needs a lab with the hold-resync fault")
        return out

    def start(self) -> "DrillRunner":
        problems = self.unsupported()
        if problems:
            raise ValueError("this lab cannot play the drill: " + "; ".join(problems))
        self._t0 = self.clock()
        self._future = asyncio.run_coroutine_threadsafe(self._run(), self.lab.loop)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop playing the timeline (idempotent); call before `lab.stop()`."""
        fut, self._future = self._future, None
        if fut is None or fut.done():
            return
        fut.cancel()
        try:
            concurrent.futures.wait([fut], timeout=timeout)
        except Exception:  # pragma: no cover - defensive
            pass

    @property
    def running(self) -> bool:
        return self._future is not None and not self._future.done()

    def observe(self, record: Mapping[str, Any]) -> None:
        """A record the trainee's run wrote to its journal (for `journal` triggers)."""
        with self._lock:
            self._records.append((self.clock(), dict(record)))

    def fired(self) -> list[Fired]:
        with self._lock:
            return [f for _, f in sorted(self._fired.values(), key=lambda p: p[0])]

    def wait_fired(self, event_id: str, timeout: float) -> bool:
        """Block until timeline event `event_id` fired (True) or `timeout` seconds passed (False)."""
        return self._events[event_id].wait(timeout)

    def pending(self) -> list[str]:
        with self._lock:
            return [e.id for e in self.drill.timeline if e.id not in self._fired]

    # -- the loop (lab loop thread) --------------------------------------------------------------------
    async def _run(self) -> None:
        pending = list(self.drill.timeline)
        while pending:
            now = self.clock()
            views = self.resyncs() if any(e.when.resync_percent is not None or e.when.resync_status
                                          for e in pending) else []
            for event in list(pending):
                if self._ready(event.when, now, views):
                    await self._fire(event)
                    pending.remove(event)
                    now = self.clock()
            if pending:
                await asyncio.sleep(self.poll)

    def _base(self, trig: Any) -> Optional[float]:
        if trig.after is None:
            return self._t0
        with self._lock:
            done = self._fired.get(trig.after)
        return done[0] if done is not None else None

    def _ready(self, trig: Any, now: float, views: list[ResyncView]) -> bool:
        base = self._base(trig)
        if base is None:
            return False
        if trig.at_start:
            return True
        if trig.seconds is not None and now - base >= trig.seconds:
            return True
        if not trig.stateful:
            return trig.seconds is None  # `after` alone: right after that event
        mine = [v for v in views if trig.site is None or v.site == trig.site]
        if trig.resync_percent is not None and not any(
                v.status in ACTIVE_OR_DONE and v.percent >= trig.resync_percent for v in mine):
            return False
        if trig.resync_status is not None and not any(v.status == trig.resync_status for v in mine):
            return False
        if trig.journal is not None:
            with self._lock:
                records = [r for t, r in self._records if t >= base]
            if not any(trig.journal.matches(r) for r in records):
                return False
        return True

    def resyncs(self) -> list[ResyncView]:
        """Every resync job of both sites with its progress (call on the loop thread)."""
        out = []
        for rt in (self.lab.source, self.lab.target):
            for bname, bucket in list(rt.site.buckets.items()):
                for arn, rec in list(bucket.resync.items()):
                    total = self._total(rt, bname, bucket, arn, rec.reset_id)
                    done = rec.replicated_count + rec.failed_count
                    percent = 100.0 if rec.status == "Completed" else (100.0 * done / total if total else 0.0)
                    out.append(ResyncView(rt.site.name, bname, arn, rec.status, min(percent, 100.0)))
        return out

    def _total(self, rt: Any, bname: str, bucket: Any, arn: str, reset_id: str) -> int:
        """Versions this resync job re-sends (older than its reset date), counted once per job."""
        key = (rt.site.name, bname, arn, reset_id)
        if key not in self._totals:
            tgt = rt.site.target_by_arn(bname, arn)
            before = getattr(tgt, "reset_before", None)
            self._totals[key] = sum(1 for v in bucket.iter_versions() if before is None or v.last_modified < before)
        return self._totals[key]

    async def _fire(self, event: Any) -> None:
        error = ""
        try:
            await self._apply(event)
        except Exception as exc:  # a fault that cannot be applied is reported, never fatal
            error = f"{type(exc).__name__}: {exc}"
            log.warning("drill %s: event %s failed: %s", self.drill.name, event.id, error)
        fired = Fired(event.id, event.action, event.params, event.note,
                      datetime.now(timezone.utc).isoformat(timespec="milliseconds"), error)
        with self._lock:
            self._fired[event.id] = (self.clock(), fired)
        self._events[event.id].set()
        if self.on_fire is not None:
            try:
                self.on_fire(fired)
            except Exception as exc:
                log.warning("drill %s: on_fire failed: %s", self.drill.name, type(exc).__name__)

    async def _apply(self, event: Any) -> None:
        faults = self.lab.faults
        p = event.param
        action = event.action
        if action in ("offline", "online"):
            await faults.aset_offline(p("site"), action == "offline")
        elif action == "latency":
            faults.set_latency(p("site"), p("seconds"))
        elif action == "fail-replication":
            faults.fail_replication(p("pattern"))
        elif action == "clear-replication-failures":
            faults.clear_replication_failures()
        elif action == "wipe":
            faults.wipe_bucket(p("site"), p("bucket"))
        elif action == "clear":
            await faults.aclear()
        elif action == "resync-pace":
            for rt in (self.lab.source, self.lab.target):
                rt.replicator.resync.delay = float(p("seconds"))
        elif action == "start-resync":
            await self._start_resync(p("site"), p("bucket"))
        elif action == "hold-resync":
            faults.hold_resync(p("percent"))
        elif action == "release-resync":
            faults.release_resync()
        else:
            raise ValueError(f"unknown action {action!r}")

    async def _start_resync(self, site: str, bucket: str) -> None:
        """`PUT /{bucket}?replication-reset&arn=…` on the site itself, signed with its own keys."""
        from recovery_tui.lab import store
        from recovery_tui.lab.remote import object_path

        rt = self.lab.site(site)
        targets = rt.site.targets.get(bucket) or []
        if len(targets) != 1:
            raise ValueError(f"bucket {bucket!r} on {site} has {len(targets)} remote targets; expected one")
        me = store.LabTarget(arn="", source_bucket=bucket, endpoint=rt.endpoint, target_bucket=bucket,
                             access_key=rt.site.access_key, secret_key=rt.site.secret_key, secure=rt.tls,
                             region=rt.site.region)
        query = f"arn={quote(targets[0].arn, safe='')}&replication-reset="
        resp = await rt.replicator.client.request(me, "PUT", object_path(bucket), query=query, timeout=10.0)
        if resp.status != 200:
            raise RuntimeError(f"resync start answered {resp.status}: {resp.body[:200].decode('utf-8', 'replace')}")


__all__ = ["DrillRunner", "Fired", "ResyncView"]
