"""One report file's bytes from the versions a lab inventory run captured (runs in a worker thread).

The run (`lab/inventory_run.py`) hands over `Captured` columns: each version's fields read on the
lab's loop at the moment it was walked, one list per field. Here they become the report's columns
(§23.3; the types are the lab's choice, see `inventory_run`) and then Parquet, CSV or JSON Lines,
with ZSTD when the job asks for compression.

The Parquet and CSV paths build Arrow arrays straight from those lists (C loops: no per-row Python
work besides the one timestamp conversion per distinct time); the JSON path renders row by row.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import ne
from typing import Any, Optional

BOOL_FIELDS = frozenset({"IsMultipart", "IsBucketKeyEnabled", "IsDeleteMarker", "IsLatest"})
TIME_FIELDS = frozenset({"ObjectLockRetainUntilDate", "AccessTime"})


@dataclass
class Captured:
    """The versions of one report file, one list per `store.Version` attribute, in walk order (a key's versions
    newest first, so a row is its key's latest version exactly when its key differs from the row before)."""

    key: list[str] = field(default_factory=list)
    version_id: list[str] = field(default_factory=list)
    size: list[int] = field(default_factory=list)
    etag: list[str] = field(default_factory=list)
    delete_marker: list[bool] = field(default_factory=list)
    last_modified: list[datetime] = field(default_factory=list)
    replication_status: list[str] = field(default_factory=list)
    current_only: bool = False
    """`versions: current`: one row per key, every row its key's latest."""
    first_seq: int = 0
    """SequenceNumber of the row before the first (the rows of earlier files in the run)."""

    def __len__(self) -> int:
        return len(self.key)

    def latest(self) -> list[bool]:
        if self.current_only or not self.key:
            return [True] * len(self.key)
        keys = self.key
        return [True, *map(ne, keys[1:], keys)]


def columns_of(names: list[str], bucket: str, cap: Captured) -> dict[str, list[Any]]:
    """Each report column's values as Python lists (the JSON path)."""
    n = len(cap)
    dms = cap.delete_marker
    known: dict[str, list[Any]] = {
        "Key": cap.key, "VersionID": cap.version_id, "Size": cap.size, "IsDeleteMarker": dms,
        "LastModifiedDate": cap.last_modified, "IsLatest": cap.latest(),
        "SequenceNumber": list(range(cap.first_seq + 1, cap.first_seq + n + 1)),
        "ETag": [None if d else e for e, d in zip(cap.etag, dms, strict=True)],
        "ReplicationStatus": [r or None for r in cap.replication_status]}
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


def arrow_type(c: str) -> Any:
    import pyarrow as pa

    if c in ("SequenceNumber", "Size"):
        return pa.int64()
    if c == "LastModifiedDate" or c in TIME_FIELDS:
        return pa.timestamp("ms", tz="UTC")
    if c in BOOL_FIELDS:
        return pa.bool_()
    return pa.string()


def arrow_columns(names: list[str], bucket: str, cap: Captured) -> dict[str, Any]:
    """Each report column as an Arrow array (the Parquet and CSV paths); same values as `columns_of`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(cap)
    out: dict[str, Any] = {}
    dms: Optional[Any] = None

    def delete_markers() -> Any:
        nonlocal dms
        if dms is None:
            dms = pa.array(cap.delete_marker, pa.bool_())
        return dms

    for c in names:
        typ = arrow_type(c)
        if c == "Key":
            out[c] = pa.array(cap.key, typ)
        elif c == "VersionID":
            out[c] = pa.array(cap.version_id, typ)
        elif c == "Size":
            out[c] = pa.array(cap.size, typ)
        elif c == "IsDeleteMarker":
            out[c] = delete_markers()
        elif c == "IsLatest":
            out[c] = _latest(cap, out.get("Key"))
        elif c == "LastModifiedDate":
            out[c] = _times(cap.last_modified, typ)
        elif c == "SequenceNumber":  # first_seq+1 … first_seq+n without a Python loop
            ones = pa.repeat(pa.scalar(1, typ), n)
            out[c] = pc.add(pc.cumulative_sum(ones), pa.scalar(cap.first_seq, typ)) if n else ones
        elif c == "ETag":  # a delete marker has none
            out[c] = pc.if_else(delete_markers(), pa.scalar(None, typ), pa.array(cap.etag, typ)) if n else \
                pa.array([], typ)
        elif c == "ReplicationStatus":  # "" (no status) is null
            repl = pa.array(cap.replication_status, typ)
            out[c] = pc.if_else(pc.equal(repl, ""), pa.scalar(None, typ), repl) if n else repl
        elif c == "Bucket":
            out[c] = pa.repeat(pa.scalar(bucket, typ), n)
        elif c == "StorageClass":
            out[c] = pa.repeat(pa.scalar("STANDARD", typ), n)
        else:
            out[c] = pa.repeat(pa.scalar(False if c in BOOL_FIELDS else None, typ), n)
    return out


def _latest(cap: Captured, keys: Optional[Any]) -> Any:
    """IsLatest: a row whose key differs from the row before's (compared in Arrow, see `Captured`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(cap)
    if cap.current_only or n < 2:
        return pa.array(cap.latest(), pa.bool_())
    if keys is None:
        keys = pa.array(cap.key, pa.string())
    return pa.concat_arrays([pa.array([True]), pc.not_equal(keys.slice(1), keys.slice(0, n - 1))])


def _times(values: list[Any], typ: Any) -> Any:
    """Times as Arrow timestamps via epoch milliseconds, computed once per distinct value (a run's
    versions share few distinct times; equal times have equal milliseconds)."""
    import pyarrow as pa

    ms: dict[Any, Optional[int]] = dict.fromkeys(values)
    for v in ms:
        ms[v] = None if v is None else int(v.timestamp() * 1000)
    return pa.array(list(map(ms.__getitem__, values)), pa.int64()).cast(typ)


def encode(columns: list[str], bucket: str, cap: Captured, fmt: str, compress: bool) -> bytes:
    """One report file's bytes."""
    if fmt == "json":
        rows = columns_of(columns, bucket, cap)
        out = io.StringIO()
        for i in range(len(cap)):
            doc = {c: rows[c][i] for c in columns}
            if isinstance(doc.get("LastModifiedDate"), datetime):
                doc["LastModifiedDate"] = _rfc3339(doc["LastModifiedDate"])
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        data = out.getvalue().encode()
    else:
        import pyarrow as pa

        schema = pa.schema([pa.field(c, arrow_type(c)) for c in columns])
        arrays = arrow_columns(columns, bucket, cap)
        table = pa.table([arrays[c] for c in columns], schema=schema)
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


def _rfc3339(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
