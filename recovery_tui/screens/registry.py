"""The screen column of the step table: each `Step` bound to its screen class, by plain imports.

`steps.STEPS` holds each step's title and mc command (Textual-free, so the saved state and the headless side
can use it); this module adds the class that shows the step. tests/app/test_wizard_app.py checks that every
step has exactly one screen and that each screen's `STEP` is its own.
"""

from __future__ import annotations

from recovery_tui.screens.base import StepScreen
from recovery_tui.screens.connect import ConnectScreen
from recovery_tui.screens.monitor import MonitorScreen
from recovery_tui.screens.next_steps import NextStepsScreen
from recovery_tui.screens.preflight import PreflightScreen
from recovery_tui.screens.start import StartScreen
from recovery_tui.screens.targets import TargetsScreen
from recovery_tui.screens.validate import ValidateScreen
from recovery_tui.steps import Step

SCREENS: dict[Step, type[StepScreen]] = {
    Step.CONNECT: ConnectScreen,
    Step.TARGETS: TargetsScreen,
    Step.PREFLIGHT: PreflightScreen,
    Step.START: StartScreen,
    Step.MONITOR: MonitorScreen,
    Step.VALIDATE: ValidateScreen,
    Step.NEXT_STEPS: NextStepsScreen,
}
"""Step → the screen class that shows it."""

__all__ = ["SCREENS"]
