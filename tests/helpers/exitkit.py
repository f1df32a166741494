"""Clean exits (issue 8): drive `recovery-tui --lab` on a pty to a point between start and report, end it with
SIGHUP, SIGTERM or Ctrl+C, and check what the promise covers (used by tests/safety/test_exits_*.py).

The real console script runs on a pty that is its controlling terminal (`helpers.ptykit`). SIGHUP is delivered
the way an SSH drop delivers it: the terminal goes away (the pty's master side is closed), so the process gets
SIGHUP and its writes fail, which is what used to leave it waiting forever on Textual's output queue. Ctrl+C is
typed: before the TUI it is the terminal's SIGINT, inside it the App's key. The three run side by side for each
point, each with its own state directory.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

import requests

from helpers import procinfo
from helpers.ptykit import PtyApp, listening_ports, socket_inodes
from helpers.waiting import wait_until
from recovery_tui.state import WizardState

EXIT_WITHIN = 2.0
"""The promise: seconds from the signal to the process's end."""

WAYS = {"SIGHUP": signal.SIGHUP, "SIGTERM": signal.SIGTERM, "Ctrl+C": signal.SIGINT}

POINTS = ["spawned", "lab-up", "first-frame", "connect", "targets", "preflight", "start", "confirm", "monitor",
          "report"]
"""From the first instruction to the exported report; the wizard's step index reached at each (None: no App
yet, so nothing to save)."""
STEP_AT = {"spawned": None, "lab-up": None, "first-frame": 0, "connect": 0, "targets": 1, "preflight": 2,
           "start": 3, "confirm": 3, "monitor": 4, "report": 6}


@dataclass
class Outcome:
    way: str
    code: Optional[int]
    seconds: float
    ports: set[int]
    sent_at: datetime
    output: str


def _python_running(pid: int) -> bool:
    """The child has exec'd Python (so the pty is already its controlling terminal)."""
    try:
        return b"recovery_tui" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _lab_listening(pid: int) -> Callable[[], Optional[set[int]]]:
    """A probe for `wait_until`: the lab's two ports once process `pid` listens on them. The host-wide TCP tables
    (thousands of rows on a busy machine, ~10 ms of CPU a read) are read again only when the process's sockets
    changed since the last read, or half a second later (a socket seen before its `listen()`)."""
    last: list[Any] = [None, 0.0]

    def probe() -> Optional[set[int]]:
        inodes = socket_inodes(pid)
        now = time.monotonic()
        if len(inodes) < 2 or (inodes == last[0] and now - last[1] < 0.5):
            return None
        last[:] = [inodes, now]
        ports = listening_ports(pid, inodes)
        return ports if len(ports) >= 2 else None

    return probe


def _drive(app: PtyApp, point: str) -> set[int]:
    """Bring the wizard to `point`; returns the lab's ports (empty at "spawned")."""
    pid = app.proc.pid
    wait_until(lambda: _python_running(pid), what="python started")
    if point == "spawned":
        return set()
    ports = wait_until(_lab_listening(pid), interval=0.05, what="the lab listening")
    if point == "lab-up":
        return ports
    app.expect("Step 1 of 7", 30)
    if point == "first-frame":
        return ports
    app.expect("⇄ data", 30)  # the list, not the column title (it says "replication configured" too)
    if point == "connect":
        return ports
    app.press("enter")
    app.expect("Step 2 of 7", 15)
    app.expect("arn:minio:replication", 15)
    if point == "targets":
        return ports
    app.mark()
    app.press("enter")
    app.expect("Step 3 of 7", 15)
    app.expect("All checks passed", 30)
    if point == "preflight":
        return ports
    app.mark()
    app.press("s")
    app.expect("Step 4 of 7", 15)
    if point == "start":
        return ports
    app.press("s")
    app.expect("Start the resync?", 15)
    if point == "confirm":
        return ports
    if point == "monitor":  # the resync is still running when the signal comes (the lab's hold fault)
        r = requests.post(f"http://127.0.0.1:{min(ports)}/_lab/fault", json={"action": "hold-resync", "percent": 50},
                          timeout=10)
        assert r.ok, r.text
    app.mark()
    app.press(*"data", "enter")
    app.expect("Step 5 of 7", 15)
    app.expect("Re-sent by this job", 30)
    if point == "monitor":
        return ports
    app.expect("Resync Completed", 60)
    app.mark()
    app.press("v")
    app.expect("Step 6 of 7", 15)
    app.expect("IN SYNC", 60)
    app.mark()
    app.press("n")
    app.expect("Step 7 of 7", 15)
    app.press("x")
    app.expect("Report written", 30)
    return ports


