"""SigV4 details: signed aws-chunked uploads (as the minio SDK/Go clients stream), query canonicalisation."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from recovery_tui.lab import sigv4
from recovery_tui.lab.server import Lab, SiteRuntime


def _h(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _streaming_put(rt: SiteRuntime, path: str, chunks: list[bytes], *, tamper: bool = False) -> requests.Response:
    """An independent STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload, written from the AWS spec."""
    now = datetime.now(timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{day}/us-east-1/s3/aws4_request"
    payload = b"".join(chunks)
    headers = {"host": f"127.0.0.1:{rt.port}", "x-amz-content-sha256": sigv4.STREAMING_SIGNED,
               "x-amz-date": amz_date, "x-amz-decoded-content-length": str(len(payload)),
               "content-encoding": "aws-chunked"}
    signed = sorted(headers)
    creq = "\n".join(["PUT", path, "", "".join(f"{k}:{headers[k]}\n" for k in signed), ";".join(signed),
                      sigv4.STREAMING_SIGNED])
    key = _h(_h(_h(_h(("AWS4" + rt.site.secret_key).encode(), day), "us-east-1"), "s3"), "aws4_request")
    sts = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(creq.encode()).hexdigest()}"
    prev = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    auth = f"AWS4-HMAC-SHA256 Credential={rt.site.access_key}/{scope}, SignedHeaders={';'.join(signed)}, " \
           f"Signature={prev}"
    body = b""
    for chunk in chunks + [b""]:
        csts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, sigv4.EMPTY_SHA256,
                          hashlib.sha256(chunk).hexdigest()])
        prev = hmac.new(key, csts.encode(), hashlib.sha256).hexdigest()
        data = chunk.replace(b"a", b"A") if tamper else chunk
        body += f"{len(chunk):x};chunk-signature={prev}\r\n".encode() + data + b"\r\n"
    return requests.put(rt.url + path, data=body, headers={**headers, "Authorization": auth}, timeout=5)


def test_signed_streaming_upload(core_lab: Lab, core_s3: Any) -> None:
    core_s3.create_bucket(Bucket="stream")
    chunks = [b"a" * 65536, b"b" * 1000]
    r = _streaming_put(core_lab.source, "/stream/obj", chunks)
    assert r.status_code == 200, r.text
    assert core_s3.get_object(Bucket="stream", Key="obj")["Body"].read() == b"".join(chunks)
    r = _streaming_put(core_lab.source, "/stream/obj2", chunks, tamper=True)
    assert r.status_code == 403 and "SignatureDoesNotMatch" in r.text


def test_boto3_unsigned_trailer_upload_is_decoded(core_lab: Lab, core_s3: Any) -> None:
    core_s3.create_bucket(Bucket="trailer")
    body = bytes(range(256)) * 300
    r = core_s3.put_object(Bucket="trailer", Key="bin", Body=body)
    assert r["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    stored = core_lab.call(lambda: core_lab.source.site.buckets["trailer"].latest("bin").data)
    assert stored == body


def test_canonical_query() -> None:
    assert sigv4.canonical_query("replication-reset&arn=arn%3Aminio%3Ax&older-than=168ns") == \
        "arn=arn%3Aminio%3Ax&older-than=168ns&replication-reset="
    assert sigv4.canonical_query("b=2&a=1&a=0&c") == "a=0&a=1&b=2&c="
    assert sigv4.canonical_query("prefix=a%20b%2Fc~") == "prefix=a%20b%2Fc~"


def test_decode_rejects_truncated_body() -> None:
    with pytest.raises(sigv4.SigV4Error):
        sigv4.decode_aws_chunked(b"10\r\nshort")
    payload, trailers = sigv4.decode_aws_chunked(b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n")
    assert payload == b"abc" and trailers == {"x-amz-checksum-crc32": "AAAA"}
