"""`recovery-tui drill list` and `recovery-tui drill show NAME|FILE` (documentation of the drills on offer;
their arguments are registered by `headless/drill_args.py`).

Bad input (an unknown name, a malformed file) prints one line naming the file, line and key, and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from recovery_tui.drills import Catalog, DrillError, excerpts
from recovery_tui.drills.model import Check, Drill, prose

EXIT_OK, EXIT_INPUT = 0, 2


def catalog(dirs: list[Path], scenarios: Optional[Sequence[str]]) -> Catalog:
    return Catalog(dirs, scenarios=scenarios, include_user_dir=True)


def _check_doc(c: Check) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": c.id, "text": c.text, "looks_for": c.event.describe()}
    if c.after is not None:
        doc["after"] = c.after.describe()
    if c.before is not None:
        doc["before"] = c.before.describe()
    if c.count != 1:
        doc["count"] = c.count
    if c.absent:
        doc["absent"] = True
    if c.advice:
        doc["advice"] = c.advice
    doc["severity"] = c.severity
    doc["procedure"] = list(c.procedure)
    return doc


def drill_doc(d: Drill) -> dict[str, Any]:
    return {"name": d.name, "title": d.title, "scenario": d.scenario, "origin": d.origin,
            "summary": prose(d.summary), "briefing": prose(d.briefing),
            "lab": {"objects": d.lab.objects, "seed": d.lab.seed, "resync_delay": d.lab.resync_delay},
            "timeline": [{"id": e.id, "action": e.action, "params": dict(e.params), "when": e.when.describe(),
                          "note": e.note} for e in d.timeline],
            "objectives": [_check_doc(c) for c in d.objectives],
            "mistakes": [_check_doc(c) for c in d.mistakes],
            "procedure": list(d.procedure)}


def _list(cat: Catalog, as_json: bool) -> int:
    drills = [cat.drills[n] for n in cat.names()]
    if as_json:
        print(json.dumps({"drills": [{"name": d.name, "title": d.title, "scenario": d.scenario, "origin": d.origin}
                                     for d in drills],
                          "problems": [str(p) for p in cat.problems]}, indent=1))
        return EXIT_INPUT if cat.problems else EXIT_OK
    from rich.console import Console
    from rich.table import Column, Table
    from rich.text import Text

    console = Console()
    if console.width >= 100:
        table = Table(Column("drill", no_wrap=True), "scenario", "what happens", Column("from", overflow="fold"))
        for d in drills:
            table.add_row(d.name, d.scenario, d.title, d.origin)
    else:  # narrow (80 columns): the scenario and the origin (an instructor's file path) under the name
        table = Table(Column("drill · lab scenario · from", overflow="fold", max_width=max(24, console.width // 2 - 4)),
                      "what happens")
        for d in drills:
            table.add_row(Text.assemble(d.name, "\n", (f"{d.scenario} · {d.origin}", "dim")), d.title)
    console.print(table)
    console.print("Run one with: recovery-tui --lab --drill NAME · details: recovery-tui drill show NAME")
    for problem in cat.problems:
        sys.stderr.write(f"recovery-tui: skipped a drill file: {problem}\n")
    return EXIT_INPUT if cat.problems else EXIT_OK


def _show(d: Drill, as_json: bool) -> int:
    doc = drill_doc(d)
    if as_json:
        print(json.dumps(doc, indent=1, ensure_ascii=False))
        return EXIT_OK
    from rich.console import Console
    from rich.markup import escape

    out = Console()
    out.print(f"[b]{escape(d.title)}[/b]  ({d.name}, lab scenario {d.scenario}, {escape(d.origin)})")
    out.print(escape(prose(d.summary)))
    if d.briefing.strip():
        out.print("\n[b]Briefing[/b] (what the trainee is told)")
        out.print(escape(prose(d.briefing)))
    out.print("\n[b]Timeline[/b]")
    for e in doc["timeline"] or [{"id": "-", "action": "no scripted faults", "params": {}, "when": "", "note": ""}]:
        params = " ".join(f"{k}={v}" for k, v in e["params"].items())
        out.print(f"  {escape(e['id'])}: {escape(e['action'])} {escape(params)} {escape(e['when'])}".rstrip())
    for title, checks in (("Objectives", d.objectives), ("Mistakes it catches", d.mistakes)):
        out.print(f"\n[b]{title}[/b]")
        for c in checks:
            crit = " [red](critical)[/red]" if c.severity == "critical" else ""
            out.print(f"  {escape(c.id)}: {escape(c.text)}{crit}")
    known = excerpts()
    ids = list(dict.fromkeys([*d.procedure, *(i for c in (*d.objectives, *d.mistakes) for i in c.procedure)]))
    out.print("\n[b]Procedure quoted in the debrief[/b]")
    for i in ids:
        out.print(f"  {escape(known[i].section)} ({escape(known[i].source)})")
    return EXIT_OK


def run(args: argparse.Namespace, scenarios: Optional[Sequence[str]] = None) -> int:
    """`drill list|show`; `scenarios` are the lab's scenario names (checked against each drill's)."""
    try:
        cat = catalog(list(args.drills_dir), scenarios)
        if args.drill_command == "list":
            return _list(cat, args.json)
        return _show(cat.get(args.name), args.json)
    except DrillError as exc:
        sys.stderr.write(f"recovery-tui: {exc}\n")
        return EXIT_INPUT
