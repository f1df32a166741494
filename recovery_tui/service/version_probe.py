"""Reads of single versions the backlog engine needs: the HEAD re-trigger and the checksum headers.

* `head_trigger`: `HEAD /bucket/key?versionId=v` re-queues the version for replication (§8). **Every
  405 counts as triggered** (§17): the server answers 405 for a delete marker *and* for a version whose
  versioned delete waits to replicate, and queues the heal before answering in both cases. The 405's
  `X-Minio-Replication-Delete-Status` tells the second kind apart.
* `version_checksums`: the checksum headers of one version (HEAD with `x-amz-checksum-mode: ENABLED`),
  e.g. `x-amz-checksum-crc64nvme` and `x-amz-checksum-type` as MinIO sends them.
"""

from __future__ import annotations

from typing import Any, Callable

TRIGGERED = "triggered"
DELETE_MARKER = "delete-marker"
PENDING_DELETE = "pending-delete"


def kind_of_405(headers: Any) -> str:
    """What a 405 on a HEAD by versionId says about the version (§17)."""
    hdrs = {k.lower(): v for k, v in headers.items()}
    if hdrs.get("x-minio-replication-delete-status"):
        return PENDING_DELETE
    if hdrs.get("x-amz-delete-marker") == "true":
        return DELETE_MARKER
    return TRIGGERED


def head_trigger(service: Any, alias: str, bucket: str) -> Callable[[str, str], str]:
    """`HEAD /bucket/key?versionId=v` as cheaply as possible; returns TRIGGERED, DELETE_MARKER or PENDING_DELETE.

    With the stock RecoveryService the request goes through the site's signed raw path
    (`SiteClient.http`, READ_POLICY retries): about half the client CPU of boto3's head_object,
    which matters at hundreds of HEADs per second. A service whose `head_version` is customised is
    called as is (its answer's `delete_marker` says DELETE_MARKER).
    """
    from .client import RecoveryService

    if type(service).head_version is not RecoveryService.head_version or not hasattr(service, "site"):
        def custom(key: str, vid: str) -> str:
            stat = service.head_version(alias, bucket, key, vid)
            return DELETE_MARKER if getattr(stat, "delete_marker", False) else TRIGGERED

        return custom
    from .http import HttpStatusError, to_recovery_error

    site = service.site(alias)
    ctx = site.ctx("re-trigger replication (HEAD a version)", "s3:GetObject", bucket)

    def head(key: str, vid: str) -> str:
        try:
            site.http.send("HEAD", f"/{bucket}/{key}", [("versionId", vid)], ctx=ctx)
        except HttpStatusError as exc:
            if exc.status == 405:
                return kind_of_405(exc.headers)
            raise to_recovery_error(exc, ctx) from None
        return TRIGGERED

    return head


def version_checksums(service: Any, alias: str, bucket: str, key: str, version_id: str) -> dict[str, str]:
    """The `x-amz-checksum-*` headers of one version (lower-case names; empty when the server sends none)."""
    from .http import HttpStatusError, to_recovery_error

    site = service.site(alias)
    ctx = site.ctx("read a version's checksum", "s3:GetObject", bucket)
    try:
        resp = site.http.send("HEAD", f"/{bucket}/{key}", [("versionId", version_id)], ctx=ctx,
                              headers={"x-amz-checksum-mode": "ENABLED"})
    except HttpStatusError as exc:
        raise to_recovery_error(exc, ctx) from None
    return {k.lower(): v for k, v in resp.headers.items() if k.lower().startswith("x-amz-checksum-")}
