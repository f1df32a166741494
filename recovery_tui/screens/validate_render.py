"""The Validate step's verdict and count lines (rich Text, no widget): what `screens/validate.py` shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from rich.text import Text

if TYPE_CHECKING:
    from recovery_tui.service.validate import ValidationProgress, ValidationReport


def render_jobs(progress: Any) -> str:
    """The inventory jobs' progress: `source Running: 1,234 scanned · 1,200 matched · 1,100 written`."""
    parts = []
    for label in ("source", "target"):
        st = getattr(progress, label, None)
        if st is not None:
            parts.append(f"{label} {st.state}: {st.scanned_count:,} scanned · {st.matched_count:,} matched · "
                         f"{st.records_written:,} written")
    phase = getattr(progress, "phase", "jobs")
    lead = {"fetch": "Reading the inventory reports…", "compare": "Comparing the inventory reports…"}.get(
        phase, "Inventory jobs running on the servers…")
    return " ".join([lead, " | ".join(parts)]) if parts else lead


COUNTS_WIDTH = 76
"""Columns the two count lines may use at 80x24 (the rest is padding): longer lines switch to short words."""


def render_counts(report: Optional["ValidationReport"], width: int = COUNTS_WIDTH) -> Text:
    """Two aligned lines: `source  160 versions =  60 current +  90 noncurrent +  10 delete markers`.

    When that does not fit in `width` (large buckets), the words shorten to `cur` / `noncur` / `DM` (the
    explain pane, one `e` away, spells them out) so neither line wraps and both sides stay on screen."""
    t = Text()
    if report is None:
        t.append("source  —\ntarget  —", style="dim")
        return t
    sides = (("source", report.source_counts), ("target", report.target_counts))
    w = max(len(f"{n:,}") for _, c in sides for n in (c.versions, c.current, c.noncurrent, c.delete_markers))
    mark = "≥" if report.incomplete and report.engine == "listing" else " "
    words = ("current", "noncurrent", "delete markers")
    if len(f"source {mark}{'':>{w}} versions = {'':>{w}} current + {'':>{w}} noncurrent + "
           f"{'':>{w}} delete markers") > width:
        words = ("cur", "noncur", "DM")
    for i, (name, c) in enumerate(sides):
        t.append(f"{name} ", style="bold")
        if not report.is_known(f"{name}_counts"):
            t.append("UNKNOWN (its inventory report is incomplete)" + ("\n" if i == 0 else ""), style="bold")
            continue
        t.append(f"{mark}{c.versions:>{w},} versions", style="bold")
        t.append(f" = {c.current:>{w},} {words[0]} + {c.noncurrent:>{w},} {words[1]} + "
                 f"{c.delete_markers:>{w},} {words[2]}")
        if i == 0:
            t.append("\n")
    return t


def render_verdict(report: Optional["ValidationReport"], progress: Optional["ValidationProgress"],
                   error: str = "") -> tuple[str, Text]:
    """(css class, text) of the verdict line."""
    if error:
        return "-unknown", Text(f"? UNKNOWN: the validation could not run ({error}). Press r to retry.")
    if report is None:
        if progress is not None and hasattr(progress, "phase"):
            return "-running", Text(render_jobs(progress))
        if progress is None:
            return "-running", Text("Listing both sides…")
        return "-running", Text(
            f"Listing both sides… source {progress.source_versions:,} · target {progress.target_versions:,} "
            f"versions · {progress.missing_on_target:,} missing so far")
    if report.incomplete and report.engine == "inventory":
        unknown = ", ".join(u.replace("_", " ") for u in report.unknown) or "part of the result"
        return "-unknown", Text(f"? UNKNOWN: {unknown} ({report.error}). Differences shown are real; nothing "
                                "unknown is called missing. r retries.")
    if report.incomplete:
        return "-unknown", Text(
            f"? UNKNOWN: a listing stopped early ({report.error or 'cut short'}). Checked up to "
            f"'{report.compared_up_to or '(start)'}' only: later versions are unknown, not missing. r retries.")
    if report.in_sync:
        return "-sync", Text(f"✔ IN SYNC: both sides hold the same {report.source_counts.versions:,} versions "
                             "(complete listing).")
    return "-diff", Text(f"✘ DIFFERENCES: {report.missing_on_target:,} missing on target · "
                         f"{report.extra_on_target:,} extra on target · {report.mismatched:,} mismatched.")


__all__ = ["COUNTS_WIDTH", "render_counts", "render_jobs", "render_verdict"]
