"""Compare two sides' inventory reports out of core with DuckDB (the inventory engine's heavy half).

Same classes and counts as the listing engine (`validate.py`): versions are matched by (key, versionId)
and compared by size, ETag and the delete-marker flag; per side current / noncurrent / delete markers.
Delete markers count as size 0 with no ETag; ETags lose their quotes; an empty VersionID is "null".

How it stays fast and flat in memory:
1. Per side, each file becomes a view that maps its columns **by name** (`inventory_files.column_map`).
2. Sorted reports (every file's Parquet row-group statistics show keys in order, as a bucket walk writes
   them): the key space is cut into windows of about `WINDOW_ROWS` versions and each window is one exact
   FULL OUTER JOIN on (key, versionId); DuckDB reads only the row groups that overlap the window, so memory
   is one window's whatever the bucket size.
3. Unsorted reports (or CSV/JSON): one join on a 128-bit fingerprint of (key, versionId) — `hash(k, v)` and
   `hash(v || k)` — and a 64-bit hash of (size, ETag, delete marker), under DuckDB's memory limit (spilling to
   the temp directory), keeping only the (file, row) of rows without a partner or with another value hash;
   those rows alone are re-read (by row number) and classified exactly on the full values. A reported
   difference is always real; one could only hide behind a 128-bit fingerprint collision.
4. Differences go to a table in the on-disk work database, then to the JSON-lines report; counts and the
   first `sample_limit` of each class in key order are read from there. Nothing is held in Python.

A side whose report is incomplete makes what depends on it UNKNOWN (never "missing"): an incomplete
target leaves `missing_on_target` and the target's counts unknown, an incomplete source the extras and
the source's counts. The differences found among the rows that are there are real and are reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Optional

from .errors import InputError
from .inventory_files import LocalFile, SideReport
from .models import ObjectVersion
from .validation_report import EXTRA, MISMATCHED, MISSING, SideCounts, VersionDiff

FEW_ROWS = 20_000
"""Up to this many flagged rows in a file, phase 2 reads them by row number instead of scanning the file."""
WINDOW_ROWS = 1_000_000
"""Versions per key window in phase 1 (sorted reports): bounds the join's memory whatever the bucket size."""
DEFAULT_MEMORY_LIMIT = "1GB"


@dataclass
class CompareResult:
    source_counts: Optional[SideCounts]
    target_counts: Optional[SideCounts]
    counts: dict[str, Optional[int]]
    """MISSING / EXTRA / MISMATCHED → how many, or None when unknown."""
    samples: list[VersionDiff]
    diffs_file: Optional[Path]
    windows: int = 1
    """Key windows of the sorted path; 0 when the reports were not sorted (the fingerprint path ran)."""
    seconds: float = 0.0


@dataclass(frozen=True)
class Where:
    """The key filter of a scan: the validation's prefix, an excluded prefix, and a window's bounds
    (given as the `$lo` / `$hi` parameters of the statement)."""

    prefix: str = ""
    exclude: str = ""
    lo: bool = False
    hi: bool = False
    rows: str = ""
    """A condition on `file_row_number` (phase 2)."""

    def sql(self, col: str) -> str:
        parts = []
        if self.prefix:
            parts.append(f"starts_with({col}, {_lit(self.prefix)})")
        if self.exclude:
            parts.append(f"NOT starts_with({col}, {_lit(self.exclude)})")
        if self.lo:
            parts.append(f"{col} >= $lo")
        if self.hi:
            parts.append(f"{col} < $hi")
        if self.rows:
            parts.append(self.rows)
        return " AND ".join(parts)


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


