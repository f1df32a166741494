"""What V3's parallel run could reach at 20 ms on this machine: the same requests with less of the client's work.

`python -m benchmarks.v3_floor [RUNS]` starts the V3 lab pair (`labproc.pair`, 200,000 versions each), sets
20 ms of latency on both sites, finds the bucket's leaf prefixes once (delimiter listings, as discovery does)
and then lists every leaf on both sides through 2 × 16 threads, one request each at a time, as
`validate(parallel=16)` does, but without its discovery, merge or sharing. Per run it prints, for:

* `1 thread, one side`: a request's round trip alone (the injected 20 ms plus the lab's handling);
* `I/O only`: the 32 threads fetch the pages and drop them;
* `I/O + hog`: the same while another process burns about as much CPU as the client's parse does (a
  loop of 1 ms busy, 0.3 ms asleep), the cost of three processes sharing two cores;
* `I/O + parse`: each thread reads its page's entries (`listing.Page.entries`), as the engine's client
  does in one interpreter;

the wall time, the median time a request is in flight (R), the CPU seconds of the client, the labs and the hog,
and the share of the two cores they kept busy, CPU ÷ (cores × wall): the figure V3 holds to 80 %.

It is a diagnostic beside V3 (`benchmarks/parallel.py`), not a target: it shows how far a request's time in
flight grows from the labs' own CPU, from a third process on two cores, and from the client's GIL.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time

from benchmarks import labproc
from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.listing import Page, VersionLister

_HOG = ("import time,sys\nend=time.perf_counter()+float(sys.argv[1])\nwhile time.perf_counter()<end:\n"
        " t=time.perf_counter()\n while time.perf_counter()-t<0.001: pass\n time.sleep(0.0003)\n")


def leaves(lister: VersionLister, prefix: str = "") -> list[str]:
    """The prefixes under `prefix` that hold no further prefix (the bucket's leaf "directories")."""
    subs = [p for page in lister.pages(prefix, delimiter="/") for p in page.prefixes]
    return [leaf for sub in subs for leaf in leaves(lister, sub)] if subs else [prefix]


def fetch(service: RecoveryService, sides: list[str], prefixes: list[str], threads: int, parse: bool
          ) -> tuple[float, list[float]]:
    """List every prefix on each side through `threads` threads a side: (wall seconds, every request's time)."""
    flights: list[float] = []

    def side(alias: str) -> list[threading.Thread]:
        lister = VersionLister(service, alias, "data")
        todo: queue.Queue[str] = queue.Queue()
        for p in prefixes:
            todo.put(p)

        def run() -> None:
            while True:
                try:
                    p = todo.get_nowait()
                except queue.Empty:
                    return
                t = time.perf_counter()
                body = lister._request(p, "", "", "")
                flights.append(time.perf_counter() - t)
                if parse:
                    _ = Page(body, False).entries
        return [threading.Thread(target=run) for _ in range(threads)]

    workers = [t for alias in sides for t in side(alias)]
    t0 = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return time.perf_counter() - t0, sorted(flights)


def main(runs: int = 3) -> None:
    a, b, env = labproc.pair(200_000)
    pids = (a.proc.pid, b.proc.pid)
    cores = os.cpu_count() or 1
    try:
        service = RecoveryService(AliasBook(env))
        prefixes = leaves(VersionLister(service, "source", "data"))
        fetch(service, ["source", "target"], prefixes, 16, True)  # warm-up: connections, the labs' caches
        a.set_latency("source", 0.02)
        b.set_latency("target", 0.02)
        print(f"{len(prefixes)} leaf prefixes a side, 20 ms per request; {cores} cores")
        for run in range(runs):
            for name, sides, threads, parse, hog in (
                    ("1 thread, one side", ["source"], 1, False, False),
                    ("I/O only", ["source", "target"], 16, False, False),
                    ("I/O + hog", ["source", "target"], 16, False, True),
                    ("I/O + parse", ["source", "target"], 16, True, False)):
                todo = prefixes[:40] if threads == 1 else prefixes
                proc = subprocess.Popen([sys.executable, "-c", _HOG, "0.7"]) if hog else None
                time.sleep(0.1 if proc else 0)  # (its interpreter's start is not counted)
                labs0, client0 = sum(labproc.cpu_seconds(p) for p in pids), time.process_time()
                hog0 = labproc.cpu_seconds(proc.pid) if proc else 0.0
                wall, flights = fetch(service, sides, todo, threads, parse)
                client = time.process_time() - client0
                labs = sum(labproc.cpu_seconds(p) for p in pids) - labs0
                hogged = labproc.cpu_seconds(proc.pid) - hog0 if proc else 0.0
                if proc:
                    proc.wait()
                busy = (client + labs + hogged) / (cores * wall)
                median, p90 = flights[len(flights) // 2] * 1000, flights[int(len(flights) * 0.9)] * 1000
                print(f"run {run + 1} {name:<18} {len(flights):3d} requests: wall {wall:.3f}s,"
                      f" R median {median:.1f} ms (p90 {p90:.1f}); CPU client {client:.2f} + labs {labs:.2f}"
                      f" + hog {hogged:.2f} s = {busy * 100:.0f}% of the cores")
    finally:
        a.stop()
        b.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
