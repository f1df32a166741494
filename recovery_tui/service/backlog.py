"""The backlog re-trigger engine: the semantics of AIStor's `mc replicate resync-backlog` (facts §7, §8, §17, §22).

1. Candidates come from the replication diff stream (`RecoveryService.replication_diff`): versions whose
   status (for `arn` when given, else overall) is PENDING or FAILED, and versions deleted by versionId
   whose delete still has to replicate (`dStatus`, §17: "pending deletes", reported apart). A re-run
   therefore only touches versions still backlogged. Dry run, --validate and the run all read the
   candidates the same way (`_Selection`), so they agree on what is backlogged. An `{"error":{}}` line
   ends the server's walk (§7): the run stops as *incomplete* (the checkpoint is kept), never "done".
2. Each candidate gets one `HEAD /BUCKET/KEY?versionId=V`: the server re-queues the version for
   replication. Every 405 counts as triggered: a delete marker and a pending delete both answer 405
   after the heal was queued (`version_probe.head_trigger`).
3. `clear_checksum`: an object version is copied onto itself instead (CopyObject with its versionId in
   the copy source). **A copy becomes the key's new latest version** (§22), so only a version that IS the
   key's latest (and not a delete marker or pending delete) may be copied, re-checked with a HEAD of the
   key right before each copy; every other FAILED version is *refused* and stays as it is. A version
   copied by an earlier run is skipped, and a copy of ours still backlogged is re-triggered, never
   copied again (`CopyLedger`). Each copy adds a version (`mc ls --versions` grows by one).
4. `concurrent` worker threads; `rate_limit` objects/s (0 = unlimited) paces the *start* of each request
   (`backlog_pacing.RateLimiter`), so the achieved rate is the asked one, not "rate minus latency".
5. `dry_run` lists and counts, and sends nothing. `validate_one` processes one candidate, then proves
   the effect (`Proof`): with --clear-checksum the checksum headers of the original and its copy, and in
   every case the version's replication status, waited for (bounded) until COMPLETED or FAILED.
6. After a run the diff is re-read until what was sent settles (`backlog_check.check_after_run`; what was
   sent is kept on disk, `backlog_sent`, so memory stays flat in the number of candidates): the
   summary says how many replicated, are still PENDING, still FAILED. A HEAD accepted is not a version
   replicated.
7. A checkpoint (every finished key below a watermark, plus the few finished above it) lets an
   interrupted or cut-short run resume without re-sending what it already sent.

The diff stream is walked in key order by the server; the checkpoint's watermark relies on that.
"""

from __future__ import annotations

import queue
import shlex
import threading
import time
from typing import Any, Callable, Optional

from .aliases import BucketPath
from .backlog_check import WALK_ERROR, backlog_status, check_after_run, wait_for_version
from .backlog_model import (  # noqa: F401  (re-exported: the engine's public types)
    REFUSAL_HINT,
    AfterRun,
    BacklogFailure,
    BacklogItem,
    BacklogProgress,
    BacklogRefusal,
    BacklogResult,
    ItemCounts,
    Proof,
    refusal_reason,
)
from .backlog_pacing import RateLimiter, Watermark, end_workers  # noqa: F401  (RateLimiter re-exported)
from .backlog_sent import SentVersions
from .checkpoint import Checkpoint, CopyLedger
from .errors import RecoveryError
from .models import DiffEntry
from .version_probe import head_trigger, version_checksums

WAIT_LIMIT = 60.0
"""Seconds the engine waits, after a run, for what it sent to replicate (and --validate for its version)."""
QUIET = 5.0
"""Seconds without any change (none PENDING) after which the re-read stops waiting."""


def is_backlogged(entry: DiffEntry, arn: Optional[str]) -> Optional[str]:
    """The PENDING/FAILED status that makes `entry` a candidate, or None (see `backlog_status`)."""
    st = backlog_status(entry, arn)
    return st[0] if st is not None else None


