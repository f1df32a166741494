"""The lab's inventory API (facts §23): routes, IAM, status document, report layout, names and types, faults,
and what a community server does with the same requests (§23.4)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from typing import Any

import pytest

from helpers.waiting import wait_until
from recovery_tui.lab import store
from recovery_tui.lab.server import Lab
from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.http import HttpStatusError, RawResponse
from recovery_tui.service.retry import WRITE_ONCE

from .conftest import objects_under, service_for

JOB = """apiVersion: v1
id: {id}
destination:
  bucket: recovery-tui-reports
  prefix: rt/
  format: {fmt}
  compression: "{comp}"
schedule: once
mode: strict
versions: all
includeFields:
  - ETag
  - ReplicationStatus
"""


def send(lab: Lab, method: str, query: list[tuple[str, str]], body: bytes = b"", *, bucket: str = "data",
         service: Any = None) -> RawResponse:
    """A signed request to `/{bucket}/` with `minio-inventory=` (as minio-go sends it); >= 400 raises
    HttpStatusError (status, body)."""
    s = (service or service_for(lab)).site("source")
    headers = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()} if body else None
    return s.http.send(method, f"/{bucket}/", sorted(query + [("minio-inventory", "")]), ctx=s.ctx("test"),
                       body=body, headers=headers, policy=WRITE_ONCE)


def put(lab: Lab, job_id: str, fmt: str = "parquet", comp: str = "off") -> None:
    send(lab, "PUT", [("id", job_id)], JOB.format(id=job_id, fmt=fmt, comp=comp).encode())


def status(lab: Lab, job_id: str) -> dict[str, Any]:
    return json.loads(send(lab, "GET", [("id", job_id), ("status", "")]).body)


def completed(lab: Lab, job_id: str) -> dict[str, Any]:
    wait_until(lambda: status(lab, job_id)["state"] in ("Completed", "Failed"), what=f"job {job_id}")
    return status(lab, job_id)


def get_object(lab: Lab, key: str) -> bytes:
    s = service_for(lab).site("source")
    return s.http.send("GET", f"/recovery-tui-reports/{key}", ctx=s.ctx("get")).body


def error_of(fn: Any) -> HttpStatusError:
    with pytest.raises(HttpStatusError) as exc:
        fn()
    return exc.value


@pytest.mark.slow
def test_put_runs_once_and_writes_the_documented_layout(lab_factory: Any) -> None:
    lab = lab_factory("partial-loss", flavor="aistor")
    assert json.loads(send(lab, "GET", [("continuation-token", "")]).body) == {"items": None}
    put(lab, "j1")
    st = completed(lab, "j1")
    assert st["state"] == "Completed" and st["schedule"] == "once" and st["bucket"] == "data"
    versions = lab.call(lambda: lab.source.site.buckets["data"].count_versions())
    assert st["scannedCount"] == st["matchedCount"] == st["recordsWritten"] == versions
    path = st["manifestPath"]
    assert path.startswith("rt/data/j1/") and path.endswith("/manifest.json")
    manifest = json.loads(get_object(lab, path))
    assert manifest["sourceBucket"] == "data" and manifest["destinationBucket"] == "recovery-tui-reports"
    assert manifest["fileFormat"] == "Parquet" and manifest["minioExtension"]["status"] == "completed"
    assert manifest["minioExtension"]["partialResultsAvailable"] is False
    assert manifest["fileSchema"] == ("Bucket,Key,SequenceNumber,Size,LastModifiedDate,VersionID,IsDeleteMarker,"
                                      "IsLatest,ETag,ReplicationStatus")
    run_folder = path.rsplit("/", 1)[0]
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    for f in manifest["files"]:
        assert f["key"].startswith(run_folder + "/files/part-") and f["key"].endswith(".parquet")
        data = get_object(lab, f["key"])
        assert len(data) == f["size"] and hashlib.md5(data).hexdigest() == f["MD5checksum"]
        table = pq.read_table(io.BytesIO(data))
        types = {fld.name: fld.type for fld in table.schema}
        assert types["Size"] == pa.int64() and types["IsLatest"] == pa.bool_()
        assert types["LastModifiedDate"] == pa.timestamp("ms", tz="UTC")
        rows += table.num_rows
    assert rows == versions
    listed = json.loads(send(lab, "GET", [("continuation-token", "")]).body)
    assert [i["id"] for i in listed["items"]] == ["j1"]
    got = json.loads(send(lab, "GET", [("id", "j1")]).body)
    assert got["id"] == "j1" and "apiVersion: v1" in got["yamlDef"]
    send(lab, "DELETE", [("id", "j1")])
    err = error_of(lambda: send(lab, "GET", [("id", "j1"), ("status", "")]))
    assert err.status == 404 and b"NoSuchConfiguration" in err.body
    assert objects_under(lab, "source", "recovery-tui-reports", run_folder)  # delete leaves the files


@pytest.mark.slow
def test_csv_report_with_compression_is_zstd(lab_factory: Any) -> None:
    lab = lab_factory("healthy", flavor="aistor")
    put(lab, "c1", fmt="csv", comp="on")
    manifest = json.loads(get_object(lab, completed(lab, "c1")["manifestPath"]))
    assert manifest["fileFormat"] == "CSV"
    key = manifest["files"][0]["key"]
    assert key.endswith(".csv.zst")
    import pyarrow as pa

    raw = get_object(lab, key)
    assert raw[:4] == b"\x28\xb5\x2f\xfd"  # a ZSTD frame
    with pa.CompressedInputStream(pa.BufferReader(raw), "zstd") as stream:
        header = stream.read().split(b"\n", 1)[0].decode()
    assert header.replace('"', "").split(",")[:6] == ["Bucket", "Key", "SequenceNumber", "Size", "LastModifiedDate",
                                                      "VersionID"]


def test_bad_requests_and_permissions(lab_factory: Any) -> None:
    lab = lab_factory("healthy", flavor="aistor")
    body = JOB.format(id="other", fmt="parquet", comp="off").encode()
    err = error_of(lambda: send(lab, "PUT", [("id", "mine")], body))
    assert err.status == 400 and b"id does not match" in err.body
    err = error_of(lambda: send(lab, "PUT", [("id", "j")], b"apiVersion: v1\nid: j\ndestination:\n  bucket: nowhere\n"))
    assert err.status == 404 and b"nowhere" in err.body
    users = {"READER": ("reader-secret-123", frozenset({"s3:GetInventoryConfiguration", "s3:ListBucket"})),
             "NOWRITE": ("nowrite-secret-12", frozenset({"s3:*InventoryConfiguration", "s3:ListBucket"}))}
    lab.call(lambda: lab.source.site.users.update(users))
    as_user = {u: RecoveryService(AliasBook({"MC_HOST_source": f"http://{u}:{sk}@{lab.source.endpoint}"}))
               for u, (sk, _) in users.items()}
    assert json.loads(send(lab, "GET", [("continuation-token", "")], service=as_user["READER"]).body) == {"items": None}
    body = JOB.format(id="x1", fmt="parquet", comp="off").encode()
    err = error_of(lambda: send(lab, "PUT", [("id", "x1")], body, service=as_user["READER"]))
    assert err.status == 403 and b"AccessDenied" in err.body
    err = error_of(lambda: send(lab, "PUT", [("id", "x1")], body, service=as_user["NOWRITE"]))
    assert err.status == 403 and b"s3:PutObject" in err.body
    assert not lab.source.site.inventory_jobs
    err = error_of(lambda: send(lab, "GET", [("id", "nope"), ("status", "")]))
    assert err.status == 404


def test_community_server_has_no_inventory_route(lab_factory: Any) -> None:
    """§23.4: GET → a bucket listing (XML), PUT → PutBucket (400 MalformedXML), DELETE → DeleteBucket."""
    lab = lab_factory("healthy")  # community flavour
    resp = send(lab, "GET", [("continuation-token", "")])
    assert resp.status == 200 and b"<ListBucketResult" in resp.body
    err = error_of(lambda: send(lab, "PUT", [("id", "c1")], JOB.format(id="c1", fmt="parquet", comp="off").encode()))
    assert err.status == 400 and b"<Code>MalformedXML</Code>" in err.body
    err = error_of(lambda: send(lab, "DELETE", [("id", "c1")]))  # a non-empty bucket survives a DELETE …
    assert err.status == 409 and b"BucketNotEmpty" in err.body
    lab.call(lambda: lab.source.site.buckets.setdefault("empty", store.Bucket("empty")))
    send(lab, "DELETE", [("id", "c1")], bucket="empty")  # … an empty one is deleted: why the tool never sends it
    assert "empty" not in lab.source.site.buckets


@pytest.mark.parametrize("fault", ["fail", "missing-file", "truncate", "schema", "partial"])
@pytest.mark.slow
def test_faults_shape_the_run(lab_factory: Any, fault: str) -> None:
    lab = lab_factory("partial-loss", flavor="aistor")
    lab.faults.set_inventory("source", fault, rows_per_file=40)
    put(lab, "f1")
    st = completed(lab, "f1")
    if fault == "fail":
        assert st["state"] == "Failed" and st["numErrors"] == 1 and "lab fault" in st["lastFailErrors"][0]
        assert "manifestPath" not in st
        return
    manifest = json.loads(get_object(lab, st["manifestPath"]))
    files = manifest["files"]
    assert len(files) > 1
    if fault == "missing-file":
        assert error_of(lambda: get_object(lab, files[-1]["key"])).status == 404
    elif fault == "truncate":
        assert len(get_object(lab, files[0]["key"])) < files[0]["size"]
    elif fault == "schema":
        assert "ETag" not in manifest["fileSchema"].split(",")
    else:
        assert manifest["minioExtension"]["status"] == "canceled"
        assert manifest["minioExtension"]["partialResultsAvailable"] is True


def test_stall_fault_freezes_the_run_until_deleted(lab_factory: Any) -> None:
    lab = lab_factory("partial-loss", flavor="aistor")
    lab.faults.set_inventory("source", "stall")
    put(lab, "s1")
    wait_until(lambda: status(lab, "s1").get("scannedCount", 0) > 0, what="the run to start")
    first = status(lab, "s1")
    second = status(lab, "s1")
    assert first["state"] == second["state"] == "Running" and first["scannedCount"] == second["scannedCount"]
    send(lab, "DELETE", [("id", "s1")])
    assert not lab.source.site.inventory_jobs


def test_faults_control_endpoint_sets_inventory_faults(lab_factory: Any) -> None:
    import urllib.request

    lab = lab_factory("healthy", flavor="aistor")
    req = urllib.request.Request(lab.source.url + "/_lab/fault", method="POST", data=json.dumps(
        {"action": "inventory", "site": "target", "fault": "truncate", "rows_per_file": 7}).encode())
    doc = json.loads(urllib.request.urlopen(req, timeout=10).read())
    assert doc["state"]["inventory"]["target"] == {"fault": "truncate", "pace": 0.0, "rows_per_file": 7}
    with pytest.raises(ValueError):
        lab.faults.set_inventory("source", "explode")
