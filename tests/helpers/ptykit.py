"""The real `recovery-tui` under a pseudo-terminal: start it at 80x24, type keys, read the screen (ANSI stripped).

Used by `tests/safety/test_resume_signals.py` and `helpers.exitkit`. The process gets its own session
(`setsid`) with the pty as its controlling terminal (so Ctrl+C typed before the TUI starts is a SIGINT, as in a
real terminal) and as stdin/stdout/stderr, `TERM=xterm-256color`, `COLUMNS=80 LINES=24` and the pty's window
size set with `TIOCSWINSZ`. A reader thread drains the master side so the app never blocks on a full pty buffer.
`listening_ports(pid)` reads which TCP ports a process listens on (Linux /proc), to find a `--lab`'s sites.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from typing import Optional, Sequence

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]")
"""CSI, OSC, DCS/APC strings and two-byte escapes."""

KEYS = {"enter": "\r", "tab": "\t", "escape": "\x1b", "ctrl+c": "\x03"}


def pty_available() -> Optional[str]:
    """None when a pty can be opened here, else the reason."""
    try:
        master, slave = os.openpty()
    except OSError as exc:
        return f"no pseudo-terminal available ({exc})"
    os.close(master)
    os.close(slave)
    return None


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def foreground_signals() -> None:
    """In the child (a `preexec_fn`): SIGINT and SIGQUIT at their default, as for a command an operator starts in
    the foreground. A suite started as a background job (`pytest &` in a shell without job control) runs with both
    ignored, an ignored signal stays ignored across exec, and the child would never see the Ctrl+C a test sends:
    that, not the product, failed the two Ctrl+C tests in such runs (the test process showed SigIgn bit 2)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def _controlling_terminal() -> None:
    """In the child, after `setsid`: the pty on stdin becomes its controlling terminal; signals as in the
    foreground (`foreground_signals`)."""
    foreground_signals()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def socket_inodes(pid: int) -> frozenset[str]:
    """The inodes of the sockets process `pid` holds open (Linux /proc; empty elsewhere or once it is gone)."""
    inodes: set[str] = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return frozenset()
    return frozenset(inodes)


def listening_ports(pid: int, inodes: Optional[frozenset[str]] = None) -> set[int]:
    """TCP ports process `pid` listens on (Linux /proc; empty elsewhere or once it is gone); `inodes`: its
    sockets, when just read with `socket_inodes`."""
    if inodes is None:
        inodes = socket_inodes(pid)
    if not inodes:  # no socket yet: skip reading the (host-wide, often long) TCP tables
        return set()
    ports: set[int] = set()
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            if " 0A " not in row:  # 0A: LISTEN (the state column); most of a busy host's rows are not
                continue
            cols = row.split()
            if len(cols) > 9 and cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


class PtyApp:
    """`recovery-tui ARGV` on a fresh 80x24 pty (`program`: the interpreter's arguments that start it)."""

    def __init__(self, argv: Sequence[str], env: dict[str, str],
                 program: Sequence[str] = ("-m", "recovery_tui")) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        full = {**os.environ, **env, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
        full.pop("TEXTUAL", None)
        self.proc = subprocess.Popen([sys.executable, *program, *argv], stdin=slave, stdout=slave,
                                     stderr=slave, env=full, start_new_session=True, close_fds=True,
                                     preexec_fn=_controlling_terminal)
        os.close(slave)
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self._mark = 0
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            if self._stop.is_set():
                return
            try:
                ready, _, _ = select.select([self.master], [], [], 0.1)
                if not ready:
                    # ended: read once more what it wrote between that select and its exit (a startup
                    # KeyboardInterrupt's traceback was lost that way), then stop
                    if self.proc.poll() is not None and not select.select([self.master], [], [], 0)[0]:
                        return
                    continue
                data = os.read(self.master, 65536)
            except OSError:  # EIO once the child side is closed
                return
            if not data:
                return
            with self._lock:
                self._chunks.append(data)

    def text(self, since_mark: bool = True) -> str:
        """Everything written so far (since the last `mark()`), escape sequences removed."""
        with self._lock:
            raw = b"".join(self._chunks)
        raw = raw[self._mark:] if since_mark else raw
        return strip_ansi(raw.decode("utf-8", "replace"))

    def mark(self) -> None:
        """Later `expect()` calls only look at output written after now."""
        with self._lock:
            self._mark = sum(len(c) for c in self._chunks)

    def expect(self, needle: str, timeout: float = 10.0) -> str:
        """Wait until `needle` appears in the output (since the mark); AssertionError with the screen tail."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            text = self.text()
            if needle in text.replace("\r", ""):
                return text
            if self.proc.poll() is not None:
                time.sleep(0.2)
                text = self.text()
                if needle in text:
                    return text
                raise AssertionError(f"exited ({self.proc.returncode}) before {needle!r}:\n{text[-1500:]}")
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} not seen within {timeout}s:\n{self.text()[-1500:]}")

    def expect_all(self, *needles: str, timeout: float = 10.0) -> str:
        """`expect` for several needles: a screen may arrive in more than one write, so what one needle returns
        need not hold the others yet; this waits until every one is there (in any order)."""
        end = time.monotonic() + timeout
        text = ""
        for needle in needles:
            text = self.expect(needle, max(0.1, end - time.monotonic()))
        return text

    def press(self, *keys: str) -> None:
        for key in keys:
            os.write(self.master, KEYS.get(key, key).encode())
            time.sleep(0.15)

    def wait(self, timeout: float) -> Optional[int]:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def hangup(self) -> None:
        """The terminal goes away, as when an SSH session drops: the master side closes (the app gets SIGHUP and
        every write it makes fails). Closed once: a second close could hit a descriptor reused since."""
        if self.master >= 0:
            self._stop.set()
            self._reader.join(2)  # it stops looking at the descriptor before it is closed
            master, self.master = self.master, -1
            os.close(master)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self._reader.join(2)
        self.hangup()