class Comparer:
    """One comparison in one DuckDB connection (an on-disk database in `workdir`)."""

    def __init__(self, workdir: Path, memory_limit: str = DEFAULT_MEMORY_LIMIT, threads: Optional[int] = None,
                 window_rows: Optional[int] = None) -> None:
        import duckdb

        self.duckdb = duckdb
        self.workdir = workdir
        spill = workdir / "spill"
        spill.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {"memory_limit": memory_limit, "temp_directory": str(spill),
                                  "preserve_insertion_order": False, "enable_external_access": True,
                                  "autoinstall_known_extensions": False, "autoload_known_extensions": False}
        if threads:
            config["threads"] = threads
        try:
            self.con = duckdb.connect(str(workdir / "compare.duckdb"), config=config)
        except duckdb.Error as exc:
            raise InputError(f"DuckDB refused the settings: {exc}".splitlines()[0],
                             hint="Give --memory-limit as a size such as 512MB or 2GB.") from None
        self.memory_limit = memory_limit
        self.window_rows = window_rows or WINDOW_ROWS

    def close(self) -> None:
        self.con.close()

    # -- per-side views ----------------------------------------------------------------------------
    def _parquet_of(self, f: LocalFile, i: int) -> Path:
        """A CSV/JSON file becomes Parquet first (streamed by DuckDB), so every file has row numbers."""
        if f.fmt == "parquet":
            return f.path
        out = f.path.with_name(f"{f.path.name}.{i}.parquet")
        reader = (f"read_csv({_lit(str(f.path))}, header=true, all_varchar=true)" if f.fmt == "csv"
                  else f"read_json({_lit(str(f.path))}, format='newline_delimited')")
        self._run(f"COPY (SELECT * FROM {reader}) TO {_lit(str(out))} (FORMAT parquet)")
        return out

    def _file_select(self, f: LocalFile, i: int, where: "Where") -> str:
        c = {k: _ident(v) for k, v in f.columns.items()}
        path = self._parquet_of(f, i)
        cond = where.sql(c["key"])
        inner = (f"SELECT CAST({c['key']} AS VARCHAR) AS k,"
                 f" coalesce(nullif(CAST({c['vid']} AS VARCHAR), ''), 'null') AS v,"
                 f" coalesce(TRY_CAST({c['dm']} AS BOOLEAN), false) AS d,"
                 f" coalesce(TRY_CAST({c['latest']} AS BOOLEAN), false) AS l,"
                 f" TRY_CAST({c['size']} AS BIGINT) AS raw_sz, CAST({c['etag']} AS VARCHAR) AS raw_e,"
                 f" {i}::INTEGER AS fi, file_row_number AS rn"
                 f" FROM read_parquet({_lit(str(path))}, file_row_number=true)" + (f" WHERE {cond}" if cond else ""))
        return (f"SELECT k, v, d, l, CASE WHEN d THEN 0 ELSE coalesce(raw_sz, -1) END AS sz,"
                f" CASE WHEN d THEN '' ELSE coalesce(trim(raw_e, '\"'), '') END AS e, fi, rn FROM ({inner})")

    def _side_sql(self, side: SideReport, where: "Where") -> str:
        parts = [self._file_select(f, i, where) for i, f in enumerate(side.files)]
        if not parts:
            return ("SELECT NULL::VARCHAR AS k, NULL::VARCHAR AS v, NULL::BOOLEAN AS d, NULL::BOOLEAN AS l,"
                    " NULL::BIGINT AS sz, NULL::VARCHAR AS e, NULL::INTEGER AS fi, NULL::BIGINT AS rn WHERE false")
        return " UNION ALL ".join(parts)

    def _run(self, sql: str, params: Optional[dict[str, Any]] = None) -> Any:
        try:
            return self.con.execute(sql, params or {})
        except self.duckdb.OutOfMemoryException as exc:
            raise InputError(
                f"DuckDB ran out of memory within --memory-limit {self.memory_limit}",
                title="Memory limit too small",
                hint=f"DuckDB said: {str(exc).splitlines()[0][:160]} — raise --memory-limit (e.g. 2GB) "
                     "or free space in the temp directory it spills to.") from None

    # -- windows -------------------------------------------------------------------------------------
    def windows(self, src: SideReport, dst: SideReport) -> Optional[list[tuple[Optional[str], Optional[str]]]]:
        """Key ranges [lo, hi) of about `window_rows` versions when every file of both sides is sorted by key
        (row-group statistics); None when they are not."""
        bounds = []
        for side in (src, dst):
            groups = _row_groups(side.files)
            if groups is None:
                return None
            bounds.append(groups)
        ref = bounds[0] if bounds[0] else bounds[1]
        edges: list[Optional[str]] = [None]
        rows = 0
        for lo, _hi, n in ref:
            if rows >= self.window_rows and lo is not None and (edges[-1] is None or lo > edges[-1]):
                edges.append(lo)
                rows = 0
            rows += n
        edges.append(None)
        return list(zip(edges[:-1], edges[1:], strict=True))

    def _flagged_rows(self, side: SideReport, fi: str, rn: str, base: "Where") -> str:
        """The rows phase 1 flagged on one side. A file with few of them is read by row number (DuckDB then
        reads only their row groups); one with many is semi-joined, a full scan of that file."""
        per_file = dict(self._run(f"SELECT {fi}, count(*) FROM flagged WHERE {rn} IS NOT NULL GROUP BY {fi}")
                        .fetchall())
        parts = []
        for i, f in enumerate(side.files):
            n = per_file.get(i, 0)
            if not n:
                continue
            if n <= FEW_ROWS:
                rows = [r for (r,) in self._run(f"SELECT {rn} FROM flagged WHERE {fi} = {i} AND {rn} IS NOT NULL")
                        .fetchall()]
                parts.append(self._file_select(f, i, replace(base, rows=_rows_in(rows))))
            else:
                parts.append(f"SELECT x.* FROM ({self._file_select(f, i, base)}) x SEMI JOIN "
                             f"(SELECT {rn} FROM flagged WHERE {fi} = {i}) g ON x.rn = g.{rn}")
        return " UNION ALL ".join(parts) if parts else self._side_sql(SideReport(side.label), base)

    def _classify(self, s2: str, t2: str, kinds: str) -> str:
        """INSERT the differences between two row sets into `diffs`, exactly, on the full values."""
        return f"""INSERT INTO diffs SELECT * FROM (
            SELECT CASE WHEN t2.k IS NULL THEN '{MISSING}' WHEN s2.k IS NULL THEN '{EXTRA}'
                        ELSE '{MISMATCHED}' END AS kind,
                   coalesce(s2.k, t2.k) AS key, coalesce(s2.v, t2.v) AS version_id,
                   CASE WHEN s2.k IS NULL THEN NULL ELSE struct_pack(size := s2.sz, etag := s2.e,
                        delete_marker := s2.d, is_latest := s2.l) END AS source,
                   CASE WHEN t2.k IS NULL THEN NULL ELSE struct_pack(size := t2.sz, etag := t2.e,
                        delete_marker := t2.d, is_latest := t2.l) END AS target
            FROM ({s2}) s2 FULL OUTER JOIN ({t2}) t2 ON s2.k = t2.k AND s2.v = t2.v
            WHERE s2.k IS NULL OR t2.k IS NULL OR s2.sz IS DISTINCT FROM t2.sz OR s2.e IS DISTINCT FROM t2.e
                  OR s2.d IS DISTINCT FROM t2.d) WHERE kind IN ({kinds})"""

    def _sorted_path(self, src: SideReport, dst: SideReport, wins: list[Any], prefix: str, exclude: str,
                     kinds: str) -> None:
        """Sorted reports: each key window joined exactly on (key, versionId); memory is one window's."""
        for lo, hi in wins:
            where = Where(prefix, exclude, lo is not None, hi is not None)
            params = {k: v for k, v in (("lo", lo), ("hi", hi)) if v is not None}
            self._run(self._classify(self._side_sql(src, where), self._side_sql(dst, where), kinds), params)

    def _hashed_path(self, src: SideReport, dst: SideReport, base: "Where", kinds: str) -> None:
        """Unsorted reports: one join on 128-bit fingerprints under the memory limit (spilling), then the
        flagged rows only, re-read and classified exactly."""
        self._run("CREATE OR REPLACE TABLE flagged (afi INTEGER, arn BIGINT, bfi INTEGER, brn BIGINT)")
        fp = "SELECT hash(k, v) AS h, hash(v || k) AS h2, hash(sz, e, d) AS f, fi, rn FROM ({})"
        self._run(f"""INSERT INTO flagged SELECT a.fi, a.rn, b.fi, b.rn
            FROM ({fp.format(self._side_sql(src, base))}) a
            FULL OUTER JOIN ({fp.format(self._side_sql(dst, base))}) b ON a.h = b.h AND a.h2 = b.h2
            WHERE a.h IS NULL OR b.h IS NULL OR a.f <> b.f""")
        self._run(self._classify(self._flagged_rows(src, "afi", "arn", base),
                                 self._flagged_rows(dst, "bfi", "brn", base), kinds))

    # -- the comparison -----------------------------------------------------------------------------
    def compare(self, src: SideReport, dst: SideReport, *, diffs_path: Path, prefix: str = "",
                exclude_prefix: str = "", sample_limit: int = 20) -> CompareResult:
        started = time.monotonic()
        known = [k for k, ok in ((MISSING, dst.complete), (EXTRA, src.complete), (MISMATCHED, True)) if ok]
        kinds = ", ".join(_lit(k) for k in known) or "NULL"
        base = Where(prefix, exclude_prefix)
        counts = {}
        for name, side in (("src", src), ("dst", dst)):
            n, cur, dm = self._run(f"SELECT count(*), coalesce(count_if(l AND NOT d), 0), coalesce(count_if(d), 0) "
                                   f"FROM ({self._side_sql(side, base)})").fetchone()
            counts[name] = SideCounts(versions=n, current=cur, noncurrent=n - cur - dm, delete_markers=dm)
        self._run("CREATE OR REPLACE TABLE diffs (kind VARCHAR, key VARCHAR, version_id VARCHAR, source STRUCT("
                  "size BIGINT, etag VARCHAR, delete_marker BOOLEAN, is_latest BOOLEAN), target STRUCT(size BIGINT, "
                  "etag VARCHAR, delete_marker BOOLEAN, is_latest BOOLEAN))")
        wins = self.windows(src, dst)
        if wins is not None:
            self._sorted_path(src, dst, wins, prefix, exclude_prefix, kinds)
        else:
            self._hashed_path(src, dst, base, kinds)
        found = dict(self._run("SELECT kind, count(*) FROM diffs GROUP BY kind").fetchall())
        samples: list[VersionDiff] = []
        for kind in (MISSING, EXTRA, MISMATCHED):
            if kind not in known or not found.get(kind) or sample_limit <= 0:
                continue
            rows = self._run("SELECT key, version_id, source, target FROM diffs WHERE kind = $kind "
                             "ORDER BY key, version_id LIMIT $n", {"kind": kind, "n": sample_limit}).fetchall()
            samples += [VersionDiff(kind, k, v, _ov(k, v, s), _ov(k, v, t)) for k, v, s, t in rows]
        diffs_path.parent.mkdir(parents=True, exist_ok=True)
        self._run(f"COPY diffs TO {_lit(str(diffs_path))} (FORMAT json)")
        return CompareResult(
            source_counts=counts["src"] if src.complete else None,
            target_counts=counts["dst"] if dst.complete else None,
            counts={k: (int(found.get(k, 0)) if k in known else None) for k in (MISSING, EXTRA, MISMATCHED)},
            samples=samples, diffs_file=diffs_path, windows=len(wins) if wins else 0,
            seconds=time.monotonic() - started)


