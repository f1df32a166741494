"""Fixtures for the lab tests: an in-process lab on ephemeral ports and client factories."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.config import Config

from recovery_tui.lab.server import Lab, SiteRuntime


def boto3_client(rt: SiteRuntime, *, access_key: str = "", secret_key: str = "", region: str = "us-east-1",
                 verify: Any = None, retries: int = 1, timeout: float = 5.0) -> Any:
    """A boto3 S3 client for a lab site (path-style, no retries by default)."""
    return boto3.client(
        "s3", endpoint_url=rt.url, region_name=region, verify=verify,
        aws_access_key_id=access_key or rt.site.access_key,
        aws_secret_access_key=secret_key or rt.site.secret_key,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": retries, "mode": "standard"},
                      connect_timeout=timeout, read_timeout=timeout))


@pytest.fixture(scope="module")
def core_lab() -> Iterator[Lab]:
    """One empty lab (no scenario) per test module."""
    lab = Lab(scenario=None).start()
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def core_s3(core_lab: Lab) -> Any:
    """boto3 client on the lab's source site."""
    return boto3_client(core_lab.source)


@pytest.fixture
def core_bucket(core_lab: Lab, core_s3: Any, request: pytest.FixtureRequest) -> str:
    """A fresh versioned bucket on the source site, named after the test."""
    name = "b-" + "".join(c if c.isalnum() else "-" for c in request.node.name.lower())[:50].strip("-")
    core_s3.create_bucket(Bucket=name)
    core_s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture(scope="module")
def core_make_client() -> Callable[..., Any]:
    return boto3_client
