"""--clear-checksum never changes what clients read (issue "Real-server fidelity, round 2", item 0).

A copy of a version onto itself becomes the key's new *latest* version (facts §22). Copying a
noncurrent version would revert the key to older content, copying a version whose key's latest is a
delete marker would bring a deleted object back. Only a version that is its key's latest may be
copied, re-checked right before the copy; every other FAILED version is refused with its reason.
"""

from __future__ import annotations

import uuid
from typing import Any, Optional

from recovery_tui.lab.scenarios import arn_for
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.backlog import run_backlog
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.models import LatestVersion

from .conftest import put_versions


def _vid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _latest(lab: Any, site: str, key: str) -> tuple[str, str, bool]:
    b = lab.site(site).site.buckets["data"]

    def read() -> tuple[str, str, bool]:
        vs = [v for v in b.iter_versions(key) if v.key == key]
        v = vs[0]  # newest first
        return v.version_id, v.etag or "", v.delete_marker

    return lab.call(read)


def _three_kinds(lab: Any, p: str) -> dict[str, str]:
    """Under prefix `p`: a key whose FAILED version is its latest; a key whose FAILED version is
    noncurrent (a newer COMPLETED version exists); a key whose FAILED version sits under a delete marker."""
    arn = arn_for(lab.target)
    put_versions(lab, "source", "data", [(f"{p}latest", _vid(f"{p}L"), b"current", False, 5)], status="FAILED", arn=arn)
    put_versions(lab, "source", "data", [(f"{p}old", _vid(f"{p}O1"), b"older", False, 9)], status="FAILED", arn=arn)
    put_versions(lab, "source", "data", [(f"{p}old", _vid(f"{p}O2"), b"newer", False, 2)], status="COMPLETED", arn=arn)
    put_versions(lab, "source", "data", [(f"{p}gone", _vid(f"{p}G1"), b"deleted", False, 9)], status="FAILED", arn=arn)
    put_versions(lab, "source", "data", [(f"{p}gone", _vid(f"{p}G2"), b"", True, 2)], status="COMPLETED", arn=arn)
    return {"latest": _vid(f"{p}L"), "old": _vid(f"{p}O1"), "gone": _vid(f"{p}G1")}


def _service(lab: Any) -> RecoveryService:
    return RecoveryService(AliasBook(dict(lab.env())))


def test_only_the_latest_version_is_copied_and_reads_stay_the_same(lab: Any) -> None:
    vids = _three_kinds(lab, "cc1/")
    before = {k: _latest(lab, "source", f"cc1/{k}") for k in ("latest", "old", "gone")}
    r = run_backlog(_service(lab), BucketPath("source", "data", "cc1/"), clear_checksum=True)
    assert (r.total, r.processed, r.new_versions, r.refused, r.failed) == (3, 1, 1, 2, 0)
    assert not r.ok  # refused versions are left FAILED: never a plain success
    refused = {f.item.version_id: f.reason for f in r.refusals}
    assert set(refused) == {vids["old"], vids["gone"]}
    assert "not the key's latest version" in refused[vids["old"]]
    assert "delete marker" in refused[vids["gone"]]
    after = {k: _latest(lab, "source", f"cc1/{k}") for k in ("latest", "old", "gone")}
    assert after["old"] == before["old"] and after["gone"] == before["gone"]  # untouched
    # the copied key serves the same content (same ETag, not a delete marker) under a new version ID
    assert after["latest"][1:] == before["latest"][1:] and after["latest"][0] != before["latest"][0]


def test_dry_run_shows_what_would_be_copied_and_what_refused(lab: Any) -> None:
    vids = _three_kinds(lab, "cc2/")
    r = run_backlog(_service(lab), BucketPath("source", "data", "cc2/"), clear_checksum=True, dry_run=True)
    assert [i.version_id for i in r.items] == [vids["latest"]]
    assert {f.item.version_id for f in r.refusals} == {vids["old"], vids["gone"]} and r.refused == 2
    assert r.new_versions == 0 and _latest(lab, "source", "cc2/latest")[0] == vids["latest"]


def test_validate_picks_a_version_that_may_be_copied(lab: Any) -> None:
    vids = _three_kinds(lab, "cc3/")
    r = run_backlog(_service(lab), BucketPath("source", "data", "cc3/"), clear_checksum=True, validate_one=True)
    assert [i.version_id for i in r.items] == [vids["latest"]] and r.new_versions == 1


def test_a_write_between_listing_and_copy_is_never_overwritten(lab: Any) -> None:
    """A client writes the key after the diff listed its FAILED latest version: the re-check right before
    the copy sees the new latest and refuses, so the client's write stays the latest."""
    arn = arn_for(lab.target)
    put_versions(lab, "source", "data", [("cc4/k", _vid("cc4/a"), b"v1", False, 5)], status="FAILED", arn=arn)

    class ClientWritesFirst(RecoveryService):
        def latest_version(self, alias: str, bucket: str, key: str) -> Optional[LatestVersion]:
            self.site(alias).s3.put_object(Bucket=bucket, Key=key, Body=b"written by a client meanwhile")
            return super().latest_version(alias, bucket, key)

    svc = ClientWritesFirst(AliasBook(dict(lab.env())))
    r = run_backlog(svc, BucketPath("source", "data", "cc4/"), clear_checksum=True)
    assert (r.processed, r.refused, r.new_versions) == (0, 1, 0)
    got = svc.site("source").s3.get_object(Bucket="data", Key="cc4/k")["Body"].read()
    assert got == b"written by a client meanwhile"
