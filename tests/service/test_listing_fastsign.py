"""`FastSigner` (the signing path `SignedHttp.send` uses) gives botocore's S3SigV4Auth headers exactly."""

from __future__ import annotations

import datetime

import botocore.auth
import pytest

from recovery_tui.service.aliases import Alias
from recovery_tui.service.http import SignedHttp, encode_path, encode_query
from recovery_tui.service.secrets import Secret

STAMP = "20260102T030405Z"
CASES = [
    ("GET", "/data", [("max-keys", "1000"), ("versions", "")], b"", {}),
    ("HEAD", "/data/dir/ünïcode key+(1).txt", [("versionId", "3f2a-null")], b"", {}),
    ("PUT", "/data/o", [], b"payload bytes", {"Content-Type": "application/json", "x-amz-meta-a": "  two  spaces "}),
    ("POST", "/minio/admin/v3/replication/diff", [("bucket", "data"), ("arn", "arn:minio:replication::id:b")],
     b"{}", {"User-Agent": "not signed"}),
]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000", "https://s3.example.com", "http://host.example:80"])
@pytest.mark.parametrize("token", [None, "session-token-value"])
@pytest.mark.parametrize("case", CASES)
def test_fast_signer_matches_botocore(monkeypatch, url, token, case) -> None:
    method, path, query, body, headers = case
    alias = Alias(name="s", url=url, access_key="AKIA", secret_key=Secret("sec/ret+key"),
                  session_token=Secret(token) if token else None)
    http = SignedHttp(alias, region="eu-west-3")
    fixed = datetime.datetime.strptime(STAMP, "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: fixed)
    want = dict(http.prepare(method, path, query, body, headers).headers.items())
    got = http.signer.sign(method, encode_path(path), encode_query(query), body, headers, amz_date=STAMP)
    assert got == want
    # the derived key is cached per day and still right on the next call and a new day
    assert http.signer.sign(method, encode_path(path), encode_query(query), body, headers, amz_date=STAMP) == want
    other = http.signer.sign(method, encode_path(path), encode_query(query), body, headers,
                             amz_date="20260103T000000Z")
    assert other["Authorization"] != want["Authorization"] and "/20260103/eu-west-3/s3/" in other["Authorization"]