def _rows_in(rows: list[int]) -> str:
    return "file_row_number IN (" + ",".join(map(str, rows)) + ")"


def _ov(key: str, vid: str, s: Optional[dict[str, Any]]) -> Optional[ObjectVersion]:
    if s is None:
        return None
    return ObjectVersion(key=key, version_id=vid, is_latest=bool(s["is_latest"]), last_modified=None,
                         size=int(s["size"]), etag=str(s["etag"]), delete_marker=bool(s["delete_marker"]))


def _row_groups(files: list[LocalFile]) -> Optional[list[tuple[Optional[str], Optional[str], int]]]:
    """(min key, max key, rows) of every row group in file order, or None when the keys are not sorted
    across them (or a file has no statistics)."""
    out: list[tuple[Optional[str], Optional[str], int]] = []
    prev_max: Optional[str] = None
    for f in files:
        if f.fmt != "parquet":
            return None
        import pyarrow.parquet as pq

        md = pq.ParquetFile(f.path).metadata
        names = [md.schema.column(i).name for i in range(md.num_columns)]
        col = names.index(f.columns["key"])
        for g in range(md.num_row_groups):
            rg = md.row_group(g)
            if rg.num_rows == 0:
                continue
            st = rg.column(col).statistics
            if st is None or not st.has_min_max:
                return None
            lo, hi = st.min, st.max
            lo = lo.decode() if isinstance(lo, bytes) else lo
            hi = hi.decode() if isinstance(hi, bytes) else hi
            if prev_max is not None and lo < prev_max:
                return None
            prev_max = hi
            out.append((lo, hi, rg.num_rows))
    return out
