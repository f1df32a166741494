"""Benchmark V3 (issue 9, restated): prefix-parallel validation against one paginator per side.

Both lab processes get the same injected latency per request (`POST /_lab/fault {"action":"latency"}`),
standing for a WAN round trip plus the server's own listing time on a large bucket.

* 100 ms per request: `validate(parallel=16)` ≥ 8× faster than `validate()` (one paginator per side, both
  sides at once), results identical.
* 20 ms per request: the speed-up is reported next to the ceiling this machine allows. During the parallel
  run the CPU seconds of the client and of both lab processes are measured; no schedule can finish before
  CPU ÷ cores, so the ceiling is T(one paginator) ÷ (CPU ÷ cores), and the target is ≥ 80 % of it (the
  parallel run keeps the cores at least 80 % busy).
"""

from __future__ import annotations

import os
import time
from typing import Any

from benchmarks import labproc
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.validate import validate

Row = tuple[str, str, str, str, bool]
SRC, DST = BucketPath("source", "data"), BucketPath("target", "data")


def _result(r: Any) -> tuple[Any, ...]:
    return (r.source_counts, r.target_counts, r.missing_on_target, r.extra_on_target, r.mismatched, r.incomplete)


def _run(service: RecoveryService, labs: list[labproc.LabProcess], parallel: Any
         ) -> tuple[float, float, float, float, Any]:
    """(wall seconds, CPU seconds of client + labs, of the client alone, of everything else on the host, report)."""
    pids = tuple(x.proc.pid for x in labs)
    host0 = labproc.host_cpu_seconds()
    client0 = time.process_time()
    helpers0 = labproc.helper_cpu_seconds(pids)  # parse worker processes, when RECOVERY_TUI_PARSE_PROCESSES asks
    cpu0 = client0 + helpers0 + sum(labproc.cpu_seconds(p) for p in pids)
    t = time.perf_counter()
    r = validate(service, SRC, DST, parallel=parallel)
    wall = time.perf_counter() - t
    client = time.process_time() - client0
    cpu = time.process_time() + labproc.helper_cpu_seconds(pids) + sum(labproc.cpu_seconds(p) for p in pids) - cpu0
    return wall, cpu, client, max(0.0, labproc.host_cpu_seconds() - host0 - cpu), r


def bench_v3(objects: int = 200_000, parallel: int = 16) -> list[Row]:
    a, b, env = labproc.pair(objects)
    cores = os.cpu_count() or 1
    rows: list[Row] = []
    try:
        service = RecoveryService(AliasBook(env))
        validate(service, SRC, DST)  # warm-up: connections, the labs' per-version XML caches
        for latency in (0.1, 0.02):
            a.set_latency("source", latency)
            b.set_latency("target", latency)
            t_one, _, _, _, r1 = _run(service, [a, b], None)
            t_par, cpu, client, others, r2 = _run(service, [a, b], parallel)
            busy = f"; other processes used {others / (t_par * cores) * 100:.0f}% of the cores meanwhile"
            same = _result(r1) == _result(r2) and not r1.incomplete
            speed = t_one / t_par
            what = (f"prefix-parallel ({parallel}) vs one paginator, {latency * 1000:.0f} ms/request, "
                    f"{r1.source_counts.versions:,}+{r1.target_counts.versions:,} versions"
                    + ("" if same else " (RESULTS DIFFER)"))
            if latency >= 0.1:
                rows.append(("V3", what + busy, f"{t_one:.2f}s / {t_par:.2f}s = {speed:.2f}x", ">= 8x",
                             same and speed >= 8))
            else:
                ceiling = t_one / (cpu / cores)
                share = speed / ceiling
                rows.append(("V3", what + f"; ceiling = {t_one:.2f}s / ({cpu:.2f} CPU-s / {cores} cores), of which the "
                             f"client (one interpreter) {client:.2f} CPU-s" + busy,
                             f"{speed:.2f}x of {ceiling:.2f}x = {share * 100:.0f}%", ">= 80% of ceiling",
                             same and share >= 0.8))
    finally:
        a.stop()
        b.stop()
    return rows
