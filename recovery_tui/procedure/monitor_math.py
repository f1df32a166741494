"""Pure arithmetic behind the resync monitor: rates, ETA, stall detection, ages.

Nothing here talks to a server or imports Textual. The monitor screen feeds one
`Sample` per successful poll into a `ProgressTracker` and reads back a
`ProgressView`. Times are passed in explicitly (a monotonic `at` for rates and
stalls, an aware wall-clock `now` for server timestamps) so tests and snapshots
can drive a fake clock.

Two server facts shape the maths (shared/minio-wire-facts.md §4):
* the community server persists resync counters about once a minute, so the
  counts move in steps; rates are therefore taken over a sliding window that
  is longer than that step, and the stall threshold defaults well above it;
* `failedReplicationSize` is never incremented by the server; it is shown but
  never used in any calculation.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Deque, Optional

DEFAULT_WINDOW_SECONDS = 180.0
"""Rates are averaged over this many seconds (three server persist intervals)."""

SERVER_LAG_SECONDS = 60.0
"""How far the community server's resync counters can lag behind reality (§4)."""

DEFAULT_STALL_SECONDS = SERVER_LAG_SECONDS + 30.0
"""Nothing moved for this long while the job runs: show the stall banner. The server persists its counters
about once a minute (§4), so a longer standstill is more than the facts explain (30 s of margin for the
polls)."""


@dataclass(frozen=True)
class Sample:
    """One successful resync-status poll, reduced to what the maths needs."""

    at: float
    """Monotonic seconds when the answer arrived (the injected clock)."""
    count: int
    """`replicationCount`: versions re-sent by this job so far."""
    size: int
    """`completedReplicationSize`: bytes re-sent by this job so far."""
    failed_count: int = 0
    status: str = ""
    last_update: Optional[datetime] = None
    """The server's `endTime`: when the job's status last changed on the server."""
    last_object: str = ""


@dataclass(frozen=True)
class Rate:
    """Throughput over the window; both values are per second."""

    objects: float
    bytes: float


@dataclass(frozen=True)
class ProgressView:
    """What the monitor shows, computed from the samples so far."""

    rate: Optional[Rate]
    """None until two samples span some time."""
    eta_seconds: Optional[float]
    """None without a source total, without a rate, or when the rate is zero."""
    remaining: Optional[int]
    """Source versions not yet re-sent (never below zero); None without a total."""
    fraction: Optional[float]
    """0..1 of the source total re-sent; None without a total."""
    stalled: bool
    seconds_since_progress: Optional[float]
    """Since the count or size last changed (or since the first sample)."""
    seconds_since_server_update: Optional[float]
    """Since the server's `last_update` (`endTime`) timestamp, by the wall clock. Careful: the server moves it on
    a status change only (§3), not when the counters move, so it is not the age of the counts."""
    seconds_since_sample: Optional[float] = None
    """Age of the data on screen: since the last good poll answered."""


def rate_between(a: Sample, b: Sample) -> Optional[Rate]:
    """Objects/s and bytes/s from sample `a` to later sample `b`; None if no time passed.

    A counter that went backwards (a new job, a server restart) gives a zero rate,
    never a negative one.
    """
    dt = b.at - a.at
    if dt <= 0:
        return None
    return Rate(objects=max(0, b.count - a.count) / dt, bytes=max(0, b.size - a.size) / dt)


def eta_seconds(total: Optional[int], done: int, rate: Optional[Rate]) -> Optional[float]:
    """Seconds left to re-send `total` versions at `rate`, or None when unknowable."""
    if total is None or rate is None or rate.objects <= 0:
        return None
    return max(0, total - done) / rate.objects


def age_seconds(then: Optional[datetime], now: datetime) -> Optional[float]:
    """`now - then` in seconds (naive datetimes are taken as UTC); never negative; None if `then` is None."""
    if then is None:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return max(0.0, (now - then).total_seconds())


