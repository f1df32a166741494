"""One run of a lab inventory job: walk the bucket, write the report files and the manifest (§23.3).

Layout: `{prefix}/{source-bucket}/{job-id}/{run-ts}/files/part-00001.{parquet|csv|json}` plus
`{…}/{run-ts}/manifest.json` in the destination bucket (a leading/trailing `/` of the prefix is
not doubled). `compression: "on"` means ZSTD: `.csv.zst` / `.json.zst` files, Parquet with ZSTD
column chunks; "off" writes plain files. The walk runs on the lab's loop in batches of keys (so the
site keeps answering and the status shows progress); encoding runs in a worker thread (pyarrow).

Columns (§23.3): `Bucket, Key, SequenceNumber, Size, LastModifiedDate`, plus `VersionID,
IsDeleteMarker, IsLatest` with `versions: all`, then the `includeFields` in the order given. The
Parquet types are the lab's choice where §23.3 found none: strings, int64 (`SequenceNumber` is the
row's ordinal in the run, `Size`), timestamp[ms, UTC], booleans. A delete marker has Size 0 and a
null ETag.

Faults (`lab.faults.set_inventory(site, fault)`): `fail` — the run stops half-way (state `Failed`,
`lastFailErrors`, no manifest); `stall` — the run freezes half-way in `Running`; `missing-file` —
the manifest lists a file that was never stored; `truncate` — the first file is stored cut in half
(its manifest size/MD5 are the full file's); `schema` — the files lack the `ETag` column;
`partial` — the manifest says `canceled` with partial results.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Any, Optional

from recovery_tui.lab import store
from recovery_tui.lab.gofmt import dumps
from recovery_tui.lab.inventory_encode import Captured, encode

if TYPE_CHECKING:
    from recovery_tui.lab.inventory import InventoryJob
    from recovery_tui.lab.server import SiteRuntime

BATCH_KEYS = 2000
"""Keys walked between two yields to the loop (and two status updates)."""
DEFAULT_ROWS_PER_FILE = 1_000_000


class LabFault(Exception):
    """The injected failure of a run."""


def columns_for(config: dict[str, Any]) -> list[str]:
    cols = ["Bucket", "Key", "SequenceNumber", "Size", "LastModifiedDate"]
    if config.get("versions", "all") == "all":
        cols += ["VersionID", "IsDeleteMarker", "IsLatest"]
    cols += [f for f in config.get("includeFields", []) if f not in cols]
    return cols


def _encode_file(columns: list[str], bucket: str, cap: Captured, fmt: str, compress: bool) -> tuple[bytes, str]:
    """A report file's bytes and their MD5 (hex), in the worker thread."""
    data = encode(columns, bucket, cap, fmt, compress)
    return data, hashlib.md5(data).hexdigest()


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


