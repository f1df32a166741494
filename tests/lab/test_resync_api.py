"""Resync start/status/cancel (§3/§4/§5a) against the lab: every error in its XML or JSON form."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest

from helpers.waiting import wait_until
from recovery_tui.lab import store
from recovery_tui.lab.server import Lab

from fixtures_repl import (  # noqa: F401
    BUCKET,
    Raw,
    arn_of,
    make_lab,
    raw,
    repl_lab,
    repl_partial,
    resync_status,
    s3,
    start_resync,
    version_set,
    wait_resync_done,
)


def xml_code(r: Raw) -> str:
    assert r.headers["Content-Type"].startswith("application/xml"), r.text
    assert r.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Error>')
    return ET.fromstring(r.body).findtext("Code") or ""


def json_err(r: Raw) -> dict[str, Any]:
    assert r.headers["Content-Type"].startswith("application/json"), r.text
    assert r.text.endswith("\n")
    return r.json()


def test_success_body_and_status_lifecycle(repl_partial: Lab) -> None:
    lab = repl_partial
    arn = arn_of(lab)
    assert resync_status(lab) == {}
    missing = version_set(lab.source) - version_set(lab.target)
    assert missing
    r = start_resync(lab, arn, reset_id="reset-xyz")
    assert r.status == 200
    assert r.text == ('{"target":[{"arn":"%s","resetid":"reset-xyz","startTime":"0001-01-01T00:00:00Z",'
                      '"endTime":"0001-01-01T00:00:00Z","completedReplicationSize":0,"failedReplicationSize":0,'
                      '"failedReplicationCount":0,"replicationCount":0}]}' % arn)
    t = wait_resync_done(lab, arn)
    assert list(t) == ["arn", "resetid", "startTime", "endTime", "resyncStatus", "completedReplicationSize",
                       "failedReplicationSize", "failedReplicationCount", "replicationCount", "bucket", "object"]
    assert t["resyncStatus"] == "Completed" and t["bucket"] == BUCKET and t["resetid"] == "reset-xyz"
    src = lab.source.site.buckets[BUCKET]
    # Faithful to MinIO: every eligible version (incl. delete markers) is verified and counted ...
    assert t["replicationCount"] == src.count_versions()
    assert t["completedReplicationSize"] == sum(v.size for v in src.iter_versions())
    assert t["failedReplicationCount"] == 0 and t["failedReplicationSize"] == 0
    # ... but only the missing ones were transferred (metrics count real transfers)
    m = lab.source.replicator.metrics.bucket(BUCKET).target(arn)
    assert m.replicated_count == len(missing)
    assert version_set(lab.source) == version_set(lab.target)
    assert t["endTime"] >= t["startTime"] != "0001-01-01T00:00:00Z"
    # unknown arn → {}
    assert resync_status(lab, "arn:minio:replication::nope:data") == {}


def test_older_than_unit_trap(repl_lab: Lab) -> None:
    arn = arn_of(repl_lab)
    assert start_resync(repl_lab, arn, older_than="168ns").status == 200
    tgt = repl_lab.source.site.targets[BUCKET][0]
    assert tgt.reset_before is not None
    expected = store.utcnow() - timedelta(days=7)
    assert abs((tgt.reset_before - expected).total_seconds()) < 60
    wait_resync_done(repl_lab, arn)
    # only versions older than 7 days were processed
    src = repl_lab.source.site.buckets[BUCKET]
    old = [v for v in src.iter_versions() if v.last_modified < tgt.reset_before]
    assert resync_status(repl_lab, arn)["target"][0]["replicationCount"] == len(old) < src.count_versions()


def test_older_than_decimal_micro(repl_lab: Lab) -> None:
    assert start_resync(repl_lab, arn_of(repl_lab), older_than="1.44µs").status == 200
    tgt = repl_lab.source.site.targets[BUCKET][0]
    assert abs((store.utcnow() - timedelta(days=60) - tgt.reset_before).total_seconds()) < 60


def test_bad_older_than_is_xml_invalid_argument(repl_lab: Lab) -> None:
    r = start_resync(repl_lab, arn_of(repl_lab), older_than="7d")
    assert r.status == 400 and xml_code(r) == "InvalidArgument"
    msg = ET.fromstring(r.body).findtext("Message") or ""
    assert msg.startswith("Invalid arguments provided for data/: (invalid query parameter older-than 7d")
    assert 'unknown unit "d"' in msg


def test_xml_errors_in_order(repl_lab: Lab) -> None:
    lab = repl_lab
    arn = arn_of(lab)
    r = start_resync(lab, arn, bucket="nosuch")
    assert (r.status, xml_code(r)) == (404, "NoSuchBucket")
    src = s3(lab.source)
    src.create_bucket(Bucket="plain")
    src.put_bucket_versioning(Bucket="plain", VersioningConfiguration={"Status": "Enabled"})
    r = start_resync(lab, arn, bucket="plain")
    assert (r.status, xml_code(r)) == (404, "ReplicationConfigurationNotFoundError")
    r = start_resync(lab, "arn:minio:replication::other:data")
    assert (r.status, xml_code(r)) == (404, "XMinioAdminRemoteTargetNotFoundError")
    src.put_bucket_replication(Bucket=BUCKET, ReplicationConfiguration={"Role": "", "Rules": [{
        "ID": "r1", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": ""},
        "DeleteMarkerReplication": {"Status": "Enabled"}, "Destination": {"Bucket": arn}}]})
    r = start_resync(lab, arn)
    assert (r.status, xml_code(r)) == (400, "XMinioReplicationNoExistingObjects")


def test_access_denied_is_xml(repl_lab: Lab) -> None:
    lab = repl_lab
    lab.call(lambda: lab.source.site.users.__setitem__("reader", ("reader-secret-123", frozenset({"s3:Get*"}))))
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from fixtures_repl import _HTTP
    url = f"{lab.source.url}/data?replication-reset=&reset-id=x"
    req = AWSRequest(method="PUT", url=url, data=b"")
    S3SigV4Auth(Credentials("reader", "reader-secret-123"), "s3", "us-east-1").add_auth(req)
    resp = _HTTP.request("PUT", url, headers=dict(req.headers))
    r = Raw(resp.status, resp.headers, resp.data)
    assert (r.status, xml_code(r)) == (403, "AccessDenied")


def test_disabled_rule_is_json_bad_request(repl_lab: Lab) -> None:
    arn = arn_of(repl_lab)
    s3(repl_lab.source).put_bucket_replication(Bucket=BUCKET, ReplicationConfiguration={"Role": "", "Rules": [{
        "ID": "r1", "Status": "Disabled", "Priority": 1, "Filter": {"Prefix": ""},
        "ExistingObjectReplication": {"Status": "Enabled"},
        "DeleteMarkerReplication": {"Status": "Enabled"}, "Destination": {"Bucket": arn}}]})
    r = start_resync(repl_lab, arn)
    e = json_err(r)
    assert r.status == 400 and e["Code"] == "BadRequest"
    assert e["Message"] == (f"400 BadRequest (Invalid arguments provided for data/: (Remote target ARN {arn} "
                            "missing or ineligible for replication resync))")


def test_empty_arn_rewrites_reset_id_then_fails(repl_lab: Lab) -> None:
    tgt = repl_lab.source.site.targets[BUCKET][0]
    assert tgt.reset_id == ""
    r = start_resync(repl_lab, None, reset_id="quirk-1")
    e = json_err(r)
    assert r.status == 400 and e["Code"] == "BadRequest"
    assert e["Message"] == ("400 BadRequest (Invalid arguments provided for data/: "
                            "(target ARN specified for resync is empty))")
    assert tgt.reset_id == "quirk-1"
    assert resync_status(repl_lab) == {}


def test_target_offline_is_json_503(repl_lab: Lab) -> None:
    repl_lab.faults.set_offline("target", True)
    r = start_resync(repl_lab, arn_of(repl_lab))
    e = json_err(r)
    assert r.status == 503 and e["Code"] == "XMinioAdminReplicationRemoteConnectionError"
    assert e["Message"].startswith("Remote service connection error (Remote service endpoint offline, "
                                   "target bucket: data or remote service credentials: ")
    assert "Retry-After" not in r.headers
    assert repl_lab.source.site.secret_key not in r.text


def test_target_bucket_missing_is_json_404(repl_lab: Lab) -> None:
    repl_lab.call(lambda: repl_lab.target.site.buckets.pop(BUCKET))
    r = start_resync(repl_lab, arn_of(repl_lab))
    assert r.status == 404 and json_err(r)["Code"] == "XMinioAdminRemoteTargetNotFoundError"


def test_target_not_versioned_is_json_400(repl_lab: Lab) -> None:
    repl_lab.call(lambda: setattr(repl_lab.target.site.buckets[BUCKET], "versioning", "Suspended"))
    r = start_resync(repl_lab, arn_of(repl_lab))
    assert r.status == 400 and json_err(r)["Code"] == "RemoteTargetNotVersionedError"


def test_second_start_while_ongoing_is_refused() -> None:
    lab = make_lab("partial-loss")
    try:
        arn = arn_of(lab)
        lab.faults.hold_resync(50)  # the first resync stays Ongoing while the second start is refused
        assert start_resync(lab, arn, reset_id="first").status == 200
        r = start_resync(lab, arn, reset_id="second")
        e = json_err(r)
        assert r.status == 400 and e["Code"] == "BadRequest"
        assert e["Message"] == (f"400 BadRequest (Invalid arguments provided for data/: (Resync of bucket data "
                                f"is already in progress for remote bucket {arn}))")
        wait_until(lab.faults.held_resyncs, what="the first resync at the hold")
        mid = resync_status(lab, arn)["target"][0]
        assert mid["resyncStatus"] == "Ongoing"
        assert mid["resetid"] == "first" and mid["endTime"] != "0001-01-01T00:00:00Z"
        assert start_resync(lab, arn, reset_id="second").status == 400  # still refused while Ongoing
        lab.faults.release_resync()
        assert wait_resync_done(lab, arn)["resyncStatus"] == "Completed"
        assert start_resync(lab, arn, reset_id="third").status == 200  # allowed again once done
        wait_resync_done(lab, arn)
    finally:
        lab.stop()


def test_cancel_aistor_and_community() -> None:
    lab = make_lab("partial-loss", flavor="aistor")
    try:
        arn = arn_of(lab)
        lab.faults.hold_resync(0)  # nothing can complete before the cancel
        assert start_resync(lab, arn, reset_id="to-cancel").status == 200
        r = raw(lab.source, "PUT", "/data", [("replication-reset-cancel", ""), ("arn", arn)])
        assert (r.status, r.text) == (200, "to-cancel")
        assert resync_status(lab, arn)["target"][0]["resyncStatus"] == "Canceled"
    finally:
        lab.stop()
    lab = make_lab("healthy")
    try:
        r = raw(lab.source, "PUT", "/data", [("replication-reset-cancel", ""), ("arn", arn_of(lab))])
        assert (r.status, xml_code(r)) == (409, "BucketAlreadyOwnedByYou")
    finally:
        lab.stop()


@pytest.mark.parametrize("copy_checksum", ["keep", "recompute"])
def test_checksum_failures_need_copy_to_self(copy_checksum: str) -> None:
    """Versions with a broken checksum fail every resync. A copy onto itself replicates only on a server whose
    copy computes a new checksum; community MinIO's metadata-only copy keeps it (§22) and FAILS too."""
    lab = make_lab("checksum-failures", copy_checksum=copy_checksum)
    try:
        arn = arn_of(lab)
        src = lab.source.site.buckets[BUCKET]
        broken = [v for v in src.iter_versions() if v.checksum_broken]
        assert broken and all(v.replication_status == "FAILED" for v in broken)
        assert start_resync(lab, arn).status == 200
        t = wait_resync_done(lab, arn)
        assert t["resyncStatus"] == "Completed" and t["failedReplicationCount"] == len(broken)
        assert t["failedReplicationSize"] == 0
        c = s3(lab.source)
        v = broken[0]
        new = c.copy_object(Bucket=BUCKET, Key=v.key, CopySource={"Bucket": BUCKET, "Key": v.key,
                                                                  "VersionId": v.version_id})["VersionId"]
        want = "COMPLETED" if copy_checksum == "recompute" else "FAILED"
        wait_until(lambda: c.head_object(Bucket=BUCKET, Key=v.key, VersionId=new)["ReplicationStatus"] == want)
        sums = [c.head_object(Bucket=BUCKET, Key=v.key, VersionId=x, ChecksumMode="ENABLED")["ChecksumCRC64NVME"]
                for x in (v.version_id, new)]
        assert (sums[0] == sums[1]) == (copy_checksum == "keep")
    finally:
        lab.stop()


@pytest.mark.parametrize("value", ["", "abc", "7", "1e3ns"])
def test_more_bad_older_than(repl_lab: Lab, value: str) -> None:
    r = start_resync(repl_lab, arn_of(repl_lab), older_than=value)
    if value == "":
        assert r.status == 200  # empty means "not given"
    else:
        assert (r.status, xml_code(r)) == (400, "InvalidArgument")


