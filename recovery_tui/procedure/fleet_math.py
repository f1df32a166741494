"""Rates, ETAs and stalls for a whole-site resync: one `ProgressTracker` per bucket, fed with snapshots.

The fleet runner (service) keeps what the server said; this module turns successive snapshots into
what the fleet monitor shows: each bucket's rate and ETA, the buckets that stalled, and the site's
totals with a site ETA (versions left in running and queued buckets over the running buckets'
summed rate). Times are injected (`at` monotonic, `now` wall clock), as in `monitor_math`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from recovery_tui.procedure.monitor_math import DEFAULT_STALL_SECONDS, ProgressTracker, ProgressView, Sample
from recovery_tui.service.fleetmodel import FleetSnapshot


@dataclass(frozen=True)
class SiteView:
    """The fleet monitor's top line."""

    rate: Optional[float]
    """Versions per second summed over the running buckets; None before two samples."""
    eta_seconds: Optional[float]
    remaining: Optional[int]
    stalled: tuple[str, ...]


class FleetProgress:
    """Per-bucket trackers (see the module docstring)."""

    def __init__(self, stall_seconds: float = DEFAULT_STALL_SECONDS) -> None:
        self.stall_seconds = stall_seconds
        self._trackers: dict[str, ProgressTracker] = {}
        self._reset_ids: dict[str, str] = {}

    def feed(self, snap: FleetSnapshot, at: float) -> None:
        """Add one snapshot's rows (only rows the server answered for: started ones)."""
        for r in snap.rows:
            if not r.reset_id or not (r.running or r.finished):
                continue
            tracker = self._trackers.get(r.bucket)
            if tracker is None or self._reset_ids.get(r.bucket) != r.reset_id:
                tracker = self._trackers[r.bucket] = ProgressTracker(source_total=r.source_versions,
                                                                     stall_seconds=self.stall_seconds)
                self._reset_ids[r.bucket] = r.reset_id
            tracker.add(Sample(at=at, count=r.replicated_count, size=r.replicated_size, failed_count=r.failed_count,
                               status=r.status, last_update=r.last_update, last_object=r.last_object))

    def view(self, bucket: str, at: float, now: datetime) -> Optional[ProgressView]:
        tracker = self._trackers.get(bucket)
        return tracker.view(at, now) if tracker is not None else None

    def site(self, snap: FleetSnapshot, at: float, now: datetime) -> SiteView:
        """Totals for the top line (cheap per row: the window's rate and the stall test, no full view)."""
        rates, stalled = [], []
        for r in snap.rows:
            if not r.running:
                continue
            tracker = self._trackers.get(r.bucket)
            if tracker is None:
                continue
            if tracker.stalled(at):
                stalled.append(r.bucket)
            rate = tracker.rate()
            if rate is not None:
                rates.append(rate.objects)
        remaining = snap.totals.remaining
        rate_sum = sum(rates) if rates else None
        if remaining == 0:
            eta: Optional[float] = 0.0
        elif remaining is None or not rate_sum:
            eta = None
        else:
            eta = remaining / rate_sum
        return SiteView(rate=rate_sum, eta_seconds=eta, remaining=remaining, stalled=tuple(stalled))


__all__ = ["FleetProgress", "SiteView"]
