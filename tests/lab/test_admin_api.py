"""Admin API (§2/§7/§9.4/§10) and replication metrics (§6) of the lab, read raw."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from helpers.waiting import wait_until
from recovery_tui.lab.server import Lab

from fixtures_repl import BUCKET, arn_of, make_lab, raw, repl_lab, repl_partial, s3  # noqa: F401

TARGET_KEYS = ["sourcebucket", "endpoint", "credentials", "targetbucket", "secure", "path", "api", "arn", "type",
               "region", "replicationSync", "healthCheckDuration", "disableProxy", "resetBeforeDate",
               "totalDowntime", "lastOnline", "isOnline", "latency", "edge", "edgeSyncBeforeExpiry",
               "offlineCount"]


def test_list_remote_targets_shape_and_masking(repl_lab: Lab) -> None:
    r = raw(repl_lab.source, "GET", "/minio/admin/v3/list-remote-targets", [("bucket", BUCKET), ("type", "")])
    assert r.status == 200 and r.headers["Content-Type"].startswith("application/json")
    [t] = r.json()
    assert list(t) == TARGET_KEYS
    assert t["credentials"] == {"accessKey": repl_lab.target.site.access_key, "expiration": "0001-01-01T00:00:00Z"}
    assert repl_lab.target.site.secret_key not in r.text
    assert t["endpoint"] == f"127.0.0.1:{repl_lab.target.port}" and t["type"] == "replication"
    assert t["arn"] == f"arn:minio:replication::{repl_lab.target.site.deployment_id}:data"
    assert t["healthCheckDuration"] == 60_000_000_000 and t["resetBeforeDate"] == "0001-01-01T00:00:00Z"
    assert set(t["latency"]) == {"curr", "avg", "max"}
    wait_until(lambda: raw(repl_lab.source, "GET", "/minio/admin/v3/list-remote-targets",
                         [("bucket", BUCKET), ("type", "")]).json()[0]["isOnline"])


def test_list_remote_targets_null_and_missing_type(repl_lab: Lab) -> None:
    s3(repl_lab.source).create_bucket(Bucket="lonely")
    r = raw(repl_lab.source, "GET", "/minio/admin/v3/list-remote-targets", [("bucket", "lonely"), ("type", "")])
    assert (r.status, r.text) == (200, "null")
    r = raw(repl_lab.source, "GET", "/minio/admin/v3/list-remote-targets", [("bucket", BUCKET)])
    assert r.status == 426 and r.json()["Code"] == "XMinioAdminVersionMismatch"
    assert r.json()["Message"] == "This 'admin' API is not supported by server in 'mode-server-xl'"


def test_admin_v4_only_on_aistor(repl_lab: Lab) -> None:
    r = raw(repl_lab.source, "GET", "/minio/admin/v4/list-remote-targets", [("bucket", BUCKET), ("type", "")])
    assert r.status == 426 and r.json()["Code"] == "XMinioAdminVersionMismatch"
    assert "Unexpected client 'admin' API version found 'v4'" in r.json()["Message"]
    lab = make_lab("healthy", flavor="aistor")
    try:
        r = raw(lab.source, "GET", "/minio/admin/v4/list-remote-targets", [("bucket", BUCKET), ("type", "")])
        assert r.status == 200 and r.json()[0]["arn"] == arn_of(lab)
    finally:
        lab.stop()


def test_diff_stream_lines_and_keepalive(repl_partial: Lab) -> None:
    lab = repl_partial
    lab.faults.fail_replication("diffme/*")
    c = s3(lab.source)
    vids = [c.put_object(Bucket=BUCKET, Key=f"diffme/{i}.txt", Body=b"x")["VersionId"] for i in range(3)]
    wait_until(lambda: all(c.head_object(Bucket=BUCKET, Key=f"diffme/{i}.txt", VersionId=v)
                         .get("ReplicationStatus") == "FAILED" for i, v in enumerate(vids)))
    lab.source.replicator.diff_delay = 0.6  # slow producer → keep-alive spaces appear
    resp = raw(lab.source, "POST", "/minio/admin/v3/replication/diff", [("bucket", BUCKET), ("prefix", "diffme/")],
               preload=False)
    assert resp.status == 200
    body = resp.read().decode()
    assert " " in body.replace("\n", "")  # at least one keep-alive
    entries = [json.loads(line) for line in body.split("\n") if line.strip()]
    assert [e["versionId"] for e in entries] == vids  # key order diffme/0, 1, 2
    e = entries[0]
    assert list(e) == ["object", "versionId", "targets", "rStatus", "replTimestamp", "lastModified", "deletemarker"]
    assert e["rStatus"] == "FAILED" and e["targets"] == {arn_of(lab): {"rStatus": "FAILED"}}
    assert e["replTimestamp"] != "0001-01-01T00:00:00Z" and e["deletemarker"] is False
    assert not body.rstrip(" \n").endswith("]")  # no end marker


def test_diff_verbose_and_errors(repl_lab: Lab) -> None:
    lab = repl_lab
    r = raw(lab.source, "POST", "/minio/admin/v3/replication/diff", [("bucket", BUCKET)])
    assert r.status == 200 and r.text.strip() == ""  # healthy: nothing unreplicated
    r = raw(lab.source, "POST", "/minio/admin/v3/replication/diff", [("bucket", BUCKET), ("verbose", "true")])
    lines = [json.loads(x) for x in r.text.split("\n") if x.strip()]
    assert len(lines) == lab.source.site.buckets[BUCKET].count_versions()
    r = raw(lab.source, "POST", "/minio/admin/v3/replication/diff", [("bucket", "nosuch")])
    assert r.status == 404 and ET.fromstring(r.body).findtext("Code") == "NoSuchBucket"
    r = raw(lab.source, "POST", "/minio/admin/v3/replication/diff", [("bucket", BUCKET), ("arn", "arn:x")])
    assert r.status == 400 and r.json()["Code"] == "InvalidRequest"
    assert r.json()["Message"] == "Invalid Request (invalid arn : 'arn:x')"
    s3(lab.source).create_bucket(Bucket="notargets")
    r = raw(lab.source, "POST", "/minio/admin/v3/replication/diff", [("bucket", "notargets")])
    assert r.status == 404 and ET.fromstring(r.body).findtext("Code") == "XMinioAdminRemoteTargetNotFoundError"
    r = raw(lab.source, "POST", "/minio/admin/v3/replication/diff", [])
    assert r.status == 426


def test_info(repl_lab: Lab) -> None:
    r = raw(repl_lab.source, "GET", "/minio/admin/v3/info")
    d = r.json()
    assert d["mode"] == "online" and d["deploymentID"] == repl_lab.source.site.deployment_id
    b = repl_lab.source.site.buckets[BUCKET]
    dms = sum(v.delete_marker for v in b.iter_versions())
    assert d["buckets"] == {"count": 1} and d["deletemarkers"] == {"count": dms}
    assert d["versions"] == {"count": b.count_versions() - dms}
    assert d["servers"][0]["state"] == "online"


def test_metrics_v2_v1_and_missing_config(repl_lab: Lab) -> None:
    lab = repl_lab
    c = s3(lab.source)
    vid = c.put_object(Bucket=BUCKET, Key="m/1.txt", Body=b"12345")["VersionId"]
    wait_until(lambda: c.head_object(Bucket=BUCKET, Key="m/1.txt", VersionId=vid)["ReplicationStatus"] == "COMPLETED")
    r = raw(lab.source, "GET", f"/{BUCKET}", [("replication-metrics", "2")])
    assert r.status == 200 and r.text.endswith("\n")
    d = r.json()
    assert list(d) == ["uptime", "currStats", "queueStats", "proxyStats"]
    cs = d["currStats"]
    arn = arn_of(lab)
    assert cs["Stats"][arn]["replicationCount"] == 1 and cs["Stats"][arn]["completedReplicationSize"] == 5
    assert cs["replicationCount"] == 1 and set(cs["queued"]) == {"curr", "avg", "max"}
    assert set(cs["failed"]) == {"lastMinute", "lastHour", "totals"}
    for k in ("pendingReplicationSize", "failedReplicationSize", "pendingReplicationCount", "failedReplicationCount"):
        assert cs[k] == 0
    node = d["queueStats"]["nodes"][0]
    assert {"nodeName", "uptime", "activeWorkers", "transferSummary", "tgtTransferStats", "queueStats",
            "mrfStats"} <= set(node)
    # the receiving side counts the replica
    t = raw(lab.target, "GET", f"/{BUCKET}", [("replication-metrics", "2")]).json()
    assert t["currStats"]["replicaCount"] == 1 and t["currStats"]["replicaSize"] == 5
    v1 = raw(lab.source, "GET", f"/{BUCKET}", [("replication-metrics", "")]).json()
    assert "Stats" in v1 and "uptime" not in v1
    c.create_bucket(Bucket="noconf")
    r = raw(lab.source, "GET", "/noconf", [("replication-metrics", "2")])
    assert r.status == 404 and ET.fromstring(r.body).findtext("Code") == "ReplicationConfigurationNotFoundError"
