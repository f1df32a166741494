"""The drill screens around the wizard: the picker (`--drill` with no name), the briefing, and the debrief.

* `DrillPickerScreen(catalog)` — one line per drill; enter picks (dismisses with its name), q quits.
* `BriefingScreen(drill, lab_env)` — what the trainee is told; enter starts the drill (its timeline
  starts playing), `m` shows the lab's own MC_HOST_ lines for running mc commands by hand, q quits.
* `DebriefScreen(drill, journal_path, state)` — scores the run from its journal, writes the debrief
  (Markdown + JSON) and the run's report with the debrief in it, and shows it; escape goes back to the
  wizard, q quits.
Keyboard-only at 80x24; none of them talks to a server.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from recovery_tui.drills import debrief
from recovery_tui.drills.model import Drill, prose
from recovery_tui.drills.scoring import Score, read_records, score
from recovery_tui.widgets.footer import Footer

if TYPE_CHECKING:
    from recovery_tui.drills import Catalog
    from recovery_tui.state import WizardState

DRILL_CSS = """
DrillPickerScreen, BriefingScreen, DebriefScreen { layout: vertical; }
.drill-title { dock: top; width: 100%; height: 1; padding: 0 1; background: $primary; color: $text;
               text-style: bold; }
DrillPickerScreen OptionList { height: 1fr; }
DrillPickerScreen #pick-detail { height: auto; max-height: 8; padding: 0 1; color: $text-muted; }
BriefingScreen #brief-body { height: 1fr; padding: 1 2; }
BriefingScreen #brief-env { height: auto; padding: 0 2; color: $warning; display: none; }
BriefingScreen #brief-env.-shown { display: block; }
DebriefScreen #debrief-verdict { height: auto; padding: 0 1; text-style: bold; }
DebriefScreen #debrief-verdict.-passed { background: $success 30%; }
DebriefScreen #debrief-verdict.-failed { background: $warning 30%; }
DebriefScreen VerticalScroll { height: 1fr; }
DebriefScreen #debrief-files { height: auto; padding: 0 1; color: $text-muted; }
"""


class DrillPickerScreen(Screen[Optional[str]]):
    """Choose a drill; dismisses with its name (None: quit)."""

    DEFAULT_CSS = DRILL_CSS
    BINDINGS = [Binding("q", "quit_picker", "Quit", id="drill-pick.quit")]

    def __init__(self, catalog: "Catalog") -> None:
        super().__init__()
        self.catalog = catalog

    def compose(self) -> ComposeResult:
        yield Static("Incident drills · pick one (enter)", classes="drill-title")
        options = [Option(f"{d.title}  ·  {d.name}", id=d.name) for d in (self.catalog.drills[n]
                                                                            for n in self.catalog.names())]
        yield OptionList(*options, id="pick-list")
        yield Static("", id="pick-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._describe(self.catalog.names()[0] if self.catalog.names() else None)

    def _describe(self, name: Optional[str]) -> None:
        drill = self.catalog.drills.get(name or "")
        text = f"{prose(drill.summary)}\n(lab scenario {drill.scenario}; {drill.origin})" if drill else "No drills."
        self.query_one("#pick-detail", Static).update(text)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._describe(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_quit_picker(self) -> None:
        self.dismiss(None)


class BriefingScreen(Screen[bool]):
    """The drill's briefing; dismisses True to start, False to quit."""

    DEFAULT_CSS = DRILL_CSS
    BINDINGS = [
        Binding("enter", "begin", "Start the drill", id="brief.start"),
        Binding("m", "toggle_env", "mc environment", id="brief.env"),
        Binding("q", "quit_briefing", "Quit", id="brief.quit"),
    ]

    def __init__(self, drill: Drill, lab_env: Mapping[str, str]) -> None:
        super().__init__()
        self.drill = drill
        self.lab_env = dict(lab_env)

    def compose(self) -> ComposeResult:
        yield Static(f"Drill · {self.drill.title}", classes="drill-title")
        body = prose(self.drill.briefing) or prose(self.drill.summary)
        yield Static(f"{body}\n\n[b]Enter[/b] starts: the lab is running and things may go wrong while you "
                     "work, as they do on the night. At the end (or when you quit) a debrief scores what you "
                     "did from the audit journal and quotes the procedure.", id="brief-body")
        env = "\n".join(f"export {k}='{v}'" for k, v in self.lab_env.items())
        yield Static("To run printed mc commands against this lab in another terminal (its own throw-away "
                     f"keys):\n{env}", id="brief-env")
        yield Footer()

    def action_begin(self) -> None:
        self.dismiss(True)

    def action_toggle_env(self) -> None:
        self.query_one("#brief-env", Static).toggle_class("-shown")

    def action_quit_briefing(self) -> None:
        self.dismiss(False)


