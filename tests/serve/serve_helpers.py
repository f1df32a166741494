"""Helpers for the serve tests: a real `recovery-tui serve` process on an ephemeral loopback port, and a websocket
client that plays a browser session (textual-serve's protocol) and reads the terminal text it receives."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?<>=$]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\x1b[=>]")
STARTUP = 60.0
"""Seconds a session may take to show its first screen (a python process and a lab on a busy 2-core box)."""


def plain(text: str) -> str:
    return ANSI.sub("", text)


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str
    """Base URL, e.g. http://127.0.0.1:41234/ (no token)."""
    token: Optional[str]
    state_root: Path
    lines: list[str] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self.lines.append("<eof>")
            self._cond.notify_all()

    def read_until(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """Wait (bounded) for a server console line matching `pattern` (every line is kept in `lines`)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for line in self.lines[seen:]:
                    m = rx.search(line)
                    if m:
                        return m
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.lines and self.lines[-1] == "<eof>"):
                    raise AssertionError(f"no console line matching {pattern!r}; got: {self.lines[-10:]}")
                self._cond.wait(left)


def start_served(tmp_path: Path, *args: str, env: Optional[dict[str, str]] = None) -> Served:
    state_root = tmp_path / "state"
    full_env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                "RECOVERY_TUI_STATE_DIR": str(state_root), "RECOVERY_TUI_LAB_RESYNC_DELAY": "0.05",
                **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "recovery_tui", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full_env,
                            start_new_session=True, cwd=str(tmp_path))
    served = Served(proc, "", None, state_root)
    m = served.read_until(r"recovery-tui serve: (http://127\.0\.0\.1:\d+/)(\?token=(\S+))?", timeout=30)
    served.url, served.token = m.group(1), m.group(3)
    return served


def stop_served(served: Served) -> None:
    if served.proc.poll() is None:
        os.killpg(served.proc.pid, signal.SIGTERM)
        try:
            served.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(served.proc.pid, signal.SIGKILL)
            served.proc.wait(5)


class BrowserSession:
    """A websocket session as textual.js opens it: keys in, terminal bytes out."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.raw = ""

    async def until(self, text: str, timeout: float = STARTUP) -> str:
        """Wait (bounded) until the screen stream contains `text`; returns the plain text so far."""
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in plain(self.raw):
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"{text!r} never appeared; last screen text: {plain(self.raw)[-600:]!r}")
            try:  # wait_for: aiohttp's own receive timeout was seen not to fire when the session died at start
                msg = await asyncio.wait_for(self.ws.receive(), left)
            except asyncio.TimeoutError:
                continue  # the deadline check above reports it with the screen so far
            if msg.type == aiohttp.WSMsgType.BINARY:
                self.raw += msg.data.decode("utf-8", "replace")
            elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                raise AssertionError(f"session closed while waiting for {text!r}")
        return plain(self.raw)

    async def keys(self, *keys: str) -> None:
        for key in keys:
            await self.ws.send_json(["stdin", key])


def ws_url(served: Served, width: int = 100, height: int = 30) -> str:
    token = f"token={served.token}&" if served.token else ""
    return served.url.replace("http://", "ws://") + f"ws?{token}width={width}&height={height}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in _status(pid)


def _status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return ""


def wait_gone(pid: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still running"
        time.sleep(0.05)


def session_env(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode("utf-8", "replace").split("\0") if "=" in item)


