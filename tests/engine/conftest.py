"""Fixtures for the engine tests: a lab, crafted versioned buckets written straight into its store,
and a RecoveryService over `lab.env()`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, Optional

import pytest

from recovery_tui.lab import store
from recovery_tui.lab.server import Lab
from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.retry import RetryPolicy

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
FAST_FAIL = RetryPolicy(name="TEST_FAST", attempts=1, retry_connection_errors=False)
"""No retries, so a site going offline fails a listing at once."""


def service_for(lab: Lab, *, retry: Optional[RetryPolicy] = None) -> RecoveryService:
    env = dict(lab.env())
    kw: dict[str, Any] = {"retry": retry} if retry is not None else {}
    return RecoveryService(AliasBook(env), **kw)


def make_bucket(lab: Lab, name: str, sites: Iterable[str] = ("source", "target"), versioning: str = "Enabled") -> None:
    def create() -> None:
        for s in sites:
            site = lab.site(s).site
            site.buckets[name] = store.Bucket(name, versioning=versioning)

    lab.call(create)


Spec = tuple[str, str, bytes, bool, int]
"""(key, version_id, data, delete_marker, age_minutes): age gives newest-first order within a key."""


def put_versions(lab: Lab, site: str, bucket: str, specs: Iterable[Spec], *, status: str = "",
                 arn: str = "", etag: Optional[str] = None) -> None:
    """Write versions straight into a site's store (on the lab's loop thread)."""
    specs = list(specs)

    def write() -> None:
        b = lab.site(site).site.buckets[bucket]
        vs = []
        for key, vid, data, dm, age in specs:
            v = store.Version(key, vid, data, last_modified=T0 - timedelta(minutes=age), delete_marker=dm,
                              etag=etag, replication_status=status)
            if arn and status:
                v.target_status = {arn: status}
            vs.append(v)
        for v in vs:
            b.add_version(v)

    lab.call(write)


def remove_version(lab: Lab, site: str, bucket: str, key: str, vid: str) -> None:
    lab.call(lambda: lab.site(site).site.buckets[bucket].remove_version(key, vid))


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    """A lab with the healthy pair (bucket `data`, targets and rules both ways) per module."""
    lab = Lab(scenario="healthy", objects=3).start()
    try:
        yield lab
    finally:
        lab.stop()
