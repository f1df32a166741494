"""Every mc command the tool prints, over every lab scenario, runs as printed on the mc it names (issue 13
item 4; facts §18–§21; `recovery_tui.mcflags` is the table of mc's real subcommands and flags).

Collected from what an operator sees or keeps: each screen's mc-command line, checklist hints, error modals and
notifications, the next-steps plan, the exported report, the headless commands' output (text and JSON, stdout
and stderr) and every `mc=` field of the journal. Command lines (mc widget, journal) are checked whole; prose
(hints, output, report) through `extract_commands`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers.labkit import arn_of, run_main, use_lab_env, wizard_for
from helpers.wizard_drive import drive_full_wizard
from recovery_tui.journal import list_runs, read_run
from recovery_tui.lab.scenarios import NAMES
from recovery_tui.lab.server import Lab
from recovery_tui.mccheck import check_command, extract_commands, problems_in_text


class Seen:
    """What was printed: whole command lines and prose."""

    def __init__(self) -> None:
        self.lines: dict[str, str] = {}
        self.prose: dict[str, str] = {}

    def line(self, text: str, where: str) -> None:
        for part in (p.strip() for p in text.split("; mc ") if p.strip()):
            self.lines.setdefault(part if part.startswith("mc ") else "mc " + part, where)

    def text(self, text: str, where: str) -> None:
        if "mc " in text:
            self.prose.setdefault(text, where)

    def journal(self) -> None:
        for run in list_runs():
            for rec in read_run(run.path):
                if rec.get("mc"):
                    self.line(rec["mc"], f"journal {rec['action']}")

    def problems(self) -> dict[str, Any]:
        bad: dict[str, Any] = {}
        for line, where in self.lines.items():
            p = check_command(line)
            if p:
                bad[f"{where}: {line}"] = p
        for text, where in self.prose.items():
            for cmd, p in problems_in_text(text).items():
                bad[f"{where}: {cmd}"] = p
        return bad

    def count(self) -> int:
        return len(self.lines) + sum(len(extract_commands(t)) for t in self.prose)


def _hook_wizard(monkeypatch: pytest.MonkeyPatch, seen: Seen) -> None:
    from textual.app import App

    from recovery_tui.screens.dialogs import ErrorModal
    from recovery_tui.widgets.checklist import Checklist
    from recovery_tui.widgets.mc_command import McCommand

    render, prompt, modal, notify = McCommand.render, Checklist._prompt, ErrorModal.__init__, App.notify

    def mc_render(self: McCommand) -> Any:
        if self.command:
            seen.line(self.command, f"mc widget of {type(self.screen).__name__}")
        return render(self)

    def check_prompt(self: Checklist, item: Any) -> Any:
        seen.text(item.hint, f"checklist {item.key}")
        return prompt(self, item)

    def error_modal(self: ErrorModal, title: str, message: str, hint: str = "", **kw: Any) -> None:
        seen.text(f"{message}\n{hint}", f"error modal {title}")
        modal(self, title, message, hint, **kw)

    def app_notify(self: App, message: str, *a: Any, **kw: Any) -> None:
        seen.text(str(message), "notification")
        notify(self, message, *a, **kw)

    monkeypatch.setattr(McCommand, "render", mc_render)
    monkeypatch.setattr(Checklist, "_prompt", check_prompt)
    monkeypatch.setattr(ErrorModal, "__init__", error_modal)
    monkeypatch.setattr(App, "notify", app_notify)


@pytest.mark.slow  # a whole wizard run per scenario
@pytest.mark.parametrize("scenario", NAMES)
async def test_wizard_prints_only_runnable_mc_commands(scenario: str, lab_factory: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    lab: Lab = lab_factory(scenario, objects=40)
    seen = Seen()
    _hook_wizard(monkeypatch, seen)
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        reached = await drive_full_wizard(pilot, app, monitor_timeout=60)
        plan = getattr(app.screen, "plan", None)
        if plan is not None:
            for cmd in plan.commands():
                seen.line(cmd, "next-steps plan")
    report = (app.state.extra.get("report") or {}).get("markdown")
    if report:
        seen.text(Path(report).read_text(encoding="utf-8"), "report")
    seen.journal()
    assert seen.count() >= 5, (reached, seen.lines)
    assert seen.problems() == {}


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
