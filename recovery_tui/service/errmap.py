"""Maps MinIO wire errors (XML, JSON or HEAD headers) to the service's operator-facing exceptions.

Error bodies come in three forms (facts §A-§C): S3 XML `<Error><Code>…`, JSON
`{"Code":…}` (admin APIs and the later resync-start checks), and header-only
answers to HEAD (`x-minio-error-code`). `parse_wire_error` reads all three;
`map_error` turns the code, the HTTP status and the call's context into an
exception from `errors.py` with a title and a fix hint. Every message passes
through `secrets.redact`.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Callable, Mapping, Optional

from .errors import (
    AccessDenied,
    AuthError,
    Conflict,
    ConnectionFailure,
    InputError,
    NotFound,
    NotSupported,
    RecoveryError,
    ServerError,
)
from .secrets import redact


class DeleteMarkerVersion(NotFound):
    """The version asked for is a delete marker (HEAD/GET answer 405, §8). Not used by `head_version`,
    which returns an `ObjectStat` with `delete_marker=True` instead; kept for callers that GET a version."""

    default_title = "Version is a delete marker"


@dataclass(frozen=True)
class WireError:
    """An error as the server sent it."""

    code: str
    message: str = ""
    resource: str = ""
    bucket: str = ""
    region: str = ""
    request_id: str = ""
    form: str = ""
    """`xml`, `json`, `headers` or `` (nothing parseable)."""


@dataclass(frozen=True)
class CallContext:
    """What was being done, to name it in the message and the hint."""

    operation: str
    """Human words: "start a resync", "list remote targets"."""
    action: str = ""
    """IAM action the call needs (facts: action list), for AccessDenied."""
    alias: str = ""
    endpoint: str = ""
    bucket: str = ""
    arn: str = ""


def _strip_ns(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_wire_error(body: bytes, headers: Optional[Mapping[str, str]] = None) -> Optional[WireError]:
    """Read an error body in JSON (tried first, as madmin does) or XML form, else HEAD-style headers."""
    text = body.decode("utf-8", "replace").strip() if body else ""
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("Code"):
            return WireError(
                code=str(data.get("Code", "")),
                message=str(data.get("Message", "")),
                resource=str(data.get("Resource", "")),
                bucket=str(data.get("BucketName", "")),
                region=str(data.get("Region", "")),
                request_id=str(data.get("RequestId", "")),
                form="json",
            )
    if text.startswith("<"):
        try:
            root = ET.fromstring(text.encode("utf-8"))
        except ET.ParseError:
            root = None
        if root is not None and _strip_ns(root.tag) == "Error":
            fields = {_strip_ns(c.tag): (c.text or "").strip() for c in root}
            if fields.get("Code"):
                return WireError(
                    code=fields["Code"],
                    message=fields.get("Message", ""),
                    resource=fields.get("Resource", ""),
                    bucket=fields.get("BucketName", ""),
                    region=fields.get("Region", ""),
                    request_id=fields.get("RequestId", ""),
                    form="xml",
                )
    if headers:
        lower = {k.lower(): v for k, v in headers.items()}
        code = lower.get("x-minio-error-code", "")
        if code:
            desc = lower.get("x-minio-error-desc", "").strip().strip('"')
            return WireError(code=code, message=desc, form="headers")
    return None


_Hint = Callable[[WireError, CallContext], str]


def _where(ctx: CallContext) -> str:
    return f"{ctx.alias}/{ctx.bucket}" if ctx.bucket else ctx.alias or ctx.endpoint


def _mc_path(ctx: CallContext) -> str:
    """ALIAS/BUCKET for a printed mc command (the placeholder when the call named no bucket)."""
    return f"{ctx.alias}/{ctx.bucket}" if ctx.bucket and ctx.alias else "ALIAS/BUCKET"


def _auth_hint(w: WireError, ctx: CallContext) -> str:
    return (
        f"Check the access and secret key of alias '{ctx.alias}' "
        f"(mc alias set {ctx.alias or 'ALIAS'} URL ACCESS SECRET), and that this machine's clock is right."
    )


_TABLE: dict[str, tuple[type[RecoveryError], str, _Hint]] = {
    "InvalidAccessKeyId": (AuthError, "Unknown access key", _auth_hint),
    "SignatureDoesNotMatch": (AuthError, "Wrong secret key", _auth_hint),
    "InvalidToken": (AuthError, "Invalid session token", _auth_hint),
    "ExpiredToken": (AuthError, "Session token expired", _auth_hint),
    "RequestTimeTooSkewed": (
        AuthError,
        "Clock skew",
        lambda w, c: "This machine's clock differs from the server's by more than 15 minutes; fix it (NTP).",
    ),
    "AuthorizationParametersError": (
        InputError,
        "Wrong signing service",
        lambda w, c: 'Requests must be signed for service "s3".',
    ),
    "NoSuchBucket": (
        NotFound,
        "No such bucket",
        lambda w, c: f"Check the bucket name on alias '{c.alias}' (mc ls {c.alias or 'ALIAS'}).",
    ),
    "NoSuchKey": (NotFound, "No such object", lambda w, c: "The object or version no longer exists."),
    "NoSuchVersion": (NotFound, "No such version", lambda w, c: "The version no longer exists."),
    "ReplicationConfigurationNotFoundError": (
        NotFound,
        "No replication configuration",
        lambda w, c: f"Bucket {_where(c)} has no replication rules; run this on the healthy source "
        "(mc replicate ls SOURCE/BUCKET), or re-create the rules first.",
    ),
    "XMinioAdminRemoteTargetNotFoundError": (
        NotFound,
        "Remote target not found",
        lambda w, c: "Check the ARN with `mc replicate ls "
        f"{_mc_path(c)}`; the target must be listed by list-remote-targets and used by a rule.",
    ),
    "RemoteDestinationNotFoundError": (
        NotFound,
        "Target bucket missing",
        lambda w, c: "Re-create the bucket on the target site with versioning enabled "
        "(mc mb --with-versioning TARGET_ALIAS/BUCKET).",
    ),
    "XMinioAdminReplicationRemoteConnectionError": (
        ConnectionFailure,
        "Source cannot reach the target",
        lambda w, c: "The source cannot reach the target (or the target refused the stored credentials): "
        "check that the target site is online and reachable from the source, then retry.",
    ),
    "XMinioReplicationNoExistingObjects": (
        Conflict,
        "Existing-object replication is off",
        lambda w, c: "Enable existing-object replication on the rule, keeping its other flags (update "
        "--replicate switches off every flag it does not list): read them with "
        f"`mc replicate ls {_mc_path(c)} --json`, then run "
        f"`mc replicate update {_mc_path(c)} --id RULE_ID "
        "--replicate existing-objects,RULE_FLAGS` with the rule's prefix appended to the path if it has one "
        "(the preflight and `recovery-tui targets` print it filled in).",
    ),
    "RemoteTargetNotVersionedError": (
        Conflict,
        "Target bucket not versioned",
        lambda w, c: "Enable versioning on the target bucket: mc version enable TARGET/BUCKET",
    ),
    "ReplicationSourceNotVersionedError": (
        Conflict,
        "Source bucket not versioned",
        lambda w, c: f"Enable versioning on the source bucket: mc version enable {_mc_path(c)}",
    ),
    "ReplicationDestinationMissingLockError": (
        Conflict,
        "Target bucket lacks object locking",
        lambda w, c: "The target bucket must be created with object locking, like the source.",
    ),
    "XMinioReplicationDenyEdit": (
        Conflict,
        "Site replication manages this bucket",
        lambda w, c: "Use `mc admin replicate resync start SITE_A SITE_B` for site-replicated deployments.",
    ),
    "InvalidArgument": (InputError, "Invalid argument", lambda w, c: "Check the values given for this call."),
    "InvalidRequest": (InputError, "Invalid request", lambda w, c: "Check the ARN and the values given."),
    "XMinioServerNotInitialized": (
        ServerError,
        "Server still starting",
        lambda w, c: "Wait a minute for the deployment to finish starting, then retry.",
    ),
    "SlowDown": (ServerError, "Server busy", lambda w, c: "The server asked to slow down; retry in a minute."),
    "XMinioAdminVersionMismatch": (
        NotSupported,
        "Admin API version not supported",
        lambda w, c: "The server speaks neither admin API v3 nor v4 for this call; upgrade or use mc.",
    ),
}

_BAD_REQUEST_PATTERNS: tuple[tuple[str, type[RecoveryError], str, str], ...] = (
    (
        "already in progress",
        Conflict,
        "Resync already in progress",
        "Wait for the running resync to finish (watch its status), or cancel it first where supported.",
    ),
    (
        "ARN should be specified",
        InputError,
        "ARN required",
        "Several targets match: pass the ARN of the damaged target (from mc replicate ls SRC/BUCKET).",
    ),
    ("specified for resync is empty", InputError, "ARN required",
     "Pass the target ARN (from mc replicate ls SRC/BUCKET)."),
    (
        "not found in replication config",
        NotFound,
        "ARN not in the replication rules",
        "Pick an ARN that a rule of this bucket uses (mc replicate ls SRC/BUCKET).",
    ),
    (
        "missing or ineligible",
        Conflict,
        "Rule not eligible for resync",
        "The rule for this ARN is disabled or missing: enable it "
        "(mc replicate update SRC/BUCKET --id RULE_ID --state enable).",
    ),
    (
        "resync status not available",
        ServerError,
        "Resync status unreadable",
        "The server could not read its stored resync status; retry, or start a new resync.",
    ),
)


def map_error(wire: Optional[WireError], status: int, ctx: CallContext) -> RecoveryError:
    """The exception for an error answer; `wire` may be None when the body was not an error document."""
    code = wire.code if wire else ""
    raw_message = (wire.message if wire else "") or f"HTTP {status}"
    message = redact(f"Could not {ctx.operation} on {_where(ctx)}: {raw_message}")
    kw = {"code": code, "status": status}
    if code == "AccessDenied" or (not code and status == 403):
        need = f" (needs {ctx.action})" if ctx.action else ""
        return AccessDenied(
            redact(f"Access denied: cannot {ctx.operation} on {_where(ctx)}{need}"),
            action=ctx.action,
            **kw,  # type: ignore[arg-type]
        )
    if code == "AuthorizationHeaderMalformed":
        m = re.search(r"expecting '([^']*)'", raw_message)
        expected = m.group(1) if m else (wire.region if wire else "")
        return InputError(
            redact(f"Wrong region for {ctx.alias}: the server expects '{expected}'"),
            title="Wrong region",
            hint=f"Run again with --region {expected} (the region of alias '{ctx.alias}').",
            **kw,  # type: ignore[arg-type]
        )
    if code == "BadRequest" and wire:
        for needle, cls, title, hint in _BAD_REQUEST_PATTERNS:
            if needle.lower() in raw_message.lower():
                return cls(message, title=title, hint=hint, **kw)  # type: ignore[arg-type]
        return InputError(message, title="Request refused", hint="Check the ARN and options given.", **kw)  # type: ignore[arg-type]
    if code == "MethodNotAllowed" and status == 405:
        return DeleteMarkerVersion(
            message, hint="This version is a delete marker; it has no content to read.", **kw  # type: ignore[arg-type]
        )
    if code in _TABLE:
        cls, title, hint_for = _TABLE[code]
        return cls(message, title=title, hint=redact(hint_for(wire, ctx)), **kw)  # type: ignore[arg-type, arg-type]
    if status == 426:
        return NotSupported(message, title="Admin API version not supported",
                            hint="This server does not serve this admin call; upgrade it or use mc.", **kw)  # type: ignore[arg-type]
    if status == 404:
        return NotFound(message, **kw)  # type: ignore[arg-type]
    err = ServerError(message, hint="The server refused the request; the code and message are shown as sent.", **kw)  # type: ignore[arg-type]
    err.retryable = status >= 500 or status == 429
    return err


def connection_failure(ctx: CallContext, exc: BaseException) -> ConnectionFailure:
    """Refused, timed out, reset or TLS failure; names the alias and endpoint, never the secret."""
    text = f"{type(exc).__name__}: {exc}"
    low = text.lower()
    if "ssl" in low or "certificate" in low or "tls" in low:
        title, hint = "TLS failure", (
            "Check the server certificate: add its CA to ~/.mc/certs/CAs/ or SSL_CERT_FILE, or use --insecure."
        )
    elif "timed out" in low or "timeout" in low:
        title, hint = "Timed out", "The server did not answer in time; check the network path and retry."
    else:
        title, hint = "Cannot reach the server", "Check that the deployment is running and the alias URL is right."
    reason = "connection timed out" if title == "Timed out" else _short_reason(text)
    return ConnectionFailure(
        redact(f"Cannot {ctx.operation}: {ctx.alias or 'server'} at {ctx.endpoint} is unreachable ({reason})"),
        title=title,
        hint=hint,
    )


def _short_reason(text: str) -> str:
    for needle in ("Connection refused", "Connection reset", "Name or service not known", "IncompleteRead",
                   "certificate verify failed", "Remote end closed connection"):
        if needle.lower() in text.lower():
            return needle
    return text[:160]


def from_client_error(exc: BaseException, ctx: CallContext) -> RecoveryError:
    """Wrap a botocore ClientError: code from the body, or from x-minio-error-code on HEAD answers."""
    response = getattr(exc, "response", {}) or {}
    meta = response.get("ResponseMetadata", {}) or {}
    status = int(meta.get("HTTPStatusCode", 0) or 0)
    headers = meta.get("HTTPHeaders", {}) or {}
    err = response.get("Error", {}) or {}
    code = str(err.get("Code", ""))
    if not code or code.isdigit():
        hdr = parse_wire_error(b"", headers)
        code = hdr.code if hdr else ""
    wire = WireError(code=code, message=str(err.get("Message", "")), form="boto") if code else None
    return map_error(wire, status, ctx)
