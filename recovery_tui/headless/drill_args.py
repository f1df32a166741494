"""The `drill list|show` arguments, registered by `cli.build_parser` (the commands run in `drills/cli.py`).

Kept apart from the drills package so that building the parser (every run of the program, the wizard's too)
loads neither the drill model nor the TOML reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def add_drill_parser(sub: Any) -> None:
    """Register `drill list|show` on the top-level subparsers."""
    d = sub.add_parser("drill", help="list the incident drills, or show one (recovery-tui --lab --drill NAME)")
    d_sub = d.add_subparsers(dest="drill_command", metavar="list|show", required=True)
    ls = d_sub.add_parser("list", help="the drills on offer: built-in and instructors' files")
    ls.add_argument("--json", action="store_true")
    show = d_sub.add_parser("show", help="what a drill does: scenario, timeline, objectives, mistakes")
    show.add_argument("name", metavar="NAME|FILE")
    show.add_argument("--json", action="store_true")
    for p in (ls, show):
        p.add_argument("--drills-dir", action="append", default=[], metavar="DIR", type=Path,
                       help="also read the drill files (*.toml) in DIR (repeatable)")
