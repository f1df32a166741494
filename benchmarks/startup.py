"""Benchmark U1 (issue 9): start-up as an operator feels it, on a real 80x24 pseudo-terminal.

First frame = the time from the fork until the step header ("Step 1 of 7") is on the screen, read from the
bytes the program writes to the pty (`benchmarks/ptyclock.py`). The yardstick is a bare Textual app with a
header and a footer (`benchmarks/bare_app.py`), measured in the same rounds, interleaved, so load on the
shared host hits both alike; each figure is the median of 5.

* `recovery-tui` with two aliases (MC_HOST_source/target of a lab process, an empty MC_CONFIG_DIR): ≤ 1.5×.
* `recovery-tui --lab` (the embedded lab starts in-process): ≤ 2×.
* `recovery-tui --help` and `--version`: wall time until exit ≤ 0.3 s.

Every program is started through this interpreter's `recovery-tui` console script (what `pip install`
puts on PATH), with the checkout first on PYTHONPATH; a version manager's shim in front of it (pyenv's
adds ~0.1 s of bash here) is the host's, not the program's.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

from benchmarks import labproc
from benchmarks.ptyclock import PtyRun

Row = tuple[str, str, str, str, bool]
ROOT = str(Path(__file__).resolve().parent.parent)
HEADER = "Step 1 of 7"


def console_script() -> list[str]:
    """This interpreter's `recovery-tui` entry point (falls back to `python -m recovery_tui`)."""
    script = Path(sys.executable).parent / "recovery-tui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "recovery_tui"]


def _env(extra: dict[str, str], home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MC_HOST_")}
    env.update({"PYTHONPATH": ROOT, "MC_CONFIG_DIR": os.path.join(home, "mc"), "RECOVERY_TUI_STATE_DIR":
                os.path.join(home, "state"), "XDG_STATE_HOME": os.path.join(home, "xdg"), **extra})
    return env


def first_frame(argv: list[str], needle: str, env: dict[str, str], timeout: float = 60.0) -> float:
    run = PtyRun(argv, env)
    try:
        t = run.wait_for(needle, timeout)
        if t is None:
            raise RuntimeError(f"{' '.join(argv)}: {needle!r} never appeared:\n{run.screen_text()[-2000:]}")
        return t - run.started
    finally:
        run.stop()


def wall(argv: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=60)
    return time.perf_counter() - t


def bench_u1(rounds: int = 5) -> list[Row]:
    import compileall

    for package in ("recovery_tui", "benchmarks"):  # bytecode as `pip install` leaves it
        compileall.compile_dir(os.path.join(ROOT, package), quiet=1)
    lab = labproc.start("partial-loss")
    home = tempfile.mkdtemp(prefix="recovery-tui-u1-")
    os.makedirs(os.path.join(home, "mc"))
    try:
        aliases = _env(lab.env, home)
        plain = _env({}, home)
        cli = console_script()
        bare_cmd = [sys.executable, "-m", "benchmarks.bare_app"]
        runs: dict[str, list[float]] = {"bare": [], "aliases": [], "lab": [], "help": [], "version": []}
        first_frame(bare_cmd, "bare textual app", plain)  # warm the page cache and .pyc files once
        first_frame(cli, HEADER, aliases)
        for _ in range(rounds):
            runs["bare"].append(first_frame(bare_cmd, "bare textual app", plain))
            runs["aliases"].append(first_frame(cli, HEADER, aliases))
            runs["lab"].append(first_frame(cli + ["--lab"], HEADER, plain))
            runs["help"].append(wall(cli + ["--help"], plain))
            runs["version"].append(wall(cli + ["--version"], plain))
    finally:
        lab.stop()
    med = {k: statistics.median(v) for k, v in runs.items()}
    bare = med["bare"]
    rows: list[Row] = []
    for name, label, limit in (("aliases", "recovery-tui with two aliases", 1.5), ("lab", "recovery-tui --lab", 2.0)):
        ratio = med[name] / bare
        rows.append(("U1", f"first frame at 80x24 (step header on screen), {label} vs bare Textual app, median of "
                     f"{rounds}", f"{med[name]:.2f}s / {bare:.2f}s = {ratio:.2f}x", f"<= {limit:g}x", ratio <= limit))
    for name in ("help", "version"):
        rows.append(("U1", f"recovery-tui --{name} until exit, median of {rounds}", f"{med[name]:.3f}s", "<= 0.3 s",
                     med[name] <= 0.3))
    return rows


def imports_of(argv: list[str]) -> Optional[set[str]]:
    """The modules `recovery-tui ARGV` imports (for the lazy-import test); None if it did not exit 0."""
    code = ("import sys, runpy; sys.argv = ['recovery-tui'] + %r\n"
            "try:\n    runpy.run_module('recovery_tui', run_name='__main__')\n"
            "except SystemExit as e:\n    code = e.code\n"
            "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)" % (argv,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": ROOT})
    return set(out.stderr.split())
