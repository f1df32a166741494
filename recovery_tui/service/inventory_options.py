"""The inventory engine's options and progress, the job names, and the optional-dependency check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

from .errors import InputError
from .inventory_api import JobSpec, JobStatus

DEFAULT_REPORTS_BUCKET = "recovery-tui-reports"
REPORTS_PREFIX = "recovery-tui-inventory/"
FIRST_POLL = 0.1
"""Seconds before a job's first status read, and the shortest wait between two."""
POLL_SHARE = 0.15
"""A running job is read again after this share of the time it has run (so it is seen done at most ~15 %
later than it was, and a long job is not read ten times a second)."""


def next_poll(age: float, interval: float) -> float:
    """Seconds until the next status read of a job that has run for `age` seconds (`interval` = the
    longest wait, `--poll-interval`)."""
    return min(interval, max(FIRST_POLL, POLL_SHARE * age))


@dataclass
class InventoryOptions:
    """How the inventory engine runs (the headless flags and the wizard's choices)."""

    reports_bucket: str = DEFAULT_REPORTS_BUCKET
    keep_jobs: bool = False
    delete_reports: bool = False
    """Delete the report files afterwards (the operator's consent); jobs are deleted regardless."""
    memory_limit: str = "1GB"
    temp_dir: Optional[str] = None
    source_manifest: Optional[str] = None
    """A report to use instead of a new job: a local manifest.json, ALIAS/BUCKET/KEY, or a key in the reports bucket."""
    target_manifest: Optional[str] = None
    diffs_path: Optional[Path] = None
    fallback_listing: bool = False
    poll_interval: float = 2.0
    stall_timeout: float = 600.0
    now: Optional[datetime] = None
    """The time the job names use (tests); None = now."""
    journal: Any = None
    """A `Journal` to record each job created and deleted (with its `mc inventory` equivalent), or None."""


@dataclass(frozen=True)
class InventoryProgress:
    """Where an inventory validation is: the servers' jobs, then fetching, then comparing."""

    phase: str
    """"jobs", "fetch", "compare" or "cleanup"."""
    source: Optional[JobStatus] = None
    target: Optional[JobStatus] = None
    fetched_bytes: int = 0
    elapsed: float = 0.0


def require_scale() -> None:
    """The engine's optional dependencies, or a one-line InputError saying how to install them."""
    try:
        import duckdb  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise InputError(f"the inventory engine needs {exc.name}, which is not installed",
                         hint="pip install 'recovery-tui[scale]' (DuckDB and pyarrow), or use --engine listing.",
                         ) from None


def job_id(bucket: str, stamp: str) -> str:
    """`recovery-tui-<bucket>-<timestamp>` within mc's rule for IDs (letters, digits, hyphens; ≤ 63)."""
    name = "".join(c if c.isascii() and c.isalnum() else "-" for c in bucket)[: 63 - 14 - len(stamp)].strip("-")
    return f"recovery-tui-{name or 'bucket'}-{stamp}"


def save_yaml(spec: JobSpec) -> str:
    """Keep the job's YAML in the state directory, so the journal's `mc inventory put` runs as printed."""
    from recovery_tui.paths import state_dir, write_private

    try:
        return str(write_private(state_dir() / "inventory" / f"{spec.id}.yaml", spec.yaml()))
    except OSError:
        return ""
