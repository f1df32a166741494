"""The replication backlog, rendered: `BacklogSummary` shows `procedure.backlog_groups.BacklogGroups` in a few lines.

The grouping itself (`group_backlog()`) is pure procedure logic and lives in `procedure/backlog_groups.py`.
"""

from __future__ import annotations

from typing import Optional

from rich.text import Text
from textual.widgets import Static

from recovery_tui.procedure.backlog_groups import AGE_BUCKETS, STATUS_ORDER, BacklogGroups


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


__all__ = ["BacklogSummary", "render_backlog"]
