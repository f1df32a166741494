"""What a validation produces: per-side counts, sampled differences, progress, and the report.

Plain frozen dataclasses (no I/O), shared by the engine (`validate.py`), the wizard's Validate
screen and `recovery-tui validate --json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from .models import ObjectVersion

MISSING, EXTRA, MISMATCHED = "missing_on_target", "extra_on_target", "mismatched"
CLASSES = (MISSING, EXTRA, MISMATCHED)
SOURCE_COUNTS, TARGET_COUNTS = "source_counts", "target_counts"
"""Names of the parts a report can leave UNKNOWN (with the three classes above)."""


@dataclass(frozen=True)
class SideCounts:
    """Counts of one side. `versions` = current + noncurrent + delete_markers = `mc ls -r --versions | wc -l`."""

    versions: int = 0
    current: int = 0
    """Latest versions that are not delete markers (what `mc ls -r` without --versions shows)."""
    noncurrent: int = 0
    """Older versions that are not delete markers."""
    delete_markers: int = 0
    """Delete markers, latest or not."""

    def to_json(self) -> dict[str, int]:
        return {"versions": self.versions, "current": self.current, "noncurrent": self.noncurrent,
                "delete_markers": self.delete_markers}


@dataclass(frozen=True)
class VersionDiff:
    """One difference, kept as a sample for display."""

    kind: str
    """`missing_on_target`, `extra_on_target` or `mismatched`."""
    key: str
    version_id: str
    source: Optional[ObjectVersion]
    target: Optional[ObjectVersion]

    @property
    def detail(self) -> str:
        s, t = self.source, self.target
        if s is None or t is None:
            return "delete marker" if (s or t) and (s or t).delete_marker else ""  # type: ignore[union-attr]
        parts = []
        if s.delete_marker != t.delete_marker:
            parts.append("delete marker on " + ("source" if s.delete_marker else "target") + " only")
        if s.size != t.size:
            parts.append(f"size {s.size} ≠ {t.size}")
        if s.etag != t.etag:
            parts.append(f"ETag {s.etag or '-'} ≠ {t.etag or '-'}")
        return ", ".join(parts)


@dataclass(frozen=True)
class ValidationProgress:
    """A progress sample for a callback (the wizard's progress bar, the headless one)."""

    source_versions: int
    target_versions: int
    missing_on_target: int
    extra_on_target: int
    mismatched: int
    last_key: str
    elapsed: float


@dataclass(frozen=True)
class ValidationReport:
    """The outcome: exact counts, a bounded sample of differences, and whether the listing was complete."""

    source: str
    target: str
    prefix: str
    source_counts: SideCounts
    target_counts: SideCounts
    missing_on_target: int
    extra_on_target: int
    mismatched: int
    samples: tuple[VersionDiff, ...]
    """The first `sample_limit` differences of each class, in key order."""
    incomplete: bool
    error: str = ""
    """Why the listing stopped short (incomplete only)."""
    compared_up_to: str = ""
    """Last key fully compared on both sides."""
    elapsed: float = 0.0
    resumed: bool = False
    error_exit_code: int = 0
    """The exit code of the failure that stopped the listing (3 connection/auth, 1 other), 0 if none."""
    engine: str = "listing"
    """"listing" (both buckets listed here) or "inventory" (the servers' inventory reports compared)."""
    unknown: tuple[str, ...] = ()
    """Parts that could not be known (an incomplete report): SOURCE_COUNTS, TARGET_COUNTS and classes.
    Their numbers in this report are 0 and mean nothing; a class that is known but `incomplete` is
    what was found among the versions that could be compared."""
    diffs_file: str = ""
    """Every difference as JSON lines (inventory engine), "" when none was written."""
    notes: tuple[str, ...] = ()
    """One-line remarks on how the result was obtained (engine choice, jobs, fallbacks)."""

    @property
    def in_sync(self) -> bool:
        return not self.incomplete and not self.unknown and not (
            self.missing_on_target or self.extra_on_target or self.mismatched)

    def is_known(self, part: str) -> bool:
        return part not in self.unknown

    def samples_of(self, kind: str) -> tuple[VersionDiff, ...]:
        return tuple(d for d in self.samples if d.kind == kind)

    def to_json(self) -> dict[str, Any]:
        """The headless `--json` document (keys as issue 4 names them, then extras)."""
        def counts(part: str, c: SideCounts) -> dict[str, Any]:
            return c.to_json() if self.is_known(part) else {k: None for k in c.to_json()}

        return {
            "source": {"path": self.source, **counts(SOURCE_COUNTS, self.source_counts)},
            "target": {"path": self.target, **counts(TARGET_COUNTS, self.target_counts)},
            **{k: (getattr(self, k) if self.is_known(k) else None) for k in CLASSES},
            "incomplete": self.incomplete, "in_sync": self.in_sync,
            "error": self.error, "prefix": self.prefix, "compared_up_to": self.compared_up_to,
            "resumed": self.resumed, "elapsed_seconds": round(self.elapsed, 3),
            "engine": self.engine, "unknown": list(self.unknown), "diffs_file": self.diffs_file,
            "notes": list(self.notes),
            "samples": [
                {"kind": d.kind, "key": d.key, "version_id": d.version_id, "detail": d.detail,
                 "source": _ov_json(d.source), "target": _ov_json(d.target)}
                for d in self.samples
            ],
        }


def _ov_json(v: Optional[ObjectVersion]) -> Optional[dict[str, Any]]:
    return None if v is None else {"size": v.size, "etag": v.etag, "delete_marker": v.delete_marker,
                                   "is_latest": v.is_latest}
