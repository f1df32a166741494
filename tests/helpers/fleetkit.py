"""A whole-site run interrupted mid-fleet (issue 11): the lab's per-bucket resync counters, the fleet
checkpoint on disk, and `recovery-tui site resync start` as a real process (used by
tests/safety/test_fleet_signals.py).

The lab runs in the test process (its `hold_resync(0)` fault keeps every started bucket Ongoing with nothing
re-sent, while a bucket with no version completes at once), so the test reads the server's truth directly:
how many resyncs each bucket has begun, and each record's status.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from helpers import procinfo
from helpers.ptykit import foreground_signals
from helpers.waiting import wait_until
from recovery_tui.lab.server import Lab

EXIT_WITHIN = 2.0
"""The promise: seconds from the signal to the process's end."""

FLEET = ["empty", "audit", "web-assets", "backups", "media"]
"""The headless run's buckets, in start order (`--buckets` keeps the given order): `empty` (no version)
completes at once, the next two hold Ongoing, the last two wait in the queue (`--max-running 2`)."""


def starts(lab: Lab) -> dict[str, int]:
    """Resyncs begun per bucket on the healthy site since the lab started."""
    return dict(lab.call(lambda: dict(lab.source.replicator.resync.starts)))  # type: ignore[attr-defined]


def server_records(lab: Lab) -> dict[str, tuple[str, str]]:
    """bucket → (status, ResetID) of its resync record on the healthy site."""
    def read() -> dict[str, tuple[str, str]]:
        return {n: (r.status, r.reset_id) for n, b in lab.source.site.buckets.items() for r in b.resync.values()}
    return dict(lab.call(read))


def checkpoint_file(state_dir: Path) -> Optional[Path]:
    found = sorted((state_dir / "checkpoints").glob("site-resync-*.json"))
    return found[0] if found else None


def checkpoint_rows(state_dir: Path) -> dict[str, dict[str, Any]]:
    """The fleet checkpoint's rows by bucket ({} while there is none)."""
    path = checkpoint_file(state_dir)
    if path is None:
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # being replaced right now
        return {}
    return {r["bucket"]: {**r, "_done": doc.get("done"), "_saved_at": doc.get("saved_at")}
            for r in (doc.get("state") or {}).get("rows") or []}


def statuses(rows: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {b: r["status"] for b, r in rows.items()}


def mid_fleet(state_dir: Path, completed: Sequence[str], running: Sequence[str], queued: Sequence[str]) -> bool:
    """The checkpoint shows this split (the running ones seen Ongoing by a poll, not only Pending)."""
    st = statuses(checkpoint_rows(state_dir))
    return (all(st.get(b) == "Completed" for b in completed) and all(st.get(b) == "Ongoing" for b in running)
            and all(st.get(b) == "Queued" for b in queued))


class HeadlessRun:
    """`recovery-tui site resync start source target --yes …` as a process with the lab's aliases."""

    def __init__(self, lab: Lab, extra: Sequence[str]) -> None:
        env = {**os.environ, **lab.env(), "PYTHONPATH": os.pathsep.join(sys.path)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "recovery_tui", "site", "resync", "start", "source", "target", "--yes", *extra],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
            preexec_fn=foreground_signals)

    def interrupt(self, sig: int) -> tuple[Optional[int], float, str]:
        """Send `sig`; the exit code (None: still running after EXIT_WITHIN + 1 s), seconds taken, stderr."""
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            out, err = self.proc.communicate(timeout=EXIT_WITHIN + 1)
        except subprocess.TimeoutExpired:  # say what it was doing (and how the test's own process handles SIGINT)
            return None, time.monotonic() - start, f"{procinfo.describe(self.proc.pid)}; test process: " \
                f"{procinfo.describe(os.getpid())}"
        return self.proc.returncode, time.monotonic() - start, err

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


def wait_mid_fleet(state_dir: Path, completed: Sequence[str], running: Sequence[str], queued: Sequence[str],
                   proc: Any = None) -> dict[str, dict[str, Any]]:
    def ready() -> Any:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the run ended early ({proc.returncode}): {proc.stderr.read()[-1500:]}")
        return mid_fleet(state_dir, completed, running, queued) and checkpoint_rows(state_dir)
    return dict(wait_until(ready, timeout=60, what=f"checkpoint: {completed} completed, {running} running, "
                                                   f"{queued} queued"))
