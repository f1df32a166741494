"""Where V3's parallel run waits: the request timeline of `validate(parallel=16)` at 20 ms per request.

`python -m benchmarks.v3_timeline [RUNS]` starts the V3 lab pair (two processes, 200,000 versions each,
`labproc.pair`), sets 20 ms of latency on both sites and runs the prefix-parallel validation RUNS times
(default 3), recording when every ListObjectVersions request was sent and answered. Per run it prints:

* discovery requests (with a delimiter) and unit listings (without), and when the first unit listing was sent;
* slot-idle: of the 2 × 16 request slots, the slot-seconds with no request in flight between the first
  request and the last answer. A slot is empty only when no request is ready to send (a barrier, the start,
  the end), so on a quiet machine this is the pipeline's structural idle; under CPU load requests take
  longer and the figure shrinks;
* how long a request is in flight (sent until its answer is read: the injected 20 ms, the lab's queue and
  CPU, the client's wait for a thread and the GIL), and what the median makes of all the requests through
  the 32 slots (a bound on the wall time that no CPU figure shows);
* wall time, the client's CPU seconds and the labs';
* how many pages took entries of the other side's page (`listing.Page.share`: whole or in stretches) of
  those tried.

It is a diagnostic beside V3, not part of it: V3's figures and its definition are in `benchmarks/parallel.py`.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from benchmarks import labproc
from recovery_tui.service import listing
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.validate import validate

SLOTS = 32
SRC, DST = BucketPath("source", "data"), BucketPath("target", "data")


def slot_idle(events: list[tuple[float, float]]) -> tuple[float, float]:
    """(slot-seconds with no request in flight, the span) from the first request sent to the last answer."""
    marks = sorted([(a, 1) for a, _ in events] + [(b, -1) for _, b in events])
    idle, running, last = 0.0, 0, marks[0][0]
    for at, step in marks:
        idle += max(0, SLOTS - running) * (at - last)
        last, running = at, running + step
    return idle, marks[-1][0] - marks[0][0]


def main(runs: int = 3) -> None:
    a, b, env = labproc.pair(200_000)
    pids = (a.proc.pid, b.proc.pid)
    events: list[tuple[float, float, bool]] = []
    send = listing.VersionLister._request
    share = listing.Page.share
    shared = [0, 0]  # (taken, tried)

    def counted(self: Any, other: Any) -> bool:
        took = share(self, other)
        shared[0] += took
        shared[1] += 1
        return took

    def timed(self: Any, prefix: str, key_marker: str, vid_marker: str, delimiter: str) -> bytes:
        t = time.perf_counter()
        try:
            return send(self, prefix, key_marker, vid_marker, delimiter)
        finally:
            events.append((t, time.perf_counter(), bool(delimiter)))

    try:
        service = RecoveryService(AliasBook(env))
        validate(service, SRC, DST)  # warm-up: connections, the labs' caches
        a.set_latency("source", 0.02)
        b.set_latency("target", 0.02)
        listing.VersionLister._request = timed  # type: ignore[method-assign]
        listing.Page.share = counted  # type: ignore[method-assign]
        for _ in range(runs):
            events.clear()
            shared[:] = [0, 0]
            labs0, client0, t0 = sum(labproc.cpu_seconds(p) for p in pids), time.process_time(), time.perf_counter()
            r = validate(service, SRC, DST, parallel=16)
            wall = time.perf_counter() - t0
            client, labs = time.process_time() - client0, sum(labproc.cpu_seconds(p) for p in pids) - labs0
            units = [e for e in events if not e[2]]
            idle, span = slot_idle([(s, e) for s, e, _ in events])
            flight = sorted(e - s for s, e, _ in events)
            median, p90 = flight[len(flight) // 2], flight[int(len(flight) * 0.9)]
            print(f"wall {wall:.3f}s, client {client:.2f} CPU-s, labs {labs:.2f} CPU-s; "
                  f"{len(events) - len(units)} discovery requests, {len(units)} unit listings, the first sent at "
                  f"{(min(s for s, _, _ in units) - t0) * 1000:.0f} ms; slot-idle {idle:.2f} of {SLOTS * span:.2f} "
                  f"slot-s ({idle / (SLOTS * span) * 100:.0f}%); a request in flight {median * 1000:.0f} ms (median; "
                  f"p90 {p90 * 1000:.0f} ms), so {len(events)} requests through {SLOTS} slots take "
                  f"{len(events) / SLOTS * median:.2f} s; {r.source_counts.versions:,}+"
                  f"{r.target_counts.versions:,} versions, incomplete={r.incomplete}; pages shared {shared[0]} of "
                  f"{shared[1]} tried")
    finally:
        listing.VersionLister._request = send  # type: ignore[method-assign]
        listing.Page.share = share  # type: ignore[method-assign]
        a.stop()
        b.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
