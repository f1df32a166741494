"""Which validation engine runs: `listing`, `inventory`, or `auto` (the default).

`auto` picks the inventory engine when both servers have bucket inventory (a GET probe each, §23.4) and
the source holds at least `AUTO_THRESHOLD` versions, the listing engine otherwise. The source's size
comes from, in order: the count the caller already has (the wizard's preflight), the count a previous
complete validation of the same bucket recorded (`validation-counts.json` in the state directory), or a
listing of the source that stops as soon as the threshold is reached.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from .aliases import BucketPath
from .errors import ConnectionFailure, InputError, RecoveryError
from .validation_report import SOURCE_COUNTS, ValidationReport

ENGINES = ("auto", "listing", "inventory")
AUTO_THRESHOLD = 1_000_000
"""Versions on the source from which `auto` prefers the servers' inventory (the preflight counts up to this)."""


@dataclass(frozen=True)
class EngineChoice:
    engine: str
    """"listing" or "inventory"."""
    reason: str
    """One line: why."""


def check_engine(name: str) -> str:
    if name not in ENGINES:
        raise InputError(f"unknown --engine '{name}'", hint="Choose auto, listing or inventory.")
    return name


def _counts_file() -> Any:
    from recovery_tui.paths import state_dir

    return state_dir() / "validation-counts.json"


def _key(service: Any, path: BucketPath) -> str:
    return f"{service.aliases.get(path.alias).url}/{path.bucket}/{path.prefix}"


def recorded_versions(service: Any, path: BucketPath) -> Optional[int]:
    """The version count a previous complete validation recorded for this bucket, or None."""
    try:
        doc = json.loads(_counts_file().read_text())
        return int(doc[_key(service, path)]["versions"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record_versions(service: Any, path: BucketPath, versions: int) -> None:
    """Remember a complete validation's source count (for the next `auto` choice); best effort."""
    from recovery_tui.paths import write_private

    try:
        f = _counts_file()
        try:
            doc = json.loads(f.read_text())
        except (OSError, ValueError):
            doc = {}
        doc[_key(service, path)] = {"versions": versions, "at": datetime.now(timezone.utc).isoformat()}
        write_private(f, json.dumps(doc, indent=1))
    except (OSError, RecoveryError):
        pass


def count_up_to(service: Any, path: BucketPath, limit: int) -> int:
    """Versions under the path, counting stops at `limit` (one listing, page by page)."""
    from .listing import VersionLister

    n = 0
    for page in VersionLister(service, path.alias, path.bucket).pages(path.prefix):
        n += len(page.entries)
        if n >= limit:
            break
    return n


def choose_engine(service: Any, source: BucketPath, target: BucketPath, *, threshold: int = AUTO_THRESHOLD,
                  known_versions: Optional[int] = None) -> EngineChoice:
    """The `auto` decision (see the module docstring); never writes anything."""
    from .inventory_api import InventoryApi
    from .inventory_engine import require_scale

    try:
        require_scale()
    except InputError as exc:
        return EngineChoice("listing", f"{exc.message} ({exc.hint.split(',')[0]})")
    api = InventoryApi(service)
    for side in (source, target):
        try:
            probe = api.probe(side.alias, side.bucket)
        except ConnectionFailure:
            raise
        except RecoveryError as exc:
            return EngineChoice("listing", f"could not probe bucket inventory on {side.alias}: {exc.message}")
        if not probe.supported:
            return EngineChoice("listing", probe.detail)
    n, how = known_versions, "counted before"
    if n is None:
        n, how = recorded_versions(service, source), "recorded by a previous validation"
    if n is None:
        n, how = count_up_to(service, source, threshold), "counted now"
    if n >= threshold:
        return EngineChoice("inventory", f"{source} holds ≥ {threshold:,} versions ({how}) and both servers have "
                                         "bucket inventory")
    return EngineChoice("listing", f"{source} holds {n:,} versions ({how}), fewer than the {threshold:,} from "
                                   "which the inventory engine pays off")


def run_validation(service: Any, source: BucketPath, target: BucketPath, *, engine: str = "auto", prefix: str = "",
                   parallel: Optional[int] = None, sample_limit: int = 20,
                   progress: Optional[Callable[[Any], None]] = None, checkpoint: Any = None,
                   cancel: Optional[threading.Event] = None, options: Any = None,
                   threshold: int = AUTO_THRESHOLD, known_versions: Optional[int] = None) -> ValidationReport:
    """Run the chosen engine; `auto` decides first and says why in the report's notes."""
    from .validate import _effective_prefix, validate

    check_engine(engine)
    p = _effective_prefix(source, target, prefix)
    note = ""
    if engine == "auto":
        choice = choose_engine(service, BucketPath(source.alias, source.bucket, p), target, threshold=threshold,
                               known_versions=known_versions)
        engine, note = choice.engine, f"engine {choice.engine}: {choice.reason}"
    if engine == "inventory":
        from .inventory_engine import validate_inventory

        report = validate_inventory(service, source, target, prefix=p, options=options, sample_limit=sample_limit,
                                    progress=progress, cancel=cancel, parallel=parallel)
    else:
        report = validate(service, source, target, prefix=p, parallel=parallel, sample_limit=sample_limit,
                          progress=progress, checkpoint=checkpoint, cancel=cancel)
    if note:
        report = replace(report, notes=(note,) + report.notes)
    if not report.incomplete and report.is_known(SOURCE_COUNTS):
        record_versions(service, BucketPath(source.alias, source.bucket, p), report.source_counts.versions)
    return report
