"""What a re-trigger achieved, read back from the server (issue: "never report a success you did not prove").

An accepted HEAD (or copy) is only *triggered*. After the run the engine re-reads the replication
diff (§7) and sorts the versions it sent: no longer listed as backlogged → replicated (COMPLETED;
a pending delete: purged on both sides), still PENDING, still FAILED. The re-read repeats (bounded,
reported as progress) until every version replicated, or none is PENDING and nothing changed for a
quiet period, or the wait runs out. The real server does not touch a version's `replTimestamp` when
a retry fails again (FAILED → FAILED, cmd/bucket-replication.go), so a failed retry cannot be told
from one not yet made: the quiet period is what ends the wait then, and the report says "still
FAILED when the wait ended", nothing stronger.

`wait_for_version` does the same for one version (--validate), with the verbose diff limited to its key,
where a COMPLETED version is listed explicitly.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable, Iterator, Optional

from .aliases import BucketPath
from .backlog_model import AfterRun
from .backlog_sent import ReadCounts, SentVersions
from .errors import ServerError
from .models import DiffEntry

BACKLOGGED = ("PENDING", "FAILED")
WALK_ERROR = ("the server's walk of the bucket failed: the replication diff ended with an error line "
              "(its message is lost on the wire), so the list of backlogged versions is partial")


def backlog_status(entry: DiffEntry, arn: Optional[str]) -> Optional[tuple[str, str]]:
    """(status, purge status) that make `entry` a candidate, or None.

    A versioned delete waiting to replicate (`dStatus`/`drStatus` PENDING or FAILED, §17) is a candidate
    whatever its replication status; otherwise the replication status (for `arn` when given) decides.
    """
    if entry.error:
        return None
    if arn and not any(a == arn for a, _ in entry.targets) and not any(a == arn for a, _ in entry.purge_targets):
        return None
    purge = entry.purge_status_for(arn) if arn else entry.purge_status
    if purge in BACKLOGGED:
        return purge, purge
    status = entry.status_for(arn) if arn else entry.status
    return (status, "") if status in BACKLOGGED else None


def walk_error() -> ServerError:
    return ServerError(WALK_ERROR[0].upper() + WALK_ERROR[1:], code="DiffWalkError")


def _listed(entries: Iterable[DiffEntry], arn: Optional[str]) -> Iterator[tuple[str, str, str]]:
    """(key, version, PENDING/FAILED) of every version the diff lists as backlogged; raises the walk's
    ServerError at the end when the stream ended with an error line (what was read is partial)."""
    failed = False
    for entry in entries:
        if entry.error or failed:  # the stream ends after the error line: read it to the end
            failed = True
            continue
        st = backlog_status(entry, arn)
        if st is not None:
            yield entry.object, entry.version_id, st[0]
    if failed:
        raise walk_error()


def check_after_run(
    service: Any, path: BucketPath, arn: Optional[str], sent: SentVersions, *,
    wait_limit: float, quiet: float, interval: float, cancel: threading.Event,
    progress: Optional[Callable[[AfterRun], None]] = None, sample_limit: int = 50,
) -> AfterRun:
    """Re-read the diff until the versions `sent` settle or `wait_limit` seconds pass (see the module doc).

    Each re-read marks `sent` on disk (`SentVersions.mark`): memory stays flat in the number of versions."""
    from .errors import RecoveryError

    start = time.monotonic()
    counts: Optional[ReadCounts] = None
    last_change = start
    reads, settled, error = 0, False, ""
    tracked = len(sent)
    while True:
        try:
            fresh = sent.mark(_listed(service.replication_diff(path.alias, path.bucket, arn=arn,
                                                               prefix=path.prefix), arn))
        except RecoveryError as exc:
            error = f"re-reading the backlog failed: {exc.one_line()}"
            break
        counts, reads, now = fresh, reads + 1, time.monotonic()
        if fresh.changed:
            last_change = now
        pending = fresh.listed - fresh.failed
        if progress is not None:
            progress(_result(tracked, sent, fresh, now - start, wait_limit, reads, False, "", sample_limit))
        if not fresh.listed or (not pending and now - last_change >= quiet):
            settled = True
            break
        if now - start >= wait_limit or cancel.is_set():
            break
        cancel.wait(max(0.0, min(interval, wait_limit - (now - start))))
    waited = time.monotonic() - start
    if counts is None:  # not one good read: nothing is known
        return AfterRun(tracked, 0, 0, 0, waited, wait_limit, reads, False, error)
    return _result(tracked, sent, counts, waited, wait_limit, reads, settled, error, sample_limit)


def _result(tracked: int, sent: SentVersions, counts: ReadCounts, waited: float, wait_limit: float, reads: int,
            settled: bool, error: str, sample_limit: int) -> AfterRun:
    return AfterRun(tracked=tracked, completed=tracked - counts.listed, pending=counts.listed - counts.failed,
                    failed=counts.failed, waited=waited, wait_limit=wait_limit, reads=reads, settled=settled,
                    error=error, still_failed=sent.still_failed(sample_limit) if counts.failed else ())


def wait_for_version(
    service: Any, alias: str, bucket: str, arn: Optional[str], key: str, version_id: str, *,
    wait_limit: float, interval: float, cancel: threading.Event, pending_delete: bool = False,
    initial: str = "", quiet: float = 0.0, progress: Optional[Callable[[str, float], None]] = None,
) -> tuple[str, float]:
    """Wait (bounded) until one version's replication status is COMPLETED or FAILED.

    `initial` is the status before the trigger: a FAILED version stays FAILED on the server until a
    retry succeeds (a failed retry changes nothing, see the module doc), so FAILED counts as an answer
    only once `quiet` seconds have passed. A new copy starts PENDING: its FAILED is an answer at once.

    Reads the verbose diff under the key (COMPLETED versions are listed too). For a pending delete the
    versioned delete's status counts, and a version gone from the walk has been purged (COMPLETED).
    Returns (status, seconds waited); the status is PENDING or "" (not listed) when the wait ran out.
    Raises the service's RecoveryError when the diff cannot be read, ServerError when it ends with an
    error line.
    """
    start = time.monotonic()
    status = ""
    while True:
        status = "COMPLETED" if pending_delete else ""
        failed = False
        for entry in service.replication_diff(alias, bucket, arn=arn, prefix=key, verbose=True):
            failed = failed or entry.error
            if not failed and (entry.object, entry.version_id) == (key, version_id):
                if pending_delete:
                    purge = entry.purge_status_for(arn) if arn else entry.purge_status
                    status = "COMPLETED" if purge in ("COMPLETE", "") else purge
                else:
                    status = entry.status_for(arn) if arn else entry.status
        if failed:
            raise walk_error()
        waited = time.monotonic() - start
        if progress is not None:
            progress(status, waited)
        final = status == "COMPLETED" or (status == "FAILED" and (status != initial or waited >= quiet))
        if final or waited >= wait_limit or cancel.is_set():
            return status, waited
        cancel.wait(max(0.0, min(interval, wait_limit - waited)))
