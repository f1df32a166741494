"""Benchmarks of issue 10 (training): `python -m benchmarks.training T1|T2|all`.

* T1 — a served session's first frame in headless Chromium vs the terminal's: the median time from
  `driver.get(url)` until the terminal has received "Step 1 of 7", against the median time from
  spawning `recovery-tui --lab` on an 80x24 pty until "Step 1 of 7" is on it (5 runs each, interleaved).
  Target: served ≤ 2 × terminal. Both start their own lab. The browser's own launch is not counted.
* T2 — ten concurrent lab sessions of one `recovery-tui serve --lab`, each driven (websocket, as the page's
  script does) to the Monitor step with a resync running; over a 20 s window, the longest gap between two
  screen updates each session receives. The monitor redraws every second (elapsed time, rate, ETA), so
  a gap is a frozen monitor. Target: every session's longest gap ≤ 2 s.

Not part of the test run. Prints a table with PASS/FAIL, the machine's cores and load first.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;?<>=$]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\x1b[=>]")
FIRST_FRAME = "Step 1 of 7"
Row = tuple[str, str, str, str, bool]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MC_HOST_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["RECOVERY_TUI_STATE_DIR"] = tempfile.mkdtemp(prefix="bench-training-state-")
    env.update(extra)
    return env


# -- T1: the terminal ------------------------------------------------------------------------------------

def terminal_first_frame(timeout: float = 60.0) -> float:
    """Seconds from spawning `recovery-tui --lab` on an 80x24 pty until "Step 1 of 7" is on it."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = _env(TERM="xterm-256color", COLUMNS="80", LINES="24")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "recovery_tui", "--lab"], stdin=slave, stdout=slave,
                            stderr=slave, env=env, start_new_session=True, close_fds=True)
    os.close(slave)
    seen = ""
    try:
        while time.perf_counter() - t0 < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 65536).decode("utf-8", "replace")
                except OSError:
                    break
                if FIRST_FRAME in ANSI.sub("", seen):
                    return time.perf_counter() - t0
        raise RuntimeError(f"no first frame in {timeout:g}s")
    finally:
        _kill(proc)
        os.close(master)


