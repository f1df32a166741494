"""Raw request signing (§9.1): X-Amz-Content-SHA256 present, service `s3`, AWS query canonicalisation.

The signature is re-derived here by an independent SigV4 implementation (hashlib/hmac), so a request
that botocore signed differently from what is sent would fail.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote, unquote, urlsplit

from recovery_tui.service.aliases import Alias
from recovery_tui.service.http import SignedHttp, encode_query
from recovery_tui.service.secrets import Secret

from . import samples as S

SECRET = "labSecretKey-0123456789"
EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _alias() -> Alias:
    return Alias(name="source", url="http://127.0.0.1:9000", access_key="labaccess", secret_key=Secret(SECRET))


def _canonical_query(raw: str) -> str:
    pairs = []
    for part in raw.split("&") if raw else []:
        k, _, v = part.partition("=")
        pairs.append((quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _verify(method: str, url: str, headers: dict[str, str], secret: str) -> dict[str, str]:
    auth = headers["Authorization"]
    algo, _, rest = auth.partition(" ")
    assert algo == "AWS4-HMAC-SHA256"
    fields = dict(p.strip().split("=", 1) for p in rest.split(","))
    access, date, region, service, term = fields["Credential"].split("/")
    signed = fields["SignedHeaders"].split(";")
    lower = {k.lower(): v for k, v in headers.items()}
    parts = urlsplit(url)
    lower.setdefault("host", parts.netloc)
    canonical = "\n".join([
        method,
        parts.path,
        _canonical_query(parts.query),
        "".join(f"{h}:{lower[h].strip()}\n" for h in signed),
        ";".join(signed),
        lower["x-amz-content-sha256"],
    ])
    scope = f"{date}/{region}/{service}/{term}"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", lower["x-amz-date"], scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, term):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    assert fields["Signature"] == expected
    return {"access": access, "region": region, "service": service, "signed": ";".join(signed),
            "canonical_query": _canonical_query(parts.query)}


def test_resync_start_is_signed_as_s3_with_content_sha() -> None:
    http = SignedHttp(_alias(), region="us-east-1")
    req = http.prepare("PUT", "/src", [("replication-reset", ""), ("arn", S.ARN), ("older-than", "168ns"),
                                       ("reset-id", "r-1")])
    headers = dict(req.headers.items())
    assert headers["X-Amz-Content-SHA256"] == EMPTY_SHA
    # colons of the ARN are percent-encoded in what is sent, and the flag is sent as `replication-reset=`
    assert "arn=arn%3Aminio%3Areplication%3A%3A" in req.url and "?replication-reset=&" in req.url
    info = _verify("PUT", req.url, headers, SECRET)
    assert info["service"] == "s3" and info["region"] == "us-east-1" and info["access"] == "labaccess"
    assert "x-amz-content-sha256" in info["signed"].split(";")
    assert info["canonical_query"].startswith("arn=arn%3Aminio%3Areplication%3A%3A5a2f")
    assert "&replication-reset=&reset-id=r-1" in info["canonical_query"]
    assert SECRET not in req.url + "".join(headers.values())


def test_admin_request_with_empty_type_and_body_hash() -> None:
    http = SignedHttp(_alias())
    req = http.prepare("GET", "/minio/admin/v3/list-remote-targets", [("bucket", "data"), ("type", "")])
    assert req.url.endswith("/minio/admin/v3/list-remote-targets?bucket=data&type=")
    info = _verify("GET", req.url, dict(req.headers.items()), SECRET)
    assert info["canonical_query"] == "bucket=data&type="
    body = b'{"x":1}'
    post = http.prepare("POST", "/minio/admin/v3/replication/diff", [("bucket", "data"), ("prefix", "a b/c")], body)
    assert post.headers["X-Amz-Content-SHA256"] == hashlib.sha256(body).hexdigest()
    assert "prefix=a%20b%2Fc" in post.url
    _verify("POST", post.url, dict(post.headers.items()), SECRET)


def test_wrong_secret_does_not_verify_and_token_is_sent() -> None:
    alias = Alias(name="t", url="http://127.0.0.1:9000", access_key="ak", secret_key=Secret("right-secret"),
                  session_token=Secret("tok-123456"))
    req = SignedHttp(alias).prepare("GET", "/b", [("replication", "")])
    assert req.headers["X-Amz-Security-Token"] == "tok-123456"
    try:
        _verify("GET", req.url, dict(req.headers.items()), "wrong-secret")
    except AssertionError:
        pass
    else:
        raise AssertionError("a signature made with another secret verified")


def test_encode_query_rules() -> None:
    assert encode_query([("replication-reset", ""), ("arn", "arn:minio:replication::id:b")]) == (
        "replication-reset=&arn=arn%3Aminio%3Areplication%3A%3Aid%3Ab"
    )
    assert encode_query([("k", "a~b_c-d.e f+g")]) == "k=a~b_c-d.e%20f%2Bg"
