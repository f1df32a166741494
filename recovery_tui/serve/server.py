"""The web server of `recovery-tui serve`: one wizard process per browser session, on textual-serve's protocol.

* `GET /` — the page (`page.py`); `GET /ws` — the session's websocket; `/static/…` — textual-serve's
  script, styles and fonts. With a token every request must carry it (`?token=…`, or the cookie the
  page sets); without it: 403.
* Each websocket starts its own process (`SessionOptions.argv`), in its own process group, with its
  own state directory (journal, debrief, report) and an environment without the operator's mc
  credentials unless allowed (`security.session_env`). With `--lab` that process starts its own lab.
* When the browser goes away (tab closed, network lost, heartbeat missed) the process is asked to
  quit, then terminated, then killed: its lab stops with it. Stopping the server ends every session.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import os
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from recovery_tui.serve import page, security

log = logging.getLogger(__name__)
QUIT_GRACE = 5.0
"""Seconds a session's process gets to quit (its lab stops too) before it is terminated, then killed."""


async def _group_gone(pgid: int, timeout: float = 3.0) -> bool:
    """Wait (bounded) until no process of group `pgid` is left: a killed child lingers until it is reaped."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return True
        await asyncio.sleep(0.02)
    return False


@dataclass
class SessionOptions:
    argv: list[str]
    """The command each session runs (a recovery-tui wizard)."""
    base_env: dict[str, str]
    allow_real_aliases: bool = False
    state_root: Path = Path(".")
    """Each session gets `state_root/<session id>/` as its RECOVERY_TUI_STATE_DIR."""
    token: Optional[str] = None
    max_sessions: int = 30
    title: str = "recovery-tui"
    on_log: Callable[[str], None] = field(default=lambda line: print(line, flush=True))


class Session(AppService):
    """One browser session: the wizard process, started in its own process group, ended with the browser."""

    def __init__(self, number: int, options: SessionOptions, **kw: Any) -> None:
        super().__init__(" ".join(options.argv), **kw)
        self.number = number
        self.options = options
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.state_dir = options.state_root / f"{stamp}-s{number}"
        self._mc_dir: Optional[str] = None
        self._stopped = False

    @property
    def pid(self) -> Optional[int]:
        return self._process.pid if self._process is not None else None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.options.allow_real_aliases:
            self._mc_dir = tempfile.mkdtemp(prefix="recovery-tui-serve-mc-")
        env = security.session_env(self.options.base_env, allow_real_aliases=self.options.allow_real_aliases,
                                   mc_config_dir=self._mc_dir, state_dir=str(self.state_dir))
        env.update({"TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver", "TEXTUAL_FPS": "60",
                    "TEXTUAL_COLOR_SYSTEM": "truecolor", "TERM_PROGRAM": "textual", "COLUMNS": str(width),
                    "ROWS": str(height)})
        return env

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        env = self._build_environment(width, height)
        self._process = process = await asyncio.create_subprocess_exec(
            *self.options.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True)
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """Ask the wizard to quit; terminate, then kill its process group if it does not. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        task, process = self._task, self._process
        if task is not None:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
        if process is not None:
            for sig in (None, signal.SIGTERM, signal.SIGKILL):
                if sig is not None and process.returncode is None:
                    try:
                        os.killpg(process.pid, sig)
                    except ProcessLookupError:
                        pass
                try:
                    await asyncio.wait_for(process.wait(), QUIT_GRACE if sig is None else 3.0)
                    break
                except asyncio.TimeoutError:
                    continue
            try:  # the process group may still hold children (nothing should, but leave nothing running)
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            await _group_gone(process.pid)  # "stopped" is said only once nothing of the group is left
        if task is not None:
            try:
                await asyncio.wait_for(task, 3.0)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                task.cancel()
            self._task = None
        if self._mc_dir:
            import shutil

            shutil.rmtree(self._mc_dir, ignore_errors=True)


