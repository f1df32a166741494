"""Command line: parses arguments, builds the service (or the lab), then runs the wizard or a headless command.

Bad input is reported in one line and exits 2 before any TUI starts; connection
and authentication failures exit 3. No traceback reaches the operator.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Optional, Sequence

from recovery_tui import __version__
from recovery_tui.exits import Interrupted, end_process
from recovery_tui.headless.arg_types import (
    insecure_here,
    non_negative_number,
    positive_int,
    region,
    region_here,
    seconds,
)
from recovery_tui.service.errors import InputError, RecoveryError
from recovery_tui.service.secrets import redact
from recovery_tui.settings import DEFAULT_REGION, Settings, in_effect

EXIT_OK, EXIT_DIFF, EXIT_INPUT, EXIT_CONN = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad input as one line with exit code 2 (its own default too), no usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: {message} — see `{self.prog} --help`.\n")
        raise SystemExit(EXIT_INPUT)


class _ScenarioNames:
    """The lab's scenario names, read from `lab.scenarios` only when argparse needs them (a `--scenario`
    given, or `--help`): `--version` and the headless commands never load the lab."""

    def _names(self) -> list[str]:
        from recovery_tui.lab.scenarios import SCENARIOS

        return [s[0] if isinstance(s, tuple) else s for s in SCENARIOS]

    def __contains__(self, item: object) -> bool:
        return item in self._names()

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


def build_parser() -> argparse.ArgumentParser:
    names = _ScenarioNames()
    p = _Parser(
        prog="recovery-tui",
        description="Walks you through resynchronising an AIStor/MinIO bucket after data loss on one site.",
    )
    p.add_argument("--version", action="version", version=f"recovery-tui {__version__}")
    p.add_argument("--lab", action="store_true", help="start the embedded two-site lab and open the wizard on it")
    p.add_argument("--scenario", choices=names, default=None, metavar="SCENARIO",
                   help="lab scenario, one of %(choices)s (with --lab; default partial-loss)")
    p.add_argument("--objects", type=positive_int("--objects"), default=None, help="versions to seed (scenario large)")
    p.add_argument("--source", metavar="ALIAS/BUCKET", help="preselect the healthy source bucket in the wizard")
    p.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (as mc --insecure)")
    p.add_argument("--region", type=region, default=DEFAULT_REGION, metavar="REGION",
                   help=f"SigV4 signing region of the servers (default {DEFAULT_REGION}, as MinIO's)")
    p.add_argument("--fresh", action="store_true",
                   help="ignore a saved session and start the wizard from the first step")
    p.add_argument("--drill", nargs="?", const="", default=None, metavar="NAME|FILE",
                   help="with --lab: run an incident drill (no name: pick one); see `recovery-tui drill list`")
    p.add_argument("--drills-dir", action="append", default=[], metavar="DIR", type=Path,
                   help="also offer the drill files (*.toml) in DIR (repeatable)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    lab = sub.add_parser("lab", help="run the embedded lab")
    lab_sub = lab.add_subparsers(dest="lab_command", metavar="serve", required=True)
    serve = lab_sub.add_parser("serve", help="run the two lab sites in the foreground")
    serve.add_argument("--scenario", choices=names, default="partial-loss", metavar="SCENARIO",
                       help="one of %(choices)s (default %(default)s)")
    serve.add_argument("--objects", type=positive_int("--objects"), default=None)
    serve.add_argument("--seed", type=int, default=0)
    serve.add_argument("--source-port", type=int, default=0)
    serve.add_argument("--target-port", type=int, default=0)
    serve.add_argument("--tls", action="store_true", help="serve https with a generated self-signed certificate")
    serve.add_argument("--flavor", choices=("community", "aistor"), default="community",
                       help="server flavour: aistor adds bucket inventory, resync cancel and admin v4")
    serve.add_argument("--copy-checksum", choices=("keep", "recompute"), default="keep",
                       help="what a copy onto itself does with the checksum: keep it as community MinIO does "
                            "(a checksum failure stays), or recompute it (the copy replicates)")

    t = sub.add_parser("targets", help="list replication rules and remote targets (mc replicate ls)")
    t.add_argument("path", metavar="ALIAS/BUCKET")
    t.add_argument("--json", action="store_true")

    rs = sub.add_parser("resync", help="start or watch a bucket resync")
    rs_sub = rs.add_subparsers(dest="resync_command", metavar="start|status", required=True)
    start = rs_sub.add_parser("start", help="start a resync (mc replicate resync start)")
    start.add_argument("path", metavar="ALIAS/BUCKET")
    start.add_argument("--remote-bucket", required=True, metavar="ARN")
    start.add_argument("--older-than", default=None, metavar="DURATION",
                       help="only versions older than this, as mc takes it (30d, 2w, 1y, 7d12h; the server counts "
                            "whole days)")
    start.add_argument("--json", action="store_true")
    status = rs_sub.add_parser("status", help="resync status (mc replicate resync status)")
    status.add_argument("path", metavar="ALIAS/BUCKET")
    status.add_argument("--remote-bucket", default=None, metavar="ARN")
    status.add_argument("--watch", action="store_true", help="refresh until every resync has finished")
    status.add_argument("--interval", type=float, default=2.0, help=argparse.SUPPRESS)
    status.add_argument("--json", action="store_true")

    rp = sub.add_parser("replicate", help="replication status on either side (mc replicate status)")
    rp_sub = rp.add_subparsers(dest="replicate_command", metavar="status", required=True)
    rstat = rp_sub.add_parser("status", help="replicated, queued, link, errors and replicas received "
                                             "(mc replicate status; never reads the MRF list)")
    rstat.add_argument("path", metavar="ALIAS/BUCKET")
    rstat.add_argument("--json", action="store_true")

    v = sub.add_parser("validate", help="compare versions of two buckets (mc ls -r --versions, mc stat)")
    v.add_argument("source", metavar="SRC/BUCKET")
    v.add_argument("target", metavar="DST/BUCKET")
    v.add_argument("--prefix", default="")
    v.add_argument("--parallel", type=positive_int("--parallel"), default=None, help="list prefixes concurrently")
    v.add_argument("--limit", type=int, default=20, help="differences to print (rich output)")
    v.add_argument("--checkpoint", default=None, metavar="FILE", help="resume from / save to this checkpoint")
    v.add_argument("--engine", default="auto", metavar="ENGINE",
                   help="auto (default), listing (list both buckets here) or inventory (the servers' inventory "
                        "reports)")
    v.add_argument("--reports-bucket", default=None, metavar="B", help="where inventory jobs write their reports "
                   "(must exist on both sites; default recovery-tui-reports)")
    v.add_argument("--keep-jobs", action="store_true", help="keep the inventory jobs afterwards")
    v.add_argument("--delete-reports", action="store_true", help="delete the inventory report files afterwards")
    v.add_argument("--memory-limit", default="1GB", metavar="SIZE", help="DuckDB's memory limit (default 1GB)")
    v.add_argument("--temp-dir", default=None, metavar="DIR", help="for report files and DuckDB's spilling")
    v.add_argument("--source-manifest", default=None, metavar="KEY|FILE", help="use this inventory report")
    v.add_argument("--target-manifest", default=None, metavar="KEY|FILE", help="use this inventory report")
    v.add_argument("--differences", default=None, metavar="FILE", help="write every difference here (JSON lines)")
    v.add_argument("--fallback-listing", action="store_true", help="if an inventory job fails, use the listing engine")
    v.add_argument("--inventory-threshold", type=positive_int("--inventory-threshold"), default=None, metavar="N",
                   help="with --engine auto: versions from which the inventory engine is used (default 1000000)")
    v.add_argument("--stall-timeout", type=float, default=600.0, help=argparse.SUPPRESS)
    v.add_argument("--poll-interval", type=float, default=2.0, help=argparse.SUPPRESS)
    v.add_argument("--json", action="store_true")

    b = sub.add_parser("resync-backlog", help="re-trigger PENDING/FAILED versions (mc replicate resync-backlog)")
    b.add_argument("path", metavar="ALIAS/BUCKET[/PREFIX]")
    b.add_argument("--arn", default=None, help="only versions backlogged for this replication target")
    b.add_argument("-c", "--concurrent", type=positive_int("--concurrent"), default=10,
                   help="HEAD requests in flight at once (default 10)")
    b.add_argument("--rate-limit", type=non_negative_number("--rate-limit"), default=0.0,
                   help="objects per second at most (default 0: unlimited)")
    b.add_argument("--dry-run", action="store_true", help="list what would be processed; send nothing")
    b.add_argument("--clear-checksum", action="store_true",
                   help="copy each FAILED version that is its key's latest onto itself (creates new versions)")
    b.add_argument("--validate", action="store_true",
                   help="try one version and prove its effect (with --clear-checksum: the copy's checksum "
                        "and replication)")
    b.add_argument("--yes", action="store_true", help="run --clear-checksum without a proving --validate (journaled)")
    b.add_argument("--wait", type=seconds("--wait"), default=60.0, metavar="SECONDS",
                   help="how long to wait for what was sent to replicate before the summary (default 60)")
    b.add_argument("--checkpoint", default=None, metavar="FILE")
    b.add_argument("--json", action="store_true")
    old_b = sub.add_parser("backlog", help="renamed: use resync-backlog")
    old_b.add_argument("rest", nargs=argparse.REMAINDER)

    for command_parser in (t, start, status, rstat, v, b):
        insecure_here(command_parser)
        region_here(command_parser)

    from recovery_tui.headless.site_args import add_site_parser

    add_site_parser(sub, insecure_here, region_here)

    j = sub.add_parser("journal", help="list past runs, or show one")
    j.add_argument("run", nargs="?", default=None, help="run ID (or a unique prefix) to show")
    j.add_argument("--json", action="store_true")

    from recovery_tui.headless.drill_args import add_drill_parser

    add_drill_parser(sub)
    from recovery_tui.serve.cli import add_parser as add_serve_parser

    add_serve_parser(sub, names)
    return p


def _serve_lab(args: argparse.Namespace, settings: Settings) -> int:
    from recovery_tui.lab.server import Lab, training_resync_delay

    lab = Lab(
        resync_delay=training_resync_delay(args.scenario, settings.lab_resync_delay),
        scenario=args.scenario,
        objects=args.objects,
        seed=args.seed,
        source_port=args.source_port,
        target_port=args.target_port,
        tls=args.tls,
        flavor=args.flavor,
        copy_checksum=args.copy_checksum,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    lab.start()
    try:
        # The lab's credentials are the only secrets the product ever prints: the operator needs them.
        for name, value in lab.env().items():
            print(f"{name}={value}", flush=True)
        if args.tls:
            print(f"# CA certificate: {lab.ca_pem_path}", flush=True)
        if args.scenario in ("site-loss", "site-replication", "site-many"):
            print(f"# lab running: scenario {args.scenario}, many buckets on aliases 'source' (healthy) and "
                  "'target' (damaged). Export the two lines above, then e.g.: recovery-tui site plan source target",
                  flush=True)
        else:
            print(
                f"# lab running: scenario {args.scenario}, bucket 'data' on aliases 'source' (healthy) "
                "and 'target' (damaged). Export the two lines above, then e.g.: recovery-tui targets source/data",
                flush=True,
            )
        print(f"# fault control: POST {lab.source.url}/_lab/fault  ·  Ctrl-C stops the lab", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        lab.stop()
    print("# lab stopped", flush=True)
    return EXIT_OK


def _run_wizard(settings: Settings) -> int:
    import gc

    gc.disable()  # start-up allocates much and frees little: the App turns it back on after its first frame
    sys.setswitchinterval(0.001)  # the UI thread waits at most 1 ms (not 5) for the GIL when a worker computes
    from recovery_tui.wizard import run_wizard

    return run_wizard(settings)


def _run_headless(args: argparse.Namespace, settings: Settings) -> int:
    from recovery_tui import headless

    return headless.dispatch(args, settings)


VALUE_OPTIONS_MAY_START_WITH_DASH = ("--older-than",)
"""Options whose value may look like an option (`--older-than -3d`): their value is joined to them before
argparse sees it, so the value's own check explains what is wrong instead of "expected one argument"."""


