"""Every mc command the tool prints, over every lab scenario, runs as printed on the mc it names (issue 13
item 4; facts §18–§21; `recovery_tui.mcflags` is the table of mc's real subcommands and flags).

Collected from what an operator sees or keeps: each screen's mc-command line, checklist hints, error modals and
notifications, the next-steps plan, the exported report, the headless commands' output (text and JSON, stdout
and stderr) and every `mc=` field of the journal. Command lines (mc widget, journal) are checked whole; prose
(hints, output, report) through `extract_commands` (`helpers.printed`). The wizard of the scenarios in
`helpers.printed.WIZARD_IN_NOTHING_LOST` is checked the same way in test_nothing_lost.py, on that test's run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers.labkit import arn_of, run_main, use_lab_env, wizard_for
from helpers.printed import WIZARD_IN_NOTHING_LOST, Seen, collect_kept, collect_plan, hook_wizard
from helpers.wizard_drive import drive_full_wizard
from recovery_tui.lab.scenarios import NAMES
from recovery_tui.lab.server import Lab


@pytest.mark.slow  # a whole wizard run per scenario
@pytest.mark.parametrize("scenario", [n for n in NAMES if n not in WIZARD_IN_NOTHING_LOST])
async def test_wizard_prints_only_runnable_mc_commands(scenario: str, lab_factory: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The other scenarios' wizard runs are checked the same way in test_nothing_lost.py (one run, two
    promises: `helpers.printed.WIZARD_IN_NOTHING_LOST`)."""
    lab: Lab = lab_factory(scenario, objects=40)
    seen = Seen()
    hook_wizard(monkeypatch, seen)
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        reached = await drive_full_wizard(pilot, app, monitor_timeout=60)
        collect_plan(seen, app)
    collect_kept(seen, app)
    assert seen.count() >= 5, (reached, seen.lines)
    assert seen.problems() == {}


def test_every_scenario_has_its_wizard_run_checked() -> None:
    assert set(WIZARD_IN_NOTHING_LOST) < set(NAMES)  # the split above leaves no scenario out


def _documents(text: str) -> list[Any]:
    """Every JSON document in `text` (one per line when piped, or indented)."""
    decoder, docs, i = json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)
    return docs


def _backlog_command() -> str:
    """`resync-backlog` (the procedure's name) once the rename lands, `backlog` before."""
    from recovery_tui.cli import build_parser

    sub = next(a for a in build_parser()._subparsers._group_actions)  # type: ignore[union-attr]
    return "resync-backlog" if "resync-backlog" in sub.choices else "backlog"


@pytest.mark.parametrize("scenario", NAMES)
@pytest.mark.slow
def test_headless_prints_only_runnable_mc_commands(scenario: str, lab_factory: Any, capsys: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    lab: Lab = lab_factory(scenario, objects=40)
    use_lab_env(lab, monkeypatch)
    arn, backlog = arn_of(lab), _backlog_command()
    seen = Seen()
    commands = [
        ["targets", "source/data"], ["targets", "source/data", "--json"], ["targets", "target/data"],
        ["replicate", "status", "source/data"], ["replicate", "status", "target/data", "--json"],
        ["resync", "start", "--remote-bucket", arn, "source/data", "--older-than", "7d10h"],
        ["resync", "status", "source/data", "--remote-bucket", arn, "--watch", "--interval", "0.2"],
        ["resync", "status", "source/data", "--json"],
        ["validate", "source/data", "target/data"], ["validate", "source/data", "target/data", "--json"],
        [backlog, "source/data", "--dry-run"], [backlog, "source/data", "--dry-run", "--json"],
        ["targets", "nope/data"], ["resync", "start", "--remote-bucket", arn, "source/nosuch"],
    ]
    if scenario == "checksum-failures":
        commands.append([backlog, "source/data", "--clear-checksum", "--validate"])
    for argv in commands:
        r = run_main(argv, capsys)
        seen.text(r.out, f"stdout of {' '.join(argv)}")
        seen.text(r.err, f"stderr of {' '.join(argv)}")
        if "--json" in argv:
            for doc in _documents(r.out):  # the strings inside, unescaped
                seen.text(json.dumps(doc, ensure_ascii=False), f"json of {' '.join(argv)}")
    seen.journal()
    assert any(line.startswith("mc replicate resync start") for line in seen.lines), seen.lines
    assert seen.problems() == {}
