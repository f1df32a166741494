"""Child process for V2: runs one validation and prints its peak RSS as JSON (`ru_maxrss`)."""

from __future__ import annotations

import json
import resource
import sys
import time

from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.validate import validate


def main() -> None:
    import os

    service = RecoveryService(AliasBook(dict(os.environ)))
    t = time.perf_counter()
    r = validate(service, BucketPath("source", "data"), BucketPath("target", "data"))
    elapsed = time.perf_counter() - t
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rss_mb": rss_kb / 1024, "versions": r.source_counts.versions, "elapsed": elapsed,
                      "incomplete": r.incomplete, "missing": r.missing_on_target}))


if __name__ == "__main__":
    sys.exit(main())
