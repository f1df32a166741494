"""The backlog engine's data: candidates, refusals, progress and the summary (see `backlog`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional


@dataclass(frozen=True)
class BacklogItem:
    """One backlogged version."""

    key: str
    version_id: str
    delete_marker: bool
    status: str
    """PENDING or FAILED (for the ARN asked, else the overall status); for a pending delete, its
    versioned-delete status (`dStatus`/`drStatus`), as `mc replicate backlog` shows it."""
    purge_status: str = ""
    """PENDING/FAILED when the version was deleted by versionId and that delete waits to replicate
    (§17): hidden from listings, a HEAD answers 405; it is re-triggered, never copied."""

    @property
    def pending_delete(self) -> bool:
        return bool(self.purge_status)

    @property
    def op(self) -> str:
        """PUT or DEL, as `mc replicate backlog` prints it."""
        return "DEL" if self.delete_marker or self.purge_status else "PUT"


@dataclass(frozen=True)
class ItemCounts:
    """Dry run: the versions that would be processed, counted (the result keeps only the first of them)."""

    total: int = 0
    failed: int = 0
    """FAILED among them (the rest are PENDING)."""
    copyable: int = 0
    """Object versions among them: neither a delete marker nor a pending delete."""

    @classmethod
    def of(cls, items: Iterable[BacklogItem]) -> ItemCounts:
        total = failed = copyable = 0
        for i in items:
            total += 1
            failed += i.status == "FAILED"
            copyable += not i.delete_marker and not i.purge_status
        return cls(total, failed, copyable)


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
    if item.purge_status:
        return "a version deleted by versionId (its delete waits to replicate) cannot be copied"
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
    phase: str = "sending"
    """"sending" (HEADs/copies), then "checking" (re-reading the diff, see `AfterRun`) or "proving"
    (--validate: waiting for the one version to replicate)."""
    check: Optional["AfterRun"] = None
    """While checking: what the last re-read found."""
    version_status: str = ""
    """While proving: the version's replication status at the last read."""
    waited: float = 0.0
    wait_limit: float = 0.0


@dataclass(frozen=True)
class AfterRun:
    """What the versions sent became: the diff re-read after the run, until settled or the wait ran out.

    A version no longer listed as backlogged has replicated (COMPLETED; a pending delete: purged on
    both sides). An accepted HEAD is only "triggered": this is what it achieved."""

    tracked: int
    completed: int
    pending: int
    failed: int
    waited: float
    wait_limit: float
    reads: int = 1
    settled: bool = False
    """True when every version replicated, or nothing changed for the quiet period with none PENDING."""
    error: str = ""
    """The re-read itself failed (the counts are those of the last good read, or all unknown)."""
    still_failed: tuple[BacklogItem, ...] = ()
    """The first versions still FAILED (bounded)."""

    @property
    def all_completed(self) -> bool:
        return not self.error and self.completed == self.tracked

    def to_json(self) -> dict[str, Any]:
        return {"tracked": self.tracked, "completed": self.completed, "pending": self.pending,
                "failed": self.failed, "waited_seconds": round(self.waited, 1),
                "wait_limit_seconds": self.wait_limit, "settled": self.settled, "error": self.error,
                "still_failed": [item_json(i) for i in self.still_failed]}