class ProgressTracker:
    """Keeps the recent samples of one resync job and derives rate, ETA and stall state.

    Feed it only successful polls: an error is not a sample, so it can never be
    mistaken for progress, completion or a zero count.
    """

    def __init__(
        self,
        *,
        source_total: Optional[int] = None,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        stall_seconds: float = DEFAULT_STALL_SECONDS,
        history: int = 60,
    ) -> None:
        self.source_total = source_total
        """Versions on the source counted before (or while) the job runs; None until known."""
        self.window_seconds = window_seconds
        self.stall_seconds = stall_seconds
        self._window: Deque[Sample] = deque()
        self._last: Optional[Sample] = None
        self._last_progress_at: Optional[float] = None
        self.throughput: Deque[float] = deque(maxlen=history)
        """Objects/s between consecutive samples, oldest first, for the sparkline."""

    @property
    def last(self) -> Optional[Sample]:
        """The last good sample, kept through errors."""
        return self._last

    def add(self, sample: Sample) -> None:
        """Record a successful poll."""
        prev = self._last
        if prev is not None and (sample.count < prev.count or sample.at < prev.at):
            self.reset()  # a new job or a restarted counter: start over
            prev = None
        if prev is None:
            self._last_progress_at = sample.at
        else:
            step = rate_between(prev, sample)
            if step is not None:
                self.throughput.append(step.objects)
            if sample.count != prev.count or sample.size != prev.size:
                self._last_progress_at = sample.at
        self._last = sample
        self._window.append(sample)
        while len(self._window) > 2 and sample.at - self._window[1].at >= self.window_seconds:
            self._window.popleft()

    def reset(self) -> None:
        """Forget every sample (the source total is kept)."""
        self._window.clear()
        self._last = None
        self._last_progress_at = None
        self.throughput.clear()

    def rate(self) -> Optional[Rate]:
        """Average throughput across the window."""
        if len(self._window) < 2:
            return None
        return rate_between(self._window[0], self._window[-1])

    def stalled(self, at: float) -> bool:
        """The job runs but nothing moved for `stall_seconds` (what `view().stalled` says, without the rest)."""
        last = self._last
        if last is None or last.status not in ("Pending", "Ongoing") or self._last_progress_at is None:
            return False
        return at - self._last_progress_at >= self.stall_seconds

    def view(self, at: float, now: datetime) -> ProgressView:
        """Everything the screen shows, at monotonic time `at` and wall time `now`."""
        last = self._last
        rate = self.rate()
        done = last.count if last else 0
        total = self.source_total
        remaining = max(0, total - done) if total is not None else None
        fraction = min(1.0, done / total) if total else (1.0 if total == 0 else None)
        since = None if self._last_progress_at is None else max(0.0, at - self._last_progress_at)
        running = last is not None and last.status in ("Pending", "Ongoing")
        stalled = bool(running and since is not None and since >= self.stall_seconds)
        return ProgressView(
            rate=rate,
            eta_seconds=None if stalled else eta_seconds(total, done, rate),
            remaining=remaining,
            fraction=fraction,
            stalled=stalled,
            seconds_since_progress=since,
            seconds_since_server_update=age_seconds(last.last_update, now) if last else None,
            seconds_since_sample=max(0.0, at - last.at) if last else None,
        )


def resync_cutoff(started_at: Optional[datetime], older_than_days: Optional[int]) -> Optional[datetime]:
    """The server's `resetBeforeDate` for a job started at `started_at` with `--older-than N days` (§3, §19):
    only versions whose ModTime is before it are re-sent. None when every version is (no older-than)."""
    if not older_than_days or started_at is None:
        return None
    if started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=timezone.utc)
    return started_at - timedelta(days=older_than_days)


def eligible(last_modified: Optional[datetime], cutoff: Optional[datetime]) -> bool:
    """Whether the job can re-send a version modified at `last_modified` (unknown times are counted)."""
    if cutoff is None or last_modified is None:
        return True
    if last_modified.tzinfo is None:
        last_modified = last_modified.replace(tzinfo=timezone.utc)
    return last_modified < cutoff


def leave_note(ended: str, *, lab: bool) -> str:
    """What leaving or quitting the monitor does to the job: nothing once it `ended` (its final status), and in
    the lab quitting stops the lab's servers, the job with them."""
    if ended:
        return f"This resync has ended ({ended}): nothing of it runs on the server now."
    if lab:
        return "Leaving never cancels it. Quitting the lab stops it (real servers carry on)."
    return "Leaving or quitting never cancels the resync: it keeps running on the server."


def human_duration(seconds: Optional[float]) -> str:
    """`42s`, `3m 05s`, `2h 07m`, `3d 4h`; `—` for None."""
    if seconds is None:
        return "—"
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m {s:02d}s"
    h, m = divmod(m, 60)
    if h < 24:
        return f"{h}h {m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d {h}h"


def human_bytes(n: float) -> str:
    """IEC units as mc prints them (`humanize.IBytes`): `0 B`, `512 B`, `2.3 GiB`."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} PiB"  # pragma: no cover


__all__ = [
    "DEFAULT_STALL_SECONDS",
    "DEFAULT_WINDOW_SECONDS",
    "SERVER_LAG_SECONDS",
    "ProgressTracker",
    "ProgressView",
    "Rate",
    "Sample",
    "age_seconds",
    "eligible",
    "eta_seconds",
    "human_bytes",
    "human_duration",
    "leave_note",
    "rate_between",
    "resync_cutoff",
]