def _kill(proc: subprocess.Popen[Any]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(5)
            return
        except subprocess.TimeoutExpired:
            continue


# -- a server --------------------------------------------------------------------------------------------

class Server:
    """`recovery-tui serve --lab --port 0` in the background; `url` once it listens."""

    def __init__(self, *args: str, **env: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "recovery_tui", "serve", "--lab", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(**env),
                                     start_new_session=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        if not m:
            _kill(self.proc)
            raise RuntimeError(f"serve did not start: {line!r}")
        self.url = m.group(1)

    def stop(self) -> None:
        _kill(self.proc)


# -- T1: the browser -------------------------------------------------------------------------------------

TAP = """(() => { const O = window.WebSocket; const d = new TextDecoder(); window.__terminal = "";
  class T extends O { constructor(...a) { super(...a); this.addEventListener("message", (e) => {
    if (e.data instanceof ArrayBuffer) window.__terminal += d.decode(new Uint8Array(e.data), {stream: true}); }); } }
  window.WebSocket = T; })();"""


def browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=900,700",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='bench-chromium-')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TAP})
    return driver


def served_first_frame(driver: Any, url: str, timeout: float = 60.0) -> float:
    driver.get("about:blank")  # the previous session's tab closes: its process and lab end
    t0 = time.perf_counter()
    driver.get(url)
    while time.perf_counter() - t0 < timeout:
        text = driver.execute_script("return window.__terminal || ''")
        if FIRST_FRAME in ANSI.sub("", text):
            return time.perf_counter() - t0
        time.sleep(0.01)
    raise RuntimeError(f"no first frame in the browser in {timeout:g}s")


def bench_t1(runs: int = 5) -> list[Row]:
    server = Server()
    driver = browser()
    try:
        served_first_frame(driver, server.url)  # warm-up: the browser's caches, the server's first import
        terminal_first_frame()
        served, terminal = [], []
        for _ in range(runs):  # interleaved: the host is shared
            terminal.append(terminal_first_frame())
            served.append(served_first_frame(driver, server.url))
    finally:
        driver.quit()
        server.stop()
    t, s = statistics.median(terminal), statistics.median(served)
    return [("T1", "served first frame (median of 5)", f"{s:.2f} s vs terminal {t:.2f} s = {s / t:.2f}x",
             "<= 2.0x", s <= 2 * t)]


# -- T2: ten sessions on the monitor ---------------------------------------------------------------------

class Tab:
    """One browser session over the websocket: keys in, screen updates out (with their arrival times)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.text = ""
        self.frames: list[float] = []

    async def until(self, text: str, timeout: float = 120.0) -> None:
        import aiohttp

        end = time.monotonic() + timeout
        while text not in ANSI.sub("", self.text[-20000:]):
            msg = await self.ws.receive(timeout=max(0.1, end - time.monotonic()))
            if msg.type == aiohttp.WSMsgType.BINARY:
                self.text += msg.data.decode("utf-8", "replace")
            elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                raise RuntimeError("session closed")

    async def keys(self, *keys: str) -> None:
        for k in keys:
            await self.ws.send_json(["stdin", k])

    async def to_monitor(self) -> None:
        await self.until("Step 1 of 7")
        await self.until("⇄ data")  # the focus starts on the bucket list: enter picks the listed bucket
        await self.keys("\r")
        await self.until("Step 2 of 7")
        await self.until("Endpoint")
        await self.keys("\r")
        await self.until("Step 3 of 7")
        await self.until("Press s to start")
        await self.keys("s")
        await self.until("Step 4 of 7")
        await self.keys("s")
        await self.until("Start the resync?")
        await self.keys("d", "a", "t", "a", "\r")
        await self.until("Step 5 of 7")

    async def watch(self, seconds: float) -> float:
        """The longest gap between two screen updates over `seconds`."""
        import aiohttp

        start = last = time.monotonic()
        longest = 0.0
        while time.monotonic() - start < seconds:
            try:
                msg = await self.ws.receive(timeout=seconds)
            except asyncio.TimeoutError:
                break
            if msg.type == aiohttp.WSMsgType.BINARY:
                now = time.monotonic()
                longest, last = max(longest, now - last), now
        return max(longest, time.monotonic() - last)


async def _t2(url: str, sessions: int, window: float) -> list[float]:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        sockets = [await http.ws_connect(url.replace("http://", "ws://") + "ws?width=80&height=24",
                                         heartbeat=None, max_msg_size=0) for _ in range(sessions)]
        tabs = [Tab(ws) for ws in sockets]
        try:
            await asyncio.gather(*(t.to_monitor() for t in tabs))
            return list(await asyncio.gather(*(t.watch(window) for t in tabs)))
        finally:
            for ws in sockets:
                await ws.close()


def bench_t2(sessions: int = 10, window: float = 20.0) -> list[Row]:
    # a slow resync (2 s per version per worker: ~30 s) keeps every monitor on a running job
    server = Server("--max-sessions", str(sessions), RECOVERY_TUI_LAB_RESYNC_DELAY="2")
    try:
        gaps = asyncio.run(_t2(server.url, sessions, window))
    finally:
        server.stop()
    worst = max(gaps)
    return [("T2", f"{sessions} lab sessions on the monitor, {window:g} s: longest gap between updates",
             f"worst {worst:.2f} s (median session {statistics.median(gaps):.2f} s)", "<= 2.0 s", worst <= 2.0)]


def main(argv: Optional[list[str]] = None) -> int:
    which = (argv or sys.argv[1:] or ["all"])[0].upper()
    print(f"# machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, Python {sys.version.split()[0]}")
    rows: list[Row] = []
    if which in ("T1", "ALL"):
        rows += bench_t1()
    if which in ("T2", "ALL"):
        rows += bench_t2()
    print(f"{'id':<4} {'what':<70} {'measured':<44} {'target':<8} result")
    for rid, what, measured, target, ok in rows:
        print(f"{rid:<4} {what:<70} {measured:<44} {target:<8} {'PASS' if ok else 'FAIL'}")
    print(f"# load at end {os.getloadavg()[0]:.2f}")
    return 0 if all(r[4] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
