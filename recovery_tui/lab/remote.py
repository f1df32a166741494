"""Signed HTTP calls from one lab site to a remote target (the other site), like minio-go.

Requests are signed with botocore's `S3SigV4Auth` (service `s3`, the target's region) on an
`AWSRequest` and sent with one shared `aiohttp.ClientSession` with short timeouts. The path is
percent-encoded once by us and sent verbatim, so what is signed is what goes on the wire.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import quote

import aiohttp
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from yarl import URL

from recovery_tui.lab import store


class RemoteUnreachable(Exception):
    """Connection refused, reset or timed out (Go's `dial tcp …: connect: connection refused`)."""


@dataclass
class RemoteResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def object_path(bucket: str, key: str = "") -> str:
    """`/bucket[/key]`, URI-encoded as SigV4 and MinIO expect."""
    path = "/" + quote(bucket, safe="")
    if key:
        path += "/" + quote(key, safe="/~")
    return path


class RemoteClient:
    """One site's outgoing client; `start()`/`close()` on the lab loop."""

    def __init__(self, ca_path: Optional[str] = None, *, connect_timeout: float = 5.0,
                 total_timeout: float = 15.0) -> None:
        # connect_timeout: a dead peer refuses at once; the wait only covers this loop being late to see a
        # loopback connect complete (the lab shares a process, and its GIL, with a busy UI or test run)
        self._ca_path = ca_path
        self._timeout = aiohttp.ClientTimeout(total=total_timeout, sock_connect=connect_timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    async def start(self) -> None:
        ssl_ctx: Any = None
        if self._ca_path:
            ssl_ctx = ssl.create_default_context(cafile=self._ca_path)
        conn = aiohttp.TCPConnector(limit=64, ssl=ssl_ctx if ssl_ctx is not None else True)
        self._session = aiohttp.ClientSession(connector=conn, timeout=self._timeout,
                                              auto_decompress=False)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(self, target: store.LabTarget, method: str, path: str, *, query: str = "",
                      headers: Optional[dict[str, str]] = None, body: bytes = b"",
                      timeout: Optional[float] = None) -> RemoteResponse:
        """Send one signed request to `target`; raise RemoteUnreachable on transport errors."""
        if self._session is None:
            raise RemoteUnreachable("replication client is not running")
        scheme = "https" if target.secure else "http"
        url = f"{scheme}://{target.endpoint}{path}" + (f"?{query}" if query else "")
        req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
        S3SigV4Auth(Credentials(target.access_key, target.secret_key), "s3",
                    target.region or "us-east-1").add_auth(req)
        send_headers = {k: v for k, v in req.headers.items()}
        kw: dict[str, Any] = {}
        if timeout is not None:
            kw["timeout"] = aiohttp.ClientTimeout(total=timeout)
        try:
            async with self._session.request(method, URL(url, encoded=True), headers=send_headers,
                                             data=body or None, allow_redirects=False, **kw) as resp:
                data = await resp.read()
                return RemoteResponse(resp.status, {k.lower(): v for k, v in resp.headers.items()}, data)
        except (aiohttp.ClientConnectionError, aiohttp.ServerTimeoutError, TimeoutError, OSError) as exc:
            op = method.capitalize()
            raise RemoteUnreachable(f'{op} "{scheme}://{target.endpoint}{path}": dial tcp {target.endpoint}: '
                                    f"connect: connection refused ({type(exc).__name__})") from None

    async def live(self, target: store.LabTarget, timeout: float = 3.0) -> bool:
        """Unauthenticated `/minio/health/live` probe."""
        if self._session is None:
            return False
        scheme = "https" if target.secure else "http"
        try:
            async with self._session.get(f"{scheme}://{target.endpoint}/minio/health/live",
                                         timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                await resp.read()
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError, OSError):
            return False
