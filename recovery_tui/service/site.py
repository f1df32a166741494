"""`SiteClient`: the connection to one deployment (one mc alias).

It holds one boto3 S3 client for standard calls (path-style, the alias's endpoint,
botocore "standard" retries sized by the read policy) plus one with a single
attempt for writes (CopyObject under WRITE_ONCE), and one `SignedHttp` for MinIO
extension and admin calls. Everything is created once and reused; boto3 clients
and urllib3 pools are thread-safe. Every failure leaves as a `RecoveryError`.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Mapping, Optional, TypeVar

import boto3
import botocore.config
import botocore.exceptions
import botocore.loaders
import botocore.session

from .aliases import Alias
from .errmap import CallContext, connection_failure, from_client_error, map_error, parse_wire_error
from .errors import ServerError
from .http import HttpStatusError, Query, RawResponse, SignedHttp, to_recovery_error
from .retry import DEFAULT_TIMEOUTS, READ_POLICY, WRITE_ONCE, RetryPolicy, Timeouts
from .secrets import redact

T = TypeVar("T")
ADMIN_VERSIONS = ("v3", "v4")
"""Admin API prefixes tried in order (§9.4): v3 first, v4 on 426 XMinioAdminVersionMismatch."""

_loader_lock = threading.Lock()
_loader: Optional[botocore.loaders.Loader] = None


def _session() -> boto3.session.Session:
    """A fresh boto3 session over the process's one botocore data loader.

    Each session's own loader parsed botocore's S3 model and endpoint rules again (several MB of JSON, ~80 ms of
    CPU per SiteClient). Only that static data is shared, as botocore already shares it between the clients of one
    session (the documents are only read); each session keeps its own config, credentials and event handlers, and
    each client its own copy of them. The loader is the one botocore makes for the first session (AWS_DATA_PATH
    honoured); boto3 adds its data folder to it once, not once per session."""
    global _loader
    with _loader_lock:
        core = botocore.session.get_session()
        if _loader is None:
            _loader = core.get_component("data_loader")
            return boto3.session.Session(botocore_session=core)
        core.register_component("data_loader", _loader)
        paths = _loader.search_paths
        known = len(paths)
        session = boto3.session.Session(botocore_session=core)
        del paths[known:]  # boto3 appended its data folder again (already there)
        return session


def preload_boto(region: str = "us-east-1") -> None:
    """Parse botocore's S3 model and endpoint rules into the process's shared loader now, in the calling thread
    (the wizard does it while building its service, after step 1 is painted), so the first call to a site does
    not. Makes one client that connects nowhere and is dropped: making a client does no I/O."""
    _session().client("s3", region_name=region, endpoint_url="http://127.0.0.1:9",
                      aws_access_key_id="preload", aws_secret_access_key="preload")


class SiteClient:
    """One deployment: a boto3 client for S3 and a signed raw path for MinIO extensions and admin."""

    def __init__(
        self,
        alias: Alias,
        *,
        region: str = "us-east-1",
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = READ_POLICY,
        ca_bundle: Optional[str] = None,
    ) -> None:
        self.alias = alias
        self.region = region
        self.timeouts = timeouts
        self.retry = retry
        """The policy for reads (boto3's total_max_attempts and the raw path's retries)."""
        self.ca_bundle = ca_bundle
        self.http = SignedHttp(alias, region=region, timeouts=timeouts, ca_bundle=ca_bundle)
        self._lock = threading.Lock()
        self._admin_version = ADMIN_VERSIONS[0]
        self._session = _session()
        self.s3 = self._make_boto(self._session, retry)
        """Reads (and anything idempotent)."""
        self._write_lock = threading.Lock()
        self._s3_write: Any = None

    @property
    def s3_write(self) -> Any:
        """CopyObject, PutObject, DeleteObject: one attempt (WRITE_ONCE), never retried automatically.

        Built on first use: most SiteClients only read, and a client costs ~4 ms of CPU. Its own lock (`_lock`
        guards the admin version and is not re-entrant); the session is used by no one else after `__init__`. A
        bad endpoint or TLS setting has already failed building `s3`, which shares them."""
        with self._write_lock:
            if self._s3_write is None:
                self._s3_write = self._make_boto(self._session, WRITE_ONCE)
            return self._s3_write

    def __repr__(self) -> str:
        return f"SiteClient(alias={self.alias.name!r}, url={self.alias.url!r})"

    @property
    def admin_version(self) -> str:
        """The admin API version that last worked (v3 until a 426 taught otherwise)."""
        return self._admin_version

    def _make_boto(self, session: boto3.session.Session, policy: RetryPolicy) -> Any:
        kw: dict[str, Any] = dict(
            region_name=self.region,
            signature_version="s3v4",
            connect_timeout=self.timeouts.connect,
            read_timeout=self.timeouts.read,
            retries={"mode": "standard", "total_max_attempts": policy.boto_max_attempts()},
            s3={"addressing_style": "path"},
        )
        try:
            config = botocore.config.Config(
                **kw, request_checksum_calculation="when_required", response_checksum_validation="when_required"
            )
        except TypeError:  # botocore older than 1.36
            config = botocore.config.Config(**kw)
        verify: Any = False if self.alias.insecure else (self.ca_bundle or True)
        a = self.alias
        return session.client(
            "s3",
            endpoint_url=a.url,
            aws_access_key_id=a.access_key,
            aws_secret_access_key=a.secret_key.reveal(),
            aws_session_token=a.session_token.reveal() if a.session_token else None,
            config=config,
            verify=verify,
        )

    def ctx(self, operation: str, action: str = "", bucket: str = "", arn: str = "") -> CallContext:
        """A CallContext for this site."""
        return CallContext(operation, action, self.alias.name, self.alias.url, bucket, arn)

    # --- boto3 ---------------------------------------------------------------------------------------

    def call(
        self,
        ctx: CallContext,
        fn: Callable[..., T],
        *,
        intercept: Optional[Callable[[botocore.exceptions.ClientError], Optional[T]]] = None,
        **kwargs: Any,
    ) -> T:
        """Run one boto3 call, wrapping every botocore/urllib3 failure.

        `intercept` may turn a particular error answer into a result (it returns None to decline).
        """
        try:
            return fn(**kwargs)
        except botocore.exceptions.ClientError as exc:
            if intercept is not None:
                value = intercept(exc)
                if value is not None:
                    return value
            raise from_client_error(exc, ctx) from None
        except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError) as exc:
            raise connection_failure(ctx, exc) from None
        except botocore.exceptions.BotoCoreError as exc:
            raise ServerError(redact(f"Could not {ctx.operation} on {ctx.alias}: {exc}")) from None
        except OSError as exc:
            raise connection_failure(ctx, exc) from None

    # --- raw signed requests ---------------------------------------------------------------------------

    def raw(
        self,
        ctx: CallContext,
        method: str,
        path: str,
        query: Query = (),
        *,
        policy: Optional[RetryPolicy] = None,
        stream: bool = False,
        headers: Optional[Mapping[str, str]] = None,
        sign: bool = True,
        timeouts: Optional[Timeouts] = None,
        body: bytes = b"",
    ) -> RawResponse:
        """A signed request; an error answer raises the mapped RecoveryError."""
        try:
            return self.http.send(
                method, path, query, ctx=ctx, policy=policy or self.retry, stream=stream,
                headers=headers, sign=sign, timeouts=timeouts, body=body,
            )
        except HttpStatusError as exc:
            raise to_recovery_error(exc, ctx) from None

    def raw_status(
        self, ctx: CallContext, method: str, path: str, query: Query = (), *, policy: Optional[RetryPolicy] = None
    ) -> tuple[RawResponse | None, HttpStatusError | None]:
        """Like `raw`, but hands back an error answer instead of raising (callers that interpret it)."""
        try:
            return self.http.send(method, path, query, ctx=ctx, policy=policy or self.retry), None
        except HttpStatusError as exc:
            return None, exc

    def admin(
        self,
        ctx: CallContext,
        method: str,
        subpath: str,
        query: Query = (),
        *,
        policy: Optional[RetryPolicy] = None,
        stream: bool = False,
        headers: Optional[Mapping[str, str]] = None,
        body: bytes = b"",
    ) -> RawResponse:
        """`/minio/admin/<v>/<subpath>`: v3 first; on 426 XMinioAdminVersionMismatch once more on v4 (§9.4)."""
        start = ADMIN_VERSIONS.index(self._admin_version)
        last: Optional[HttpStatusError] = None
        for version in ADMIN_VERSIONS[start:]:
            try:
                resp = self.http.send(
                    method, f"/minio/admin/{version}/{subpath}", query, ctx=ctx,
                    policy=policy or self.retry, stream=stream, headers=headers, body=body,
                )
            except HttpStatusError as exc:
                wire = parse_wire_error(exc.body, exc.headers)
                if exc.status == 426 and wire is not None and wire.code == "XMinioAdminVersionMismatch":
                    last = exc
                    continue
                raise map_error(wire, exc.status, ctx) from None
            if version != self._admin_version:
                with self._lock:
                    self._admin_version = version
            return resp
        assert last is not None
        raise to_recovery_error(last, ctx)