class _Selection:
    """Turns diff entries into candidates, the same way for a dry run, --validate and a run."""

    def __init__(self, arn: Optional[str], mark: Watermark, ledger: Optional[CopyLedger], clear_checksum: bool,
                 validate_one: bool) -> None:
        self.arn, self.mark, self.ledger = arn, mark, ledger
        self.clear_checksum, self.validate_one = clear_checksum, validate_one
        self.skipped = self.already_copied = self.passed_over = 0
        self.earlier: Optional[tuple[str, str, str]] = None
        """(key, version, its copy) of the first version an earlier run copied (for --validate)."""

    def copyable(self, item: BacklogItem) -> bool:
        """Whether --clear-checksum would copy `item` (else it gets a HEAD)."""
        return (self.clear_checksum and not item.delete_marker and not item.purge_status
                and not (self.ledger is not None and self.ledger.is_copy(item.key, item.version_id)))

    def item(self, entry: DiffEntry) -> Optional[BacklogItem]:
        st = backlog_status(entry, self.arn)
        if st is None:
            return None
        if self.mark.skip(entry.object, entry.version_id):
            self.skipped += 1
            return None
        copy = self.ledger.copy_of(entry.object, entry.version_id) if self.ledger is not None else None
        if copy:
            self.already_copied += 1
            if self.earlier is None:
                self.earlier = (entry.object, entry.version_id, copy)
            return None
        item = BacklogItem(entry.object, entry.version_id, entry.delete_marker, st[0], st[1])
        if self.validate_one and self.clear_checksum and not self.copyable(item):
            self.passed_over += 1
            return None  # validate the copy on an object version that may be copied
        return item


