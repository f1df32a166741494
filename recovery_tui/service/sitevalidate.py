"""Fleet validation: every recoverable bucket of a site plan compared version by version.

`validate_site(service, plan)` runs `validate.validate` for each plan bucket that a resync can
recover (source bucket against its target bucket), `parallel` buckets at a time, reporting progress
per bucket. A bucket whose comparison fails is "unknown" (never in sync); the run's `in_sync` is
true only when every bucket was compared completely and matched.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .aliases import BucketPath
from .errors import RecoveryError
from .sitemodels import SitePlan
from .validate import ValidationProgress, validate
from .validation_report import ValidationReport

IN_SYNC, DIFFERENCES, UNKNOWN = "in sync", "differences", "unknown"


@dataclass(frozen=True)
class BucketValidation:
    bucket: str
    target_bucket: str
    report: Optional[ValidationReport] = None
    error: str = ""
    error_exit_code: int = 0

    @property
    def in_sync(self) -> bool:
        return self.report is not None and self.report.in_sync

    @property
    def verdict(self) -> str:
        if self.report is None or self.report.incomplete:
            return UNKNOWN
        return IN_SYNC if self.report.in_sync else DIFFERENCES

    def to_json(self) -> dict[str, Any]:
        r = self.report
        return {"bucket": self.bucket, "in_sync": self.in_sync,
                "missing_on_target": r.missing_on_target if r else None,
                "extra_on_target": r.extra_on_target if r else None,
                "mismatched": r.mismatched if r else None, "verdict": self.verdict,
                "source_versions": r.source_counts.versions if r else None,
                "target_versions": r.target_counts.versions if r else None,
                "target_bucket": self.target_bucket, "incomplete": r.incomplete if r else True,
                "error": self.error or (r.error if r else "")}


@dataclass(frozen=True)
class SiteValidation:
    source: str
    target: str
    buckets: tuple[BucketValidation, ...]

    @property
    def in_sync(self) -> bool:
        """Every bucket compared completely and matched (no bucket compared is not a proof: False)."""
        return bool(self.buckets) and all(b.in_sync for b in self.buckets)

    def count(self, verdict: str) -> int:
        return sum(1 for b in self.buckets if b.verdict == verdict)

    @property
    def exit_code(self) -> int:
        """0 every bucket in sync, 3 when a site could not be reached, 1 otherwise."""
        if self.in_sync:
            return 0
        if any(b.error_exit_code == 3 or (b.report is not None and b.report.error_exit_code == 3)
               for b in self.buckets if b.verdict == UNKNOWN):
            return 3
        return 1

    def to_json(self) -> dict[str, Any]:
        return {"in_sync": self.in_sync, "buckets": [b.to_json() for b in self.buckets], "source": self.source,
                "target": self.target, "summary": {v: self.count(v) for v in (IN_SYNC, DIFFERENCES, UNKNOWN)}}


BucketProgress = Callable[[str, Optional[ValidationProgress], Optional[BucketValidation]], None]


def validate_site(service: Any, plan: SitePlan, *, buckets: Optional[list[str]] = None, parallel: int = 2,
                  progress: Optional[BucketProgress] = None, cancel: Optional[threading.Event] = None
                  ) -> SiteValidation:
    """Validate the plan's recoverable buckets (or the chosen ones among them); see the module docstring.

    `progress(bucket, sample, None)` reports a bucket's running counts, `progress(bucket, None, result)`
    its end."""
    rows = [b for b in plan.recoverable() if buckets is None or b.bucket in buckets]

    def one(row: Any) -> BucketValidation:
        src = BucketPath(plan.source, row.bucket)
        dst = BucketPath(plan.target, row.target_bucket or row.bucket)
        on = (lambda p: progress(row.bucket, p, None)) if progress else None
        try:
            res = BucketValidation(row.bucket, dst.bucket, report=validate(service, src, dst, progress=on,
                                                                           cancel=cancel))
        except RecoveryError as exc:
            res = BucketValidation(row.bucket, dst.bucket, error=exc.one_line(), error_exit_code=exc.exit_code)
        if progress:
            progress(row.bucket, None, res)
        return res

    if not rows:
        return SiteValidation(plan.source, plan.target, ())
    with ThreadPoolExecutor(max(1, min(parallel, len(rows)))) as pool:
        results = list(pool.map(one, rows))
    return SiteValidation(plan.source, plan.target, tuple(results))


__all__ = ["validate_site", "SiteValidation", "BucketValidation", "IN_SYNC", "DIFFERENCES", "UNKNOWN"]
