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
import io
import json
from datetime import datetime, timezone
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Optional

from recovery_tui.lab import store
from recovery_tui.lab.gofmt import dumps

if TYPE_CHECKING:
    from recovery_tui.lab.inventory import InventoryJob
    from recovery_tui.lab.server import SiteRuntime

BATCH_KEYS = 2000
"""Keys walked between two yields to the loop (and two status updates)."""
DEFAULT_ROWS_PER_FILE = 1_000_000
BOOL_FIELDS = frozenset({"IsMultipart", "IsBucketKeyEnabled", "IsDeleteMarker", "IsLatest"})
TIME_FIELDS = frozenset({"ObjectLockRetainUntilDate", "AccessTime"})


class LabFault(Exception):
    """The injected failure of a run."""


def columns_for(config: dict[str, Any]) -> list[str]:
    cols = ["Bucket", "Key", "SequenceNumber", "Size", "LastModifiedDate"]
    if config.get("versions", "all") == "all":
        cols += ["VersionID", "IsDeleteMarker", "IsLatest"]
    cols += [f for f in config.get("includeFields", []) if f not in cols]
    return cols


Row = tuple  # (key, version id, size, etag, delete marker, last modified, replication status, latest, seq)


def columns_of(names: list[str], bucket: str, raw: list[Row]) -> dict[str, list[Any]]:
    """Each report column's values from the buffered rows (transposed once, in the encoding thread)."""
    n = len(raw)
    if not n:
        return {c: [] for c in names}
    keys, vids, sizes, etags, dms, mtimes, repl, latest, seqs = (list(map(itemgetter(i), raw)) for i in range(9))
    known: dict[str, list[Any]] = {
        "Key": keys, "VersionID": vids, "Size": sizes, "IsDeleteMarker": dms, "LastModifiedDate": mtimes,
        "IsLatest": latest, "SequenceNumber": seqs, "ETag": [None if d else e for e, d in zip(etags, dms, strict=True)],
        "ReplicationStatus": [r or None for r in repl]}
    out = {}
    for c in names:
        if c in known:
            out[c] = known[c]
        elif c == "Bucket":
            out[c] = [bucket] * n
        elif c == "StorageClass":
            out[c] = ["STANDARD"] * n
        else:
            out[c] = [False if c in BOOL_FIELDS else None] * n
    return out


def encode(columns: list[str], bucket: str, raw: list[Row], fmt: str, compress: bool) -> bytes:
    """One report file's bytes (runs in a worker thread)."""
    rows = columns_of(columns, bucket, raw)
    if fmt == "json":
        out = io.StringIO()
        n = len(rows[columns[0]]) if columns else 0
        for i in range(n):
            doc = {c: rows[c][i] for c in columns}
            if isinstance(doc.get("LastModifiedDate"), datetime):
                doc["LastModifiedDate"] = _rfc3339(doc["LastModifiedDate"])
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        data = out.getvalue().encode()
    else:
        import pyarrow as pa

        fields = []
        for c in columns:
            if c in ("SequenceNumber", "Size"):
                t = pa.int64()
            elif c == "LastModifiedDate" or c in TIME_FIELDS:
                t = pa.timestamp("ms", tz="UTC")
            elif c in BOOL_FIELDS:
                t = pa.bool_()
            else:
                t = pa.string()
            fields.append(pa.field(c, t))
        table = pa.table({c: _arrow(rows[c], f.type) for c, f in zip(columns, fields, strict=True)},
                         schema=pa.schema(fields))
        sink = io.BytesIO()
        if fmt == "parquet":
            import pyarrow.parquet as pq

            few = [c for c in columns if c not in ("Key", "VersionID", "SequenceNumber", "LastModifiedDate")]
            pq.write_table(table, sink, compression="zstd" if compress else "none", row_group_size=128 * 1024,
                           use_dictionary=few)
            return sink.getvalue()
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, sink)
        data = sink.getvalue()
    if compress:
        import pyarrow as pa

        data = bytes(pa.compress(data, codec="zstd", asbytes=True))
    return data


