"""Signed raw HTTP requests for MinIO's S3 extensions and admin API (facts §9.1).

Requests are built as `botocore.awsrequest.AWSRequest`, signed with
`botocore.auth.S3SigV4Auth(credentials, "s3", region)` (which, unlike plain
`SigV4Auth`, sets `X-Amz-Content-SHA256`; admin answers 403 without it) and
sent through one shared `urllib3.PoolManager` per site with the site's timeouts.
The query string is encoded once, by `encode_query`, with AWS's rules (RFC 3986
unreserved characters kept, everything else percent-encoded, so ARN colons are
`%3A` and a flag is `replication-reset=`); botocore canonicalises the URL's
query as given, so what is signed is exactly what is sent.

`send` signs with `FastSigner`, the same S3 SigV4 computation (payload SHA-256, every header but
botocore's blacklist, host from the URL) without building an `AWSRequest`: the signing key is
derived once per day and region, and the canonical request is one string join. It is checked
against botocore's signature in tests; `prepare` still returns botocore's signed request.
`send(lean=True)` (the listing's GETs) reads a plain Content-Length answer on an already open pooled
connection directly (`leanget`), and goes through urllib3 for everything else.
"""

from __future__ import annotations

import atexit
import glob
import hashlib
import hmac
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Iterator, Mapping, Optional, Sequence
from urllib.parse import quote

import urllib3
from botocore.auth import S3SigV4Auth, _host_from_url
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from . import leanget
from .aliases import Alias
from .errmap import CallContext, connection_failure, map_error, parse_wire_error
from .errors import RecoveryError
from .retry import READ_POLICY, RetryPolicy, Timeouts

Query = Sequence[tuple[str, str]]


def encode_query(query: Query) -> str:
    """`k=v&…` with AWS SigV4 encoding (unreserved `-_.~` kept); empty values stay as `k=`."""
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in query)


def encode_path(path: str) -> str:
    """Percent-encode a path, keeping `/` (S3 does not normalise paths)."""
    return quote(path, safe="/-_.~")


def ca_bundle_for(env: Mapping[str, str]) -> Optional[str]:
    """A PEM file combining the default CAs, `~/.mc/certs/CAs/*` and `SSL_CERT_FILE` (read from the environment
    snapshot `env`, e.g. `Settings.env`); None when no extras."""
    home = env.get("HOME") or os.path.expanduser("~")
    extras = sorted(glob.glob(os.path.join(home, ".mc", "certs", "CAs", "*")))
    if env.get("SSL_CERT_FILE"):
        extras.append(env["SSL_CERT_FILE"])
    extras = [p for p in extras if os.path.isfile(p)]
    if not extras:
        return None
    parts: list[bytes] = []
    try:
        import certifi

        parts.append(open(certifi.where(), "rb").read())
    except (ImportError, OSError):
        pass
    for p in extras:
        try:
            parts.append(open(p, "rb").read())
        except OSError:
            continue
    pem = b"\n".join(parts)
    with _BUNDLES_LOCK:
        path = _BUNDLES.get(pem)
        if path is None or not os.path.isfile(path):
            fd, path = tempfile.mkstemp(prefix="recovery-tui-ca-", suffix=".pem")
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
            if not _BUNDLES:
                atexit.register(_remove_bundles)
            _BUNDLES[pem] = path
    return path


_BUNDLES: dict[bytes, str] = {}
"""The bundles this process wrote, by content: one file per distinct bundle, removed at exit (each headless
command and each service used to leave a ~240 KB file in the temp directory for good)."""
_BUNDLES_LOCK = threading.Lock()


def _remove_bundles() -> None:
    with _BUNDLES_LOCK:
        for path in _BUNDLES.values():
            try:
                os.unlink(path)
            except OSError:
                pass
        _BUNDLES.clear()


@dataclass
class RawResponse:
    """An answer with status < 400: status, headers and either the body or the open stream."""

    status: int
    headers: Mapping[str, str]
    body: bytes = b""
    stream: Optional[urllib3.BaseHTTPResponse] = None

    def iter_chunks(self, size: int = 8192) -> Iterator[bytes]:
        """The streamed body, chunk by chunk; the caller maps urllib3 errors."""
        assert self.stream is not None
        try:
            yield from self.stream.stream(size, decode_content=True)
        finally:
            self.stream.release_conn()


