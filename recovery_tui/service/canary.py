"""Canary objects: prove replication works both ways by writing one small object on a side and seeing it arrive.

An addition to `RecoveryService` kept in its own module: it only uses the
service's public accessors (`service.site(alias)` → `SiteClient.s3`, `.s3_write`,
`.call`, `.ctx`) and `service.head_version`. Writes are single attempts
(`s3_write`); removal deletes exactly the canary's own version, and the wizard
only calls it with the operator's consent. Never imports Textual.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .errors import NotFound, RecoveryError

CANARY_PREFIX = ".recovery-tui-canary/"
"""Canary keys live under this prefix, so they are easy to recognise (and to filter out)."""


@dataclass(frozen=True)
class CanaryWrite:
    """A canary written on one side."""

    alias: str
    bucket: str
    key: str
    version_id: str


@dataclass(frozen=True)
class CanaryCheck:
    """Whether a canary reached the other side, and how long it took."""

    write: CanaryWrite
    peer_alias: str
    seen: bool
    seconds: float
    error: str = ""
    proven_absent: bool = False
    """Not seen, and proven so: the peer answered "no such version" to every look until the timeout. A canary
    not seen for any other reason (its write failed, the peer did not answer, the wait was cancelled) proves
    nothing either way: its result is unknown."""
    peer_bucket: str = ""
    """The bucket looked in on the peer ("" when unknown: the write's own bucket name)."""


def canary_key(site: str, run_id: str) -> str:
    """`.recovery-tui-canary/<run>-<site>.txt` (no secret, no host)."""
    return f"{CANARY_PREFIX}{run_id}-{site}.txt"


def put_canary(service: Any, alias: str, bucket: str, key: str, body: bytes) -> CanaryWrite:
    """PutObject once (never retried automatically); returns the new version."""
    s = service.site(alias)
    resp = s.call(s.ctx("write a canary object", "s3:PutObject", bucket), s.s3_write.put_object,
                  Bucket=bucket, Key=key, Body=body, ContentType="text/plain")
    return CanaryWrite(alias, bucket, key, str(resp.get("VersionId", "") or ""))


def wait_for_replica(
    service: Any,
    write: CanaryWrite,
    peer_alias: str,
    peer_bucket: str,
    *,
    timeout: float = 60.0,
    interval: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Optional[Callable[[CanaryWrite, str, float], None]] = None,
) -> CanaryCheck:
    """HEAD the same version ID on the peer until it appears or `timeout` passes (NotFound means "not yet").

    `progress(write, peer_alias, seconds_waited)` is called before each look, so a screen can show the wait."""
    start = clock()
    last_error = ""
    while True:
        if progress is not None:
            progress(write, peer_alias, round(clock() - start, 1))
        try:
            service.head_version(peer_alias, peer_bucket, write.key, write.version_id)
            return CanaryCheck(write, peer_alias, True, round(clock() - start, 1), peer_bucket=peer_bucket)
        except NotFound:
            last_error = ""
        except RecoveryError as exc:
            if not exc.retryable:
                return CanaryCheck(write, peer_alias, False, round(clock() - start, 1), exc.one_line(),
                                   peer_bucket=peer_bucket)
            last_error = exc.title
        if clock() - start >= timeout or cancelled():
            waited = clock() - start
            proven = not last_error and waited >= timeout  # every look answered "not there"
            return CanaryCheck(write, peer_alias, False, round(waited, 1),
                               last_error or (f"not replicated within {timeout:.0f}s" if proven else "cancelled"),
                               proven_absent=proven, peer_bucket=peer_bucket)
        sleep(interval)


def remove_canary(service: Any, alias: str, bucket: str, key: str, version_id: str) -> None:
    """Delete exactly one canary version (`DeleteObject` with its versionId: no delete marker is left)."""
    if not key.startswith(CANARY_PREFIX):
        raise ValueError(f"refusing to delete {key!r}: not a canary key")
    s = service.site(alias)
    kw = {"Bucket": bucket, "Key": key}
    if version_id:
        kw["VersionId"] = version_id
    s.call(s.ctx("remove a canary object", "s3:DeleteObjectVersion", bucket), s.s3_write.delete_object, **kw)


def run_round_trip(
    service: Any,
    a: tuple[str, str],
    b: tuple[str, str],
    run_id: str,
    *,
    timeout: float = 60.0,
    interval: float = 1.0,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Optional[Callable[[CanaryWrite, str, float], None]] = None,
) -> list[CanaryCheck]:
    """Write a canary on each side (`(alias, bucket)` pairs) and wait for each to reach the other
    (`progress` as in `wait_for_replica`)."""
    checks: list[CanaryCheck] = []
    for (src, src_bucket), (dst, dst_bucket) in ((a, b), (b, a)):
        body = f"recovery-tui canary {run_id} written on {src}\n".encode()
        write = put_canary(service, src, src_bucket, canary_key(src, run_id), body)
        checks.append(wait_for_replica(service, write, dst, dst_bucket, timeout=timeout, interval=interval,
                                       cancelled=cancelled, progress=progress))
    return checks


__all__ = ["CANARY_PREFIX", "CanaryCheck", "CanaryWrite", "canary_key", "put_canary", "remove_canary",
           "run_round_trip", "wait_for_replica"]
