"""Headless commands: the mc-style `targets`, `resync start|status`, `replicate status`, `validate`,
`resync-backlog`, `site …` and `journal`.

`dispatch(args, settings)` is called by `recovery_tui.cli.main` with the parsed arguments (the command's own
options) and the run's `Settings` (global options, environment), and returns the
exit code: 0 success / in sync, 1 differences found or items failed, 2 bad input, 3 connection or
authentication failure. Errors leave as `RecoveryError` (cli.py prints them in one line). Output is
rich for people and JSON with `--json`. Never imports Textual.
"""

from __future__ import annotations

import argparse
import sys

from recovery_tui.settings import Settings


def _mc_equivalent(args: argparse.Namespace) -> str:
    """The mc command a headless run stands for (for the journal)."""
    command = args.command
    if command == "targets":
        return f"mc replicate ls {args.path}"
    if command == "resync":
        arn = getattr(args, "remote_bucket", None)
        return f"mc replicate resync {args.resync_command} {args.path}" + (f" --remote-bucket {arn}" if arn else "")
    if command == "replicate":
        return f"mc replicate status {args.path}"
    if command == "validate":
        return f"mc ls -r --versions {args.source} | wc -l; mc ls -r --versions {args.target} | wc -l"
    if command == "site":
        return _mc_site(args)
    if command == "resync-backlog":
        flags = [f for f, on in (("--dry-run", args.dry_run), ("--clear-checksum", args.clear_checksum),
                                 ("--validate", args.validate)) if on]
        arn = [f"--arn {args.arn}"] if getattr(args, "arn", None) else []
        return " ".join([f"mc replicate resync-backlog {args.path}", *arn, *flags])
    return ""


def _mc_site(args: argparse.Namespace) -> str:
    """Only the site-level cancel has one mc equivalent; the per-bucket records carry their own commands."""
    if args.site_command == "resync" and args.site_resync_command == "cancel":
        return f"mc admin replicate resync cancel {args.source} {args.target}"
    return ""


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    """Run the headless command named by `args.command`, journaled as one run; returns the exit code.

    The run's journal is opened here, once: the commands' own detailed records (resync start,
    each backlog HEAD/copy) go to the same run through `common.journal()`, and this function adds
    the command's outcome (exit code, or the one-line error) at the end.
    """
    if args.command == "journal":
        return _dispatch(args, settings)
    from recovery_tui.exits import headless_signals
    from recovery_tui.headless import common
    from recovery_tui.service.errors import RecoveryError

    name = args.command + (f" {args.resync_command}" if args.command == "resync" else "") + (
        f" {args.replicate_command}" if args.command == "replicate" else "")
    if args.command == "site":
        name += f" {args.site_command}" + (f" {args.site_resync_command}" if args.site_command == "resync" else "")
    log = common.start_run(name.replace(" ", "-"), settings)
    mc = _mc_equivalent(args)
    try:
        with headless_signals():  # SIGHUP/SIGTERM unwind as Ctrl+C does: journaled, checkpoints kept
            code = _dispatch(args, settings)
    except RecoveryError as exc:
        if log is not None:
            log.record(name, mc=mc, result="error", exit_code=exc.exit_code, error=exc.one_line())
        raise
    except KeyboardInterrupt as exc:  # Ctrl+C, or SIGHUP/SIGTERM (a SignalInterrupt with its exit code)
        if log is not None:
            log.record(name, mc=mc, result="interrupted", exit_code=getattr(exc, "code", 130))
        raise
    finally:
        common.end_run()
    if log is not None:
        log.record(name, mc=mc, result="ok" if code == 0 else ("differences" if code == 1 else "error"),
                   exit_code=code)
    return code


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command
    if command == "journal":
        try:
            from recovery_tui.journal import cli_main
        except ImportError:
            sys.stderr.write("recovery-tui: the journal is not available in this build — "
                             "update recovery-tui, or read the JSONL files in the state directory.\n")
            return 2
        return int(cli_main(args))
    if command == "targets":
        from recovery_tui.headless.targets import run as run_targets

        return run_targets(args, settings)
    if command == "resync":
        from recovery_tui.headless.resync import run as run_resync

        return run_resync(args, settings)
    if command == "replicate":
        from recovery_tui.headless.replicate import run as run_replicate

        return run_replicate(args, settings)
    if command == "validate":
        from recovery_tui.headless.validate import run as run_validate

        return run_validate(args, settings)
    if command == "site":
        from recovery_tui.headless.site import run as run_site

        return run_site(args, settings)
    if command == "resync-backlog":
        from recovery_tui.headless.resync_backlog import run as run_resync_backlog

        return run_resync_backlog(args, settings)
    sys.stderr.write(f"recovery-tui: unknown command '{command}' — see `recovery-tui --help`.\n")
    return 2


__all__ = ["dispatch"]
