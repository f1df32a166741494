"""`DrillFlow`, the App's drill flow (mixed into `RecoveryApp`). Kept apart from the drill screens so that
the wizard's start-up does not load them (Markdown, the drill loader and scoring) unless a drill runs."""

from __future__ import annotations

from typing import Any, Mapping, Optional


class DrillFlow:
    """The App's drill flow, mixed into `RecoveryApp`: picker → briefing → the seven steps → debrief.

    `self.drill` is a `recovery_tui.training.DrillSession` (or None outside drills), used by duck typing:
    the UI never imports the lab. The timeline starts when the trainee leaves the briefing; every journal
    record is passed to the session (journal triggers); each step shown is journaled (`wizard.step`) so
    the debrief can time the steps.
    """

    drill: Any
    _debrief_open: bool = False

    def drill_mount(self) -> bool:
        """From `on_mount`: True when the drill flow shows the first screens (picker or briefing)."""
        if self.drill is None:
            return False
        if self.drill.drill is None:
            from recovery_tui.screens.drill import DrillPickerScreen

            self.push_screen(DrillPickerScreen(self.drill.catalog), self._drill_picked)  # type: ignore[attr-defined]
        else:
            self._drill_briefing()
        return True

    def _drill_picked(self, name: Optional[str]) -> None:
        if not name:
            self.exit(0)  # type: ignore[attr-defined]
            return
        drill = self.drill.catalog.get(name)
        self.notify(f"Starting the lab for {drill.title}…", timeout=3)  # type: ignore[attr-defined]

        def prepare() -> None:
            prepared = self.drill.prepare(drill)
            self.call_from_thread(self._drill_prepared, prepared)  # type: ignore[attr-defined]

        self.run_worker(prepare, thread=True, name="drill-prepare",  # type: ignore[attr-defined]
                        description="Starting the drill's lab", exit_on_error=False)

    def _drill_prepared(self, prepared: tuple[Any, list[str], Any]) -> None:
        """The picked drill's lab runs: install its service and show the briefing."""
        service, aliases, source = prepared
        self.service, self.aliases, self.source = service, list(aliases), source  # type: ignore[attr-defined]
        self._drill_briefing()

    def _drill_briefing(self) -> None:
        from recovery_tui.screens.drill import BriefingScreen

        self.push_screen(BriefingScreen(self.drill.drill, self.drill.lab_env()),  # type: ignore[attr-defined]
                         self._drill_briefed)

    def _drill_briefed(self, start: Optional[bool]) -> None:
        if not start:
            self.exit(0)  # type: ignore[attr-defined]
            return
        from recovery_tui.steps import Step

        self.drill.begin(self.journal)  # type: ignore[attr-defined]
        self.push_screen(self.make_step(Step.CONNECT))  # type: ignore[attr-defined]

    def drill_observe(self, action: str, detail: Mapping[str, Any]) -> None:
        """A record just written to the journal, passed on to the drill's timeline."""
        if self.drill is None:
            return
        rest = {k: v for k, v in detail.items() if k not in ("mc", "result")}
        self.drill.observe({"action": action, "result": detail.get("result", "ok"), "mc": detail.get("mc", ""),
                            "detail": rest})

    def step_shown(self, step: Any) -> None:
        """A step screen became current: journaled in drills, for the debrief's time per step."""
        if self.drill is not None and self.drill.begun:
            self.record("wizard.step", result="shown", step=int(step), title=step.title)  # type: ignore

    def show_debrief(self, *, final: bool) -> bool:
        """Score and show the debrief (once at a time); False when this run is no begun drill."""
        if self.drill is None or not self.drill.begun or self._debrief_open:
            return False
        self._debrief_open = True
        journal = self.journal  # type: ignore[attr-defined]
        from recovery_tui.screens.drill import DebriefScreen

        screen = DebriefScreen(self.drill.drill, journal.path, self.state, final=final)  # type: ignore
        self.push_screen(screen, self._debrief_closed)  # type: ignore[attr-defined]
        return True

    def _debrief_closed(self, quit_now: Optional[bool]) -> None:
        self._debrief_open = False
        if quit_now:
            self.save_state()  # type: ignore[attr-defined]
            self.exit(0)  # type: ignore[attr-defined]


__all__ = ["DrillFlow"]