def run_backlog(
    service: Any,
    path: BucketPath,
    *,
    arn: Optional[str] = None,
    concurrent: int = 10,
    rate_limit: float = 0.0,
    dry_run: bool = False,
    clear_checksum: bool = False,
    validate_one: bool = False,
    checkpoint: Optional[Checkpoint] = None,
    progress: Optional[Callable[[BacklogProgress], None]] = None,
    on_item: Optional[Callable[[BacklogItem], None]] = None,
    cancel: Optional[threading.Event] = None,
    journal: Any = None,
    failure_limit: int = 50,
    progress_interval: float = 0.2,
    wait_limit: float = WAIT_LIMIT,
    quiet: Optional[float] = None,
    poll_interval: float = 1.0,
) -> BacklogResult:
    """Re-trigger replication of the backlog under `path` (see the module docstring).

    Raises the service's RecoveryError when the diff stream cannot be opened (unknown bucket, bad
    credentials, site down); a stream cut mid-way or ended by an error line gives an `incomplete`
    result after the versions already read have been processed. `wait_limit` bounds the wait for what
    was sent to replicate (0: one re-read only). A dry run passes every version it would process to
    `on_item` as it is listed; its result keeps the first `failure_limit` of them and counts them all.
    """
    if concurrent < 1:
        raise ValueError("concurrent must be at least 1")
    quiet = QUIET if quiet is None else quiet  # read at call time (the test suite shortens it)
    alias, bucket = path.alias, path.bucket
    state = dict(checkpoint.state) if checkpoint is not None else {}
    counts = {"processed": int(state.get("processed", 0)), "failed": int(state.get("failed", 0)),
              "new_versions": int(state.get("new_versions", 0)), "refused": int(state.get("refused", 0)),
              "pending_deletes": int(state.get("pending_deletes", 0))}
    counts["total"] = counts["processed"] + counts["failed"] + counts["refused"]  # unfinished items count once
    resumed = bool(state)
    mark = Watermark(state)
    stop = cancel or threading.Event()
    limiter = RateLimiter(rate_limit)
    lock = threading.Lock()
    failures: list[BacklogFailure] = []
    refusals: list[BacklogRefusal] = []
    items: list[BacklogItem] = []
    would = {"total": 0, "failed": 0, "copyable": 0}
    """Dry run: the versions that would be processed, counted (`items` keeps the first few)."""
    sent = SentVersions()
    """What was sent, to re-read afterwards: the version HEADed, or the copy made of it (on disk: B3)."""
    starts = [0.0, 0.0]
    listed = 0
    ledger = CopyLedger(alias, bucket) if clear_checksum else None  # read by a dry run too: same candidates
    select = _Selection(arn, mark, ledger, clear_checksum, validate_one)
    listing_done = False
    started = time.monotonic()
    last_progress = 0.0
    mc_cmd = f"mc replicate resync-backlog {path}" + (f" --arn {arn}" if arn else "") + (
        " --clear-checksum" if clear_checksum else "")

    def report(force: bool = False, **extra: Any) -> None:
        nonlocal last_progress
        now = time.monotonic()
        if progress is not None and (force or extra or now - last_progress >= progress_interval):
            last_progress = now
            progress(BacklogProgress(listed, counts["processed"], counts["failed"], listing_done, now - started,
                                     **extra))

    def save(final: bool = False, done: bool = False) -> None:
        if checkpoint is not None:
            with lock:
                doc = {**counts}
            doc.update(mark.state())
            if final:
                checkpoint.save(doc, done=done)
            else:
                checkpoint.maybe_save(doc)

    def refuse(item: BacklogItem, reason: str) -> None:
        with lock:
            counts["refused"] += 1
            if len(refusals) < failure_limit:
                refusals.append(BacklogRefusal(item, reason))
        if journal is not None and not dry_run:
            journal.record("resync-backlog.clear_checksum_refused", mc=mc_cmd, result="refused", key=item.key,
                           version_id=item.version_id, reason=reason)

    def copy_refusal(item: BacklogItem) -> str:
        """The reason not to copy `item`, read from the server right now ("" = safe to copy)."""
        return refusal_reason(item, service.latest_version(alias, bucket, item.key))

    def process(item: BacklogItem) -> None:
        limiter.wait(stop)
        t = time.monotonic()
        with lock:
            if not starts[0]:
                starts[0] = t
            starts[1] = max(starts[1], t)
        copied = answer = ""
        try:
            if select.copyable(item):
                reason = copy_refusal(item)  # re-checked right before the write
                if reason:
                    refuse(item, reason)
                    return
                copied = service.copy_to_self(alias, bucket, item.key, item.version_id)
                if ledger is not None:
                    ledger.add(item.key, item.version_id, copied)
                obj = shlex.quote(f"{alias}/{bucket}/{item.key}")  # copied onto itself: source = target
                action, mc = "resync-backlog.clear_checksum", f"mc cp --version-id {item.version_id} {obj} {obj}"
            else:
                answer = trigger(item.key, item.version_id)
                obj = shlex.quote(f"{alias}/{bucket}/{item.key}")
                action, mc = "resync-backlog.head", f"mc stat --version-id {item.version_id} {obj}"
            error = ""
        except RecoveryError as exc:
            action, mc, error = "resync-backlog.item", "", exc.one_line()
        with lock:
            if error:
                counts["failed"] += 1
                if len(failures) < failure_limit:
                    failures.append(BacklogFailure(item, error))
            else:
                counts["processed"] += 1
                counts["new_versions"] += 1 if copied else 0
        if not error:
            sent.add(BacklogItem(item.key, copied, False, "PENDING") if copied else item)
        if journal is not None:
            journal.record(action, mc=mc or mc_cmd, result="failed" if error else "ok", key=item.key,
                           version_id=item.version_id, new_version_id=copied or None, error=error or None,
                           answer=answer or None)

    trigger = head_trigger(service, alias, bucket)
    work: queue.Queue[Optional[tuple[int, BacklogItem]]] = queue.Queue(maxsize=max(4, concurrent * 4))

    def worker() -> None:
        while True:
            job = work.get()
            if job is None:
                return
            seq, item = job
            if not stop.is_set():
                process(item)
                mark.finish(seq)  # an item skipped because of a stop stays unfinished in the checkpoint

    threads = [] if dry_run else [threading.Thread(target=worker, name=f"backlog-{i}", daemon=True)
                                  for i in range(concurrent)]
    for th in threads:
        th.start()
    error, error_exit, interrupted = "", 0, False
    try:
        entries = service.replication_diff(alias, bucket, arn=arn, prefix=path.prefix)
        try:
            for entry in entries:
                if error:
                    continue  # the server ends the stream after its error line: read it to the end
                if entry.error:  # the server's walk failed: what was read is a partial list (§7)
                    error, error_exit = WALK_ERROR + f" (after {listed:,} backlogged version(s) were read)", 1
                    continue
                item = select.item(entry)
                if item is None:
                    continue
                listed += 1
                counts["total"] += 1
                counts["pending_deletes"] += 1 if item.purge_status else 0
                if dry_run:
                    reason = copy_refusal(item) if select.copyable(item) else ""
                    if reason:
                        refuse(item, reason)
                    else:
                        would["total"] += 1
                        would["failed"] += item.status == "FAILED"
                        would["copyable"] += not item.delete_marker and not item.purge_status
                        if on_item is not None:
                            on_item(item)
                        if len(items) < failure_limit:
                            items.append(item)
                elif validate_one:
                    refused_before = counts["refused"]
                    items.append(item)
                    process(item)
                    if counts["refused"] > refused_before:
                        items.pop()  # a copy would change what clients read: validate on the next one
                        continue
                    break
                else:
                    seq = mark.dispatch(item.key, item.version_id)
                    while not stop.is_set():
                        try:
                            work.put((seq, item), timeout=0.1)
                            break
                        except queue.Full:
                            report()
                    if stop.is_set():
                        interrupted = True
                        break
                save()
                report()
        except RecoveryError as exc:
            if not listed and not resumed:
                raise
            error, error_exit = exc.one_line(), exc.exit_code
    except KeyboardInterrupt:
        stop.set()
        interrupted = True
        sent.close()  # nothing is read back: the file goes (a worker's later add is ignored)
        raise
    finally:
        listing_done = True
        late: Optional[KeyboardInterrupt] = None
        try:
            end_workers(work, threads)  # after what is queued (or, once `stop` is set, skipping it)
        except KeyboardInterrupt as exc:  # the signal came while the workers ended their last items
            stop.set()
            interrupted, late = True, exc
            end_workers(work, threads)  # with stop set they skip what is queued: only the items in flight end
        if not dry_run and not validate_one:
            save(final=True, done=not (error or interrupted or stop.is_set()))
        if stop.is_set() and cancel is not None and cancel.is_set():
            interrupted = True
        if late is not None:
            sent.close()
            raise late  # saved first: the checkpoint holds every item that ended
    report(force=True)
    elapsed = time.monotonic() - started  # the trigger itself; the read-back's time is in `after.waited`
    after: Optional[AfterRun] = None
    proof: Optional[Proof] = None
    waits: dict[str, Any] = {"wait_limit": wait_limit, "interval": poll_interval, "cancel": stop}
    try:
        if validate_one and not error:
            waits["quiet"] = quiet
            proof = _prove(service, path, arn, items, sent.first, select, counts["failed"] > 0, waits,
                           lambda st, w: report(phase="proving", version_status=st, waited=w, wait_limit=wait_limit))
        elif not dry_run and not validate_one and len(sent) and not interrupted:
            after = check_after_run(service, path, arn, sent, quiet=quiet, sample_limit=failure_limit,
                                    progress=lambda a: report(phase="checking", check=a, waited=a.waited,
                                                              wait_limit=wait_limit), **waits)
    finally:
        sent.close()
    return BacklogResult(
        path=str(path), arn=arn or "", total=counts["total"], processed=counts["processed"], failed=counts["failed"],
        dry_run=dry_run, clear_checksum=clear_checksum, validate_only=validate_one, items=tuple(items),
        failures=tuple(failures), new_versions=counts["new_versions"], incomplete=bool(error), error=error,
        error_exit_code=error_exit, interrupted=interrupted, resumed=resumed, skipped=select.skipped,
        already_copied=select.already_copied, refused=counts["refused"], refusals=tuple(refusals),
        passed_over=select.passed_over, item_counts=ItemCounts(**would) if dry_run else None,
        pending_deletes=counts["pending_deletes"], after=after, proof=proof,
        elapsed=elapsed, first_start=starts[0], last_start=starts[1],
    )


