"""AWS Signature Version 4 verification as MinIO does it, without any HTTP framework.

`verify_request()` checks header auth (`Authorization: AWS4-HMAC-SHA256 ...`) and presigned
query auth (`X-Amz-Algorithm=...`), returning the access key and the scope's region so the
caller can apply IAM. `decode_aws_chunked()` turns an `aws-chunked` body (signed chunks,
unsigned chunks with a checksum trailer) back into the payload, verifying chunk signatures
when they are present. Failures raise `SigV4Error` carrying the MinIO error code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable, Mapping, Optional
from urllib.parse import quote, unquote, unquote_plus

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
UNSIGNED = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING = (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER)
MAX_SKEW = timedelta(minutes=15)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_SPACES = re.compile(r"\s+")


class SigV4Error(Exception):
    """A request MinIO would refuse at signature checking; `code` is the S3 error code."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        """Extra text for the message (e.g. the expected region); never contains a secret."""


@dataclass(frozen=True)
class Verified:
    """The outcome of a successful verification."""

    access_key: str
    region: str
    payload_hash: str
    """The `x-amz-content-sha256` mode: hex digest, UNSIGNED-PAYLOAD or a STREAMING-* value."""
    signature: str
    scope: str
    amz_date: str
    signing_key: bytes


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


@lru_cache(maxsize=64)
def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    """The derived key; cached per (secret, date, region, service): it changes once a day."""
    k = _hmac(("AWS4" + secret).encode(), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def _aws_quote(s: str) -> str:
    return quote(s, safe="-_.~")


def canonical_query(raw_query: str, drop_signature: bool = False) -> str:
    """Sorted, re-encoded query; a key with no value is canonicalised as `key=`."""
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&") if raw_query else ():
        if not part:
            continue
        k, _, v = part.partition("=")
        k, v = unquote_plus(k), unquote_plus(v)
        if drop_signature and k == "X-Amz-Signature":
            continue
        pairs.append((_aws_quote(k), _aws_quote(v)))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def _canonical_headers(headers: Mapping[str, str], getall: Callable[[str], list[str]],
                       signed: list[str]) -> str:
    lines = []
    for name in signed:
        values = getall(name)
        if not values and name != "host":
            raise SigV4Error("SignatureDoesNotMatch")
        joined = ",".join(_SPACES.sub(" ", v.strip()) for v in values)
        lines.append(f"{name}:{joined}\n")
    return "".join(lines)


def _path_candidates(raw_path: str) -> list[str]:
    """The path as received, and MinIO's re-encoding of the decoded path if different."""
    cands = [raw_path or "/"]
    reenc = quote(unquote(raw_path or "/"), safe="/-_.~")
    if reenc not in cands:
        cands.append(reenc)
    return cands


def _string_to_sign(amz_date: str, scope: str, canonical_request: str) -> str:
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def _check_scope(scope_parts: list[str], site_region: Optional[str]) -> None:
    if len(scope_parts) != 5 or scope_parts[4] != "aws4_request":
        raise SigV4Error("AuthorizationHeaderMalformed", site_region or "")
    if scope_parts[3] != "s3":
        raise SigV4Error("AuthorizationParametersError")
    if site_region is not None and scope_parts[2] != site_region:
        raise SigV4Error("AuthorizationHeaderMalformed", site_region)


