"""Benchmark B3 (issue 9): the backlog re-trigger at a million candidates.

A lab process (`benchmarks/backlog_lab.py`) holds N versions, all FAILED for the target (replication keeps
failing, so the backlog stays the same size), and its diff stream reports all N. Each run is the CLI itself
(`recovery-tui resync-backlog source/data --json`, checkpoint and journal included) in a fresh probe
process (`benchmarks/backlog_probe.py`) that prints its peak RSS (VmHWM).

* RSS growth from 10,000 to 1,000,000 candidates ≤ 40 MB: the checkpoint keeps a watermark and the few
  versions finished above it, the never-copy-twice ledger lives in SQLite, nothing holds every item.
* `--dry-run` at 1,000,000: time from the fork until its progress bar shows a first count on a
  pseudo-terminal (stderr), ≤ 1 s.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks import labproc
from benchmarks.backlog_probe import command
from benchmarks.ptyclock import PtyRun
from benchmarks.startup import ROOT, console_script

Row = tuple[str, str, str, str, bool]


def _probe(lab: labproc.LabProcess, home: str, *extra: str) -> dict[str, Any]:
    env = {**os.environ, **lab.env, "PYTHONPATH": ROOT, "MC_CONFIG_DIR": os.path.join(home, "mc"),
           "RECOVERY_TUI_STATE_DIR": os.path.join(home, "state")}
    out = subprocess.run([sys.executable, "-m", "benchmarks.backlog_probe", os.path.join(home, "out.json"), *extra],
                         capture_output=True, text=True, env=env, timeout=7200)
    return json.loads(out.stderr.strip().splitlines()[-1])


def _first_progress(lab: labproc.LabProcess, home: str) -> float:
    env = {**lab.env, "PYTHONPATH": ROOT, "MC_CONFIG_DIR": os.path.join(home, "mc"),
           "RECOVERY_TUI_STATE_DIR": os.path.join(home, "state")}
    run = PtyRun(console_script() + [command(), "source/data", "--dry-run"], env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with run._lock:
                chunks = list(run.chunks)
            text = b""
            for t, data in chunks:
                text += data
                if re.search(rb"[1-9][\d,]* listed", text):
                    _first_progress.cpu = run.cpu_when(t)  # type: ignore[attr-defined]
                    return t - run.started
            time.sleep(0.01)
        raise RuntimeError(f"no progress shown:\n{run.screen_text()[-1000:]}")
    finally:
        run.stop()


def bench_b3(small: int = 10_000, large: int = 1_000_000) -> list[Row]:
    got: dict[int, dict[str, Any]] = {}
    first = float("nan")
    for n in (small, large):
        lab = labproc.backlog(n)
        home = tempfile.mkdtemp(prefix="recovery-tui-b3-")
        os.makedirs(os.path.join(home, "mc"))
        try:
            if n == large:
                first = min(_first_progress(lab, home) for _ in range(3))
            got[n] = _probe(lab, home)
        finally:
            lab.stop()
            shutil.rmtree(home, ignore_errors=True)  # its journal holds one line per version re-triggered
    a, b = got[small], got[large]
    growth = b["rss_mb"] - a["rss_mb"]
    done = all(g["total"] == n and g["processed"] + g["failed"] == n for n, g in got.items())
    return [
        ("B3", f"resync-backlog peak RSS: {a['total']:,} vs {b['total']:,} candidates "
         f"({b['elapsed']:.0f}s at {large:,}{'' if done else '; NOT ALL PROCESSED'})",
         f"{a['rss_mb']:.1f} MB -> {b['rss_mb']:.1f} MB (+{growth:.1f} MB)", "growth <= 40 MB",
         done and growth <= 40.0),
        ("B3", f"resync-backlog --dry-run at {large:,}: first progress on a terminal (best of 3)",
         f"{first:.2f}s", "<= 1 s", first <= 1.0),
    ]
