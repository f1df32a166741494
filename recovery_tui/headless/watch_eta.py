"""Rate and ETA for `resync status --watch` on a terminal: the monitor's arithmetic (`monitor_math`) fed with
the watch's good samples, and the source's version count (the ETA's denominator, as the wizard's preflight
counts it) read once in a background thread through the fast listing path. Until that count is known the
line says so; a transient error is never a sample."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any

from recovery_tui.procedure.monitor_math import ProgressTracker, Sample, human_bytes, human_duration


class WatchEta:
    """One resync's progress line: `12,345/60,000 · 410 versions/s · 1.2 MiB/s · ETA 1m 57s`."""

    def __init__(self, service: Any, alias: str, bucket: str, *, count: bool = True) -> None:
        self.tracker = ProgressTracker(window_seconds=30.0)
        self._lock = threading.Lock()
        if count:
            threading.Thread(target=self._count, args=(service, alias, bucket), daemon=True,
                             name="recovery-tui-count").start()

    def _count(self, service: Any, alias: str, bucket: str) -> None:
        from recovery_tui.service.errors import RecoveryError
        from recovery_tui.service.listing import VersionLister

        n = 0
        try:
            for page in VersionLister(service, alias, bucket).pages():
                n += len(page.entries)
        except RecoveryError:
            return  # no ETA rather than a wrong one
        with self._lock:
            self.tracker.source_total = n

    def add(self, status: Any) -> None:
        """A good sample: the running target's counters (the first one when several run)."""
        t = next((x for x in status.targets if x.running), None)
        if t is not None:
            with self._lock:
                self.tracker.add(Sample(at=time.monotonic(), count=t.replicated_count, size=t.replicated_size,
                                        failed_count=t.failed_count, status=t.status))

    def line(self) -> str:
        with self._lock:
            view = self.tracker.view(time.monotonic(), datetime.now(timezone.utc))
            last, total = self.tracker.last, self.tracker.source_total
        if last is None:
            return ""
        done = f"{last.count:,}/{total:,} versions" if total is not None else f"{last.count:,} versions"
        rate = (f"{view.rate.objects:,.0f} versions/s · {human_bytes(view.rate.bytes)}/s"
                if view.rate is not None else "rate after two samples")
        eta = human_duration(view.eta_seconds) if total is not None else "ETA once the source is counted"
        return f"{done} · {rate} · ETA {eta}" if total is not None else f"{done} · {rate} · {eta}"