def _arrow(values: list[Any], typ: Any) -> Any:
    """A column as an Arrow array; times go through epoch milliseconds (one conversion per distinct value)."""
    import pyarrow as pa

    if pa.types.is_timestamp(typ):  # keyed by object identity: the versions keep every value alive meanwhile
        ms: dict[int, Optional[int]] = {}
        get = ms.get
        out = []
        for v in values:
            m = get(id(v), -1)
            if m == -1:
                m = ms[id(v)] = None if v is None else int(v.timestamp() * 1000)
            out.append(m)
        return pa.array(out, pa.int64()).cast(typ)
    return pa.array(values, typ)


def _rfc3339(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


class _Writer:
    """Buffers rows and stores full files in the destination bucket."""

    def __init__(self, rt: "SiteRuntime", job: "InventoryJob", base: str, fault: Optional[str],
                 rows_per_file: int) -> None:
        cfg = job.config["destination"]
        self.rt, self.job, self.base, self.fault = rt, job, base, fault
        self.fmt, self.compress = cfg["format"], cfg["compression"] == "on"
        self.dest = rt.site.buckets[str(cfg["bucket"])]
        self.columns = columns_for(job.config)
        self.written_columns = [c for c in self.columns if not (fault == "schema" and c == "ETag")]
        self.rows: list[Row] = []
        self.rows_per_file = rows_per_file
        self.files: list[dict[str, Any]] = []
        self.seq = 0

    def add(self, v: store.Version, latest: bool) -> None:
        self.seq += 1
        self.rows.append((v.key, v.version_id, v.size, v.etag, v.delete_marker, v.last_modified,
                          v.replication_status, latest, self.seq))

    @property
    def buffered(self) -> int:
        return len(self.rows)

    async def flush(self, final: bool = False) -> None:
        if not self.buffered and not (final and not self.files):
            return
        rows, self.rows = self.rows, []
        data = await asyncio.get_running_loop().run_in_executor(
            None, encode, self.written_columns, self.job.bucket, rows, self.fmt, self.compress)
        ext = {"parquet": "parquet", "csv": "csv", "json": "json"}[self.fmt]
        if self.compress and self.fmt != "parquet":
            ext += ".zst"
        key = _join(self.base, "files", f"part-{len(self.files) + 1:05d}.{ext}")
        self.files.append({"key": key, "size": len(data), "MD5checksum": hashlib.md5(data).hexdigest()})
        stored = data[: len(data) // 2] if self.fault == "truncate" and len(self.files) == 1 else data
        self.put(key, stored, "application/octet-stream")
        self.job.records_written += len(rows)
        self.job.output_files = len(self.files)

    def put(self, key: str, data: bytes, ctype: str) -> None:
        vid = store.new_version_id() if self.dest.versioning == "Enabled" else store.NULL_VERSION
        self.dest.add_version(store.Version(key, vid, data, content_type=ctype))

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
    current_only = cfg.get("versions") == "current"
    prefixes = (cfg.get("filters") or {}).get("prefix") if isinstance(cfg.get("filters"), dict) else None
    try:
        src = rt.site.buckets.get(job.bucket)
        if src is None:
            raise LabFault(f"bucket {job.bucket} no longer exists")
        writer = _Writer(rt, job, base, fault, rows_per_file or _rows_hint(cfg))
        keys = list(src.keys)  # strict mode: the namespace as it stands when the run starts
        half = len(keys) // 2
        for start in range(0, max(len(keys), 1), BATCH_KEYS):
            for idx in range(start, min(start + BATCH_KEYS, len(keys))):
                if idx == half and fault in ("fail", "stall"):
                    await _fault_stop(job, fault)
                key = keys[idx]
                versions = src.versions.get(key, ())
                job.scanned_count += len(versions)
                job.scanned = key
                if not versions or not _matches(prefixes, key):
                    continue
                for i, v in enumerate(versions[:1] if current_only else versions):
                    writer.add(v, i == 0)
                job.matched_count += 1 if current_only else len(versions)
                job.matched = key
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
