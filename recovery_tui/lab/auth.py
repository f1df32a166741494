"""Authentication and IAM for the lab's sites; the contract other lab handlers code against.

The dispatcher (`lab/server.py`) authenticates every S3/admin request before any handler runs:
it reads the body, verifies SigV4 (`lab/sigv4.py`), decodes `aws-chunked` payloads and stores
the result on the request. Handlers then use:

* `authorize(rt, request, action)` — raise `LabError("AccessDenied")` (403, "Access Denied.")
  unless the caller may perform IAM `action` (e.g. "s3:ResetBucketReplicationState",
  "admin:ReplicationDiff"). The root user may do everything; `Site.users` entries carry an
  allowed-action set (None = all; `fnmatch` wildcards such as "s3:*" work).
* `request_body(request) -> bytes` — the decoded payload (after aws-chunked decoding).
* `access_key(request) -> str` — who signed the request.

Raise `LabError(..., json=True)` for MinIO's JSON error form; the dispatcher renders it.
"""

from __future__ import annotations

from datetime import datetime
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Optional

from aiohttp import web

from recovery_tui.lab import sigv4
from recovery_tui.lab.errors import LabError

if TYPE_CHECKING:
    from recovery_tui.lab.server import SiteRuntime

_KEY: Any = getattr(web, "RequestKey", None)
_BODY: Any = _KEY("lab.body", bytes) if _KEY else "lab.body"
_PRINCIPAL: Any = _KEY("lab.access_key", str) if _KEY else "lab.access_key"


def _lookup_secret(rt: "SiteRuntime", access_key: str) -> Optional[str]:
    site = rt.site
    if access_key == site.access_key:
        return site.secret_key
    user = site.users.get(access_key)
    return user[0] if user else None


async def authenticate(rt: "SiteRuntime", request: web.Request, *, admin: bool = False,
                       now: Optional[datetime] = None) -> str:
    """Verify the request's signature, store body and principal; return the access key.

    Raises `LabError` with MinIO's code (JSON form when `admin`).
    """
    raw = await request.read()
    headers = request.headers
    query: Any = request.query
    try:
        verified = sigv4.verify_request(
            method=request.method,
            raw_path=request.raw_path.split("?", 1)[0],
            raw_query=request.rel_url.raw_query_string,
            headers=headers,
            getall=lambda name: list(headers.getall(name, [])),
            query=query,
            body=raw,
            lookup_secret=lambda ak: _lookup_secret(rt, ak),
            site_region=None if admin else rt.site.region,
            require_content_sha=admin,
            now=now,
        )
        body = raw
        encodings = [e.strip() for e in headers.get("Content-Encoding", "").split(",") if e.strip()]
        if verified.payload_hash in sigv4.STREAMING or "aws-chunked" in encodings:
            body, _trailers = sigv4.decode_aws_chunked(raw, verified)
    except sigv4.SigV4Error as exc:
        raise LabError(exc.code, region=exc.detail, json=admin) from None
    request[_BODY] = body
    request[_PRINCIPAL] = verified.access_key
    return verified.access_key


def request_body(request: web.Request) -> bytes:
    """The authenticated request's payload (aws-chunked already decoded)."""
    body = request.get(_BODY)
    return body if isinstance(body, bytes) else b""


def access_key(request: web.Request) -> str:
    """The access key that signed the request ("" before authentication)."""
    return str(request.get(_PRINCIPAL, ""))


def signer_secret(rt: "SiteRuntime", request: web.Request) -> str:
    """The secret key of the access key that signed the request (madmin's password, §9.3)."""
    return _lookup_secret(rt, access_key(request)) or ""


def allowed(rt: "SiteRuntime", request: web.Request, action: str) -> bool:
    """Whether the request's principal may perform IAM `action`."""
    ak = access_key(request)
    site = rt.site
    if ak and ak == site.access_key:
        return True
    user = site.users.get(ak)
    if user is None:
        return False
    actions = user[1]
    if actions is None:
        return True
    return any(a == action or fnmatchcase(action, a) for a in actions)


def authorize(rt: "SiteRuntime", request: web.Request, action: str, *, json: bool = False,
              bucket: str = "", key: str = "") -> None:
    """Raise 403 AccessDenied unless the caller may perform `action`."""
    if not allowed(rt, request, action):
        raise LabError("AccessDenied", json=json, bucket=bucket, key=key)
