"""Helpers and fixtures for the replication/resync/admin/scenario lab tests.

Import into a test module with `from fixtures_repl import ...` (pytest puts tests/lab on sys.path; fixtures
are named `repl_*`), so they do not clash with the core's `conftest.py`. Waits use `helpers.waiting`.
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Optional
from urllib.parse import quote

import boto3
import pytest
import urllib3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from helpers.waiting import wait_until
from recovery_tui.lab.server import Lab, SiteRuntime

BUCKET = "data"
_HTTP = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=3, read=10))


def s3(rt: SiteRuntime) -> Any:
    """boto3 S3 client for a site (path-style, one attempt)."""
    return boto3.client("s3", endpoint_url=rt.url, region_name="us-east-1",
                        aws_access_key_id=rt.site.access_key, aws_secret_access_key=rt.site.secret_key,
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                      connect_timeout=3, read_timeout=10))


class Raw:
    """A raw signed response."""

    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return json.loads(self.body)


def raw(rt: SiteRuntime, method: str, path: str, params: Optional[list[tuple[str, str]]] = None,
        *, preload: bool = True) -> Any:
    """Sign with botocore's S3SigV4Auth and send with urllib3 (query values percent-encoded)."""
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in (params or []))
    url = rt.url + path + (f"?{query}" if query else "")
    req = AWSRequest(method=method, url=url, data=b"")
    S3SigV4Auth(Credentials(rt.site.access_key, rt.site.secret_key), "s3", "us-east-1").add_auth(req)
    resp = _HTTP.request(method, url, headers=dict(req.headers), preload_content=preload)
    if not preload:
        return resp
    return Raw(resp.status, resp.headers, resp.data)


def arn_of(lab: Lab, site: str = "source") -> str:
    return lab.site(site).site.targets[BUCKET][0].arn


def version_set(rt: SiteRuntime) -> set[tuple[str, str]]:
    """(key, versionId) of every version and delete marker, listed through boto3."""
    out: set[tuple[str, str]] = set()
    for page in s3(rt).get_paginator("list_object_versions").paginate(Bucket=BUCKET):
        for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
            out.add((v["Key"], v["VersionId"]))
    return out


def resync_status(lab: Lab, arn: str = "") -> dict[str, Any]:
    params = [("replication-reset-status", "")] + ([("arn", arn)] if arn else [])
    r = raw(lab.source, "GET", f"/{BUCKET}", params)
    assert r.status == 200, r.text
    return r.json()


def start_resync(lab: Lab, arn: Optional[str], older_than: Optional[str] = None, reset_id: str = "rid-1",
                 bucket: str = BUCKET, site: str = "source") -> Raw:
    params = [("replication-reset", "")]
    if arn is not None:
        params.append(("arn", arn))
    if older_than is not None:
        params.append(("older-than", older_than))
    params.append(("reset-id", reset_id))
    return raw(lab.site(site), "PUT", f"/{bucket}", params)


def wait_resync_done(lab: Lab, arn: str, timeout: float = 20.0) -> dict[str, Any]:
    def done() -> Any:
        doc = resync_status(lab, arn)
        t = doc.get("target", [{}])[0]
        return t if t.get("resyncStatus") in ("Completed", "Failed", "Canceled") else None
    return wait_until(done, timeout, what=f"resync of {arn} finished")


def make_lab(scenario: Optional[str] = "healthy", **kw: Any) -> Lab:
    lab = Lab(scenario=scenario, **kw).start()
    for rt in (lab.source, lab.target):
        rt.replicator.resync.delay = 0  # type: ignore[attr-defined]
    return lab


@pytest.fixture
def repl_lab() -> Iterator[Lab]:
    """A fresh healthy lab per test."""
    lab = make_lab("healthy")
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def repl_partial() -> Iterator[Lab]:
    """A fresh partial-loss lab per test."""
    lab = make_lab("partial-loss")
    try:
        yield lab
    finally:
        lab.stop()
