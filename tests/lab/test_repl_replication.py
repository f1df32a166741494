"""Active-active replication in the lab, driven with boto3: IDs, mtimes, ETags, statuses, faults."""

from __future__ import annotations

from typing import Any

from helpers.labkit import drain_replication
from helpers.waiting import wait_until
from recovery_tui.lab.server import Lab

from fixtures_repl import BUCKET, arn_of, raw, repl_lab, s3  # noqa: F401


def _status(client: Any, key: str, vid: str) -> str:
    return client.head_object(Bucket=BUCKET, Key=key, VersionId=vid).get("ReplicationStatus", "")


def test_put_replicates_with_same_version_mtime_etag(repl_lab: Lab) -> None:
    src, dst = s3(repl_lab.source), s3(repl_lab.target)
    key = "new/ünïcødé report.txt"
    vid = src.put_object(Bucket=BUCKET, Key=key, Body=b"payload-1", Metadata={"owner": "ops"})["VersionId"]
    wait_until(lambda: _status(src, key, vid) == "COMPLETED")
    a = src.head_object(Bucket=BUCKET, Key=key, VersionId=vid)
    b = dst.head_object(Bucket=BUCKET, Key=key, VersionId=vid)
    assert b["ReplicationStatus"] == "REPLICA"
    assert a["ETag"] == b["ETag"]
    assert a["LastModified"] == b["LastModified"]
    assert b["Metadata"] == {"owner": "ops"}
    assert dst.get_object(Bucket=BUCKET, Key=key, VersionId=vid)["Body"].read() == b"payload-1"
    # the replica is never replicated back
    drain_replication(repl_lab)
    assert repl_lab.target.replicator.metrics.bucket(BUCKET).target(arn_of(repl_lab, "target")).replicated_count == 0


def test_active_active_other_direction(repl_lab: Lab) -> None:
    src, dst = s3(repl_lab.source), s3(repl_lab.target)
    vid = dst.put_object(Bucket=BUCKET, Key="from-target.txt", Body=b"x")["VersionId"]
    wait_until(lambda: _status(dst, "from-target.txt", vid) == "COMPLETED")
    assert _status(src, "from-target.txt", vid) == "REPLICA"


def test_delete_marker_and_versioned_delete_replicate(repl_lab: Lab) -> None:
    src, dst = s3(repl_lab.source), s3(repl_lab.target)
    vid = src.put_object(Bucket=BUCKET, Key="dm/key.txt", Body=b"v1")["VersionId"]
    wait_until(lambda: _status(src, "dm/key.txt", vid) == "COMPLETED")
    dm = src.delete_object(Bucket=BUCKET, Key="dm/key.txt")
    assert dm["DeleteMarker"] is True

    def marker_on_target() -> bool:
        vs = dst.list_object_versions(Bucket=BUCKET, Prefix="dm/").get("DeleteMarkers", [])
        return any(m["VersionId"] == dm["VersionId"] for m in vs)
    wait_until(marker_on_target)
    # HEAD on a delete-marker version answers 405 on both sides
    r = raw(repl_lab.target, "HEAD", "/data/dm/key.txt", [("versionId", dm["VersionId"])])
    assert r.status == 405
    # a versioned delete (DeleteReplication Enabled) removes the version on the target too
    src.delete_object(Bucket=BUCKET, Key="dm/key.txt", VersionId=vid)

    def gone() -> bool:
        vs = dst.list_object_versions(Bucket=BUCKET, Prefix="dm/").get("Versions", [])
        return all(v["VersionId"] != vid for v in vs)
    wait_until(gone)


def test_fault_fails_then_head_requeues(repl_lab: Lab) -> None:
    src, dst = s3(repl_lab.source), s3(repl_lab.target)
    repl_lab.faults.fail_replication("flaky/*")
    vid = src.put_object(Bucket=BUCKET, Key="flaky/a.bin", Body=b"abc")["VersionId"]
    wait_until(lambda: _status(src, "flaky/a.bin", vid) == "FAILED")
    # no automatic retry storm: nothing is queued again, it stays FAILED
    drain_replication(repl_lab)
    assert _status(src, "flaky/a.bin", vid) == "FAILED"
    repl_lab.faults.clear_replication_failures()
    # HEAD triggers re-queueing (§8); the next HEAD sees COMPLETED
    wait_until(lambda: _status(src, "flaky/a.bin", vid) == "COMPLETED", interval=0.05)
    assert dst.head_object(Bucket=BUCKET, Key="flaky/a.bin", VersionId=vid)["ReplicationStatus"] == "REPLICA"
    m = repl_lab.source.replicator.metrics.bucket(BUCKET).target(arn_of(repl_lab))
    assert m.failed.total_count >= 1 and m.replicated_count >= 1


def test_target_offline_fails_and_health_reflects_it(repl_lab: Lab) -> None:
    src = s3(repl_lab.source)
    repl_lab.faults.set_offline("target", True)
    vid = src.put_object(Bucket=BUCKET, Key="off/a.txt", Body=b"abc")["VersionId"]
    wait_until(lambda: _status(src, "off/a.txt", vid) == "FAILED")
    tgt = repl_lab.source.site.targets[BUCKET][0]
    wait_until(lambda: tgt.online is False)
    repl_lab.faults.set_offline("target", False)
    wait_until(lambda: tgt.online is True, timeout=5)
    assert tgt.total_downtime_ns > 0 and tgt.offline_count >= 1
    wait_until(lambda: _status(src, "off/a.txt", vid) == "COMPLETED", interval=0.05)
