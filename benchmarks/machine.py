"""The machine a benchmark table was measured on: printed above the table (`benchmarks/run.py`)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("recovery-tui", "textual", "rich", "boto3", "botocore", "urllib3", "aiohttp", "minio")
_START_LOAD = os.getloadavg()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _commit() -> str:
    if os.environ.get("BENCH_COMMIT"):  # a run from an exported snapshot of a commit (no .git there)
        return os.environ["BENCH_COMMIT"]
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=5, cwd=Path(__file__).resolve().parent).stdout.strip()
        return (out.stdout.strip() or "?") + (" + uncommitted changes" if dirty else "")
    except OSError:
        return "?"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def header() -> str:
    versions = " ".join(f"{p} {_version(p)}" for p in PACKAGES)
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"# machine: {os.cpu_count()} cores ({_cpu_model()}), {mem:.0f} GiB, {platform.system()} "
            f"{platform.release()}\n# python {platform.python_version()} ({sys.executable}); {versions}\n"
            f"# code: commit {_commit()}; load average at start {_START_LOAD[0]:.2f} {_START_LOAD[1]:.2f} "
            f"{_START_LOAD[2]:.2f}")


def footer() -> str:
    end = os.getloadavg()
    return f"# load average at end {end[0]:.2f} {end[1]:.2f} {end[2]:.2f} (other processes share these cores)"
