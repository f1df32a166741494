"""The whole-site lab (issue 11 item 7): the `site-loss` scenario's shape, the site-replication flavour's
info / resync-op / metrics endpoints with MinIO's quirks (§15.4), and the bucket-metadata export, read raw."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any, Callable, Iterator, Optional
from urllib.parse import quote

import pytest
import urllib3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from recovery_tui.lab import sitescen
from recovery_tui.lab.server import Lab, SiteRuntime

HTTP = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=3, read=15))


class Resp:
    def __init__(self, r: Any) -> None:
        self.status, self.headers, self.body = r.status, r.headers, r.data

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


def call(rt: SiteRuntime, method: str, path: str, params: Optional[list[tuple[str, str]]] = None,
         body: bytes = b"") -> Resp:
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in (params or []))
    url = rt.url + path + (f"?{query}" if query else "")
    req = AWSRequest(method=method, url=url, data=body)
    S3SigV4Auth(Credentials(rt.site.access_key, rt.site.secret_key), "s3", "us-east-1").add_auth(req)
    return Resp(HTTP.request(method, url, body=body or None, headers=dict(req.headers)))


def peer_of(lab: Lab, name: str = "target") -> dict[str, Any]:
    doc = call(lab.source, "GET", "/minio/admin/v3/site-replication/info", [("api-version", "1")]).json()
    return next(p for p in doc["sites"] if p["name"] == name)


def op(lab: Lab, operation: str, peer: dict[str, Any]) -> Resp:
    return call(lab.source, "PUT", "/minio/admin/v3/site-replication/resync/op",
                [("operation", operation), ("api-version", "1")], json.dumps(peer).encode())


def site_metrics(lab: Lab, depl: str, n: int = 1) -> list[dict[str, Any]]:
    r = call(lab.source, "GET", "/minio/admin/v3/metrics",
             [("types", "16"), ("n", str(n)), ("interval", "1s"), ("hosts", ""), ("disks", ""), ("by-depID", depl)])
    assert r.status == 200, r.text
    return [json.loads(line) for line in r.text.splitlines() if line.strip()]


def wait_for(pred: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture
def sr_lab() -> Iterator[Lab]:
    lab = Lab(scenario="site-replication", objects=200, resync_delay=0.0).start()
    try:
        yield lab
    finally:
        lab.stop()


def test_site_loss_shape() -> None:
    lab = Lab(scenario="site-loss", objects=400, resync_delay=0.0).start()
    try:
        src, dst = lab.call(lambda: lab.source.site), lab.call(lambda: lab.target.site)
        recoverable = sitescen.recoverable("site-loss")
        assert len(recoverable) >= 12
        sizes = {b: src.buckets[b].count_versions() for b in recoverable}
        assert sizes["empty"] == 0 and sizes[sitescen.BIG_BUCKET] == 400 and len(set(sizes.values())) >= 10
        lost = {b for b in recoverable if dst.buckets[b].count_versions() < sizes[b]}
        assert lost == set(recoverable) - {"empty"}
        legacy = src.buckets[sitescen.NO_EXISTING].replication_xml
        assert b"<ExistingObjectReplication><Status>Disabled</Status>" in legacy
        assert sitescen.TARGET_MISSING in src.buckets and sitescen.TARGET_MISSING not in dst.buckets
        third = src.targets[sitescen.THIRD_PARTY][0]
        assert third.endpoint == sitescen.THIRD_ENDPOINT and sitescen.THIRD_PARTY not in dst.buckets
        assert src.site_repl is None
        r = call(lab.source, "GET", "/minio/admin/v3/site-replication/info")
        assert r.status == 200 and r.text == '{"enabled":false}\n'
        r = op(lab, "start", {"deploymentID": lab.target.site.deployment_id})
        assert r.status == 400 and r.json()["Code"] == "XMinioSiteReplicationInvalidRequest"
        assert r.json()["Message"] == "Invalid site-replication request (site replication is not enabled)"
    finally:
        lab.stop()


def test_big_bucket_default_is_50k_and_fast() -> None:
    t0 = time.perf_counter()
    lab = Lab(scenario="site-loss", resync_delay=0.0).start()
    try:
        assert lab.call(lambda: lab.source.site.buckets[sitescen.BIG_BUCKET].count_versions()) >= 50_000
        assert time.perf_counter() - t0 < 60  # seeding is bulk: seconds, not minutes
    finally:
        lab.stop()


def test_info_lists_both_peers_sorted(sr_lab: Lab) -> None:
    r = call(sr_lab.source, "GET", "/minio/admin/v3/site-replication/info", [("api-version", "1")])
    doc = r.json()
    assert r.status == 200 and r.text.endswith("\n") and doc["enabled"] is True and doc["name"] == "source"
    assert [p["name"] for p in doc["sites"]] == sorted(p["name"] for p in doc["sites"]) == ["source", "target"]
    tgt = doc["sites"][1]
    assert tgt["endpoint"] == sr_lab.target.url and tgt["deploymentID"] == sr_lab.target.site.deployment_id
    assert set(tgt) >= {"endpoint", "name", "deploymentID", "sync", "defaultbandwidth", "replicate-ilm-expiry"}
    targets = call(sr_lab.source, "GET", "/minio/admin/v3/list-remote-targets", [("bucket", ""), ("type", "")]).json()
    assert {t["deploymentID"] for t in targets} == {sr_lab.target.site.deployment_id}


def test_start_lists_only_failures_and_refuses_a_second(sr_lab: Lab) -> None:
    lab, peer = sr_lab, peer_of(sr_lab)
    depl = peer["deploymentID"]
    assert site_metrics(lab, depl) == [{"hosts": [lab.source.endpoint], "aggregated": {}, "final": True}]
    lab.call(lambda: lab.source.site.targets.__setitem__("docs", []))  # no ARN for this peer
    r = op(lab, "start", peer)
    assert r.status == 200, r.text
    doc = r.json()
    assert list(doc) == ["op", "id", "status", "buckets", "errorDetail"]
    assert doc["op"] == "start" and doc["status"] == "Ongoing"
    assert doc["errorDetail"] == "partial failure in starting site resync"
    assert doc["buckets"] == [{"bucket": "docs", "status": "",
                               "errorDetail": f"no valid remote target found for this peer target ({depl})"}]
    again = op(lab, "start", peer)
    assert again.status == 400
    assert again.json()["Message"] == ("Invalid site-replication request "
                                       "(site replication resync is already in progress)")
    samples = site_metrics(lab, depl, n=2)
    assert [s["final"] for s in samples] == [False, True]
    sr = samples[-1]["aggregated"]["siteResync"]
    assert sr["resyncID"] == doc["id"] and sr["deplID"] == depl and sr["numBuckets"] == 7
    for b in ("photos", "logs"):
        wait_for(lambda b=b: call(lab.source, "GET", f"/{b}", [("replication-reset-status", "")])
                 .json()["target"][0].get("resyncStatus") == "Completed")
    # docs never started: it stays Pending in the site status, which therefore never reads Completed.
    wait_for(lambda: all(call(lab.source, "GET", f"/{b}", [("replication-reset-status", "")]).json()
                         .get("target", [{}])[0].get("resyncStatus") == "Completed"
                         for b in ("archive", "backups", "empty", "invoices", "logs", "photos")))
    assert site_metrics(lab, depl)[0]["aggregated"]["siteResync"]["resyncStatus"] == "Ongoing"


def test_clean_start_completes_and_metrics_say_so(sr_lab: Lab) -> None:
    lab, peer = sr_lab, peer_of(sr_lab)
    doc = op(lab, "start", peer).json()
    assert doc["buckets"] is None and "errorDetail" not in doc
    sr = wait_for(lambda: (lambda s: s if s["resyncStatus"] == "Completed" else None)(
        site_metrics(lab, peer["deploymentID"])[0]["aggregated"]["siteResync"]))
    assert sr["replicationCount"] > 0 and sr["failedBuckets"] is None
    assert op(lab, "cancel", peer).json()["Message"].endswith("(no resync in progress)")
    assert op(lab, "start", peer).status == 200  # a completed one may be followed by a new start


def test_no_config_bucket_is_failed_and_all_failed_is_500(sr_lab: Lab) -> None:
    lab, peer = sr_lab, peer_of(sr_lab)

    def strip(names: list[str], keep_config: bool) -> None:
        for n in names:
            if keep_config:
                lab.source.site.targets[n] = []
            else:
                lab.source.site.buckets[n].replication_xml = None

    names = lab.call(lambda: sorted(lab.source.site.buckets))
    lab.call(strip, names[:1], False)
    lab.call(strip, names[1:], True)
    r = op(lab, "start", peer)
    assert r.status == 500 and r.json()["Code"] == "InternalError"
    assert "all buckets resync failed" in r.json()["Message"]
    # The failure is persisted, but memory keeps "Ongoing": the next start is refused (§15.4).
    assert op(lab, "start", peer).json()["Message"].endswith("(site replication resync is already in progress)")
    lab.faults.restart("source")
    r = op(lab, "start", peer)
    assert r.status == 500  # after a restart the start is accepted again (and fails again here)


def test_cancel_leaves_status_ongoing_until_restart(sr_lab: Lab) -> None:
    lab, peer = sr_lab, peer_of(sr_lab)
    for rt in (lab.source,):
        rt.replicator.resync.delay = 0.05  # keep it running long enough to cancel
    started = op(lab, "start", peer).json()
    r = op(lab, "cancel", peer)
    assert r.status == 200 and r.json() == {"op": "cancel", "id": started["id"], "status": "Canceled",
                                            "buckets": None}
    st = call(lab.source, "GET", "/archive", [("replication-reset-status", "")]).json()["target"][0]
    assert st["resyncStatus"] == "Canceled"
    sr = site_metrics(lab, peer["deploymentID"])[0]["aggregated"]["siteResync"]
    assert sr["resyncStatus"] == "Ongoing"  # updateState changed a copy
    assert op(lab, "start", peer).json()["Message"].endswith("(site replication resync is already in progress)")
    lab.faults.restart("source")
    assert op(lab, "cancel", peer).json()["Message"].endswith("(site replication resync is already canceled)")
    assert op(lab, "start", peer).status == 200


def test_bad_peer_and_operation(sr_lab: Lab) -> None:
    lab = sr_lab
    me = peer_of(lab, "source")
    assert op(lab, "start", me).json()["Message"].endswith("(invalid peer specified - cannot resync to self)")
    assert op(lab, "start", {"deploymentID": "nope"}).json()["Message"].endswith("(peer not found)")
    r = op(lab, "status", peer_of(lab))
    assert r.status == 400 and r.json()["Message"].endswith("(Invalid arguments specified)")
    r = call(lab.source, "PUT", "/minio/admin/v3/site-replication/resync/op", [("operation", "start")], b"not json")
    assert r.status == 500 and r.json()["Code"] == "InternalError"
    r = call(lab.source, "PUT", "/minio/admin/v3/site-replication/resync/op", [], b"{}")
    assert r.status == 426


def test_export_bucket_metadata_zip(sr_lab: Lab) -> None:
    r = call(sr_lab.source, "GET", "/minio/admin/v3/export-bucket-metadata")
    assert r.status == 200 and r.headers["Content-Type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.body))
    names = set(zf.namelist())
    assert {"photos/versioning.xml", "photos/replication.xml", "photos/bucket-targets.json",
            "photos/notification.xml"} <= names
    assert b"<Status>Enabled</Status>" in zf.read("photos/versioning.xml")
    assert b"<Destination><Bucket>arn:minio:replication::" in zf.read("photos/replication.xml")
    one = call(sr_lab.source, "GET", "/minio/admin/v3/export-bucket-metadata", [("bucket", "logs")])
    assert {n.split("/")[0] for n in zipfile.ZipFile(io.BytesIO(one.body)).namelist()} == {"logs"}
    missing = call(sr_lab.source, "GET", "/minio/admin/v3/export-bucket-metadata", [("bucket", "nope")])
    assert missing.status == 404 and missing.json()["Code"] == "NoSuchBucket"


def test_site_replication_refuses_bucket_targets_and_rule_edits(sr_lab: Lab) -> None:
    """§15.1: a server in a site-replication group refuses a new bucket target and a rule deletion (anyone)
    and a rule edit by anyone but the root credential; the lab does the same, so the wizard never offers them."""
    from recovery_tui.lab.madmin_crypt import encrypt_data

    rt = sr_lab.target
    bucket = next(iter(sorted(rt.site.buckets)))
    doc = {"sourcebucket": bucket, "endpoint": "127.0.0.1:1", "targetbucket": "elsewhere", "type": "replication",
           "credentials": {"accessKey": "AK", "secretKey": "SK"}, "secure": False}
    body = encrypt_data(rt.site.secret_key, json.dumps(doc).encode())
    r = call(rt, "PUT", "/minio/admin/v3/set-remote-target", [("bucket", bucket)], body)
    assert r.status == 400 and r.json()["Code"] == "XMinioAdminRemoteTargetDenyAdd", r.text
    r = call(rt, "DELETE", f"/{bucket}", [("replication", "")])
    assert r.status == 400 and b"XMinioReplicationDenyEdit" in r.body, r.text
    config = call(rt, "GET", f"/{bucket}", [("replication", "")])
    if config.status == 200:  # the root credential may still write the group's own rules back
        assert call(rt, "PUT", f"/{bucket}", [("replication", "")], config.body).status == 200


def test_target_health_is_kept_per_endpoint_as_minio_does() -> None:
    """MinIO's `heartBeat` probes each remote host once per period and lays that host's result over every target
    on it (cmd/bucket-targets.go); `markOffline(ep)` marks the host. Forty buckets to one site: one probe."""
    lab = Lab(scenario="site-many", objects=40, resync_delay=0.0).start()
    try:
        rep = lab.source.replicator
        targets = [t for ts in lab.source.site.targets.values() for t in ts]
        assert len(targets) == 40 and len({t.endpoint for t in targets}) == 1
        probes: list[str] = []
        live = rep.client.live

        async def counted(tgt: Any, timeout: float = 3.0) -> bool:
            probes.append(tgt.endpoint)
            return bool(await live(tgt, timeout=timeout))

        lab.call(setattr, rep.client, "live", counted)
        lab.call(rep.check_health)
        assert probes == [targets[0].endpoint]
        assert len({(t.online, t.last_online, t.latency_ns) for t in targets}) == 1 and targets[0].online
        lab.call(rep._mark_offline, targets[7])  # a replication to one bucket timed out: the host is offline
        assert not any(t.online for t in targets)
        lab.faults.set_offline("target", True)
        lab.call(setattr, targets[3], "online", True)  # a straggler: the host's failed probe takes it too
        lab.call(rep.check_health)
        assert len(probes) == 2 and not any(t.online for t in targets)
        lab.faults.set_offline("target", False)
        lab.call(rep.check_health)
        assert all(t.online and t.total_downtime_ns > 0 for t in targets)
        shown = call(lab.source, "GET", "/minio/admin/v3/list-remote-targets", [("bucket", ""), ("type", "")]).json()
        assert len(shown) == 40 and {(t["isOnline"], t["lastOnline"]) for t in shown} == {
            (True, shown[0]["lastOnline"])} and shown[0]["lastOnline"] != "0001-01-01T00:00:00Z"
    finally:
        lab.stop()


def test_exported_targets_are_the_stored_ones_without_live_health(sr_lab: Lab) -> None:
    """export-bucket-metadata writes `GetBucketTargetsConfig`, the targets as set-remote-target saved them; only
    list-remote-targets (`ListTargets`) lays the live health over them."""
    r = call(sr_lab.source, "GET", "/minio/admin/v3/export-bucket-metadata", [("bucket", "photos")])
    saved = zipfile.ZipFile(io.BytesIO(r.body)).read("photos/bucket-targets.json").decode()
    assert "<Online>false</Online><Latency><Curr>0</Curr><Avg>0</Avg><Max>0</Max></Latency>" in saved
    assert "<LastOnline>0001-01-01T00:00:00Z</LastOnline>" in saved and "<TotalDowntime>0</TotalDowntime>" in saved
    live = call(sr_lab.source, "GET", "/minio/admin/v3/list-remote-targets", [("bucket", "photos"), ("type", "")])
    assert live.json()[0]["isOnline"] is True and live.json()[0]["lastOnline"] != "0001-01-01T00:00:00Z"
