"""Child process for V2: runs one validation and prints its peak RSS as JSON (`ru_maxrss`)."""

from __future__ import annotations

import json
import resource
import sys
import time

from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.validate import validate


def peak_rss_mb() -> float:
    """VmHWM of this process. (`ru_maxrss` is not used: Linux carries it over from the parent across
    fork+exec, so a child would report the benchmark driver's own peak.)"""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    import os

    service = RecoveryService(AliasBook(dict(os.environ)))
    t = time.perf_counter()
    r = validate(service, BucketPath("source", "data"), BucketPath("target", "data"))
    elapsed = time.perf_counter() - t
    print(json.dumps({"rss_mb": peak_rss_mb(), "versions": r.source_counts.versions, "elapsed": elapsed,
                      "incomplete": r.incomplete, "missing": r.missing_on_target}))


if __name__ == "__main__":
    sys.exit(main())
