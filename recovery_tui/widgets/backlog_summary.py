"""The replication backlog (PENDING / FAILED / never-replicated versions) grouped by status and age.

`group_backlog()` is pure: it folds the replication diff API's entries (§7)
into counts per status and age bucket. `BacklogSummary` renders the result in
a few lines. An entry with an empty status is a pre-existing version that was
never replicated (existing-object replication still has to copy it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Optional

from rich.text import Text
from textual.widgets import Static

from recovery_tui.service.models import DiffEntry

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


def group_backlog(entries: Iterable[DiffEntry], now: datetime, arn: str = "") -> BacklogGroups:
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


def render_backlog(groups: Optional[BacklogGroups], *, loading: bool = False, error: str = "") -> Text:
    """Compact: `Backlog (diff API): 3 versions · FAILED 1 (<1h 1) · PENDING 2 (1-24h 2)`; only non-zero ages."""
    t = Text()
    t.append("Backlog (diff API): ", style="bold")
    if error:
        t.append(f"unknown ({error})", style="yellow")
        return t
    if groups is None:
        t.append("reading…" if loading else "—", style="italic")
        return t
    if groups.total == 0 and not groups.errors:
        t.append("none: no PENDING or FAILED version", style="green")
        return t
    t.append(f"{groups.total:,} versions")
    statuses = [s for s in STATUS_ORDER if s in groups.by_status] + sorted(
        s for s in groups.by_status if s not in STATUS_ORDER)
    for s in statuses:
        ages = groups.by_status[s]
        t.append(" · ")
        t.append(s, style="bold red" if s == "FAILED" else "bold yellow" if s == "PENDING" else "bold")
        t.append(f" {groups.count(s):,} ")
        t.append("(" + " ".join(f"{label} {ages[label]:,}" for label, _ in AGE_BUCKETS if ages.get(label))
                 + ")", style="dim")
    if groups.delete_markers:
        t.append(f" · {groups.delete_markers:,} delete markers", style="dim")
    if groups.errors:  # an error line ends the server's walk (§7): what came before is a partial list
        t.append(" · incomplete: the server's walk failed, at least this many", style="yellow")
    return t


class BacklogSummary(Static):
    """Shows `render_backlog()`; `show()` replaces the content."""

    DEFAULT_CSS = """
    BacklogSummary { height: auto; padding: 0 1; }
    """

    def show(self, groups: Optional[BacklogGroups], *, loading: bool = False, error: str = "") -> None:
        """Replace the content."""
        self.update(render_backlog(groups, loading=loading, error=error))


__all__ = ["AGE_BUCKETS", "BacklogGroups", "BacklogSummary", "group_backlog", "render_backlog"]
