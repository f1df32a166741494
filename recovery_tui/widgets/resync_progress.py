"""The resync monitor's main panel: status, counts, rate, ETA, ages, link, metrics and a sparkline.

`MonitorDisplay` is plain data assembled by the monitor screen from the last
good sample; `render_progress()` turns it into text (pure, unit-testable);
`ResyncProgress` shows that text above Textual's `Sparkline`. Nothing here
calls or imports the service: the panel reads its data through the Protocols below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Protocol, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from recovery_tui.procedure.monitor_math import ProgressView, human_bytes, human_duration


class StatusLike(Protocol):
    """What the panel reads of a resync status (the service's `ResyncTargetStatus` has it)."""

    @property
    def status(self) -> str: ...
    @property
    def reset_id(self) -> str: ...
    @property
    def replicated_count(self) -> int: ...
    @property
    def replicated_size(self) -> int: ...
    @property
    def failed_count(self) -> int: ...
    @property
    def start_time(self) -> Optional[datetime]: ...
    @property
    def last_object(self) -> str: ...
    @property
    def running(self) -> bool: ...


class LatencyLike(Protocol):
    @property
    def curr(self) -> float: ...


class LinkLike(Protocol):
    """What the panel reads of the remote target (the service's `RemoteTarget` has it)."""

    @property
    def online(self) -> bool: ...
    @property
    def latency(self) -> LatencyLike: ...


class CountsLike(Protocol):
    @property
    def last_minute(self) -> int: ...
    @property
    def last_hour(self) -> int: ...


class MetricsLike(Protocol):
    """What the panel reads of the bucket's replication metrics (the service's `ReplicationMetrics` has it)."""

    @property
    def queued_count(self) -> float: ...
    @property
    def queued_bytes(self) -> float: ...
    @property
    def failed(self) -> CountsLike: ...

STATUS_STYLE = {
    "Pending": ("◌", "bold yellow"),
    "Ongoing": ("●", "bold cyan"),
    "Completed": ("✔", "bold green"),
    "Failed": ("✘", "bold red"),
    "Canceled": ("✘", "bold yellow"),
}
"""Icon and style per resync status; the word is always printed too."""

BAR_WIDTH = 24
"""Characters of the text progress bar."""


@dataclass(frozen=True)
class MonitorDisplay:
    """Everything the panel shows; None fields are printed as unknown ("—"), never as zero."""

    status: Optional[StatusLike] = None
    """The last good status for the ARN; None before the first answer or when the server has none."""
    view: Optional[ProgressView] = None
    source_total: Optional[int] = None
    counting: Optional[int] = None
    """Versions counted so far while the source total is still being counted."""
    count_error: str = ""
    link: Optional[LinkLike] = None
    metrics: Optional[MetricsLike] = None
    side_error: str = ""
    """Why the link or metrics are unknown (their call failed while the status call worked)."""
    throughput: Sequence[float] = field(default_factory=tuple)
    total_label: str = "Source total"
    """What the bar's total counts: every source version, or only those older than the job's cutoff."""


def _bar(fraction: float) -> str:
    filled = int(round(max(0.0, min(1.0, fraction)) * BAR_WIDTH))
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def _n(value: Optional[int]) -> str:
    return "—" if value is None else f"{value:,}"


def render_progress(d: MonitorDisplay) -> Text:
    """The panel's lines as rich Text (each fits in 74 columns)."""
    t = Text()
    st = d.status
    v = d.view
    t.append("Status  ", style="bold")
    if st is None:
        t.append("waiting for the server's first answer…" if v is None else "no resync status for this ARN yet",
                 style="italic")
    elif st.status == "Completed" and st.failed_count:  # never a green tick (the ResetID is on the border)
        t.append(f"⚠ Completed with {st.failed_count:,} FAILED: not re-sent", style="bold yellow")
    else:
        icon, style = STATUS_STYLE.get(st.status, ("?", "bold"))
        t.append(f"{icon} {st.status or 'unknown'}", style=style)
    t.append("\n")
    t.append("Re-sent by this job  ", style="bold")
    if st is None:
        t.append("—")
    else:
        t.append(f"{st.replicated_count:,} versions · {human_bytes(st.replicated_size)}")
        t.append(" · failed ", style="bold")
        t.append(f"{st.failed_count:,}", style="bold red" if st.failed_count else "")
        t.append(" (size n/a)", style="dim")
    t.append("\n")
    t.append(f"{d.total_label}  ", style="bold")
    if d.source_total is not None:
        frac = v.fraction if v is not None and v.fraction is not None else 0.0
        t.append(f"{d.source_total:,} versions  ")
        t.append(_bar(frac), style="cyan")
        t.append(f" {frac * 100:3.0f}%")
    elif d.count_error:
        t.append(f"unknown ({d.count_error})", style="yellow")
    else:
        t.append(f"counting… {_n(d.counting)} so far", style="italic")
    t.append("\n")
    t.append("Rate  ", style="bold")
    if v is not None and v.rate is not None:
        t.append(f"{v.rate.objects:,.1f} obj/s · {human_bytes(v.rate.bytes)}/s")
    else:
        t.append("—")
    t.append("   ETA ", style="bold")
    if v is not None and v.stalled:
        t.append("unknown (stalled)", style="yellow")
    elif st is not None and st.status == "Completed":
        t.append("done")
    elif v is not None and v.eta_seconds is not None and st is not None and st.running:
        t.append(f"≈ {human_duration(v.eta_seconds)}")
    else:
        t.append("—")
    t.append("\n")
    t.append("Started ", style="bold")
    t.append(f"{st.start_time:%H:%M:%S} UTC" if st is not None and st.start_time is not None else "—")
    t.append(" · data ", style="bold")  # the age of what is on screen, not the server's status-change time
    age = v.seconds_since_sample if v is not None and st is not None else None
    t.append(f"{human_duration(age)} old" if age is not None else "—")
    t.append(" (server counts lag ≤ ~1 min)", style="dim")
    t.append("\n")
    t.append("Last object  ", style="bold")
    last = st.last_object if st is not None and st.last_object else "—"
    t.append(last if len(last) <= 60 else "…" + last[-59:])
    t.append("\n")
    t.append("Target link  ", style="bold")
    if d.link is not None:
        if d.link.online:
            t.append("● online", style="bold green")
            t.append(f" {d.link.latency.curr * 1000:.0f} ms")
        else:
            t.append("● OFFLINE", style="bold red")
    else:
        t.append(f"unknown{f' ({d.side_error})' if d.side_error else ''}", style="yellow" if d.side_error else "")
    if d.metrics is not None:
        m = d.metrics
        t.append(" · queued ", style="bold")
        t.append(f"{m.queued_count:,.0f} ({human_bytes(m.queued_bytes)})")
        t.append(" · errors ", style="bold")
        t.append(f"{m.failed.last_minute}/1m {m.failed.last_hour}/1h",
                 style="bold red" if m.failed.last_minute else "")
    return t


class ResyncProgress(Vertical):
    """The monitor's bordered panel: `render_progress()` text and a throughput sparkline."""

    DEFAULT_CSS = """
    ResyncProgress {
        height: auto;
        border: round $primary-darken-2;
        border-title-color: $text;
        border-subtitle-color: $text;
        padding: 0 1;
    }
    ResyncProgress > #progress-text { width: 100%; height: auto; }
    ResyncProgress > #spark-row { height: 1; width: 100%; }
    ResyncProgress #spark-label { width: auto; min-width: 20; color: $text-muted; }
    ResyncProgress Sparkline { width: 1fr; }
    """

    def __init__(self, *, id: Optional[str] = None) -> None:
        super().__init__(id=id)
        self._display = MonitorDisplay()

    def compose(self) -> ComposeResult:
        from textual.containers import Horizontal

        yield Static(render_progress(self._display), id="progress-text")
        with Horizontal(id="spark-row"):
            yield Static("Throughput (obj/s)", id="spark-label")
            yield Sparkline([], id="spark")

    @property
    def shown(self) -> MonitorDisplay:
        """What the panel currently shows."""
        return self._display

    def show(self, display: MonitorDisplay) -> None:
        """Replace what the panel shows."""
        self._display = display
        self.border_subtitle = f"ResetID {display.status.reset_id or '—'}" if display.status is not None else ""
        self.query_one("#progress-text", Static).update(render_progress(display))
        data = list(display.throughput)
        spark = self.query_one("#spark", Sparkline)
        spark.display = len(data) >= 2
        spark.data = data
        self.query_one("#spark-label", Static).update(
            "Throughput (obj/s)" if len(data) >= 2 else "Throughput (obj/s)  — after a few samples")
