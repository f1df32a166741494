"""The backlog re-trigger engine: the semantics of AIStor's `mc replicate resync-backlog` (facts §7, §8).

1. Candidates come from the replication diff stream (`RecoveryService.replication_diff`):
   versions whose status (for `arn` when given, else overall) is PENDING or FAILED. A re-run
   therefore only touches versions still backlogged; the server's answer is the filter.
2. Each candidate gets one `HEAD /BUCKET/KEY?versionId=V`: the server re-queues the version for
   replication. A delete-marker version answers 405, which counts as triggered (the heal was
   queued before the 405; `head_version` returns it as `delete_marker=True`).
3. `clear_checksum`: each object version is copied onto itself instead (CopyObject with its
   versionId in the copy source). **This creates a new version of every object** (and raises
   `mc ls --versions` counts by one per copy). Delete markers cannot be copied: they get a HEAD.
4. `concurrent` worker threads; `rate_limit` objects/s (0 = unlimited) paces the *start* of each
   request on a schedule (the n-th start at t0 + n/rate, never bursting to catch up), so the
   achieved rate is the asked one, not "rate minus latency".
5. `dry_run` lists and counts, and sends nothing. `validate_one` processes one candidate and stops.
6. A checkpoint (every finished key below a watermark, plus the few finished above it) lets an
   interrupted run resume without re-sending what it already sent.

The diff stream is walked in key order by the server; the checkpoint's watermark relies on that.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .aliases import BucketPath
from .checkpoint import Checkpoint, CopyLedger
from .errors import RecoveryError
from .models import DiffEntry

BACKLOGGED = ("PENDING", "FAILED")


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
        return not self.failed and not self.incomplete and not self.interrupted

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"total": self.total, "processed": self.processed, "failed": self.failed,
                               "path": self.path, "arn": self.arn, "dry_run": self.dry_run,
                               "clear_checksum": self.clear_checksum, "validate": self.validate_only,
                               "new_versions": self.new_versions, "incomplete": self.incomplete,
                               "error": self.error, "resumed": self.resumed, "skipped": self.skipped,
                               "already_copied": self.already_copied,
                               "elapsed_seconds": round(self.elapsed, 3)}
        if self.dry_run or self.validate_only:
            doc["items"] = [_item_json(i) for i in self.items]
        doc["failures"] = [{**_item_json(f.item), "error": f.error} for f in self.failures]
        return doc


def _item_json(i: BacklogItem) -> dict[str, Any]:
    return {"key": i.key, "version_id": i.version_id, "delete_marker": i.delete_marker, "status": i.status}


class RateLimiter:
    """Paces request starts: the n-th start no earlier than t0 + n/rate; idle time is not banked."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate
        self._clock, self._sleep = clock, sleep
        self._next: Optional[float] = None
        self._lock = threading.Lock()

    def wait(self, stop: Optional[threading.Event] = None) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            now = self._clock()
            slot = now if self._next is None else max(self._next, now)
            self._next = slot + 1.0 / self.rate
        delay = slot - self._clock()
        if delay > 0:
            if stop is not None:
                stop.wait(delay)
            else:
                self._sleep(delay)


def _head_trigger(service: Any, alias: str, bucket: str) -> Callable[[str, str], None]:
    """`HEAD /bucket/key?versionId=v` as cheaply as possible.

    With the stock RecoveryService the request goes through the site's signed raw path
    (`SiteClient.http`, READ_POLICY retries): about half the client CPU of boto3's head_object,
    which matters at hundreds of HEADs per second. A 405 that says `x-amz-delete-marker: true`
    counts as triggered (§8). A service whose `head_version` is customised is called as is.
    """
    from .client import RecoveryService

    if type(service).head_version is not RecoveryService.head_version or not hasattr(service, "site"):
        return lambda key, vid: service.head_version(alias, bucket, key, vid) and None
    from .http import HttpStatusError, to_recovery_error

    site = service.site(alias)
    ctx = site.ctx("re-trigger replication (HEAD a version)", "s3:GetObject", bucket)

    def head(key: str, vid: str) -> None:
        try:
            site.http.send("HEAD", f"/{bucket}/{key}", [("versionId", vid)], ctx=ctx)
        except HttpStatusError as exc:
            hdrs = {k.lower(): v for k, v in exc.headers.items()}
            if exc.status == 405 and hdrs.get("x-amz-delete-marker") == "true":
                return
            raise to_recovery_error(exc, ctx) from None

    return head


def is_backlogged(entry: DiffEntry, arn: Optional[str]) -> Optional[str]:
    """The PENDING/FAILED status that makes `entry` a candidate, or None."""
    if entry.error:
        return None
    status = entry.status_for(arn) if arn else entry.status
    if arn and not any(a == arn for a, _ in entry.targets):
        return None
    return status if status in BACKLOGGED else None


