"""Both sides' `mc replicate status` in two lines under the resync monitor (issue 13 item 6, facts §21).

Per side: its link to the other side, what waits in its queue, its failures in the last minute and hour, its
transfer rate and the replicas it received from the other side. A side with no outbound rule (a one-way
target) says so. Unknown figures show "—", never 0. Nothing here calls the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from rich.text import Text
from textual.widgets import Static

from recovery_tui.service.replstatus import ReplicationStatus


@dataclass(frozen=True)
class Side:
    """One side's status as polled: `status` None when it could not be read (`error` says why)."""

    label: str
    status: Optional[ReplicationStatus] = None
    error: str = ""


def _size(n: float) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def render_side(side: Side) -> Text:
    """`Source ● online · queued 3 · failed 0/1m 2/1h · 1.2 MiB/s · received 12` (fits 76 columns)."""
    t = Text()
    t.append(f"{side.label:<7}", style="bold")
    st = side.status
    if st is None:
        t.append(f"replication status unknown ({side.error or 'not read yet'})", style="yellow" if side.error else "dim")
        return t
    if not st.configured:
        t.append("no outbound rule (one-way target): nothing to send from here", style="dim")
        return t
    links = [x.online for x in st.targets]
    if not links:
        t.append("● no target", style="yellow")
    elif all(links):
        t.append("● online", style="bold green")
    else:
        t.append("● OFFLINE", style="bold red")
    t.append(f" · queued {st.queued.count:,.0f}")
    failed = st.failed
    t.append(" · failed ")
    t.append(f"{failed.last_minute}/1m {failed.last_hour}/1h", style="bold red" if failed.last_minute else "")
    t.append(f" · {_size(sum(x.transfer.curr for x in st.targets))}/s")
    t.append(f" · received {st.replica_count:,}")
    return t


def render_sides(sides: Sequence[Side]) -> Text:
    out = Text()
    for i, side in enumerate(sides):
        if i:
            out.append("\n")
        out.append_text(render_side(side))
    return out


class ReplSides(Static):
    """Two lines: the source's and the target's replication status (mc replicate status on each)."""

    DEFAULT_CSS = """
    ReplSides { height: auto; width: 100%; padding: 0 1; }
    """

    def __init__(self, *, id: Optional[str] = None) -> None:
        super().__init__(render_sides([Side("Source"), Side("Target")]), id=id)
        self.sides: tuple[Side, ...] = (Side("Source"), Side("Target"))
        """What the widget shows."""

    def show(self, sides: Sequence[Side]) -> None:
        self.sides = tuple(sides)
        self.update(render_sides(self.sides))


__all__ = ["ReplSides", "Side", "render_side", "render_sides"]
