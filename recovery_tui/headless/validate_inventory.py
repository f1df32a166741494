"""The inventory engine's part of `recovery-tui validate`: its flags, checked, and its progress line."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from recovery_tui.service.errors import InputError
from recovery_tui.service.inventory_engine import DEFAULT_REPORTS_BUCKET, InventoryOptions, InventoryProgress

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def memory_limit(text: str) -> str:
    """A DuckDB memory size (`512MB`, `2GB`, `1.5GiB`); anything else → InputError (exit 2)."""
    m = _SIZE.match(text or "")
    if not m or float(m.group(1)) <= 0:
        raise InputError(f"--memory-limit must be a size like 512MB or 2GB, got '{text}'",
                         hint="DuckDB keeps at most this much in memory and spills the rest to --temp-dir.")
    return f"{m.group(1)}{m.group(2)}"


def inventory_options(args: argparse.Namespace, journal: Any = None) -> InventoryOptions:
    """The engine's options from the command line (checked: bad values are one-line InputErrors)."""
    bucket = args.reports_bucket or DEFAULT_REPORTS_BUCKET
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise InputError(f"--reports-bucket '{bucket}' is not a bucket name", hint="Give a bucket name like "
                         "inventory-reports (3-63 lower-case letters, digits, dots, hyphens).")
    if args.temp_dir and not Path(args.temp_dir).is_dir():
        raise InputError(f"--temp-dir '{args.temp_dir}' is not a directory", hint="Create it first, or leave it out.")
    if args.stall_timeout <= 0 or args.poll_interval <= 0:
        raise InputError("--stall-timeout and --poll-interval must be positive", hint="Leave them out.")
    return InventoryOptions(
        reports_bucket=bucket, keep_jobs=args.keep_jobs, delete_reports=args.delete_reports,
        memory_limit=memory_limit(args.memory_limit), temp_dir=args.temp_dir, source_manifest=args.source_manifest,
        target_manifest=args.target_manifest, diffs_path=Path(args.differences) if args.differences else None,
        fallback_listing=args.fallback_listing, poll_interval=args.poll_interval, stall_timeout=args.stall_timeout,
        journal=journal)


def progress_line(p: Any) -> str:
    """One line for the progress bar: each side's job (state, scanned, matched, written), then the phase."""
    if not isinstance(p, InventoryProgress):
        return ""
    parts = []
    for label, st in (("source", p.source), ("target", p.target)):
        if st is not None:
            parts.append(f"{label} {st.state}: {st.scanned_count:,} scanned, {st.matched_count:,} matched, "
                         f"{st.records_written:,} written")
    if p.phase == "fetch":
        parts.append(f"reading reports ({p.fetched_bytes / 1e6:,.1f} MB)")
    elif p.phase == "compare":
        parts.append("comparing")
    return " · ".join(parts)


def unknown_cell() -> str:
    return "[red]UNKNOWN[/]"