def join_dashed_values(argv: Sequence[str]) -> list[str]:
    """`[..., "--older-than", "-3d"]` → `[..., "--older-than=-3d"]` (only for the options named above)."""
    out: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        item = items[i]
        if item == "--":
            out.extend(items[i:])
            break
        if item in VALUE_OPTIONS_MAY_START_WITH_DASH and i + 1 < len(items) and items[i + 1].startswith("-") \
                and items[i + 1] != "--":
            out.append(f"{item}={items[i + 1]}")
            i += 2
            continue
        out.append(item)
        i += 1
    return out


def run() -> None:
    """The program (console script, `python -m recovery_tui`): `main()` as a process."""
    raise SystemExit(main(program=True))


def _wizard_ended(code: int, program: bool) -> int:
    """As a process, the wizard leaves without the interpreter's slow teardown (see `exits.end_process`)."""
    if program:
        end_process(code)
    return code


def main(argv: Optional[Sequence[str]] = None, *, program: bool = False) -> int:
    """Run the command line `argv` (default: this process's); returns the exit code.

    `program=True` (only `run()`): this is the whole process, so the wizard may end it itself."""
    argv = join_dashed_values(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "backlog":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    settings = Settings.from_args(args)  # the run's one Settings: argv + environment + defaults
    try:
        with in_effect(settings):
            if args.command == "lab":
                return _serve_lab(args, settings)
            if args.command == "backlog":  # renamed as mc names it; mc's `replicate backlog` only lists
                from recovery_tui.headless.resync_backlog import renamed

                raise InputError(renamed(list(args.rest) + list(extra)))
            if args.command == "drill":
                from recovery_tui.drills.cli import run as run_drill
                from recovery_tui.lab.scenarios import NAMES

                return run_drill(args, NAMES)
            if args.command == "serve":
                from recovery_tui.lab.scenarios import NAMES
                from recovery_tui.serve.cli import run as run_serve

                return run_serve(args, settings, NAMES)
            if args.command is None:
                if args.scenario and not args.lab:
                    raise InputError("--scenario only applies with --lab",
                                     hint="Run: recovery-tui --lab --scenario NAME")
                if args.drill is not None and not args.lab:
                    raise InputError("--drill needs --lab: drills run on the embedded lab",
                                     hint=f"Run: recovery-tui --lab --drill {args.drill}".rstrip())
                if args.drill is not None and args.scenario:
                    raise InputError("--drill brings its own lab scenario; leave out --scenario",
                                     hint="See the drill's scenario with: recovery-tui drill show NAME")
                return _wizard_ended(_run_wizard(settings), program)
            return _run_headless(args, settings)
    except RecoveryError as exc:
        sys.stderr.write(f"recovery-tui: {redact(exc.one_line())}\n")
        return exc.exit_code
    except KeyboardInterrupt as exc:  # Ctrl+C; SIGHUP/SIGTERM in a headless command carry their own code
        try:
            sys.stderr.write("recovery-tui: interrupted\n")
        except OSError:  # the terminal went away (SIGHUP)
            pass
        return int(getattr(exc, "code", 130))
    except Interrupted as exc:  # a signal during the wizard's startup (recovery_tui/exits.py)
        return _wizard_ended(exc.code, program)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    run()
