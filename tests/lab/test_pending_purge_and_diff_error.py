"""The lab as the real server behaves (issue "Real-server fidelity, round 2", items 1 and 3; facts §7, §17):
the diff stream's walk-error line (fault `diff-error after N`), versions whose versioned delete waits to
replicate (hidden from listings, 405 with `X-Minio-Replication-Delete-Status`, `dStatus` in the diff),
and 405 answers without `Last-Modified`."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest
import requests

from helpers.waiting import wait_until
from recovery_tui.lab.server import Lab

from fixtures_repl import BUCKET, make_lab, raw, s3


@pytest.fixture
def lab() -> Lab:
    lab = make_lab("healthy", objects=6)
    yield lab
    lab.stop()


def _diff(lab: Lab, prefix: str, verbose: bool = False) -> list[dict]:
    params = [("bucket", BUCKET), ("prefix", prefix)] + ([("verbose", "true")] if verbose else [])
    r = raw(lab.source, "POST", "/minio/admin/v3/replication/diff", params)
    assert r.status == 200
    return [json.loads(line) for line in r.text.splitlines() if line.strip()]


def _failed_then_deleted(lab: Lab, key: str) -> str:
    """A version that FAILED to replicate, then deleted by versionId while its delete cannot replicate."""
    c = s3(lab.source)
    lab.faults.fail_replication(key)
    vid = c.put_object(Bucket=BUCKET, Key=key, Body=b"gone soon")["VersionId"]
    wait_until(lambda: c.head_object(Bucket=BUCKET, Key=key, VersionId=vid).get("ReplicationStatus") == "FAILED")
    c.delete_object(Bucket=BUCKET, Key=key, VersionId=vid)
    wait_until(lambda: lab.call(lambda: lab.source.site.buckets[BUCKET].get_purge(key, vid).status) == "FAILED")
    return vid


def test_diff_error_after_n_entries_then_the_stream_ends(lab: Lab) -> None:
    c = s3(lab.source)
    lab.faults.fail_replication("de/*")
    for i in range(4):
        c.put_object(Bucket=BUCKET, Key=f"de/{i}", Body=b"x")
    wait_until(lambda: len(_diff(lab, "de/")) == 4)
    lab.faults.set_diff_error(2)
    lines = _diff(lab, "de/")
    assert [d.get("object") for d in lines[:2]] == ["de/0", "de/1"] and len(lines) == 3
    assert lines[2] == {"object": "", "versionId": "", "error": {}, "replTimestamp": "0001-01-01T00:00:00Z",
                        "lastModified": "0001-01-01T00:00:00Z", "deletemarker": False}  # DiffInfo{Err: err}
    lab.faults.set_diff_error(10)  # fewer entries than N: the walk fails at its end
    assert _diff(lab, "de/")[-1]["error"] == {} and len(_diff(lab, "de/")) == 5
    ctl = lab.source.url + "/_lab/fault"
    r = requests.post(ctl, json={"action": "diff-error", "after": None}, timeout=5)
    assert r.ok and r.json()["state"]["diff_error_after"] is None and len(_diff(lab, "de/")) == 4
    r = requests.post(ctl, json={"action": "diff-error", "after": 0}, timeout=5)
    assert r.ok and _diff(lab, "de/") == [lines[2]]
    assert requests.post(ctl, json={"action": "diff-error", "after": -1}, timeout=5).status_code == 400
    lab.faults.clear()
    assert lab.faults.diff_error_after() is None


def test_pending_purge_is_hidden_and_answers_405_with_its_delete_status(lab: Lab) -> None:
    key = "pp/a.txt"
    vid = _failed_then_deleted(lab, key)
    c = s3(lab.source)
    listed = c.list_object_versions(Bucket=BUCKET, Prefix="pp/")
    assert "Versions" not in listed and "DeleteMarkers" not in listed  # hidden (§17, e726d8ff0)
    r = raw(lab.source, "HEAD", f"/{BUCKET}/{key}", [("versionId", vid)])
    assert r.status == 405
    assert r.headers["X-Minio-Replication-Delete-Status"] == "FAILED"
    assert r.headers["x-amz-delete-marker"] == "true" and r.headers["x-amz-version-id"] == vid
    assert "Last-Modified" not in r.headers
    assert raw(lab.source, "HEAD", f"/{BUCKET}/{key}").status == 404  # a plain read: deleted
    [entry] = _diff(lab, "pp/")
    assert entry["dStatus"] == "FAILED" and entry["rStatus"] == "FAILED" and entry["deletemarker"] is True
    assert list(entry["targets"].values()) == [{"rStatus": "FAILED", "drStatus": "FAILED"}]
    with pytest.raises(botocore.exceptions.ClientError):
        c.copy_object(Bucket=BUCKET, Key=key, CopySource={"Bucket": BUCKET, "Key": key, "VersionId": vid})


def test_a_head_requeues_the_delete_and_the_version_goes_for_good(lab: Lab) -> None:
    key = "pp/b.txt"
    vid = _failed_then_deleted(lab, key)
    lab.faults.clear_replication_failures()
    assert raw(lab.source, "HEAD", f"/{BUCKET}/{key}", [("versionId", vid)]).status == 405  # heal queued
    wait_until(lambda: lab.call(lambda: lab.source.site.buckets[BUCKET].get_purge(key, vid)) is None)
    assert _diff(lab, "pp/b") == [] and _diff(lab, "pp/b", verbose=True) == []
    assert raw(lab.source, "HEAD", f"/{BUCKET}/{key}", [("versionId", vid)]).status == 404


def test_a_replicated_version_pending_purge_shows_in_the_verbose_diff_only(lab: Lab) -> None:
    """The server selects diff entries on the replication status: COMPLETED is skipped without verbose,
    even when its purge is pending (§17, derived)."""
    c = s3(lab.source)
    key = "pp/c.txt"
    vid = c.put_object(Bucket=BUCKET, Key=key, Body=b"replicated")["VersionId"]
    wait_until(lambda: c.head_object(Bucket=BUCKET, Key=key, VersionId=vid).get("ReplicationStatus") == "COMPLETED")
    lab.faults.fail_replication(key)
    c.delete_object(Bucket=BUCKET, Key=key, VersionId=vid)
    wait_until(lambda: lab.call(lambda: lab.source.site.buckets[BUCKET].get_purge(key, vid).status) == "FAILED")
    assert _diff(lab, "pp/c") == []
    [entry] = _diff(lab, "pp/c", verbose=True)
    assert (entry["rStatus"], entry["dStatus"], entry["deletemarker"]) == ("COMPLETED", "FAILED", True)


def test_a_delete_marker_405_has_no_last_modified(lab: Lab) -> None:
    c = s3(lab.source)
    c.put_object(Bucket=BUCKET, Key="dm/x", Body=b"1")
    dm = c.delete_object(Bucket=BUCKET, Key="dm/x")["VersionId"]
    r = raw(lab.source, "HEAD", f"/{BUCKET}/dm/x", [("versionId", dm)])
    assert r.status == 405 and r.headers["x-amz-delete-marker"] == "true" and "Last-Modified" not in r.headers
    r = raw(lab.source, "HEAD", f"/{BUCKET}/dm/x")
    assert r.status == 404 and r.headers["x-amz-version-id"] == dm and "Last-Modified" not in r.headers