class _Writer:
    """Collects the walked versions and stores full files in the destination bucket.

    The walk appends `store.Version` references to `pending`; `capture()` reads their fields into the
    current file's columns. The walk calls it before every await, so each field is read in the same turn
    of the loop as the walk saw the version (as when each row was read on its own)."""

    def __init__(self, rt: "SiteRuntime", job: "InventoryJob", base: str, fault: Optional[str],
                 rows_per_file: int) -> None:
        cfg = job.config["destination"]
        self.rt, self.job, self.base, self.fault = rt, job, base, fault
        self.fmt, self.compress = cfg["format"], cfg["compression"] == "on"
        self.dest = rt.site.buckets[str(cfg["bucket"])]
        self.columns = columns_for(job.config)
        self.written_columns = [c for c in self.columns if not (fault == "schema" and c == "ETag")]
        self.current_only = job.config.get("versions") == "current"
        self.pending: list[store.Version] = []
        self.captured = Captured(current_only=self.current_only)
        self.buffered = 0
        """Rows of the current file so far (captured and pending)."""
        self.rows_per_file = rows_per_file
        self.files: list[dict[str, Any]] = []
        self.seq = 0
        """Rows of the run in files already written (the SequenceNumber before the current file's first)."""

    def capture(self) -> None:
        p, c = self.pending, self.captured
        if p:  # one comprehension per field: the fastest way to read slots from a million objects
            c.key += [v.key for v in p]
            c.version_id += [v.version_id for v in p]
            c.size += [v.size for v in p]
            c.etag += [v.etag for v in p]
            c.delete_marker += [v.delete_marker for v in p]
            c.last_modified += [v.last_modified for v in p]
            c.replication_status += [v.replication_status for v in p]
            p.clear()

    async def flush(self, final: bool = False) -> None:
        self.capture()
        if not self.buffered and not (final and not self.files):
            return
        cap, n = self.captured, self.buffered
        cap.first_seq = self.seq
        self.captured, self.buffered = Captured(current_only=self.current_only), 0
        data, md5 = await asyncio.get_running_loop().run_in_executor(
            None, _encode_file, self.written_columns, self.job.bucket, cap, self.fmt, self.compress)
        self.seq += n
        ext = {"parquet": "parquet", "csv": "csv", "json": "json"}[self.fmt]
        if self.compress and self.fmt != "parquet":
            ext += ".zst"
        key = _join(self.base, "files", f"part-{len(self.files) + 1:05d}.{ext}")
        self.files.append({"key": key, "size": len(data), "MD5checksum": md5})
        if self.fault == "truncate" and len(self.files) == 1:
            self.put(key, data[: len(data) // 2], "application/octet-stream")
        else:
            self.put(key, data, "application/octet-stream", etag=md5)  # the object's ETag is that same MD5
        self.job.records_written += n
        self.job.output_files = len(self.files)

    def put(self, key: str, data: bytes, ctype: str, etag: Optional[str] = None) -> None:
        vid = store.new_version_id() if self.dest.versioning == "Enabled" else store.NULL_VERSION
        self.dest.add_version(store.Version(key, vid, data, content_type=ctype, etag=etag))

    def manifest(self, job: "InventoryJob") -> bytes:
        files = list(self.files)
        if self.fault == "missing-file" and files:
            gone = files[-1]["key"]
            self.dest.versions.pop(gone, None)
            if gone in self.dest.keys:
                self.dest.keys.remove(gone)
        partial = self.fault == "partial"
        doc = {"sourceBucket": job.bucket, "destinationBucket": self.dest.name, "version": "2016-11-30",
               "creationTimestamp": str(int((job.start_time or store.utcnow()).timestamp())),
               "fileFormat": {"parquet": "Parquet", "csv": "CSV", "json": "JSON"}[self.fmt],
               "fileSchema": ",".join(self.written_columns), "files": files,
               "minioExtension": {"status": "canceled" if partial else "completed",
                                  **({"reason": "lab fault: the run was cut short"} if partial else {}),
                                  "scannedObjects": job.scanned_count, "matchedObjects": job.matched_count,
                                  "partialResultsAvailable": partial}}
        return dumps(doc).encode()


def _matches(prefixes: Optional[list[Any]], key: str) -> bool:
    return not prefixes or any(key.startswith(str(p)) for p in prefixes)


def _walk(job: "InventoryJob", writer: _Writer, src: store.Bucket, keys: list[str], i: int, stop: int,
          prefixes: Optional[list[Any]]) -> int:
    """Walk `keys[i:stop]` into the writer, stopping early after a key that fills the current file;
    returns where it stopped. Brings the job's counters and last keys up to date and captures the
    walked versions' fields (no await in between: one turn of the loop)."""
    get = src.versions.get
    none: list[store.Version] = []
    pending = writer.pending
    current_only = writer.current_only
    full = writer.rows_per_file
    buffered, scanned, matched = writer.buffered, job.scanned_count, job.matched_count
    last_matched = None
    begin = i
    while i < stop:
        key = keys[i]
        i += 1
        versions = get(key, none)
        n = len(versions)
        scanned += n
        if not n or (prefixes and not _matches(prefixes, key)):
            continue
        if current_only:
            pending.append(versions[0])
            n = 1
        else:
            pending += versions
        buffered += n
        matched += n
        last_matched = key
        if buffered >= full:
            break
    if i > begin:
        job.scanned = keys[i - 1]
    if last_matched is not None:
        job.matched = last_matched
    job.scanned_count, job.matched_count, writer.buffered = scanned, matched, buffered
    writer.capture()
    return i


async def run(rt: "SiteRuntime", job: "InventoryJob") -> None:
    """Run `job` once to the end (Completed), or until its fault stops it (Failed / frozen)."""
    fault, pace, rows_per_file = rt.lab.faults.inventory(rt.site.name)
    cfg = job.config
    job.state, job.num_starts = "Running", job.num_starts + 1
    job.start_time = job.last_update = store.utcnow()
    job.end_time, job.manifest_path = None, ""
    job.scanned_count = job.matched_count = job.records_written = job.output_files = 0
    run_ts = job.start_time.strftime("%Y-%m-%dT%H-%M-%S.%f")[:-3] + "Z"
    base = _join(str(cfg["destination"].get("prefix") or ""), job.bucket, job.id, run_ts)
    prefixes = (cfg.get("filters") or {}).get("prefix") if isinstance(cfg.get("filters"), dict) else None
    try:
        src = rt.site.buckets.get(job.bucket)
        if src is None:
            raise LabFault(f"bucket {job.bucket} no longer exists")
        writer = _Writer(rt, job, base, fault, rows_per_file or _rows_hint(cfg))
        keys = list(src.keys)  # strict mode: the namespace as it stands when the run starts
        half = len(keys) // 2 if fault in ("fail", "stall") else -1
        for start in range(0, max(len(keys), 1), BATCH_KEYS):
            end = min(start + BATCH_KEYS, len(keys))
            i = start
            while i < end:
                if i == half:
                    await _fault_stop(job, str(fault))
                i = _walk(job, writer, src, keys, i, half if i < half < end else end, prefixes)
                if writer.buffered >= writer.rows_per_file:
                    await writer.flush()
            job.last_update = store.utcnow()
            await asyncio.sleep(pace)
        await writer.flush(final=True)
        manifest_key = _join(base, "manifest.json")
        writer.put(manifest_key, writer.manifest(job), "application/json")
        job.manifest_path = manifest_key
        job.state = "Completed"
    except asyncio.CancelledError:
        job.state = "Canceled"
        raise
    except LabFault as exc:
        job.num_errors += 1
        job.last_fail_time = store.utcnow()
        job.last_fail_errors.append(str(exc))
        job.state = "Failed"
    finally:
        job.end_time = job.last_update = store.utcnow()


async def _fault_stop(job: "InventoryJob", fault: str) -> None:
    if fault == "stall":
        while True:  # frozen in Running until the job is deleted (the task is cancelled)
            await asyncio.sleep(3600)
    raise LabFault(f"inventory: writing {job.id} part after '{job.scanned}': erasure write quorum lost "
                   "(lab fault)")


def _rows_hint(cfg: dict[str, Any]) -> int:
    hint = cfg["destination"].get("maxFileSizeHint")
    try:
        return max(1, int(hint) // 64) if hint else DEFAULT_ROWS_PER_FILE
    except (TypeError, ValueError):
        return DEFAULT_ROWS_PER_FILE
