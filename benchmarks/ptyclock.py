"""A program on a real 80x24 pseudo-terminal, with every byte it writes timestamped (benchmarks U1, U2).

`PtyRun(argv, env)` starts the program in its own session with the pty as stdin/stdout/stderr,
`TERM=xterm-256color` and the window size set with `TIOCSWINSZ` (what a terminal emulator does), and a
reader thread drains the master side, stamping each chunk with `time.perf_counter()`. `wait_for(text)`
returns the stamp of the chunk in which `text` first appears on the screen (escape sequences removed,
so text split by style changes is still found).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from typing import Optional, Sequence

ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]")


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class PtyRun:
    """`argv` on a fresh 80x24 pty; `started` is the perf_counter just before the fork."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], cols: int = 80, rows: int = 24) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full = {**os.environ, **env, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        for name in ("TEXTUAL", "TEXTUAL_DRIVER"):
            full.pop(name, None)
        self.chunks: list[tuple[float, bytes]] = []
        self.cpu: list[float] = []
        """The program's CPU seconds (user + system) when each chunk was read."""
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=slave, env=full,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready:
                    if self.proc.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            now = time.perf_counter()
            cpu = _cpu_seconds(self.proc.pid)
            with self._cond:
                self.cpu.append(cpu)
                self.chunks.append((now, data))
                self._cond.notify_all()

    def write(self, data: str) -> float:
        """Send keys; returns the perf_counter stamp just before the write."""
        t = time.perf_counter()
        os.write(self.master, data.encode())
        return t

    def screen_text(self, start: int = 0) -> str:
        with self._lock:
            raw = b"".join(c for _, c in self.chunks[start:])
        return ANSI.sub(b"", raw).decode("utf-8", "replace")

    def cpu_when(self, stamp: float) -> float:
        """The program's CPU seconds as of the chunk stamped `stamp`."""
        with self._lock:
            return next(c for (t, _), c in zip(self.chunks, self.cpu, strict=True) if t == stamp)

    def wait_for(self, text: str, timeout: float = 30.0, start: int = 0) -> Optional[float]:
        """The stamp of the chunk that completed `text` on screen (counting chunks from `start`), or None."""
        needle = text.encode()
        deadline = time.monotonic() + timeout
        raw = b""
        i = start
        with self._cond:
            while True:
                while i < len(self.chunks):
                    t, data = self.chunks[i]
                    raw = raw[-8192:] + data  # a sequence split between two chunks is stripped whole
                    i += 1
                    if needle in ANSI.sub(b"", raw):
                        return t
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and i >= len(self.chunks)):
                    return None
                self._cond.wait(min(left, 0.05))

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._reader.join(timeout=2)
        try:
            os.close(self.master)
        except OSError:
            pass