class ServeApp:
    """The aiohttp application and its live sessions."""

    def __init__(self, options: SessionOptions) -> None:
        self.options = options
        self.sessions: dict[int, Session] = {}
        self.download_manager = DownloadManager()
        self._numbers = itertools.count(1)
        self.cookie = "recovery_tui_token"

    # -- access ---------------------------------------------------------------------------------------
    def _authorised(self, request: web.Request) -> bool:
        token = self.options.token
        if token is None:
            return True
        given = request.query.get("token") or request.cookies.get(self.cookie) or ""
        return hmac.compare_digest(given.encode(), token.encode())

    @web.middleware
    async def guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not self._authorised(request):
            return web.Response(status=403, text="403 Forbidden: this recovery-tui server needs its access token "
                                                 "in the URL (…/?token=…). Ask whoever started it for the link.\n")
        response = await handler(request)
        if self.options.token and request.query.get("token") and not response.prepared:
            response.set_cookie(self.cookie, self.options.token, httponly=True, samesite="Strict", path="/")
        return response

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard])
        aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({"app_index.html": page.page_template()}))
        app.add_routes([web.get("/", self.handle_index), web.get("/ws", self.handle_websocket),
                        web.get("/download/{key}", self.handle_download),
                        web.static("/static", page.STATIC_DIR, show_index=False)])
        app.on_shutdown.append(self.on_shutdown)
        return app

    # -- handlers -------------------------------------------------------------------------------------
    async def handle_index(self, request: web.Request) -> web.Response:
        font_size = request.query.get("fontsize", "16")
        ws = "wss" if request.secure else "ws"
        context = {"font_size": int(font_size) if font_size.isdigit() else 16,
                   "app_websocket_url": f"{ws}://{request.host}/ws",
                   "config": {"static": {"url": "/static/"}}, "application": {"name": self.options.title},
                   "ping_url": ""}
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        try:
            meta = await self.download_manager.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text="no such download") from None
        response = web.StreamResponse()
        response.headers["Content-Type"] = meta.mime_type + (f"; charset={meta.encoding}" if meta.encoding else "")
        disposition = "inline" if meta.open_method == "browser" else "attachment"
        response.headers["Content-Disposition"] = f"{disposition}; filename={meta.file_name}"
        await response.prepare(request)
        async for chunk in self.download_manager.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if len(self.sessions) >= self.options.max_sessions:
            self.options.on_log(f"# refused a session: {self.options.max_sessions} already running (--max-sessions)")
            await websocket.close(code=1013, message=b"too many sessions")
            return websocket
        width = _int(request.query.get("width"), 80)
        height = _int(request.query.get("height"), 24)
        number = next(self._numbers)
        session = Session(number, self.options, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                          close=websocket.close, download_manager=self.download_manager)
        self.sessions[number] = session
        reason = "browser closed the page"
        try:
            await session.start(width, height)
            self.options.on_log(f"# session {number} started (pid {session.pid}); its files: {session.state_dir}")
            await self._pump(websocket, session)
        except asyncio.CancelledError:
            reason = "server stopping"
        except Exception as exc:  # the session ends; the server carries on
            reason = f"error: {type(exc).__name__}"
            log.warning("session %s: %s", number, type(exc).__name__)
        finally:
            await session.stop()
            self.sessions.pop(number, None)
            self.options.on_log(f"# session {number} ended ({reason}); process and lab stopped")
            if not websocket.closed:
                await websocket.close()
        return websocket

    async def _pump(self, websocket: web.WebSocketResponse, session: Session) -> None:
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = message.json()
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind = envelope[0]
            data = envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                await session.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await session.set_terminal_size(_int(data.get("width"), 80), _int(data.get("height"), 24))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await session.blur()
            elif kind == "focus":
                await session.focus()

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(s.stop() for s in list(self.sessions.values())), return_exceptions=True)


def _int(value: Any, default: int) -> int:
    try:
        return max(1, min(1000, int(value)))
    except (TypeError, ValueError):
        return default


def session_argv(*, lab: bool, scenario: Optional[str], drill: Optional[str],
                 drills_dirs: tuple[str, ...] = ()) -> list[str]:
    """The wizard command line of one browser session."""
    argv = [sys.executable, "-m", "recovery_tui"]
    if lab:
        argv.append("--lab")
    if scenario:
        argv += ["--scenario", scenario]
    if drill:
        argv += ["--drill", drill]
    for d in drills_dirs:
        argv += ["--drills-dir", d]
    return argv