def _signal_at(point: str, way: str, state_dir: Path) -> Outcome:
    app = PtyApp(["--lab"], {"RECOVERY_TUI_STATE_DIR": str(state_dir), "RECOVERY_TUI_LAB_RESYNC_DELAY": "0"})
    try:
        ports = _drive(app, point)
        sent_at = datetime.now(timezone.utc)
        start = time.monotonic()
        if way == "SIGHUP":
            app.hangup()  # the terminal goes away: SIGHUP, and every write fails from now on
        elif way == "SIGTERM":
            app.proc.send_signal(signal.SIGTERM)
        else:
            app.press("ctrl+c")
        code = app.wait(EXIT_WITHIN + 1)
        seconds = time.monotonic() - start
        output = app.text(since_mark=False)
        if code is None:  # say what it was doing (and how the test's own process handles SIGINT)
            output += f"\n[still running: {procinfo.describe(app.proc.pid)}; test process: " \
                      f"{procinfo.describe(os.getpid())}]"
        return Outcome(way, code, seconds, ports, sent_at, output)
    finally:
        app.close()


def _refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def check_signals_at(point: str, tmp_path: Path) -> None:
    """Each way of ending the wizard at `point`: within 2 s, lab ports closed, state saved by the exit."""
    with ThreadPoolExecutor(len(WAYS)) as pool:
        outcomes = list(pool.map(lambda way: _signal_at(point, way, tmp_path / way), WAYS))
    for o in outcomes:
        signum = WAYS[o.way]
        where = f"{o.way} at {point}"
        assert o.code is not None and o.seconds <= EXIT_WITHIN, \
            f"{where}: still running after {o.seconds:.1f} s\n{o.output[-600:]}"
        # before its handlers exist the process ends by the signal's default action (nothing started yet), or,
        # for SIGINT while Python itself is still starting, by its KeyboardInterrupt
        allowed = {128 + signum} | ({-signum} if point == "spawned" else set())
        early_interrupt = point == "spawned" and o.way == "Ctrl+C" and o.code == 1 and "KeyboardInterrupt" in o.output
        assert o.code in allowed or early_interrupt, f"{where}: exit code {o.code}\n{o.output[-800:]}"
        if o.way != "SIGHUP" and point != "spawned":  # (after a hangup there is no terminal to read)
            assert "Traceback" not in o.output, f"{where}:\n{o.output[-1500:]}"
        for port in o.ports:
            assert _refused(port), f"{where}: lab port {port} still open"
        step = STEP_AT[point]
        state = WizardState.load(tmp_path / o.way / "lab-session.json", lab=True)
        if step is None:
            continue
        assert state is not None, f"{where}: no state saved"
        assert state.step == step, f"{where}: saved at step {state.step}, reached {step}"
        assert state.updated_at and datetime.fromisoformat(state.updated_at) >= o.sent_at, \
            f"{where}: the state was not saved by the exit ({state.updated_at} < {o.sent_at})"
        if point == "monitor":
            assert state.reset_id and state.resync_running, f"{where}: {state}"
        if point == "report":
            assert state.extra.get("report"), f"{where}: no report in the saved state"
