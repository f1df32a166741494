"""Child process for I1/I3: compares one synthetic data set with the inventory engine's comparer and prints
the elapsed time, the peak RSS (VmHWM) and the result as JSON. `python -m benchmarks.inventory_probe DIR [LIMIT]`."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.rss_probe import peak_rss_mb
from recovery_tui.service.inventory_compare import DEFAULT_MEMORY_LIMIT, Comparer
from recovery_tui.service.inventory_files import LocalFile, Manifest, SideReport, column_map


def side(label: str, folder: Path) -> SideReport:
    import pyarrow.parquet as pq

    report = SideReport(label, manifest=Manifest("data", "reports", "parquet", "", (), "completed", False))
    for p in sorted(folder.glob("*.parquet")):
        cols, missing = column_map(pq.read_schema(p).names)
        assert not missing
        report.files.append(LocalFile(p, "parquet", cols))
    return report


def main() -> None:
    folder = Path(sys.argv[1])
    limit = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_MEMORY_LIMIT
    work = Path(tempfile.mkdtemp(prefix="recovery-tui-bench-compare-"))
    try:
        src, dst = side("source", folder / "src"), side("target", folder / "dst")
        t, cpu = time.perf_counter(), time.process_time()
        comparer = Comparer(work, limit)
        r = comparer.compare(src, dst, diffs_path=work / "differences.jsonl", sample_limit=20)
        comparer.close()
        elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
        diffs = []
        if len(sys.argv) > 3 and sys.argv[3] == "--diffs":
            diffs = [[d["kind"], d["key"], d["version_id"]] for d in
                     map(json.loads, (work / "differences.jsonl").read_text().splitlines())]
        sc, tc = r.source_counts, r.target_counts
        assert sc is not None and tc is not None
        print(json.dumps({"elapsed": elapsed, "cpu": cpu, "load": os.getloadavg()[0], "rss_mb": peak_rss_mb(),
                          "windows": r.windows,
                          "versions": sc.versions + tc.versions, "counts": r.counts,
                          "src": [sc.versions, sc.current, sc.noncurrent, sc.delete_markers],
                          "dst": [tc.versions, tc.current, tc.noncurrent, tc.delete_markers], "diffs": diffs}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