@dataclass(frozen=True)
class Proof:
    """--validate: what the one version processed achieved, observed on the server.

    With --clear-checksum (§22): the checksum headers of the original and of its copy (HEAD with
    `x-amz-checksum-mode: ENABLED`) and the copy's replication status, waited for until COMPLETED or
    FAILED (bounded). Without it: the re-triggered version's own replication status."""

    key: str
    version_id: str
    new_version_id: str = ""
    """The copy's version ID ("" for a HEAD re-trigger)."""
    checksum_before: tuple[tuple[str, str], ...] = ()
    checksum_after: tuple[tuple[str, str], ...] = ()
    replication: str = ""
    """COMPLETED / FAILED, or PENDING / "" (unknown) when the wait ran out."""
    waited: float = 0.0
    wait_limit: float = 0.0
    earlier_copy: bool = False
    """The copy was made by an earlier run (nothing was written now): its effect is what is reported."""
    error: str = ""

    @property
    def checksum_changed(self) -> Optional[bool]:
        """True/False when both versions reported a checksum, None when either did not."""
        if not self.checksum_before or not self.checksum_after:
            return None
        return self.checksum_before != self.checksum_after

    @property
    def proven(self) -> bool:
        """The copy replicated: a full --clear-checksum run can do what it promises on this bucket."""
        return self.replication == "COMPLETED" and not self.error

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "version_id": self.version_id, "new_version_id": self.new_version_id,
                "checksum_before": dict(self.checksum_before), "checksum_after": dict(self.checksum_after),
                "checksum_changed": self.checksum_changed, "replication": self.replication or "unknown",
                "proven": self.proven, "waited_seconds": round(self.waited, 1), "earlier_copy": self.earlier_copy,
                "error": self.error}


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
    """Dry run: the first versions that would be processed (bounded; every one is passed to the engine's
    `on_item` as it is listed, and counted in `item_counts`). Validate: the one processed."""
    item_counts: Optional[ItemCounts] = None
    """Dry run: every version that would be processed, counted (None: count `items`, see `counted`)."""
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
    passed_over: int = 0
    """--clear-checksum --validate: candidates it may not copy and so did not pick (delete markers, pending
    deletes, copies made by an earlier run): a run re-triggers them with a HEAD."""
    pending_deletes: int = 0
    """Candidates that are versioned deletes waiting to replicate (`dStatus`, §17): re-triggered by a HEAD
    (the server answers 405 and re-queues the delete), never copied."""
    after: Optional[AfterRun] = None
    """What the versions sent became (the diff re-read after the run); None when nothing was sent."""
    proof: Optional[Proof] = None
    """--validate: what the one version processed became (with --clear-checksum: the copy's checksum too)."""
    elapsed: float = 0.0
    first_start: float = 0.0
    last_start: float = 0.0
    """Monotonic times of the first and last request start (for the achieved rate)."""

    @property
    def counted(self) -> ItemCounts:
        """The versions that would be processed (dry run), counted; `items` holds only the first of them."""
        return self.item_counts if self.item_counts is not None else ItemCounts.of(self.items)

    @property
    def achieved_rate(self) -> float:
        """Requests started per second, measured between the first and the last start."""
        n = self.processed + self.failed
        span = self.last_start - self.first_start
        return (n - 1) / span if n > 1 and span > 0 else 0.0

    @property
    def ok(self) -> bool:
        """Everything asked was done and proven: no failure, no refusal, nothing cut short, every version
        sent replicated (or, with --validate, the one version processed did)."""
        if self.validate_only:  # versions refused on the way to the one validated are only reported
            if self.proof is None:  # nothing validated: fine only when nothing at all is backlogged
                return not (self.total or self.passed_over or self.already_copied or self.incomplete)
            return self.proof.proven and not self.incomplete
        if self.failed or self.refused or self.incomplete or self.interrupted:
            return False
        return self.dry_run or self.after is None or self.after.all_completed

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"total": self.total, "processed": self.processed, "failed": self.failed,
                               "path": self.path, "arn": self.arn, "dry_run": self.dry_run,
                               "clear_checksum": self.clear_checksum, "validate": self.validate_only,
                               "new_versions": self.new_versions, "incomplete": self.incomplete,
                               "error": self.error, "resumed": self.resumed, "skipped": self.skipped,
                               "already_copied": self.already_copied, "refused": self.refused,
                               "pending_deletes": self.pending_deletes, "passed_over": self.passed_over, "ok": self.ok,
                               "after": self.after.to_json() if self.after is not None else None,
                               "elapsed_seconds": round(self.elapsed, 3)}
        if self.validate_only:
            doc["proof"] = self.proof.to_json() if self.proof is not None else None
        if self.dry_run or self.validate_only:
            doc["items"] = [item_json(i) for i in self.items]
        doc["failures"] = [{**item_json(f.item), "error": f.error} for f in self.failures]
        doc["refusals"] = [{**item_json(r.item), "reason": r.reason} for r in self.refusals]
        return doc


def item_json(i: BacklogItem) -> dict[str, Any]:
    """One version as the JSON output lists it."""
    doc = {"key": i.key, "version_id": i.version_id, "delete_marker": i.delete_marker, "status": i.status}
    if i.purge_status:
        doc["pending_delete"] = i.purge_status
    return doc
