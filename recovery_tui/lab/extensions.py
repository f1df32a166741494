"""MinIO S3 extensions on a bucket (resync, metrics) and the admin API dispatcher (stub)."""

from __future__ import annotations

from typing import Any, Optional

from aiohttp import web


async def handle_bucket_extension(rt: Any, request: web.Request, bucket: str) -> Optional[web.StreamResponse]:
    """Serve replication-reset / -status / -metrics / -cancel on `/{bucket}`; None if not handled."""
    return None


async def handle_admin(rt: Any, request: web.Request, version: str, subpath: str) -> web.StreamResponse:
    """Serve `/minio/admin/{version}/{subpath}`."""
    return web.Response(status=426)
