"""Synthetic inventory reports for I1/I3: two sides of N versions as Parquet part files, like a job's run.

Keys are `data/batch-BBBBB/obj-KKKKKKKKK.bin` with four versions each, written in key order (as a bucket walk
emits them) in part files of 1,000,000 rows (row groups of 131,072). The target is the source with every
1,000th version missing, every 7,919th ETag changed and one extra version on every 2,000th key. Columns and
types are the lab's (`lab/inventory_run.py`). Built with vectorised pyarrow compute, cached on disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROWS_PER_FILE = 1_000_000
ROW_GROUP = 128 * 1024
BASE_VID = "0f3c2a1b-4d5e-4f60-8a7b-"


def _pad(values: Any, width: int) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0")


def source_table(n: int) -> Any:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    idx = np.arange(n, dtype=np.int64)
    k = idx // 4
    keys = pc.binary_join_element_wise("data/batch-", _pad(k // 1000, 5), "/obj-", _pad(k, 9), ".bin", "")
    vids = pc.binary_join_element_wise(BASE_VID, _pad(idx, 12), "")
    dm = (idx % 4 == 3) & (k % 10 == 0)
    etag = np.where(dm, None, "5d41402abc4b2a76b9719d911017c592")
    return pa.table({
        "Bucket": pa.array(np.full(n, "data", dtype=object), pa.string()),
        "Key": keys, "SequenceNumber": pa.array(idx + 1),
        "Size": pa.array(np.where(dm, 0, 108).astype(np.int64)),
        "LastModifiedDate": pa.array(np.full(n, 1_700_000_000_000, dtype="datetime64[ms]")).cast(
            pa.timestamp("ms", tz="UTC")),
        "VersionID": vids, "IsDeleteMarker": pa.array(dm), "IsLatest": pa.array(idx % 4 == 0),
        "ETag": pa.array(etag, pa.string()),
        "ReplicationStatus": pa.array(np.full(n, "COMPLETED", dtype=object), pa.string()),
    })


def target_table(src: Any) -> Any:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = src.num_rows
    idx = np.arange(n)
    keep = idx % 1000 != 500
    changed = (idx % 7919 == 11) & keep & ~src["IsDeleteMarker"].to_numpy(zero_copy_only=False)
    etag = pc.if_else(pa.array(changed), pa.scalar("ffffffffffffffffffffffffffffffff"), src["ETag"])
    dst = src.set_column(src.schema.get_field_index("ETag"), "ETag", etag).filter(pa.array(keep))
    extra_at = idx[(idx % 4 == 0) & ((idx // 4) % 2000 == 7)]
    extra = src.take(pa.array(extra_at))
    extra = extra.set_column(extra.schema.get_field_index("VersionID"), "VersionID",
                             pc.binary_join_element_wise("ffffffff-0000-4000-8000-", _pad(extra_at, 12), ""))
    out = pa.concat_tables([dst, extra]).sort_by([("Key", "ascending"), ("SequenceNumber", "ascending")])
    return out


def write_side(table: Any, folder: Path) -> list[Path]:
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, start in enumerate(range(0, max(table.num_rows, 1), ROWS_PER_FILE)):
        p = folder / f"part-{i + 1:05d}.parquet"
        pq.write_table(table.slice(start, ROWS_PER_FILE), p, compression="none", row_group_size=ROW_GROUP)
        paths.append(p)
    return paths


def ensure(n: int, root: Path) -> Path:
    """The data set of `n` versions under `root/inventory-<n>/` (`src/`, `dst/`), built once."""
    folder = root / f"inventory-{n}"
    done = folder / "done.json"
    if done.exists():
        return folder
    src = source_table(n)
    write_side(src, folder / "src")
    write_side(target_table(src), folder / "dst")
    done.write_text(json.dumps({"versions": n}))
    return folder


def reference(folder: Path) -> dict[str, Any]:
    """The expected differences and counts computed another way: Python sets and dicts over the tables."""
    import pyarrow.parquet as pq

    sides = {}
    for name in ("src", "dst"):
        t = pq.read_table(sorted((folder / name).glob("*.parquet")),
                          columns=["Key", "VersionID", "Size", "ETag", "IsDeleteMarker", "IsLatest"]).to_pylist()
        rows = {(r["Key"], r["VersionID"]):
                ((0, "", True) if r["IsDeleteMarker"] else (r["Size"], r["ETag"] or "", False))
                for r in t}  # a delete marker has no size or ETag to compare, as in a listing
        dm = sum(1 for r in t if r["IsDeleteMarker"])
        cur = sum(1 for r in t if r["IsLatest"] and not r["IsDeleteMarker"])
        sides[name] = (rows, (len(t), cur, len(t) - cur - dm, dm))
    s, d = sides["src"][0], sides["dst"][0]
    diffs = {("missing_on_target", k, v) for (k, v) in s.keys() - d.keys()}
    diffs |= {("extra_on_target", k, v) for (k, v) in d.keys() - s.keys()}
    diffs |= {("mismatched", k, v) for (k, v) in s.keys() & d.keys() if s[(k, v)] != d[(k, v)]}
    return {"diffs": diffs, "src": sides["src"][1], "dst": sides["dst"][1]}
