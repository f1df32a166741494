"""A lab process for benchmark B3: scenario `large` with every source version marked FAILED for the target.

`python -m benchmarks.backlog_lab N` seeds N versions (the `large` scenario's bulk seeding), marks each source
version FAILED (composite and per-target status, as a failed replication leaves it), makes every further
replication attempt fail (`fail-replication *`, so a re-trigger leaves the backlog the same size), prints the
MC_HOST_ lines and serves until SIGTERM. The diff stream then reports all N as FAILED, like a server whose
target went away.
"""

from __future__ import annotations

import signal
import sys
import threading

from recovery_tui.lab.server import Lab


def main() -> None:
    n = int(sys.argv[1])
    lab = Lab(scenario="large", objects=n).start()

    def mark() -> None:
        b = lab.source.site.buckets["data"]
        for versions in b.versions.values():
            for v in versions:
                arns = list(v.target_status) or ["arn"]
                v.target_status = {a: "FAILED" for a in arns}
                v.replication_status = "FAILED"

    lab.call(mark)
    lab.faults.fail_replication("*")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    for name, value in lab.env().items():
        print(f"{name}={value}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        lab.stop()


if __name__ == "__main__":
    main()