@lru_cache(maxsize=256)
def _parse_amz_date(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise SigV4Error("AccessDenied") from exc


def is_presigned(query: Mapping[str, str]) -> bool:
    return "X-Amz-Algorithm" in query or "X-Amz-Signature" in query


def verify_request(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    getall: Callable[[str], list[str]],
    query: Mapping[str, str],
    body: bytes,
    lookup_secret: Callable[[str], Optional[str]],
    site_region: Optional[str],
    require_content_sha: bool = False,
    now: Optional[datetime] = None,
) -> Verified:
    """Verify one request. `getall(lower_name)` returns all values of a header.

    `site_region=None` accepts any region (admin APIs, §9.1). `require_content_sha` is the
    admin rule: without an `X-Amz-Content-Sha256` header the request is AccessDenied.
    """
    now = now or datetime.now(timezone.utc)
    auth = headers.get("Authorization", "")
    presigned = not auth and is_presigned(query)
    if not auth and not presigned:
        raise SigV4Error("AccessDenied")
    if presigned:
        if query.get("X-Amz-Algorithm") != ALGORITHM:
            raise SigV4Error("AccessDenied")
        cred = query.get("X-Amz-Credential", "")
        signed_headers = query.get("X-Amz-SignedHeaders", "")
        signature = query.get("X-Amz-Signature", "")
        amz_date = query.get("X-Amz-Date", "")
        try:
            expires = int(query.get("X-Amz-Expires", "0"))
        except ValueError as exc:
            raise SigV4Error("AuthorizationQueryParametersError") from exc
        if now > _parse_amz_date(amz_date) + timedelta(seconds=expires):
            raise SigV4Error("ExpiredToken")
        payload_hash = headers.get("x-amz-content-sha256", UNSIGNED)
    else:
        if not auth.startswith(ALGORITHM + " "):
            raise SigV4Error("SignatureVersionNotSupported" if not auth.startswith("AWS4") else "AccessDenied")
        fields: dict[str, str] = {}
        for item in auth[len(ALGORITHM) + 1:].split(","):
            k, _, v = item.strip().partition("=")
            fields[k] = v
        cred, signed_headers = fields.get("Credential", ""), fields.get("SignedHeaders", "")
        signature = fields.get("Signature", "")
        if not cred or not signed_headers or not signature:
            raise SigV4Error("AuthorizationHeaderMalformed", site_region or "")
        amz_date = headers.get("x-amz-date", "")
        if not amz_date:
            raise SigV4Error("AccessDenied")
        if abs(now - _parse_amz_date(amz_date)) > MAX_SKEW:
            raise SigV4Error("RequestTimeTooSkewed")
        present = headers.get("x-amz-content-sha256")
        if present is None and require_content_sha:
            raise SigV4Error("AccessDenied")
        payload_hash = present if present is not None else EMPTY_SHA256
    parts = cred.split("/")
    if len(parts) < 5:
        raise SigV4Error("AuthorizationHeaderMalformed", site_region or "")
    access_key, scope_parts = "/".join(parts[:-4]), parts[-4:]
    secret = lookup_secret(access_key)
    if secret is None:
        raise SigV4Error("InvalidAccessKeyId")
    _check_scope(["x"] + scope_parts, site_region)
    if scope_parts[0] != amz_date[:8]:
        raise SigV4Error("SignatureDoesNotMatch")
    scope = "/".join(scope_parts)
    if _HEX64.match(payload_hash):
        if hashlib.sha256(body).hexdigest() != payload_hash:
            raise SigV4Error("XAmzContentSHA256Mismatch")
    elif payload_hash != UNSIGNED and payload_hash not in STREAMING:
        raise SigV4Error("XAmzContentSHA256Mismatch")
    signed = [h.strip().lower() for h in signed_headers.split(";") if h.strip()]
    canon_headers = _canonical_headers(headers, getall, signed)
    canon_q = canonical_query(raw_query, drop_signature=presigned)
    key = signing_key(secret, scope_parts[0], scope_parts[1], scope_parts[2])
    for path in _path_candidates(raw_path):
        creq = "\n".join([method, path, canon_q, canon_headers, ";".join(signed), payload_hash])
        expected = hmac.new(key, _string_to_sign(amz_date, scope, creq).encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, signature):
            return Verified(access_key, scope_parts[1], payload_hash, signature, scope, amz_date, key)
    raise SigV4Error("SignatureDoesNotMatch")


def decode_aws_chunked(body: bytes, verified: Optional[Verified] = None) -> tuple[bytes, dict[str, str]]:
    """Decode an `aws-chunked` body; returns (payload, trailers).

    With a signed streaming mode and `verified` given, each chunk signature is checked
    (string to sign `AWS4-HMAC-SHA256-PAYLOAD`, chained from the seed signature).
    """
    check = verified is not None and verified.payload_hash in (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER)
    prev = verified.signature if verified is not None else ""
    out: list[bytes] = []
    pos, n = 0, len(body)
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            raise SigV4Error("IncompleteBody")
        header = body[pos:eol].decode("latin-1")
        size_s, _, ext = header.partition(";")
        try:
            size = int(size_s.strip(), 16)
        except ValueError as exc:
            raise SigV4Error("IncompleteBody") from exc
        start, end = eol + 2, eol + 2 + size
        if end > n:
            raise SigV4Error("IncompleteBody")
        chunk = body[start:end]
        if check and verified is not None:
            sig = ext.partition("chunk-signature=")[2].strip()
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", verified.amz_date, verified.scope, prev,
                             EMPTY_SHA256, hashlib.sha256(chunk).hexdigest()])
            expected = hmac.new(verified.signing_key, sts.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, sig):
                raise SigV4Error("SignatureDoesNotMatch")
            prev = sig
        out.append(chunk)
        pos = end
        if size == 0:
            break
        if body[pos:pos + 2] != b"\r\n":
            raise SigV4Error("IncompleteBody")
        pos += 2
    trailers: dict[str, str] = {}
    for line in body[pos:].split(b"\r\n"):
        if b":" in line:
            k, _, v = line.decode("latin-1").partition(":")
            trailers[k.strip().lower()] = v.strip()
    return b"".join(out), trailers
