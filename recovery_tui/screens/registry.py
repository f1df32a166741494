"""The screen column of the step table: each `Step` bound to the function that loads its screen class.

`steps.STEPS` holds each step's title and mc command (Textual-free, so the saved state and the headless side
can use it); this module adds the class that shows the step. Each loader is a plain, typed function that
imports its screen's module when the step is first shown, so the wizard paints step 1 without loading the
six screens after it (issue 9, U1); mypy checks every loader's import and return type.
tests/app/test_wizard_app.py checks that every step has exactly one screen and that each screen's `STEP` is
its own; tests/unit/test_startup_lazy.py that step 1 is painted before any later screen is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from recovery_tui.steps import Step

if TYPE_CHECKING:
    from recovery_tui.screens.base import StepScreen


def _connect() -> type[StepScreen]:
    from recovery_tui.screens.connect import ConnectScreen

    return ConnectScreen


def _targets() -> type[StepScreen]:
    from recovery_tui.screens.targets import TargetsScreen

    return TargetsScreen


def _preflight() -> type[StepScreen]:
    from recovery_tui.screens.preflight import PreflightScreen

    return PreflightScreen


def _start() -> type[StepScreen]:
    from recovery_tui.screens.start import StartScreen

    return StartScreen


def _monitor() -> type[StepScreen]:
    from recovery_tui.screens.monitor import MonitorScreen

    return MonitorScreen


def _validate() -> type[StepScreen]:
    from recovery_tui.screens.validate import ValidateScreen

    return ValidateScreen


def _next_steps() -> type[StepScreen]:
    from recovery_tui.screens.next_steps import NextStepsScreen

    return NextStepsScreen


SCREENS: dict[Step, Callable[[], type[StepScreen]]] = {
    Step.CONNECT: _connect,
    Step.TARGETS: _targets,
    Step.PREFLIGHT: _preflight,
    Step.START: _start,
    Step.MONITOR: _monitor,
    Step.VALIDATE: _validate,
    Step.NEXT_STEPS: _next_steps,
}
"""Step → the function that loads the screen class that shows it."""


def screen_class(step: Step) -> type[StepScreen]:
    """The screen class of `step` (its module is loaded on first use)."""
    return SCREENS[step]()


__all__ = ["SCREENS", "screen_class"]
