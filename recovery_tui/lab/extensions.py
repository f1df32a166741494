"""MinIO S3 extensions on a bucket (resync start/status/cancel, replication metrics) and the
admin API entry point. Both are called by the core dispatcher after SigV4 authentication.
"""

from __future__ import annotations

from typing import Any, Optional

from aiohttp import web

from recovery_tui.lab import admin, replconfig
from recovery_tui.lab.errors import LabError
from recovery_tui.lab.gofmt import encode


def _replicator(rt: Any) -> Any:
    from recovery_tui.lab.replication import Replicator
    rep = rt.replicator
    if not isinstance(rep, Replicator):
        raise LabError("XMinioServerNotInitialized")
    return rep


async def handle_bucket_extension(rt: Any, request: web.Request, bucket: str) -> Optional[web.StreamResponse]:
    """Serve replication-reset / -status / -metrics / -cancel on `/{bucket}`; None if not handled.

    Routes follow MinIO's router: each is a (method, query key) pair; anything else falls through
    to the ordinary bucket handlers (e.g. a community PUT ?replication-reset-cancel → PutBucket).
    """
    q, method = request.query, request.method
    if method == "PUT" and "replication-reset" in q:
        return await _replicator(rt).resync.handle_start(request, bucket)
    if method == "GET" and "replication-reset-status" in q:
        return await _replicator(rt).resync.handle_status(request, bucket)
    if method == "GET" and "replication-metrics" in q:
        return metrics(rt, request, bucket)
    if method == "PUT" and "replication-reset-cancel" in q and rt.site.flavor == "aistor":
        return await _replicator(rt).resync.handle_cancel(request, bucket)
    return None


def metrics(rt: Any, request: web.Request, bucket: str) -> web.Response:
    """`?replication-metrics=2` → V2 `BucketStats`; any other value → V1 (§6)."""
    b = replconfig.configured_bucket(rt, request, bucket, "s3:GetReplicationConfiguration")
    rep = _replicator(rt)
    arns = sorted({r.destination for r in replconfig.parse(b.replication_xml)})
    if request.query.get("replication-metrics") == "2":
        doc = rep.metrics.v2(bucket, arns)
    else:
        doc = rep.metrics.current_stats(bucket, arns)
    return web.Response(status=200, text=encode(doc), content_type="application/json")


async def handle_admin(rt: Any, request: web.Request, version: str, subpath: str) -> web.StreamResponse:
    """Serve `/minio/admin/{version}/{subpath}` (see `lab/admin.py`)."""
    return await admin.dispatch(rt, request, version, subpath)
