"""The lab's S3 core against boto3: buckets, versions, delete markers, listings, copy, replica writes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import botocore.exceptions
import pytest
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from recovery_tui.lab import store
from recovery_tui.lab.server import Lab, SiteRuntime


def _code(exc: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, int]:
    err = exc.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]


def signed(rt: SiteRuntime, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None,
           query: str = "") -> requests.Response:
    """A raw request signed like the service signs MinIO extension calls (S3SigV4Auth)."""
    url = rt.url + path + (("?" + query) if query else "")
    req = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    S3SigV4Auth(Credentials(rt.site.access_key, rt.site.secret_key), "s3", "us-east-1").add_auth(req)
    return requests.request(method, url, data=body, headers=dict(req.headers.items()), timeout=5)


def test_bucket_lifecycle(core_s3: Any) -> None:
    core_s3.create_bucket(Bucket="life")
    assert "life" in [b["Name"] for b in core_s3.list_buckets()["Buckets"]]
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.create_bucket(Bucket="life")
    assert _code(exc) == ("BucketAlreadyOwnedByYou", 409)
    assert core_s3.get_bucket_versioning(Bucket="life").get("Status") is None
    core_s3.put_object(Bucket="life", Key="k", Body=b"x")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.delete_bucket(Bucket="life")
    assert _code(exc) == ("BucketNotEmpty", 409)
    core_s3.delete_object(Bucket="life", Key="k")
    core_s3.delete_bucket(Bucket="life")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.head_bucket(Bucket="life")
    assert _code(exc) == ("404", 404)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.list_object_versions(Bucket="life")
    assert _code(exc) == ("NoSuchBucket", 404)


def test_versions_and_delete_markers(core_s3: Any, core_bucket: str) -> None:
    b = core_bucket
    v1 = core_s3.put_object(Bucket=b, Key="doc.txt", Body=b"one")["VersionId"]
    v2 = core_s3.put_object(Bucket=b, Key="doc.txt", Body=b"two!")["VersionId"]
    assert v1 != v2 and v1 != "null"
    assert core_s3.get_object(Bucket=b, Key="doc.txt")["Body"].read() == b"two!"
    assert core_s3.get_object(Bucket=b, Key="doc.txt", VersionId=v1)["Body"].read() == b"one"
    head = core_s3.head_object(Bucket=b, Key="doc.txt", VersionId=v1)
    assert head["ContentLength"] == 3 and head["VersionId"] == v1
    assert head["ETag"] == '"f97c5d29941bfb1b2fdab0874906ab82"'
    assert "ReplicationStatus" not in head  # §11: only when non-empty
    dm = core_s3.delete_object(Bucket=b, Key="doc.txt")
    assert dm["DeleteMarker"] is True
    # latest is a delete marker: 404 with x-amz-delete-marker
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.head_object(Bucket=b, Key="doc.txt")
    assert _code(exc) == ("404", 404)
    assert exc.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    # the delete marker's own version: 405, headers only (§8)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.head_object(Bucket=b, Key="doc.txt", VersionId=dm["VersionId"])
    assert _code(exc) == ("405", 405)
    hdrs = exc.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert hdrs["x-amz-delete-marker"] == "true" and hdrs["x-amz-version-id"] == dm["VersionId"]
    assert hdrs["x-minio-error-code"] == "MethodNotAllowed"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.get_object(Bucket=b, Key="doc.txt", VersionId=dm["VersionId"])
    assert _code(exc) == ("MethodNotAllowed", 405)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.get_object(Bucket=b, Key="doc.txt", VersionId="00000000-0000-0000-0000-000000000000")
    assert _code(exc) == ("NoSuchVersion", 404)
    listed = core_s3.list_object_versions(Bucket=b)
    assert [(v["VersionId"], v["IsLatest"]) for v in listed["Versions"]] == [(v2, False), (v1, False)]
    assert [(d["VersionId"], d["IsLatest"]) for d in listed["DeleteMarkers"]] == [(dm["VersionId"], True)]
    # removing the delete marker version makes v2 current again
    core_s3.delete_object(Bucket=b, Key="doc.txt", VersionId=dm["VersionId"])
    assert core_s3.get_object(Bucket=b, Key="doc.txt")["Body"].read() == b"two!"


def test_unversioned_bucket_null_versions(core_s3: Any) -> None:
    core_s3.create_bucket(Bucket="plain")
    r = core_s3.put_object(Bucket="plain", Key="a", Body=b"1")
    assert "VersionId" not in r
    core_s3.put_object(Bucket="plain", Key="a", Body=b"22")
    versions = core_s3.list_object_versions(Bucket="plain")["Versions"]
    assert [(v["VersionId"], v["Size"]) for v in versions] == [("null", 2)]


@pytest.mark.parametrize("key", ["ünïcödé/файл €.txt", "sp ace+plus&amp=eq?q#h", "a%2Fb/~tilde'quote\"", "日本/語"])
def test_special_keys_round_trip(core_s3: Any, core_bucket: str, key: str) -> None:
    vid = core_s3.put_object(Bucket=core_bucket, Key=key, Body=key.encode())["VersionId"]
    assert core_s3.get_object(Bucket=core_bucket, Key=key, VersionId=vid)["Body"].read() == key.encode()
    listed = core_s3.list_object_versions(Bucket=core_bucket, Prefix=key[:3])["Versions"]
    assert [v["Key"] for v in listed] == [key]
    assert [o["Key"] for o in core_s3.list_objects_v2(Bucket=core_bucket)["Contents"]] == [key]


def test_list_versions_pagination_prefix_delimiter(core_lab: Lab, core_s3: Any, core_bucket: str) -> None:
    b = core_bucket

    def seed() -> None:
        bucket = core_lab.source.site.buckets[b]
        vs = [store.Version(f"p/{i:05d}", store.new_version_id(), b"x",
                            last_modified=datetime(2025, 1, 1, tzinfo=timezone.utc)) for i in range(1203)]
        vs += [store.Version("p/00007", store.new_version_id(), b"yy")]
        vs += [store.Version(f"q/{d}/f", store.new_version_id(), b"z") for d in ("a", "b", "c")]
        bucket.bulk_load(vs)

    core_lab.call(seed)
    pages = list(core_s3.get_paginator("list_object_versions").paginate(Bucket=b, Prefix="p/"))
    assert len(pages) == 2
    seen = [(v["Key"], v["VersionId"]) for p in pages for v in p["Versions"]]
    assert len(seen) == 1204 == len(set(seen))
    assert [k for k, _ in seen] == sorted(k for k, _ in seen)
    small = list(core_s3.get_paginator("list_object_versions").paginate(Bucket=b, Prefix="p/000", MaxKeys=7))
    keys = [(v["Key"], v["VersionId"]) for p in small for v in p["Versions"]]
    assert len(keys) == 101 and len(set(keys)) == 101 and all(len(p["Versions"]) <= 7 for p in small)
    assert [v["IsLatest"] for v in small[1]["Versions"] if v["Key"] == "p/00007"] == [True, False]
    top = core_s3.list_object_versions(Bucket=b, Delimiter="/")
    assert [c["Prefix"] for c in top["CommonPrefixes"]] == ["p/", "q/"] and "Versions" not in top
    one = list(core_s3.get_paginator("list_object_versions").paginate(Bucket=b, Prefix="q/", Delimiter="/",
                                                                        MaxKeys=1))
    assert [c["Prefix"] for p in one for c in p.get("CommonPrefixes", [])] == ["q/a/", "q/b/", "q/c/"]
    v2 = list(core_s3.get_paginator("list_objects_v2").paginate(Bucket=b, Prefix="p/", MaxKeys=500))
    assert [len(p["Contents"]) for p in v2] == [500, 500, 203]
    after = core_s3.list_objects_v2(Bucket=b, StartAfter="p/01200")["Contents"]
    assert [o["Key"] for o in after] == ["p/01201", "p/01202", "q/a/f", "q/b/f", "q/c/f"]


def test_copy_object_rules(core_lab: Lab, core_s3: Any, core_bucket: str) -> None:
    b = core_bucket
    v1 = core_s3.put_object(Bucket=b, Key="c", Body=b"data", Metadata={"m": "1"})["VersionId"]
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.copy_object(Bucket=b, Key="c", CopySource={"Bucket": b, "Key": "c"})
    assert _code(exc) == ("InvalidRequest", 400)
    assert "copy an object to itself" in exc.value.response["Error"]["Message"]
    r = core_s3.copy_object(Bucket=b, Key="c", CopySource={"Bucket": b, "Key": "c"}, MetadataDirective="REPLACE",
                            Metadata={"m": "2"})
    assert r["VersionId"] not in (v1, None) and r["CopySourceVersionId"] == v1
    core_lab.call(lambda: setattr(core_lab.source.site.buckets[b].get_version("c", r["VersionId"]),
                                  "checksum_broken", True))
    # community MinIO (§22): a copy onto itself is metadata-only and carries the (broken) checksum over
    r2 = core_s3.copy_object(Bucket=b, Key="c", CopySource={"Bucket": b, "Key": "c", "VersionId": r["VersionId"]})
    new = core_lab.call(lambda: core_lab.source.site.buckets[b].get_version("c", r2["VersionId"]))
    assert new.checksum_broken is True and new.data == b"data"
    sums = [core_s3.head_object(Bucket=b, Key="c", VersionId=v, ChecksumMode="ENABLED")["ChecksumCRC64NVME"]
            for v in (r["VersionId"], r2["VersionId"])]
    assert sums[0] == sums[1]
    core_lab.faults.set_copy_checksum("recompute")  # a server whose copy computes a new checksum
    try:
        r3 = core_s3.copy_object(Bucket=b, Key="c", CopySource={"Bucket": b, "Key": "c", "VersionId": r2["VersionId"]})
    finally:
        core_lab.faults.set_copy_checksum("keep")
    new = core_lab.call(lambda: core_lab.source.site.buckets[b].get_version("c", r3["VersionId"]))
    assert new.checksum_broken is False and new.data == b"data"
    h = core_s3.head_object(Bucket=b, Key="c", VersionId=r3["VersionId"], ChecksumMode="ENABLED")
    assert h["ChecksumCRC64NVME"] != sums[0] and h["ResponseMetadata"]["HTTPHeaders"]["x-amz-checksum-type"] == \
        "FULL_OBJECT"
    assert "ChecksumCRC64NVME" not in core_s3.head_object(Bucket=b, Key="c", VersionId=r3["VersionId"])
    assert core_s3.head_object(Bucket=b, Key="c")["Metadata"] == {"m": "2"}
    assert len(core_s3.list_object_versions(Bucket=b)["Versions"]) == 4
    core_s3.copy_object(Bucket=b, Key="other", CopySource={"Bucket": b, "Key": "c"})
    assert core_s3.get_object(Bucket=b, Key="other")["Body"].read() == b"data"


def test_delete_objects(core_s3: Any, core_bucket: str) -> None:
    b = core_bucket
    vid = core_s3.put_object(Bucket=b, Key="x", Body=b"1")["VersionId"]
    core_s3.put_object(Bucket=b, Key="y", Body=b"1")
    r = core_s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "x", "VersionId": vid}, {"Key": "y"}]})
    assert {d["Key"]: d.get("DeleteMarker", False) for d in r["Deleted"]} == {"x": False, "y": True}
    listed = core_s3.list_object_versions(Bucket=b)
    assert "x" not in [v["Key"] for v in listed.get("Versions", [])]
    assert [d["Key"] for d in listed["DeleteMarkers"]] == ["y"]


def test_replica_writes_keep_identity(core_lab: Lab, core_bucket: str) -> None:
    rt = core_lab.source
    vid = "11111111-2222-3333-4444-555555555555"
    hdrs = {"X-Minio-Source-Replication-Request": "true", "X-Minio-Source-Mtime": "2024-05-01T10:00:00.123456789Z",
            "X-Minio-Source-Etag": "0123456789abcdef0123456789abcdef", "X-Amz-Replication-Status": "REPLICA"}
    r = signed(rt, "PUT", f"/{core_bucket}/rep/%C3%BC", body=b"payload", headers=hdrs, query=f"versionId={vid}")
    assert r.status_code == 200, r.text
    v = core_lab.call(lambda: rt.site.buckets[core_bucket].get_version("rep/ü", vid))
    assert v.replication_status == "REPLICA" and v.etag == "0123456789abcdef0123456789abcdef"
    assert v.last_modified == datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=timezone.utc)
    head = signed(rt, "HEAD", f"/{core_bucket}/rep/%C3%BC", query=f"versionId={vid}")
    assert head.headers["x-amz-replication-status"] == "REPLICA"
    dm_id = "99999999-2222-3333-4444-555555555555"
    dm_hdrs = {**hdrs, "X-Minio-Source-DeleteMarker": "true"}
    r = signed(rt, "DELETE", f"/{core_bucket}/rep/%C3%BC", headers=dm_hdrs, query=f"versionId={dm_id}")
    assert r.status_code == 204 and r.headers["x-amz-delete-marker"] == "true"
    r = signed(rt, "HEAD", f"/{core_bucket}/rep/%C3%BC", query=f"versionId={dm_id}")
    assert r.status_code == 405
    r = signed(rt, "DELETE", f"/{core_bucket}/rep/%C3%BC", headers=hdrs, query=f"versionId={vid}")
    assert r.status_code == 204
    remaining = core_lab.call(lambda: [x.version_id for x in rt.site.buckets[core_bucket].versions["rep/ü"]])
    assert remaining == [dm_id]


def test_replicator_hooks_called(core_lab: Lab, core_s3: Any, core_bucket: str) -> None:
    calls: list[tuple[str, str]] = []

    class Spy:
        def on_object_written(self, bucket: str, v: store.Version) -> None:
            calls.append(("written", v.key))

        def purge_arns(self, bucket: str, key: str) -> tuple[str, ...]:
            return ("arn:minio:replication::spy:dst",)  # DeleteReplication: the version waits, hidden

        def enqueue_purge(self, bucket: str, purge: store.Purge) -> None:
            calls.append(("deleted", purge.version.key))

        def on_head(self, bucket: str, v: store.Version) -> None:
            calls.append(("head", v.key))

    rt = core_lab.source
    saved, rt.replicator = rt.replicator, Spy()
    try:
        vid = core_s3.put_object(Bucket=core_bucket, Key="h", Body=b"1")["VersionId"]
        core_s3.head_object(Bucket=core_bucket, Key="h", VersionId=vid)
        core_s3.delete_object(Bucket=core_bucket, Key="h")
        core_s3.delete_object(Bucket=core_bucket, Key="h", VersionId=vid)
        signed(rt, "PUT", f"/{core_bucket}/h", body=b"r", query="versionId=abc",
               headers={"X-Minio-Source-Replication-Request": "true"})
    finally:
        rt.replicator = saved
    assert calls == [("written", "h"), ("head", "h"), ("written", "h"), ("deleted", "h")]


def test_replication_config_get_put_delete(core_lab: Lab, core_s3: Any, core_bucket: str) -> None:
    b = core_bucket
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.get_bucket_replication(Bucket=b)
    assert _code(exc) == ("ReplicationConfigurationNotFoundError", 404)
    arn = "arn:minio:replication::0a1b2c3d-0000-4000-8000-000000000000:dst"
    core_lab.call(lambda: core_lab.source.site.targets_of(b).append(
        store.LabTarget(arn=arn, source_bucket=b, endpoint=core_lab.target.endpoint, target_bucket="dst",
                        access_key="x", secret_key="y")))
    xml = (f"<ReplicationConfiguration><Rule><ID>r1</ID><Status>Enabled</Status><Priority>1</Priority>"
           f"<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication>"
           f"<DeleteReplication><Status>Enabled</Status></DeleteReplication>"
           f"<Destination><Bucket>{arn}</Bucket></Destination><Filter><Prefix></Prefix></Filter></Rule>"
           f"</ReplicationConfiguration>")
    r = signed(core_lab.source, "PUT", f"/{b}", body=xml.encode(), query="replication")
    assert r.status_code == 200, r.text
    raw = signed(core_lab.source, "GET", f"/{b}", query="replication")
    assert raw.status_code == 200 and raw.content.startswith(b"<ReplicationConfiguration><Rule>")
    assert b"<DeleteReplication><Status>Enabled</Status></DeleteReplication>" in raw.content
    assert core_s3.get_bucket_replication(Bucket=b)["ReplicationConfiguration"]["Rules"][0]["ID"] == "r1"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    assert _code(exc)[1] == 409
    core_s3.delete_bucket_replication(Bucket=b)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.get_bucket_replication(Bucket=b)
    assert _code(exc) == ("ReplicationConfigurationNotFoundError", 404)


def test_error_xml_shape(core_lab: Lab) -> None:
    r = signed(core_lab.source, "GET", "/missing-bucket/some%20key")
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/xml"
    text = r.text
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>')
    order = ["<Code>", "<Message>", "<Key>", "<BucketName>", "<Resource>", "<Region>", "<RequestId>", "<HostId>"]
    positions = [text.index(tag) for tag in order]
    assert positions == sorted(positions)
    assert "<Resource>/missing-bucket/some key</Resource>" in text


def test_community_cancel_falls_through_to_put_bucket(core_lab: Lab, core_bucket: str) -> None:
    r = signed(core_lab.source, "PUT", f"/{core_bucket}", query="replication-reset-cancel")
    assert r.status_code == 409 and "<Code>BucketAlreadyOwnedByYou</Code>" in r.text


def test_range_get(core_s3: Any, core_bucket: str) -> None:
    core_s3.put_object(Bucket=core_bucket, Key="r", Body=b"0123456789")
    r = core_s3.get_object(Bucket=core_bucket, Key="r", Range="bytes=2-4")
    assert r["Body"].read() == b"234" and r["ContentRange"] == "bytes 2-4/10"
    assert core_s3.get_object(Bucket=core_bucket, Key="r", Range="bytes=-3")["Body"].read() == b"789"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        core_s3.get_object(Bucket=core_bucket, Key="r", Range="bytes=20-")
    assert _code(exc) == ("InvalidRange", 416)
