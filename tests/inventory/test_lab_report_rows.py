"""The lab's inventory report, row by row, against the bucket it describes (facts §23.3): every version (or
every key's latest) in key order, newest first, with its fields, its ordinal, its IsLatest; files cut after
the key that fills one; the status counts. The expected rows are built here from the store, plainly."""

from __future__ import annotations

import io
import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import pytest

from helpers.waiting import wait_until
from recovery_tui.lab import store

from .test_lab_inventory import get_object, send

T0 = datetime(2025, 3, 1, tzinfo=timezone.utc)
BUCKET = "rows"


def _seed(lab: Any) -> None:
    rng = random.Random(7)

    def load() -> None:
        b = lab.source.site.buckets.setdefault(BUCKET, store.Bucket(BUCKET, versioning="Enabled"))
        for i in range(90):
            key = (f"docs/k{i:03d}", f"ünï/файл {i} ✓", f"logs/{i:03d}+x=y")[i % 3]
            for j in range(rng.randint(1, 5)):
                when = T0 + timedelta(seconds=rng.randint(0, 10**6), microseconds=rng.randint(1, 999) * 1001)
                b.add_version(store.Version(key, f"v{i}-{j}", b"x" * rng.randint(0, 40), last_modified=when,
                                            delete_marker=rng.random() < 0.25,
                                            replication_status=rng.choice(["", "COMPLETED", "PENDING"])))

    lab.call(load)


def _expected(lab: Any, current_only: bool, prefixes: Optional[list[str]], rows_per_file: int
              ) -> tuple[list[list[dict[str, Any]]], int]:
    """The report's files (each a list of rows) and the scanned count, from the bucket itself."""
    b = lab.source.site.buckets[BUCKET]
    files: list[list[dict[str, Any]]] = [[]]
    seq = scanned = 0
    for key in sorted(b.versions):
        versions = b.versions[key]
        scanned += len(versions)
        if prefixes and not any(key.startswith(p) for p in prefixes):
            continue
        for i, v in enumerate(versions[:1] if current_only else versions):
            seq += 1
            when = v.last_modified.replace(microsecond=v.last_modified.microsecond // 1000 * 1000)
            files[-1].append({"Bucket": BUCKET, "Key": key, "SequenceNumber": seq, "Size": v.size,
                              "LastModifiedDate": when, "VersionID": v.version_id,
                              "IsDeleteMarker": v.delete_marker, "IsLatest": i == 0,
                              "ETag": None if v.delete_marker else v.etag,
                              "ReplicationStatus": v.replication_status or None, "StorageClass": "STANDARD"})
        if len(files[-1]) >= rows_per_file:
            files.append([])
    if not files[-1] and len(files) > 1:
        files.pop()
    return files, scanned


def _job(job_id: str, fmt: str, versions: str, prefixes: Optional[list[str]]) -> bytes:
    text = (f"apiVersion: v1\nid: {job_id}\ndestination:\n  bucket: recovery-tui-reports\n  prefix: rows/\n"
            f"  format: {fmt}\n  compression: \"off\"\nschedule: once\nmode: strict\nversions: {versions}\n"
            "includeFields:\n  - ETag\n  - ReplicationStatus\n  - StorageClass\n")
    if prefixes:
        text += "filters:\n  prefix:\n" + "".join(f"    - \"{p}\"\n" for p in prefixes)
    return text.encode()


def _rows(data: bytes, fmt: str) -> list[dict[str, Any]]:
    if fmt == "json":
        rows = [json.loads(line) for line in data.decode().splitlines()]
        for r in rows:
            r["LastModifiedDate"] = datetime.strptime(r["LastModifiedDate"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=timezone.utc)
        return rows
    import pyarrow.parquet as pq

    return list(pq.read_table(io.BytesIO(data)).to_pylist())


@pytest.mark.parametrize(("fmt", "versions", "prefixes", "rows_per_file"), [
    ("parquet", "all", None, 23),
    ("parquet", "current", ["ünï/", "logs/0"], 7),
    ("parquet", "all", None, 10_000),
    ("json", "all", ["docs/"], 19),
])
def test_report_rows_are_the_buckets_versions(lab_factory: Any, fmt: str, versions: str,
                                              prefixes: Optional[list[str]], rows_per_file: int) -> None:
    lab = lab_factory("healthy", flavor="aistor")
    _seed(lab)
    lab.faults.set_inventory("source", rows_per_file=rows_per_file)
    send(lab, "PUT", [("id", "r1")], _job("r1", fmt, versions, prefixes), bucket=BUCKET)
    st = _status(lab)
    want, scanned = _expected(lab, versions == "current", prefixes, rows_per_file)
    manifest = json.loads(get_object(lab, st["manifestPath"]))
    got = [_rows(get_object(lab, f["key"]), fmt) for f in manifest["files"]]
    columns = manifest["fileSchema"].split(",")
    assert [[{c: r[c] for c in columns} for r in f] for f in got] == [[{c: r[c] for c in columns} for r in f]
                                                                      for f in want]
    rows = sum(map(len, want))
    assert rows > 20 and (len(want) > 2 or rows_per_file > rows)
    assert (st["scannedCount"], st["matchedCount"], st["recordsWritten"], st["outputFilesCount"]) == (
        scanned, rows, rows, len(want))
    assert manifest["minioExtension"]["scannedObjects"] == scanned


def _status(lab: Any) -> dict[str, Any]:
    """The finished job's status (on the `rows` bucket)."""
    def status() -> dict[str, Any]:
        return json.loads(send(lab, "GET", [("id", "r1"), ("status", "")], bucket=BUCKET).body)

    wait_until(lambda: status()["state"] in ("Completed", "Failed"), what="job r1")
    st = status()
    assert st["state"] == "Completed"
    return st
