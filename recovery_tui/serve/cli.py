"""`recovery-tui serve`: the wizard in a browser, one process (and with --lab one lab) per browser session.

    recovery-tui serve [--host 127.0.0.1] [--port 8000] [--lab [--scenario S] [--drill NAME]]
                       [--token] [--allow-real-aliases] [--max-sessions N]

Bad input exits 2 before anything listens: a non-loopback --host without --token, --drill or
--scenario without --lab, an unknown drill, no --lab and no --allow-real-aliases, a port in use
(which one, and a free one to try instead).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

from recovery_tui.service.errors import InputError


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port must be a whole number, got '{text}'") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"--port must be 0-65535, got {value}")
    return value


def add_parser(sub: Any, scenarios: Iterable[str]) -> None:
    s = sub.add_parser("serve", help="serve the wizard to web browsers (one process, and lab, per session)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    s.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    s.add_argument("--lab", action="store_true", help="every session gets its own embedded lab (training)")
    s.add_argument("--scenario", choices=scenarios, default=None, metavar="SCENARIO",
                   help="lab scenario of every session (with --lab), one of %(choices)s")
    s.add_argument("--drill", default=None, metavar="NAME|FILE", help="every session runs this drill (with --lab)")
    s.add_argument("--drills-dir", action="append", default=[], metavar="DIR", type=Path,
                   help="also offer the drill files in DIR")
    s.add_argument("--token", action="store_true",
                   help="require a random per-launch token in the URL (needed for a non-loopback --host)")
    s.add_argument("--allow-real-aliases", action="store_true",
                   help="let sessions use this machine's mc aliases and credentials (never the default)")
    s.add_argument("--max-sessions", type=int, default=30, help="refuse sessions beyond this many (default 30)")


def _check(args: argparse.Namespace, scenarios: Sequence[str]) -> None:
    from recovery_tui.serve import security

    if args.scenario and not args.lab:
        raise InputError("--scenario only applies with --lab", hint="run: recovery-tui serve --lab --scenario NAME")
    if args.drill and not args.lab:
        raise InputError("--drill needs --lab: drills run on the embedded lab",
                         hint=f"run: recovery-tui serve --lab --drill {args.drill}")
    if not args.lab and not args.allow_real_aliases:
        raise InputError("serve without --lab would hand this machine's mc aliases to whoever opens the page",
                         hint="add --lab for training; add --allow-real-aliases only if every browser user may "
                              "act on those servers")
    if args.max_sessions < 1:
        raise InputError(f"--max-sessions must be at least 1, got {args.max_sessions}")
    security.check_exposure(args.host, args.token)
    if args.drill:
        from recovery_tui.drills import Catalog, DrillError

        try:
            Catalog(list(args.drills_dir), scenarios=scenarios, include_user_dir=True).get(args.drill)
        except DrillError as exc:
            raise InputError(str(exc)) from None


def run(args: argparse.Namespace, settings: Any, scenarios: Sequence[str] = ()) -> int:
    """`recovery-tui serve …`: runs until Ctrl-C (or SIGTERM); returns the exit code."""
    _check(args, scenarios)
    from recovery_tui.serve import security
    from recovery_tui.serve.server import SessionOptions, session_argv

    token = security.new_token() if args.token else None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    drill = str(Path(args.drill).resolve()) if args.drill and ("/" in args.drill or args.drill.endswith(".toml")) \
        else args.drill
    options = SessionOptions(
        argv=session_argv(lab=args.lab, scenario=args.scenario, drill=drill,
                          drills_dirs=tuple(str(d.resolve()) for d in args.drills_dir)),
        base_env=dict(settings.env), allow_real_aliases=args.allow_real_aliases,
        state_root=settings.state_dir / "serve" / stamp, token=token, max_sessions=args.max_sessions)
    return asyncio.run(_serve(options, args))


async def _serve(options: Any, args: argparse.Namespace) -> int:
    from aiohttp import web

    from recovery_tui.serve import security
    from recovery_tui.serve.server import ServeApp

    serve_app = ServeApp(options)
    runner = web.AppRunner(serve_app.make_app(), access_log=None, handle_signals=False, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise security.port_in_use_error(args.host, args.port, exc) from None
    sockets = getattr(site._server, "sockets", None) or []
    port = sockets[0].getsockname()[1] if sockets else args.port
    _banner(args, port, options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix
            pass
    try:
        await stop.wait()
    finally:
        count = len(serve_app.sessions)
        await runner.cleanup()
        print(f"# server stopped; {count} session(s) ended with it", flush=True)
    return 0


def _banner(args: argparse.Namespace, port: int, options: Any) -> None:
    from recovery_tui.serve import security

    host = args.host if security.is_loopback(args.host) else _display_host(args.host)
    query = f"?token={options.token}" if options.token else ""
    what = "lab sessions" if args.lab else "sessions on this machine's mc aliases"
    if args.drill:
        what += f", drill {Path(args.drill).stem}"
    print(f"recovery-tui serve: http://{_bracket(host)}:{port}/{query}  ({what})", flush=True)
    print("# every browser tab gets its own wizard process" + (" and its own lab" if args.lab else "") +
          "; closing the tab ends them", flush=True)
    if security.is_loopback(args.host):
        print(f"# from another machine: {security.ssh_tunnel_line(port)}   then open "
              f"http://127.0.0.1:{port}/{query}", flush=True)
    if options.token:
        print("# requests without the token get 403; the token changes at every launch", flush=True)
    print(f"# session journals, debriefs and reports: {options.state_root}", flush=True)
    print("# Ctrl-C stops the server and every session", flush=True)


def _display_host(host: str) -> str:
    if host in ("0.0.0.0", "::", "[::]"):
        import socket

        return socket.gethostname()
    return host


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
