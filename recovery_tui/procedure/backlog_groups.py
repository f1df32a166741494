"""The replication backlog (PENDING / FAILED / never-replicated versions) grouped by status and age.

`group_backlog()` is pure: it folds the replication diff API's entries (§7) into counts per status and age
bucket. An entry with an empty status is a pre-existing version that was never replicated (existing-object
replication still has to copy it). It reads entries through the `BacklogEntry` Protocol (the service's
`DiffEntry` has it), so the widget that renders the groups (`widgets/backlog_summary.py`) can use this module
without reaching the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Optional, Protocol


class BacklogEntry(Protocol):
    """What grouping reads of a diff entry (the service's `DiffEntry` has it)."""

    @property
    def error(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def delete_marker(self) -> bool: ...
    @property
    def last_modified(self) -> Optional[datetime]: ...

    def status_for(self, arn: str) -> str: ...


AGE_BUCKETS: tuple[tuple[str, float], ...] = (("<1h", 3600.0), ("1-24h", 86400.0), (">1d", float("inf")))
"""Age bucket label and upper bound in seconds, by the version's last-modified time."""

STATUS_ORDER = ("FAILED", "PENDING", "unreplicated")
"""Display order; any other status follows."""


@dataclass(frozen=True)
class BacklogGroups:
    """Counts per status, each split by age bucket."""

    total: int = 0
    by_status: dict[str, dict[str, int]] = field(default_factory=dict)
    delete_markers: int = 0
    errors: int = 0
    """Error lines (the server's walk failed there and the stream ended: the counts are a lower bound; the
    message is lost on the wire)."""

    def count(self, status: str) -> int:
        """Versions with `status` (all ages)."""
        return sum(self.by_status.get(status, {}).values())


def _age_bucket(last_modified: Optional[datetime], now: datetime) -> str:
    if last_modified is None:
        return AGE_BUCKETS[-1][0]
    if last_modified.tzinfo is None:
        last_modified = last_modified.replace(tzinfo=timezone.utc)
    age = (now - last_modified).total_seconds()
    for label, bound in AGE_BUCKETS:
        if age < bound:
            return label
    return AGE_BUCKETS[-1][0]  # pragma: no cover


def group_backlog(entries: Iterable[BacklogEntry], now: datetime, arn: str = "") -> BacklogGroups:
    """Fold diff entries into `BacklogGroups` (status for `arn` when given, else the overall status)."""
    by: dict[str, dict[str, int]] = {}
    total = dms = errors = 0
    for e in entries:
        if e.error:
            errors += 1
            continue
        status = (e.status_for(arn) if arn else e.status) or "unreplicated"
        bucket = by.setdefault(status, {label: 0 for label, _ in AGE_BUCKETS})
        bucket[_age_bucket(e.last_modified, now)] += 1
        total += 1
        dms += e.delete_marker
    return BacklogGroups(total=total, by_status=by, delete_markers=dms, errors=errors)


__all__ = ["AGE_BUCKETS", "STATUS_ORDER", "BacklogEntry", "BacklogGroups", "group_backlog"]