class HttpStatusError(Exception):
    """Internal: a >= 400 answer, carried to the caller that knows the context."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.headers = headers
        self.body = body


_UNSIGNED_HEADERS = frozenset(("expect", "user-agent", "x-amzn-trace-id"))  # botocore's SIGNED_HEADERS_BLACKLIST
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class FastSigner:
    """S3 SigV4 header signing for one alias and region, with the derived key cached per day."""

    def __init__(self, alias: Alias, region: str) -> None:
        self.alias = alias
        self.region = region
        self.host = _host_from_url(alias.url)
        self._derived: tuple[str, bytes, str] = ("", b"", "")  # (day, key, scope), replaced atomically

    def _signing_key(self, day: str, secret: str) -> tuple[bytes, str]:
        cached = self._derived
        if cached[0] != day:
            k = hmac.new(f"AWS4{secret}".encode(), day.encode(), hashlib.sha256).digest()
            for part in (self.region, "s3", "aws4_request"):
                k = hmac.new(k, part.encode(), hashlib.sha256).digest()
            cached = self._derived = (day, k, f"{day}/{self.region}/s3/aws4_request")
        return cached[1], cached[2]

    def sign(
        self, method: str, path: str, qs: str, body: bytes = b"", headers: Optional[Mapping[str, str]] = None,
        amz_date: Optional[str] = None,
    ) -> dict[str, str]:
        """The headers to send (the caller's plus X-Amz-Date, X-Amz-Content-SHA256, [token], Authorization)
        for `method` on the already encoded `path` and query string `qs`."""
        stamp = amz_date or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        out = dict(headers or {})
        for name in [n for n in out if n.lower() in ("authorization", "x-amz-date", "x-amz-content-sha256",
                                                        "x-amz-security-token")]:
            del out[name]
        out["X-Amz-Date"] = stamp
        token = self.alias.session_token.reveal() if self.alias.session_token else None
        if token:
            out["X-Amz-Security-Token"] = token
        payload = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
        out["X-Amz-Content-SHA256"] = payload
        signed = {n.lower(): " ".join(v.split()) for n, v in out.items() if n.lower() not in _UNSIGNED_HEADERS}
        signed.setdefault("host", self.host)
        names = sorted(signed)
        cq = "&".join(f"{k}={v}" for k, v in sorted(p.partition("=")[::2] for p in qs.split("&"))) if qs else ""
        canonical = "\n".join((method.upper(), path, cq, "".join(f"{n}:{signed[n]}\n" for n in names),
                               ";".join(names), payload))
        key, scope = self._signing_key(stamp[:8], self.alias.secret_key.reveal())
        sts = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.alias.access_key}/{scope}, "
                                f"SignedHeaders={';'.join(names)}, Signature={sig}")
        return out


class SignedHttp:
    """Signs and sends raw requests to one deployment."""

    def __init__(
        self,
        alias: Alias,
        *,
        region: str = "us-east-1",
        timeouts: Timeouts = Timeouts(),
        ca_bundle: Optional[str] = None,
    ) -> None:
        self.alias = alias
        self.region = region
        self.timeouts = timeouts
        # maxsize: connections kept for reuse per site. A prefix-parallel validation (--parallel 16) runs 32
        # listing threads over both sites, at times more than 16 of them on one: with 16 kept, each of those
        # opened a new connection and threw it away (20-40 new connections a run at 20 ms a request).
        kw: dict[str, object] = {"num_pools": 4, "maxsize": 32, "retries": False}
        if alias.secure:
            if alias.insecure:
                kw["cert_reqs"] = "CERT_NONE"
            else:
                kw["cert_reqs"] = "CERT_REQUIRED"
                if ca_bundle:
                    kw["ca_certs"] = ca_bundle
        self.pool = urllib3.PoolManager(**kw)  # type: ignore[arg-type]
        self._lean = True
        """`send(lean=True)` may read answers directly (`leanget`); off after an answer it could not read."""
        origin = urllib3.util.parse_url(alias.url)
        self._origin = (origin.scheme or "http", origin.host or "", origin.port)
        self._base_path = alias.url.split("://", 1)[-1].partition("/")[2]
        self._base_path = "/" + self._base_path if self._base_path else ""
        self.signer = FastSigner(alias, region)
        if alias.insecure:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def _credentials(self) -> Credentials:
        token = self.alias.session_token.reveal() if self.alias.session_token else None
        return Credentials(self.alias.access_key, self.alias.secret_key.reveal(), token)

    def prepare(
        self, method: str, path: str, query: Query = (), body: bytes = b"", headers: Optional[Mapping[str, str]] = None
    ) -> AWSRequest:
        """Build and sign (S3SigV4Auth, service "s3") a request; nothing is sent."""
        qs = encode_query(query)
        url = self.alias.url + encode_path(path) + (f"?{qs}" if qs else "")
        req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
        S3SigV4Auth(self._credentials(), "s3", self.region).add_auth(req)
        return req

    def send(
        self,
        method: str,
        path: str,
        query: Query = (),
        *,
        ctx: CallContext,
        policy: RetryPolicy = READ_POLICY,
        body: bytes = b"",
        headers: Optional[Mapping[str, str]] = None,
        stream: bool = False,
        sign: bool = True,
        timeouts: Optional[Timeouts] = None,
        lean: bool = False,
    ) -> RawResponse:
        """Send with `policy`'s retries; >= 400 raises HttpStatusError, no answer raises ConnectionFailure.

        `lean` (a body-less GET, e.g. a listing page): on a connection the pool already has open, write the
        request and read a plain Content-Length answer directly (`leanget`); otherwise the usual path."""
        t = timeouts or self.timeouts
        timeout = urllib3.Timeout(connect=t.connect, read=t.read)
        attempt = 0

        def wait_or_raise(exc: BaseException, retryable: bool = True) -> None:
            """No answer: wait `policy`'s delay when another attempt is allowed, else ConnectionFailure."""
            if retryable and policy.should_retry_connection(attempt):
                time.sleep(policy.delay(attempt))
                return
            raise connection_failure(ctx, exc) from None

        while True:
            attempt += 1
            qs = encode_query(query)
            epath = encode_path(path)
            if sign:
                if self.signer.region != self.region:  # region changed after construction
                    self.signer = FastSigner(self.alias, self.region)
                hdrs = self.signer.sign(method, epath, qs, body, headers)
            else:
                hdrs = dict(headers or {})
            target = self._base_path + epath + (f"?{qs}" if qs else "")
            got: Optional[tuple[int, dict[str, str], bytes]] = None
            if lean and self._lean and method == "GET" and not body and not stream:
                try:
                    got = leanget.get(self._site_pool(), self.signer.host, target, hdrs, t.read)
                except leanget.Unreadable:
                    self._lean = False  # this server answers in another shape: later pages the usual way
                except TimeoutError as exc:
                    wait_or_raise(exc)
                    continue
            if got is None:
                try:
                    resp = self._site_pool().urlopen(
                        method.upper(), target, body=body or None, headers=hdrs, timeout=timeout,
                        preload_content=False, redirect=False, retries=False, assert_same_host=False,
                    )
                except (urllib3.exceptions.HTTPError, OSError) as exc:
                    wait_or_raise(exc, retryable=not _is_tls_failure(exc))
                    continue
                resp_headers = {k: v for k, v in resp.headers.items()}
                if resp.status < 400 and stream:
                    return RawResponse(resp.status, resp_headers, stream=resp)
                try:
                    data = resp.read(decode_content=True)
                except (urllib3.exceptions.HTTPError, OSError) as exc:
                    resp.release_conn()
                    wait_or_raise(exc)
                    continue
                resp.release_conn()
                got = resp.status, resp_headers, data
            status, resp_headers, data = got
            if status < 400:
                return RawResponse(status, resp_headers, body=data)
            if policy.should_retry_status(status, attempt):
                time.sleep(policy.delay(attempt, resp_headers))
                continue
            raise HttpStatusError(status, resp_headers, data)

    def _site_pool(self) -> urllib3.HTTPConnectionPool:
        """The site's connection pool, asked for the already encoded path and query: the pool manager's
        `request` would parse the whole URL again and percent-encode it twice more, a per-character Python
        loop over a listing's markers (~100 µs a request), for the same bytes on the wire."""
        return self.pool.connection_from_host(self._origin[1], self._origin[2], self._origin[0])


def _is_tls_failure(exc: BaseException) -> bool:
    """Certificate problems do not go away on retry."""
    reason = getattr(exc, "reason", None)
    return isinstance(exc, urllib3.exceptions.SSLError) or isinstance(reason, urllib3.exceptions.SSLError)


def to_recovery_error(exc: HttpStatusError, ctx: CallContext) -> RecoveryError:
    """An error answer → the operator-facing exception (XML, JSON or header form)."""
    return map_error(parse_wire_error(exc.body, exc.headers), exc.status, ctx)
