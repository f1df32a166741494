"""The backlog re-trigger engine: the semantics of AIStor's `mc replicate resync-backlog` (facts §7, §8).

1. Candidates come from the replication diff stream (`RecoveryService.replication_diff`):
   versions whose status (for `arn` when given, else overall) is PENDING or FAILED. A re-run
   therefore only touches versions still backlogged; the server's answer is the filter.
2. Each candidate gets one `HEAD /BUCKET/KEY?versionId=V`: the server re-queues the version for
   replication. A delete-marker version answers 405, which counts as triggered (the heal was
   queued before the 405; `head_version` returns it as `delete_marker=True`).
3. `clear_checksum`: an object version is copied onto itself instead (CopyObject with its
   versionId in the copy source). **A copy becomes the key's new latest version** (facts §22), so
   only a version that IS the key's latest (and not a delete marker) may be copied: the content
   clients read stays the same, only the version ID is new. That is re-checked with a HEAD of the
   key right before each copy, so a write in between is never overwritten. Every other FAILED
   version is *refused* ("cannot be cleared without changing what clients read") and stays as it
   is; delete markers get a HEAD. Each copy still adds a version (`mc ls --versions` grows by one).
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
from typing import Any, Callable, Optional

from .aliases import BucketPath
from .checkpoint import Checkpoint, CopyLedger
from .errors import RecoveryError
from .backlog_model import (  # noqa: F401  (re-exported: the engine's public types)
    REFUSAL_HINT,
    BacklogFailure,
    BacklogItem,
    BacklogProgress,
    BacklogRefusal,
    BacklogResult,
    refusal_reason,
)
from .models import DiffEntry

BACKLOGGED = ("PENDING", "FAILED")


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

    service = service.resolve() if hasattr(type(service), "resolve") else service  # the wizard's DeferredService
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
              "new_versions": int(state.get("new_versions", 0)), "refused": int(state.get("refused", 0))}
    counts["total"] = counts["processed"] + counts["failed"] + counts["refused"]  # unfinished items count once
    resumed = bool(state)
    mark = _Watermark(state)
    stop = cancel or threading.Event()
    limiter = RateLimiter(rate_limit)
    lock = threading.Lock()
    failures: list[BacklogFailure] = []
    refusals: list[BacklogRefusal] = []
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

    def refuse(item: BacklogItem, reason: str) -> None:
        with lock:
            counts["refused"] += 1
            if len(refusals) < failure_limit:
                refusals.append(BacklogRefusal(item, reason))
        if journal is not None and not dry_run:
            journal.record("backlog.clear_checksum_refused", mc=mc_cmd, result="refused", key=item.key,
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
        copied = ""
        try:
            if clear_checksum and not item.delete_marker:
                reason = copy_refusal(item)  # re-checked right before the write
                if reason:
                    refuse(item, reason)
                    return
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
                    reason = copy_refusal(item) if clear_checksum and not item.delete_marker else ""
                    if reason:
                        refuse(item, reason)
                    else:
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
        already_copied=already_copied, refused=counts["refused"], refusals=tuple(refusals),
        elapsed=time.monotonic() - started, first_start=starts[0], last_start=starts[1],
    )
