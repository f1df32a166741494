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

from .aliases import Alias
from .errmap import CallContext, connection_failure, from_client_error, map_error, parse_wire_error
from .errors import ServerError
from .http import HttpStatusError, Query, RawResponse, SignedHttp, to_recovery_error
from .retry import DEFAULT_TIMEOUTS, READ_POLICY, WRITE_ONCE, RetryPolicy, Timeouts
from .secrets import redact

T = TypeVar("T")
ADMIN_VERSIONS = ("v3", "v4")
"""Admin API prefixes tried in order (§9.4): v3 first, v4 on 426 XMinioAdminVersionMismatch."""


_BOTO_LOCK = threading.Lock()
"""Held while a client is made from the shared session (a boto3 session is not thread-safe; its clients are)."""
_BOTO: list[boto3.session.Session] = []
"""The process's one boto3 session, made on first use."""


def _boto_session() -> boto3.session.Session:
    """The shared boto3 session (call it under `_BOTO_LOCK`). Every site's clients come from it, so botocore
    parses the S3 model and builds the S3 client class once per process (~36k objects, ~65 ms of CPU), not
    once per alias: each later site's two clients cost ~5k objects and ~12 ms."""
    if not _BOTO:
        _BOTO.append(boto3.session.Session())
    return _BOTO[0]


def preload_boto(region: str = "us-east-1") -> None:
    """Parse botocore's S3 model and build its client class now, in the calling thread (the wizard does it
    while building its service, after step 1 is painted), so the first call to a site does not. Makes one
    client that connects nowhere and is dropped: making a client does no I/O."""
    with _BOTO_LOCK:
        _boto_session().client("s3", region_name=region, endpoint_url="http://127.0.0.1:9",
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
        """The policy for reads (boto3's max_attempts and the raw path's retries)."""
        self.ca_bundle = ca_bundle
        self.http = SignedHttp(alias, region=region, timeouts=timeouts, ca_bundle=ca_bundle)
        self._lock = threading.Lock()
        self._admin_version = ADMIN_VERSIONS[0]
        with _BOTO_LOCK:
            session = _boto_session()
            self.s3 = self._make_boto(session, retry)
            """Reads (and anything idempotent)."""
            self.s3_write = self._make_boto(session, WRITE_ONCE)
            """CopyObject: one attempt, never retried automatically."""

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
            retries={"mode": "standard", "max_attempts": policy.boto_max_attempts()},
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