def _prove(service: Any, path: BucketPath, arn: Optional[str], items: list[BacklogItem],
           sent: Optional[BacklogItem], select: _Selection, failed: bool, waits: dict[str, Any],
           progress: Callable[[str, float], None]) -> Optional[Proof]:
    """--validate: what the one version processed became (or, when every candidate was copied by an earlier
    run, what that earlier copy became: nothing is written then). None when there was nothing to validate."""
    alias, bucket = path.alias, path.bucket
    if items and not failed:
        item = items[0]
        sent = sent or item
        new_vid = sent.version_id if sent.version_id != item.version_id else ""
        earlier = False
    elif not items and select.earlier is not None:
        key, vid, new_vid = select.earlier
        item, earlier = BacklogItem(key, vid, False, "FAILED"), True
    else:
        return None
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    try:
        if new_vid:
            before = version_checksums(service, alias, bucket, item.key, item.version_id)
            after = version_checksums(service, alias, bucket, item.key, new_vid)
        status, waited = wait_for_version(service, alias, bucket, arn, item.key, new_vid or item.version_id,
                                          pending_delete=bool(item.purge_status) and not new_vid,
                                          initial="" if new_vid else item.status, progress=progress, **waits)
    except RecoveryError as exc:
        return Proof(item.key, item.version_id, new_vid, tuple(sorted(before.items())),
                     tuple(sorted(after.items())), earlier_copy=earlier, error=exc.one_line())
    return Proof(item.key, item.version_id, new_vid, tuple(sorted(before.items())), tuple(sorted(after.items())),
                 replication=status, waited=waited, wait_limit=waits["wait_limit"], earlier_copy=earlier)

