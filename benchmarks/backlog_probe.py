"""Child process for B3: one `recovery-tui resync-backlog ALIAS/BUCKET --json` run in this process (the CLI's own
code path: checkpoint, journal, progress callback), then its peak RSS as JSON on stderr (VmHWM)."""

from __future__ import annotations

import contextlib
import json
import sys
import time

from benchmarks.rss_probe import peak_rss_mb
from recovery_tui.cli import build_parser
from recovery_tui.cli import main as cli_main


def command() -> str:
    """`resync-backlog` (issue 13's name) when this build has it, else `backlog`."""
    choices = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    return "resync-backlog" if "resync-backlog" in choices else "backlog"


def main() -> None:
    out_path = sys.argv[1]
    argv = [command(), "source/data", "--json", *sys.argv[2:]]
    t = time.perf_counter()
    with open(out_path, "w") as fh, contextlib.redirect_stdout(fh):
        code = cli_main(argv)
    elapsed = time.perf_counter() - t
    with open(out_path) as fh:
        doc = json.load(fh)
    print(json.dumps({"rss_mb": peak_rss_mb(), "exit": code, "elapsed": elapsed, "total": doc.get("total"),
                      "processed": doc.get("processed"), "failed": doc.get("failed")}), file=sys.stderr)


if __name__ == "__main__":
    main()