class _Watermark:
    """Which items are finished, compactly: every key below `after`, plus `done` pairs at or above it."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.after: str = state.get("after", "")
        self.prior_done = {tuple(x) for x in state.get("done", [])}
        self.seq = 0
        self.inflight: dict[int, tuple[str, str]] = {}
        self.finished: list[tuple[str, str]] = []
        self.last_key = self.after
        self.lock = threading.Lock()

    def skip(self, key: str, vid: str) -> bool:
        return key < self.after or (key, vid) in self.prior_done

    def dispatch(self, key: str, vid: str) -> int:
        with self.lock:
            self.seq += 1
            self.inflight[self.seq] = (key, vid)
            self.last_key = key
            return self.seq

    def finish(self, seq: int) -> None:
        with self.lock:
            self.finished.append(self.inflight.pop(seq))

    def state(self) -> dict[str, Any]:
        with self.lock:
            low = self.inflight[min(self.inflight)][0] if self.inflight else self.last_key
            done = {p for p in self.finished if p[0] >= low} | {p for p in self.prior_done if p[0] >= low}
            self.finished = [p for p in self.finished if p[0] >= low]
            return {"after": low, "done": sorted(list(p) for p in done)}


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
    cancel: Optional[threading.Event] = None,
    journal: Any = None,
    failure_limit: int = 50,
    progress_interval: float = 0.2,
) -> BacklogResult:
    """Re-trigger replication of the backlog under `path` (see the module docstring).

    Raises the service's RecoveryError when the diff stream cannot be opened (unknown bucket, bad
    credentials, site down); a stream cut mid-way gives an `incomplete` result after the versions
    already read have been processed.
    """
    if concurrent < 1:
        raise ValueError("concurrent must be at least 1")
    alias, bucket = path.alias, path.bucket
    state = dict(checkpoint.state) if checkpoint is not None else {}
    counts = {"processed": int(state.get("processed", 0)), "failed": int(state.get("failed", 0)),
              "new_versions": int(state.get("new_versions", 0))}
    counts["total"] = counts["processed"] + counts["failed"]  # re-listed unfinished items count once
    resumed = bool(state)
    mark = _Watermark(state)
    stop = cancel or threading.Event()
    limiter = RateLimiter(rate_limit)
    lock = threading.Lock()
    failures: list[BacklogFailure] = []
    items: list[BacklogItem] = []
    starts = [0.0, 0.0]
    listed = skipped = already_copied = 0
    ledger = CopyLedger(alias, bucket) if clear_checksum and not dry_run else None
    listing_done = False
    started = time.monotonic()
    last_progress = 0.0
    mc_cmd = f"mc replicate resync-backlog {path}" + (f" --arn {arn}" if arn else "") + (
        " --clear-checksum" if clear_checksum else "")

    def report(force: bool = False) -> None:
        nonlocal last_progress
        now = time.monotonic()
        if progress is not None and (force or now - last_progress >= progress_interval):
            last_progress = now
            progress(BacklogProgress(listed, counts["processed"], counts["failed"], listing_done, now - started))

    def save(final: bool = False, done: bool = False) -> None:
        if checkpoint is not None:
            with lock:
                doc = {**counts}
            doc.update(mark.state())
            if final:
                checkpoint.save(doc, done=done)
            else:
                checkpoint.maybe_save(doc)

    def process(item: BacklogItem) -> None:
        limiter.wait(stop)
        t = time.monotonic()
        with lock:
            if not starts[0]:
                starts[0] = t
            starts[1] = max(starts[1], t)
        copied = ""
        try:
            if clear_checksum and not item.delete_marker:
                copied = service.copy_to_self(alias, bucket, item.key, item.version_id)
                if ledger is not None:
                    ledger.add(item.key, item.version_id, copied)
                action, mc = "backlog.clear_checksum", f"mc cp --version-id {item.version_id} {path}/{item.key} (onto itself)"
            else:
                trigger(item.key, item.version_id)
                action, mc = "backlog.head", f"mc stat --version-id {item.version_id} {alias}/{bucket}/{item.key}"
            error = ""
        except RecoveryError as exc:
            action, mc, error = "backlog.item", "", exc.one_line()
        with lock:
            if error:
                counts["failed"] += 1
                if len(failures) < failure_limit:
                    failures.append(BacklogFailure(item, error))
            else:
                counts["processed"] += 1
                counts["new_versions"] += 1 if copied else 0
        if journal is not None:
            journal.record(action, mc=mc or mc_cmd, result="failed" if error else "ok", key=item.key,
                           version_id=item.version_id, new_version_id=copied or None, error=error or None)

    trigger = _head_trigger(service, alias, bucket)
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
                status = is_backlogged(entry, arn)
                if status is None:
                    continue
                if validate_one and clear_checksum and entry.delete_marker:
                    continue  # validate the copy on an object version, not a delete marker
                if mark.skip(entry.object, entry.version_id):
                    skipped += 1
                    continue
                if ledger is not None and ledger.copy_of(entry.object, entry.version_id):
                    already_copied += 1
                    continue
                item = BacklogItem(entry.object, entry.version_id, entry.delete_marker, status)
                listed += 1
                counts["total"] += 1
                if dry_run:
                    items.append(item)
                elif validate_one:
                    items.append(item)
                    process(item)
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
        raise
    finally:
        listing_done = True
        for _ in threads:
            work.put(None)
        for th in threads:
            th.join()
        if not dry_run and not validate_one:
            save(final=True, done=not (error or interrupted or stop.is_set()))
        if stop.is_set() and cancel is not None and cancel.is_set():
            interrupted = True
    report(force=True)
    return BacklogResult(
        path=str(path), arn=arn or "", total=counts["total"], processed=counts["processed"], failed=counts["failed"],
        dry_run=dry_run, clear_checksum=clear_checksum, validate_only=validate_one, items=tuple(items),
        failures=tuple(failures), new_versions=counts["new_versions"], incomplete=bool(error), error=error,
        error_exit_code=error_exit, interrupted=interrupted, resumed=resumed, skipped=skipped,
        already_copied=already_copied,
        elapsed=time.monotonic() - started, first_start=starts[0], last_start=starts[1],
    )
