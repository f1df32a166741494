"""S1 (issue 11): site plan discovery of 1,000 buckets vs one bucket, 20 ms injected latency per request.

Two lab processes (`recovery-tui lab serve --scenario site-many --objects N`): one with 1,000 replicated
buckets, one with a single bucket. On each: latency set on both sites, one warm-up discovery (clients
and connections, as in the wizard), then the best of three `discover()` runs. Target: the 1,000-bucket
discovery takes at most 5x the one-bucket discovery. Discovery reads both bucket lists, both sites'
admin info, every remote target in one call and both sites' configurations in one
`export-bucket-metadata` call each, all at once; counting versions (`count_versions`) lists each bucket
and is measured apart (reported, no target: it grows with the number of buckets by nature).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from benchmarks import labproc
from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.discovery import count_versions, discover

Row = tuple[str, str, str, str, bool]


def _best(fn: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _measure(buckets: int, latency: float) -> tuple[float, float, Any]:
    lab = labproc.start("site-many", buckets)
    try:
        lab.set_latency("source", latency)
        lab.set_latency("target", latency)
        service = RecoveryService(AliasBook(lab.env))
        discover(service, "source", "target")  # warm-up
        t_plan, plan = _best(lambda: discover(service, "source", "target"))
        t_count, _ = _best(lambda: count_versions(service, plan), runs=1)
    finally:
        lab.stop()
    return t_plan, t_count, plan


def bench_s1(buckets: int = 1000, latency: float = 0.02) -> list[Row]:
    t_one, c_one, one = _measure(1, latency)
    t_many, c_many, many = _measure(buckets, latency)
    ok = len(many.recoverable()) == buckets and len(one.recoverable()) == 1
    ratio = t_many / t_one
    return [
        ("S1", f"site plan discovery, {buckets:,} buckets vs 1, {latency * 1000:.0f} ms/request "
               f"(configurations: {many.metadata})",
         f"{t_many:.2f}s / {t_one:.2f}s = {ratio:.2f}x" + ("" if ok else " (PLAN INCOMPLETE)"), "<= 5x",
         ratio <= 5.0 and ok),
        ("S1", f"  version counting of the same plans (informational), {buckets:,} vs 1 bucket",
         f"{c_many:.2f}s / {c_one:.2f}s", "(none)", True),
    ]


__all__ = ["bench_s1"]
