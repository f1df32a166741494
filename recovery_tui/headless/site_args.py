"""The `recovery-tui site …` command line (issue 11, item 6): plan, resync start|status|cancel, validate, canary."""

from __future__ import annotations

import argparse
from typing import Callable

Hook = Callable[[argparse.ArgumentParser], None]


def _max_running(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--max-running must be a whole number, got '{text}'") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"--max-running must be between 1 and 64, got {value}")
    return value


def add_site_parser(sub: argparse._SubParsersAction, *hooks: Hook) -> None:
    """Add `site` and its subcommands to the main parser's subcommands; `hooks` add --insecure/--region."""
    site = sub.add_parser("site", help="recover every damaged bucket of a site: plan, resync, validate")
    site_sub = site.add_subparsers(dest="site_command", metavar="plan|resync|validate|canary", required=True)

    def pair(p: argparse.ArgumentParser) -> None:
        p.add_argument("source", metavar="SRC", help="alias of the healthy site")
        p.add_argument("target", metavar="DST", help="alias of the damaged site")
        p.add_argument("--json", action="store_true")
        for hook in hooks:
            hook(p)

    plan = site_sub.add_parser("plan", help="every bucket SRC replicates to DST, with versions each side and a "
                                            "verdict (mc replicate ls, mc ls -r --versions)")
    pair(plan)
    plan.add_argument("--no-count", action="store_true", help="skip counting versions (faster on huge buckets)")

    rs = site_sub.add_parser("resync", help="start, watch or cancel the resync of every damaged bucket")
    rs_sub = rs.add_subparsers(dest="site_resync_command", metavar="start|status|cancel", required=True)
    start = rs_sub.add_parser("start", help="start resyncs, a few at a time (mc replicate resync start, or "
                                            "mc admin replicate resync start with site replication)")
    pair(start)
    start.add_argument("--buckets", default=None, metavar="A,B", help="only these buckets (in this order with "
                                                                      "--order given)")
    start.add_argument("--max-running", type=_max_running, default=4, metavar="N",
                       help="resyncs running at once (default 4); the rest wait in a queue")
    start.add_argument("--order", choices=("size", "given"), default=None,
                       help="queue biggest first (default) or as given by --buckets")
    start.add_argument("--older-than", default=None, metavar="DURATION",
                       help="only versions older than this, as mc takes it (30d, 2w, 1y, 7d12h; the server counts "
                            "whole days)")
    start.add_argument("--per-bucket", action="store_true",
                       help="with site replication: resync bucket by bucket instead of one site-level resync")
    start.add_argument("--yes", action="store_true", help="confirm without typing the damaged alias")
    start.add_argument("--interval", type=float, default=2.0, help=argparse.SUPPRESS)
    start.add_argument("--max-pause", type=float, default=600.0, help=argparse.SUPPRESS)

    status = rs_sub.add_parser("status", help="one row per bucket (mc replicate resync status, "
                                              "mc admin replicate resync status)")
    pair(status)
    status.add_argument("--watch", action="store_true", help="refresh until no resync is Pending or Ongoing")
    status.add_argument("--interval", type=float, default=2.0, help=argparse.SUPPRESS)

    cancel = rs_sub.add_parser("cancel", help="cancel the site-replication resync (mc admin replicate resync "
                                              "cancel); site replication only")
    pair(cancel)

    canary = site_sub.add_parser("canary", help="one canary round per bucket or a sample: a small object under "
                                                 ".recovery-tui-canary/ on each side, looked for on the other "
                                                 "(mc pipe, mc stat --version-id)")
    pair(canary)
    canary.add_argument("--buckets", default=None, metavar="A,B", help="only these buckets")
    canary.add_argument("--sample", type=int, default=None, metavar="N", help="a sample of N buckets (see --pick)")
    canary.add_argument("--pick", choices=("biggest", "random"), default="biggest",
                        help="which N with --sample: the biggest (default) or at random")
    canary.add_argument("--seed", type=int, default=None, help="the random pick's seed (to repeat a sample)")
    canary.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                        help="how long to look for each canary on the other side (default 30)")
    canary.add_argument("--yes", action="store_true", help="confirm without typing the damaged alias")

    val = site_sub.add_parser("validate", help="compare every recoverable bucket version by version")
    pair(val)
    val.add_argument("--buckets", default=None, metavar="A,B", help="only these buckets")
    val.add_argument("--parallel", type=_max_running, default=2, metavar="N", help="buckets compared at once")


__all__ = ["add_site_parser"]
