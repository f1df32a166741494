"""Headless commands: the mc-style `targets`, `resync start|status`, `validate`, `backlog` and `journal`.

`dispatch(args)` is called by `recovery_tui.cli.main` with the parsed arguments and returns the
exit code: 0 success / in sync, 1 differences found or items failed, 2 bad input, 3 connection or
authentication failure. Errors leave as `RecoveryError` (cli.py prints them in one line). Output is
rich for people and JSON with `--json`. Never imports Textual.
"""

from __future__ import annotations

import argparse
import sys


def dispatch(args: argparse.Namespace) -> int:
    """Run the headless command named by `args.command`; returns the exit code."""
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

        return run_targets(args)
    if command == "resync":
        from recovery_tui.headless.resync import run as run_resync

        return run_resync(args)
    if command == "validate":
        from recovery_tui.headless.validate import run as run_validate

        return run_validate(args)
    if command == "backlog":
        from recovery_tui.headless.backlog import run as run_backlog

        return run_backlog(args)
    sys.stderr.write(f"recovery-tui: unknown command '{command}' — see `recovery-tui --help`.\n")
    return 2


__all__ = ["dispatch"]
