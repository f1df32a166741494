"""The backlog engine's data: candidates, refusals, progress and the summary (see `backlog`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

@dataclass(frozen=True)
class BacklogItem:
    """One backlogged version."""

    key: str
    version_id: str
    delete_marker: bool
    status: str
    """PENDING or FAILED (for the ARN asked, else the overall status)."""


@dataclass(frozen=True)
class BacklogFailure:
    item: BacklogItem
    error: str


@dataclass(frozen=True)
class BacklogRefusal:
    """A FAILED version --clear-checksum will not copy: the copy would change what clients read."""

    item: BacklogItem
    reason: str


REFUSAL_HINT = ("What clients read on the source is intact; only this version's copy on the target is missing. "
                "Copying it would change the key's current content. Keep the list (--json) for MinIO support, "
                "or re-trigger it with a HEAD (resync-backlog without --clear-checksum) once the cause is fixed.")


def refusal_reason(item: BacklogItem, latest: Any) -> str:
    """Why copying `item` onto itself would change what clients read, or "" when it is safe.

    `latest` is the service's LatestVersion of the key (None: no version is visible).
    """
    if item.delete_marker:
        return "a delete marker cannot be copied"
    if latest is None:
        return "the key has no visible version: a copy would bring it back"
    if latest.delete_marker:
        return "the key's latest version is a delete marker: a copy would bring a deleted object back"
    if latest.version_id != item.version_id:
        return (f"not the key's latest version (latest is {latest.version_id}): "
                "a copy would become the latest and serve older content")
    return ""


@dataclass(frozen=True)
class BacklogProgress:
    listed: int
    """Candidates read from the diff stream so far (this run)."""
    processed: int
    failed: int
    listing_done: bool
    elapsed: float


@dataclass(frozen=True)
class BacklogResult:
    """The summary: Total / Processed / Failed, as `mc replicate resync-backlog` prints it."""

    path: str
    arn: str
    total: int
    processed: int
    failed: int
    dry_run: bool = False
    clear_checksum: bool = False
    validate_only: bool = False
    items: tuple[BacklogItem, ...] = ()
    """Dry run: the versions that would be processed. Validate: the one processed."""
    failures: tuple[BacklogFailure, ...] = ()
    """The first failures (bounded)."""
    new_versions: int = 0
    """Copies made by clear_checksum (each one is a new version)."""
    incomplete: bool = False
    error: str = ""
    error_exit_code: int = 0
    interrupted: bool = False
    resumed: bool = False
    skipped: int = 0
    """Candidates skipped because a resumed checkpoint had already done them."""
    already_copied: int = 0
    """--clear-checksum: FAILED versions skipped because an earlier run already copied them (see CopyLedger)."""
    refused: int = 0
    """--clear-checksum: FAILED versions not copied because the copy would change what clients read."""
    refusals: tuple[BacklogRefusal, ...] = ()
    """The first refusals (bounded), with their reasons."""
    elapsed: float = 0.0
    first_start: float = 0.0
    last_start: float = 0.0
    """Monotonic times of the first and last request start (for the achieved rate)."""

    @property
    def achieved_rate(self) -> float:
        """Requests started per second, measured between the first and the last start."""
        n = self.processed + self.failed
        span = self.last_start - self.first_start
        return (n - 1) / span if n > 1 and span > 0 else 0.0

    @property
    def ok(self) -> bool:
        """Everything asked was done: no failure, no refusal, nothing cut short."""
        return not self.failed and not self.refused and not self.incomplete and not self.interrupted

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"total": self.total, "processed": self.processed, "failed": self.failed,
                               "path": self.path, "arn": self.arn, "dry_run": self.dry_run,
                               "clear_checksum": self.clear_checksum, "validate": self.validate_only,
                               "new_versions": self.new_versions, "incomplete": self.incomplete,
                               "error": self.error, "resumed": self.resumed, "skipped": self.skipped,
                               "already_copied": self.already_copied, "refused": self.refused,
                               "elapsed_seconds": round(self.elapsed, 3)}
        if self.dry_run or self.validate_only:
            doc["items"] = [_item_json(i) for i in self.items]
        doc["failures"] = [{**_item_json(f.item), "error": f.error} for f in self.failures]
        doc["refusals"] = [{**_item_json(r.item), "reason": r.reason} for r in self.refusals]
        return doc


def _item_json(i: BacklogItem) -> dict[str, Any]:
    return {"key": i.key, "version_id": i.version_id, "delete_marker": i.delete_marker, "status": i.status}
