"""`recovery-tui serve` for real: tokens, the air-gapped page, one process and one lab per session, clean ends."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
import requests

from recovery_tui.serve import page, security

from serve_helpers import ROOT, BrowserSession, pid_alive, session_env, wait_gone, ws_url


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "recovery_tui", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


# -- pure decisions -------------------------------------------------------------------------------------

def test_a_browser_session_needs_no_terminal_and_gets_the_web_driver() -> None:
    """textual-serve names its web driver in TEXTUAL_DRIVER: the wizard then needs no terminal (its stdin and
    stdout are pipes to the server) and does not force the terminal driver over Textual's choice."""
    from recovery_tui.exits import require_terminal
    from recovery_tui.service.errors import InputError
    from recovery_tui.settings import Settings
    from recovery_tui.terminal import driver_class

    web = Settings.from_args(env={"TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver"})
    assert web.web_driver == "textual.drivers.web_driver:WebDriver"
    assert Settings.from_args(env={}).web_driver is None
    with pytest.raises(InputError, match="needs a terminal"):  # pytest's stdin is no terminal
        require_terminal()
    assert driver_class(web=True) is None
    if sys.platform != "win32":
        assert driver_class() is not None


def test_loopback_and_exposure_rules() -> None:
    assert all(security.is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"))
    assert not any(security.is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.10", "example.org"))
    security.check_exposure("127.0.0.1", token=False)
    security.check_exposure("0.0.0.0", token=True)
    with pytest.raises(security.InputError, match="--host 0.0.0.0 lets other machines"):
        security.check_exposure("0.0.0.0", token=False)


def test_session_environment_never_carries_real_credentials() -> None:
    base = {"MC_HOST_prod": "https://AK:SK@prod:9000", "MC_CONFIG_DIR": "/home/op/.mc", "AWS_SECRET_ACCESS_KEY": "x",
            "MINIO_ROOT_PASSWORD": "y", "PATH": "/usr/bin", "LANG": "C.UTF-8"}
    env = security.session_env(base, allow_real_aliases=False, mc_config_dir="/tmp/empty", state_dir="/s/1")
    assert env == {"PATH": "/usr/bin", "LANG": "C.UTF-8", "MC_CONFIG_DIR": "/tmp/empty",
                   "RECOVERY_TUI_STATE_DIR": "/s/1"}
    allowed = security.session_env(base, allow_real_aliases=True, mc_config_dir=None, state_dir="/s/2")
    assert allowed["MC_HOST_prod"] == base["MC_HOST_prod"] and allowed["MC_CONFIG_DIR"] == "/home/op/.mc"


def test_page_template_loads_nothing_from_elsewhere() -> None:
    original = page.TEMPLATE.read_text(encoding="utf-8")
    assert page.external_urls(original), "textual-serve's template links an external font (what we strip)"
    served = page.page_template()
    assert page.external_urls(served) == []
    assert "RobotoMono-VariableFont_wght.ttf" in served
    assert (page.STATIC_DIR / "js" / "textual.js").stat().st_size > 100_000  # the client ships in the wheel
    assert (page.STATIC_DIR / "fonts" / "RobotoMono-VariableFont_wght.ttf").exists()


# -- bad input ------------------------------------------------------------------------------------------

def test_bad_input_is_one_line_and_exit_2() -> None:
    cases = [
        (["serve", "--host", "0.0.0.0", "--lab"], "--host 0.0.0.0 lets other machines open the wizard"),
        (["serve"], "serve without --lab would hand this machine's mc aliases"),
        (["serve", "--drill", "double-start"], "--drill needs --lab"),
        (["serve", "--lab", "--drill", "nope"], "unknown drill 'nope' — known drills: checksum-failures"),
        (["serve", "--lab", "--port", "70000"], "--port must be 0-65535"),
    ]
    for args, words in cases:
        r = run_cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert words in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert r.stdout == ""


def test_port_in_use_names_it_and_suggests_another() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run_cli("serve", "--lab", "--port", str(port))
    assert r.returncode == 2
    m = re.search(rf"port {port} on 127\.0\.0\.1 is already in use by another program — try --port (\d+)", r.stderr)
    assert m, r.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", int(m.group(1))))  # the suggestion is really free


# -- a served instance ----------------------------------------------------------------------------------

@pytest.mark.slow  # a served instance: server and wizard processes, labs
def test_token_is_required_everywhere(served) -> None:
    s = served("--lab", "--token")
    assert s.token and len(s.token) >= 20
    for path in ("", "static/js/textual.js", "ws", "download/x"):
        assert requests.get(s.url + path, timeout=10).status_code == 403, path
        assert requests.get(s.url + path + "?token=wrong", timeout=10).status_code == 403, path
    with requests.Session() as browser:
        r = browser.get(f"{s.url}?token={s.token}", timeout=10)
        assert r.status_code == 200 and 'data-session-websocket-url="ws://127.0.0.1:' in r.text
        assert page.external_urls(r.text) == []
        assert browser.get(s.url + "static/js/textual.js", timeout=10).status_code == 200  # the cookie
    assert any("requests without the token get 403" in line for line in s.lines)


@pytest.mark.slow  # a served instance: server and wizard processes, labs
def test_without_token_the_page_is_open_on_loopback_and_the_ssh_line_is_printed(served) -> None:
    s = served("--lab")
    assert s.token is None
    assert requests.get(s.url, timeout=10).status_code == 200
    port = s.url.rsplit(":", 1)[1].strip("/")
    m = s.read_until(r"from another machine: ssh -L (\d+):127\.0\.0\.1:(\d+) \S+@\S+")
    assert m.group(1) == m.group(2) == port


@pytest.mark.slow  # a served instance: server and wizard processes, labs
def test_two_sessions_get_two_labs_and_closing_ends_each(served) -> None:
    s = served("--lab", env={"MC_HOST_prod": "https://REALKEY:REALSECRET@prod.example:9000"})

    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(ws_url(s)) as ws1, http.ws_connect(ws_url(s)) as ws2:
                a, b = BrowserSession(ws1), BrowserSession(ws2)
                await asyncio.gather(a.until("Step 1 of 7"), b.until("Step 1 of 7"))
                pids = [int(m) for m in re.findall(r"session \d+ started \(pid (\d+)\)", "\n".join(
                    s.lines + [s.read_until(r"session 2 started").string]))]
                assert len(set(pids)) == 2
                for pid in pids:  # the real alias never reaches a browser session
                    env = session_env(pid)
                    assert "MC_HOST_prod" not in env and env["MC_CONFIG_DIR"].startswith("/tmp/")
                    assert env["RECOVERY_TUI_STATE_DIR"].startswith(str(s.state_root))
                # the focus starts on the bucket list: once `data` is listed, enter picks it
                await asyncio.gather(a.until("⇄ data"), b.until("⇄ data"))
                await a.keys("\r")
                await b.keys("\r")
                screens = await asyncio.gather(a.until("Step 2 of 7"), b.until("Step 2 of 7"))
                screens = await asyncio.gather(a.until("Endpoint"), b.until("Endpoint"))
                ports = [set(re.findall(r"Endpoint\s+127\.0\.0\.1:(\d+)", t)) for t in screens]
                assert all(len(p) == 1 for p in ports) and ports[0] != ports[1], ports
                await ws1.close()
                wait_gone(pids[0])
                assert pid_alive(pids[1]), "closing one tab must not end the other session"
            wait_gone(pids[1])

    asyncio.run(scenario())
    s.read_until(r"session 1 ended \(browser closed the page\); process and lab stopped")
    s.read_until(r"session 2 ended")
    dirs = sorted(p.name for p in Path(s.state_root / "serve").glob("*/*"))
    assert len(dirs) == 2 and dirs[0] != dirs[1]


@pytest.mark.slow  # a served instance: server and wizard processes, labs
def test_stopping_the_server_ends_every_session(served) -> None:
    s = served("--lab")

    async def open_one() -> int:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(ws_url(s)) as ws:
                await BrowserSession(ws).until("Step 1 of 7")
                pid = int(s.read_until(r"session 1 started \(pid (\d+)\)").group(1))
                from serve_helpers import stop_served

                stop_served(s)
                return pid

    pid = asyncio.run(open_one())
    wait_gone(pid)
    assert s.proc.returncode == 0
    s.read_until(r"server stopped; 1 session\(s\) ended with it")


@pytest.mark.slow  # a served instance: server and wizard processes, labs
def test_a_browser_leaving_mid_drill_ends_its_process_and_lab(served) -> None:
    """`serve --lab --drill double-start`: the drill's resync is running when the tab goes away; the session's
    whole process group (the wizard, its lab and the lab's resync) is gone afterwards."""
    s = served("--lab", "--drill", "double-start")

    async def scenario() -> int:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(ws_url(s)) as ws:
                tab = BrowserSession(ws)
                await tab.until("Drill · A resync is already running when you arrive")
                await tab.keys("\r")
                await tab.until("Step 1 of 7")
                pid = int(s.read_until(r"session 1 started \(pid (\d+)\)").group(1))
                journal = next(Path(session_env(pid)["RECOVERY_TUI_STATE_DIR"]).glob("journal/*.jsonl"))
                assert '"drill.fault"' in journal.read_text()  # the timeline is playing: mid-drill
            return pid

    pid = asyncio.run(scenario())
    wait_gone(pid)
    s.read_until(r"session 1 ended \(browser closed the page\); process and lab stopped")
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # once the server says so, nothing is left in the session's process group
