"""What the wizard prints that names an mc command, collected while a test drives it (issue 13 item 4; used by
tests/safety/test_printed_mc_commands.py and tests/safety/test_nothing_lost.py, whose one wizard run per
scenario serves both promises): each screen's mc-command line, checklist hints, error modals, notifications,
and afterwards the next-steps plan, the exported report and every `mc=` field of the journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recovery_tui.journal import list_runs, read_run
from recovery_tui.mccheck import check_command, extract_commands, problems_in_text

WIZARD_IN_NOTHING_LOST = {
    "healthy": "canaries",
    "partial-loss": "canaries",
    "total-loss": "canaries",
    "target-offline": "preflight",
    "checksum-failures": "canaries",
    "large": "canaries",
}
"""The scenarios test_nothing_lost.py drives the whole wizard on, and the furthest stage each must reach. That run
also checks every mc command it printed, so test_printed_mc_commands.py drives the wizard on the other scenarios
only: one wizard run per scenario, both promises checked on it (a whole run costs ~2 CPU-s)."""

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


def hook_wizard(monkeypatch: pytest.MonkeyPatch, seen: Seen) -> None:
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


def collect_plan(seen: Seen, app: Any) -> None:
    """The next-steps plan on screen at the end of a drive (call it while the app still runs)."""
    plan = getattr(app.screen, "plan", None)
    if plan is not None:
        for cmd in plan.commands():
            seen.line(cmd, "next-steps plan")


def collect_kept(seen: Seen, app: Any) -> None:
    """After the app ended: the exported report and every `mc=` of the journal."""
    report = (app.state.extra.get("report") or {}).get("markdown")
    if report:
        seen.text(Path(report).read_text(encoding="utf-8"), "report")
    seen.journal()
