"""Both sides' `mc replicate status` in two lines under the resync monitor (issue 13 item 6, facts §21).

Per side: its link to the other side, what waits in its queue, its failures in the last minute and hour, its
transfer rate and the replicas it received from the other side. A side with no outbound rule (a one-way
target) says so; a side that could not be read says why, never 0. `poll()` reads both sides through the
service in one thread worker (never two at once), so a slow side never delays the resync status above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, get_current_worker

ReadStatus = Callable[[str, str], Any]
"""`read(alias, bucket)` → one side's replication status (the service's `replication_status`, handed in by the
screen: widgets never import the service). It raises the service's error (with a `title`) when it cannot."""


@dataclass(frozen=True)
class Side:
    """One side's status as polled: `status` None when it could not be read (`error` says why)."""

    label: str
    status: Optional[Any] = None
    """The service's ReplicationStatus (read duck-typed: configured, targets, queued, failed, replica_count)."""
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
        t.append(f"replication status unknown ({side.error or 'not read yet'})",
                 style="yellow" if side.error else "dim")
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
    """`ReplSides(read, ((label, alias, bucket), …))`: one line per side, refreshed by `poll()`."""

    DEFAULT_CSS = """
    ReplSides { height: auto; width: 100%; padding: 0 1; }
    """

    @dataclass
    class Polled(Message):
        """Both sides were read (in the worker)."""

        sides: tuple[Side, ...]

    def __init__(self, read: ReadStatus, where: Sequence[tuple[str, str, str]], *,
                 id: Optional[str] = None) -> None:
        self.where = tuple(where)
        """(label, alias, bucket) of each side; an empty alias is shown as unknown."""
        self.sides: tuple[Side, ...] = tuple(Side(label) for label, _, _ in self.where)
        """What the widget shows."""
        super().__init__(render_sides(self.sides), id=id)
        self.read = read
        self._in_flight = False
        self._again = False
        self._reading: Optional[Worker[None]] = None

    def poll(self) -> None:
        """Read both sides again (once the read under way, if any, has finished)."""
        if self._in_flight:
            self._again = True
            return
        self._in_flight = True
        self._reading = self._read()

    @work(thread=True, exclusive=True, exit_on_error=False, group="repl-sides",
          description="Reading both sides' replication status")
    def _read(self) -> None:
        sides = []
        for label, alias, bucket in self.where:
            try:
                sides.append(Side(label, self.read(alias, bucket)) if alias else
                             Side(label, None, "no alias points at it"))
            except Exception as exc:  # the service's RecoveryError; anything else is shown, never raised
                sides.append(Side(label, None, str(getattr(exc, "title", "") or type(exc).__name__)))
        if not get_current_worker().is_cancelled:
            self.post_message(self.Polled(tuple(sides)))

    @on(Polled)
    def _polled(self, message: "ReplSides.Polled") -> None:
        message.stop()
        self._in_flight = False
        self.show(message.sides)
        if self._again:
            self._again = False
            self.poll()

    def on_worker_state_changed(self, event: Any) -> None:
        # only the read under way: starting the follow-up read cancels the worker that has just posted its
        # answer (exclusive group), and that worker's CANCELLED must not let a second read start beside it
        if event.worker is self._reading and event.state.name in ("ERROR", "CANCELLED"):
            self._in_flight = False

    def show(self, sides: Sequence[Side]) -> None:
        self.sides = tuple(sides)
        self.update(render_sides(self.sides))


__all__ = ["ReplSides", "Side", "render_side", "render_sides"]
