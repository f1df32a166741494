"""Benchmarks I1, I2, I3 of issue 12: the inventory engine's comparison and its end-to-end run on the lab.

* I1 — compare two synthetic 10,000,000-version inventories (`inventory_data`, Parquet part files in key
  order) with the engine's comparer at the default memory limit, in a fresh process (`inventory_probe`):
  µs per version compared (both sides counted), peak RSS (VmHWM), and the full result checked against a
  reference computed another way (Python sets and dicts) on a 100,000-version sample.
* I2 — end to end on two lab processes (aistor flavour, `large` scenario, 1,000,000 versions a side):
  `validate_inventory` (jobs, wait, fetch, compare, delete) vs `validate` (the listing engine), interleaved,
  best of two each, same counts required, ratio printed.
* I3 — peak RSS of the comparison at 1,000,000 and at 10,000,000 versions.

Data sets are built once under `$RECOVERY_TUI_BENCH_DIR` (default /tmp/recovery-tui-bench; ~1.5 GB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import labproc
from benchmarks.inventory_data import ensure, reference

Row = tuple[str, str, str, str, bool]
ROOT = Path(os.environ.get("RECOVERY_TUI_BENCH_DIR", "/tmp/recovery-tui-bench"))


def _probe(n: int, *extra: str) -> dict[str, Any]:
    folder = ensure(n, ROOT)
    out = subprocess.run([sys.executable, "-m", "benchmarks.inventory_probe", str(folder), "1GB", *extra],
                         capture_output=True, text=True, check=True, timeout=3600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _check_reference(n: int) -> tuple[bool, str]:
    ref = reference(ensure(n, ROOT))
    got = _probe(n, "--diffs")
    same = ({tuple(d) for d in got["diffs"]} == ref["diffs"] and tuple(got["src"]) == ref["src"]
            and tuple(got["dst"]) == ref["dst"])
    return same, f"{len(ref['diffs']):,} differences and both sides' counts"


def bench_i1(n: int = 10_000_000) -> list[Row]:
    same, what = _check_reference(100_000)
    big = min((_probe(n) for _ in range(2)), key=lambda r: r["elapsed"])  # the host is shared: best of two
    per = big["elapsed"] / big["versions"] * 1e6
    c = big["counts"]
    return [
        ("I1", f"compare two {n:,}-version inventories ({big['versions']:,} versions, {big['windows']} windows; "
               f"{c['missing_on_target']:,} missing, {c['extra_on_target']:,} extra, {c['mismatched']:,} mismatched)",
         f"{big['elapsed']:.2f}s = {per:.3f} µs/version (CPU {big['cpu']:.1f}s, load {big['load']:.1f})",
         "<= 0.5 µs/version", per <= 0.5),
        ("I1", "peak RSS of that comparison (default --memory-limit 1GB)", f"{big['rss_mb']:.0f} MB", "<= 1.2 GB",
         big["rss_mb"] <= 1200),
        ("I1", "results vs a reference computed with Python sets (100,000 versions)",
         ("identical: " if same else "DIFFERENT: ") + what, "identical", same),
    ]


def bench_i3() -> list[Row]:
    small, big = _probe(1_000_000), _probe(10_000_000)
    growth = big["rss_mb"] - small["rss_mb"]
    return [("I3", "peak RSS of the comparison: 1,000,000 vs 10,000,000 versions a side",
             f"{small['rss_mb']:.0f} MB -> {big['rss_mb']:.0f} MB (+{growth:.0f} MB)", "growth <= 200 MB",
             growth <= 200)]


def bench_i2(objects: int = 1_000_000) -> list[Row]:
    from recovery_tui.service.aliases import AliasBook, BucketPath
    from recovery_tui.service.client import RecoveryService
    from recovery_tui.service.inventory_engine import InventoryOptions, validate_inventory
    from recovery_tui.service.validate import validate

    src, dst = BucketPath("source", "data"), BucketPath("target", "data")
    a, b, env = labproc.pair(objects, flavor="aistor")
    try:
        service = RecoveryService(AliasBook(env))
        validate(service, src, dst)  # warm-up, as in V1: connections and the lab's listing cache favour listing
        t_list = t_inv = float("inf")
        for _ in range(2):  # interleaved, best of two: the host is shared, the minimum is the signal
            t = time.perf_counter()
            listing = validate(service, src, dst)
            t_list = min(t_list, time.perf_counter() - t)
            t = time.perf_counter()
            inv = validate_inventory(service, src, dst, options=InventoryOptions(
                delete_reports=True, diffs_path=ROOT / "i2-differences.jsonl"))
            t_inv = min(t_inv, time.perf_counter() - t)
    finally:
        a.stop()
        b.stop()
    same = (listing.source_counts, listing.target_counts, listing.missing_on_target, listing.extra_on_target,
            listing.mismatched) == (inv.source_counts, inv.target_counts, inv.missing_on_target, inv.extra_on_target,
                                    inv.mismatched) and not inv.incomplete
    ratio = t_list / t_inv
    return [("I2", f"end to end on the lab, {inv.source_counts.versions:,}+{inv.target_counts.versions:,} versions: "
                   "inventory (jobs, wait, read, compare) vs listing engine",
             f"{t_inv:.2f}s vs {t_list:.2f}s = {ratio:.2f}x faster" + ("" if same else " (RESULTS DIFFER)"),
             "faster (> 1x)", ratio > 1.0 and same)]