class DebriefScreen(Screen[bool]):
    """Scores the run and shows the debrief; dismisses True to quit, False to go back to the wizard."""

    DEFAULT_CSS = DRILL_CSS
    BINDINGS = [
        Binding("escape", "back", "Back to the wizard", id="debrief.back"),
        Binding("q", "quit_debrief", "Quit", id="debrief.quit"),
    ]

    def __init__(self, drill: Drill, journal_path: Optional[Path], state: "WizardState", *,
                 final: bool = False) -> None:
        super().__init__()
        self.drill = drill
        self.journal_path = journal_path
        self.state = state
        self.final = final
        """The run is over (Next steps done): escape has nothing to go back to."""
        self.result: Optional[Score] = None
        self.paths: Optional[debrief.DebriefPaths] = None
        self.report_path: Optional[Path] = None
        self.error = ""

    def compose(self) -> ComposeResult:
        yield Static(f"Debrief · {self.drill.title}", classes="drill-title")
        yield Static("", id="debrief-verdict")
        with VerticalScroll(id="debrief-scroll"):
            yield Markdown("", id="debrief-md")
        yield Static("", id="debrief-files")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_debrief()
        self.query_one("#debrief-scroll", VerticalScroll).focus()

    def refresh_debrief(self) -> None:
        """Score the journal as it is now, write the debrief and the report, and show them."""
        records = read_records(self.journal_path) if self.journal_path and self.journal_path.exists() else []
        self.result = result = score(self.drill, records)
        text = debrief.render_markdown(self.drill, result)
        verdict = self.query_one("#debrief-verdict", Static)
        verdict.update(debrief.verdict(result))
        verdict.set_classes("-passed" if result.passed else "-failed")
        body = text[text.find("## What happened"):] if "## What happened" in text else text
        self.query_one("#debrief-md", Markdown).update(body)  # title and verdict are on the two bars above
        self._write(result)

    def _write(self, result: Score) -> None:
        from recovery_tui.report import reports_dir, write_report

        try:
            self.paths = debrief.write(self.drill, result, reports_dir())
            self.state.extra["drill"] = _summary(self.drill, result, self.paths)
            self.report_path = write_report(self.state).markdown
        except OSError as exc:
            self.error = exc.strerror or str(exc)
            self.query_one("#debrief-files", Static).update(f"Could not write the debrief: {self.error}")
            return
        self.state.extra["report"] = {"markdown": str(self.report_path),
                                      "json": str(self.report_path.with_suffix(".json"))}
        self.query_one("#debrief-files", Static).update(
            f"Saved in {self.paths.markdown.parent}: {self.paths.markdown.name} (and .json), "
            f"{self.report_path.name}")
        record = getattr(self.app, "record", None)
        if callable(record):
            record("drill.debrief", result="passed" if result.passed else "not passed", path=str(self.paths.markdown),
                   objectives_met=len(result.met), objectives=len(result.objectives), mistakes=len(result.made))

    def action_back(self) -> None:
        if self.final:
            self.notify("The run is over: q quits (the debrief and report stay on disk).", timeout=4)
            return
        self.dismiss(False)

    def action_quit_debrief(self) -> None:
        self.dismiss(True)


def _summary(drill: Drill, result: Score, paths: Any) -> dict[str, Any]:
    """The debrief's summary, kept in the state for the run's report."""
    return {"name": drill.name, "title": drill.title, "verdict": debrief.verdict(result), "passed": result.passed,
            "objectives": [{"id": c.id, "text": c.text, "met": c.held} for c in result.objectives],
            "mistakes": [{"id": c.id, "text": c.text, "severity": c.severity} for c in result.made],
            "steps": [{"step": s.step, "title": s.title, "seconds": s.seconds} for s in result.steps],
            "debrief": {"markdown": str(paths.markdown), "json": str(paths.json)}}





from recovery_tui.screens.drill_flow import DrillFlow  # noqa: E402  (re-exported)

__all__ = ["DrillPickerScreen", "BriefingScreen", "DebriefScreen", "DrillFlow"]
