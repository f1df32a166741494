"""The state of a whole-site resync: one row per bucket, totals, the site ETA, the checkpoint form.

Row statuses (the `site resync status --json` contract): `Queued` (in the plan, not started yet),
`Pending`/`Ongoing` (the server's), `Completed`, `Failed` (the resync failed, could not start, was
canceled, or its bucket went away: `detail` says which) and `Excluded` (not recoverable, or left out by
the operator). Rates and ETAs are the procedure's arithmetic (`procedure/fleet_math.py`), fed with snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Iterable, Optional

from .models import ResyncTargetStatus
from .sitemodels import BucketPlan

QUEUED, PENDING, ONGOING, COMPLETED, FAILED, EXCLUDED = "Queued", "Pending", "Ongoing", "Completed", "Failed", \
    "Excluded"
RUNNING = (PENDING, ONGOING)
STATUSES = (QUEUED, PENDING, ONGOING, COMPLETED, FAILED, EXCLUDED)
ORDERS = ("size", "given")


@dataclass
class FleetRow:
    """One bucket of the run."""

    bucket: str
    arn: str
    status: str = QUEUED
    reset_id: str = ""
    replicated_count: int = 0
    replicated_size: int = 0
    failed_count: int = 0
    detail: str = ""
    """Why it failed, was excluded, or was adopted rather than started."""
    source_versions: Optional[int] = None
    source_bytes: Optional[int] = None
    started_at: float = 0.0
    """Wall-clock seconds (time.time) of the start (or adoption); 0 when not started."""
    attempts: int = 0
    last_update: Optional[datetime] = None
    """The server's `endTime` of the last poll (when its status last changed there)."""
    last_object: str = ""

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def finished(self) -> bool:
        return self.status in (COMPLETED, FAILED, EXCLUDED)

    @property
    def clean(self) -> bool:
        """Completed with no failed version: the only status that counts as done."""
        return self.status == COMPLETED and self.failed_count == 0

    def apply(self, st: ResyncTargetStatus) -> None:
        """Take the server's status of this row's ARN (a poll)."""
        status = st.status
        if status == "Canceled":
            status, self.detail = FAILED, "canceled on the server"
        elif status == FAILED and not self.detail:
            self.detail = "the server reports the resync Failed"
        self.status = status if status in STATUSES else self.status
        self.reset_id = st.reset_id or self.reset_id
        self.replicated_count, self.replicated_size = st.replicated_count, st.replicated_size
        self.failed_count, self.last_update, self.last_object = st.failed_count, st.last_update, st.last_object
        if self.status == COMPLETED and self.failed_count:
            self.detail = f"{self.failed_count:,} versions failed: run the resync again for this bucket"

    def to_state(self) -> dict[str, Any]:
        return {"bucket": self.bucket, "arn": self.arn, "status": self.status, "reset_id": self.reset_id,
                "replicated_count": self.replicated_count, "replicated_size": self.replicated_size,
                "failed_count": self.failed_count, "detail": self.detail, "source_versions": self.source_versions,
                "source_bytes": self.source_bytes, "started_at": self.started_at, "attempts": self.attempts}

    @classmethod
    def from_state(cls, doc: dict[str, Any]) -> "FleetRow":
        keys = ("bucket", "arn", "status", "reset_id", "replicated_count", "replicated_size", "failed_count",
                "detail", "source_versions", "source_bytes", "started_at", "attempts")
        return cls(**{k: doc[k] for k in keys if k in doc})

    def to_json(self) -> dict[str, Any]:
        """The `site resync status --json` element (contract keys first)."""
        return {"bucket": self.bucket, "status": self.status, "replicated_count": self.replicated_count,
                "failed_count": self.failed_count, "arn": self.arn, "reset_id": self.reset_id,
                "replicated_size": self.replicated_size, "source_versions": self.source_versions,
                "detail": self.detail}


def rows_from_plan(buckets: Iterable[BucketPlan], chosen: Optional[list[str]] = None) -> list[FleetRow]:
    """A row per plan bucket; unrecoverable and unchosen ones Excluded (with the reason)."""
    out = []
    for b in buckets:
        row = FleetRow(bucket=b.bucket, arn=b.arn, source_versions=b.source_versions, source_bytes=b.source_bytes)
        if not b.recoverable:
            row.status, row.detail = EXCLUDED, b.reason
        elif chosen is not None and b.bucket not in chosen:
            row.status, row.detail = EXCLUDED, "left out of this run (--buckets)"
        out.append(row)
    return out


def queue_order(rows: Iterable[FleetRow], order: str, given: Optional[list[str]] = None) -> list[str]:
    """Queued buckets in start order: biggest first ("size"), or as given/ordered ("given")."""
    queued = [r for r in rows if r.status == QUEUED]
    if order == "given":
        pos = {b: i for i, b in enumerate(given or [])}
        return [r.bucket for r in sorted(queued, key=lambda r: pos.get(r.bucket, len(pos)))]
    return [r.bucket for r in sorted(queued, key=lambda r: (-(r.source_versions or 0), -(r.source_bytes or 0),
                                                            r.bucket))]


@dataclass(frozen=True)
class FleetTotals:
    buckets: int
    queued: int
    running: int
    completed: int
    failed: int
    excluded: int
    replicated_count: int
    failed_count: int
    remaining: Optional[int]
    """Source versions of running and queued rows not re-sent yet; None when a count is unknown."""


def totals(rows: Iterable[FleetRow]) -> FleetTotals:
    rows = list(rows)
    remaining: Optional[int] = 0
    for r in rows:
        if r.running or r.status == QUEUED:
            if r.source_versions is None or remaining is None:
                remaining = None
            else:
                remaining += max(0, r.source_versions - (r.replicated_count if r.running else 0))
    count = {s: sum(1 for r in rows if r.status == s) for s in STATUSES}
    return FleetTotals(buckets=len(rows), queued=count[QUEUED], running=count[PENDING] + count[ONGOING],
                       completed=count[COMPLETED], failed=count[FAILED], excluded=count[EXCLUDED],
                       replicated_count=sum(r.replicated_count for r in rows),
                       failed_count=sum(r.failed_count for r in rows), remaining=remaining)


def overall(rows: Iterable[FleetRow]) -> str:
    """One word for the run: Ongoing, Queued, Completed or Failed."""
    rows = [r for r in rows if r.status != EXCLUDED]
    if any(r.running for r in rows):
        return ONGOING
    if any(r.status == QUEUED for r in rows):
        return QUEUED
    if rows and all(r.clean for r in rows):
        return COMPLETED
    return FAILED if rows else COMPLETED


@dataclass(frozen=True)
class FleetSnapshot:
    """What a screen or a headless command shows at one moment (rows are copies)."""

    rows: tuple[FleetRow, ...]
    totals: FleetTotals
    status: str
    paused: str = ""
    """Why no new resync starts right now (a site offline), or ""."""
    mode: str = ""
    note: str = ""
    max_running: int = 4
    site: str = ""
    """The site-level resync as the server reports it (its ID, status and figures from the metrics stream,
    §15.5), or "" (bucket-by-bucket runs, or no sample yet)."""


def snapshot(rows: Iterable[FleetRow], *, paused: str = "", mode: str = "", note: str = "",
             max_running: int = 4, site: str = "") -> FleetSnapshot:
    rows = [replace(r) for r in rows]
    return FleetSnapshot(rows=tuple(rows), totals=totals(rows), status=overall(rows), paused=paused, mode=mode,
                         note=note, max_running=max_running, site=site)
