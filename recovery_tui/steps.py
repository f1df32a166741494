"""The wizard's steps: one `Step` enum and one table of what each step is called and which mc command it
stands for. The App, the step header, the saved state and the screens all read it; the screen class for each
step is bound to it in `screens/registry.py` (the UI side: this module never imports Textual), loaded when the
step is first shown.

A `Step` is an `IntEnum` numbered from 0, so it saves as a plain integer in the session file (older files,
which stored an int, load unchanged). Operators read steps numbered from 1: use `Step.number`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Union


class Step(IntEnum):
    """One wizard step, in the procedure's order (the value is the 0-based position)."""

    CONNECT = 0
    TARGETS = 1
    PREFLIGHT = 2
    START = 3
    MONITOR = 4
    VALIDATE = 5
    NEXT_STEPS = 6

    @property
    def info(self) -> "StepInfo":
        return STEPS[self]

    @property
    def title(self) -> str:
        """What the operator reads, e.g. "Preflight checks"."""
        return STEPS[self].title

    @property
    def mc(self) -> str:
        """The mc command this step stands for (the screen fills in its arguments)."""
        return STEPS[self].mc

    @property
    def number(self) -> int:
        """1-based, as operators and the header count: Step.CONNECT.number == 1."""
        return int(self) + 1

    @property
    def heading(self) -> str:
        """"Step 3 of 7 · Preflight checks"."""
        return f"Step {self.number} of {len(STEPS)} · {self.title}"

    @property
    def next(self) -> "Step | None":
        """The step after this one, None after the last."""
        return Step(self + 1) if self + 1 < len(STEPS) else None

    @classmethod
    def coerce(cls, value: Union["Step", int, str, Any]) -> "Step":
        """A Step from a saved value: an int (0-based, as every session file so far stores it) or a name.

        Raises ValueError for anything else, so a damaged session file is refused rather than misread."""
        if isinstance(value, Step):
            return value
        if isinstance(value, bool):
            raise ValueError(f"not a wizard step: {value!r}")
        if isinstance(value, int):
            return cls(value)
        if isinstance(value, str) and value.upper() in cls.__members__:
            return cls[value.upper()]
        raise ValueError(f"not a wizard step: {value!r}")


@dataclass(frozen=True)
class StepInfo:
    """One row of the step table."""

    step: Step
    title: str
    """The header's title."""
    mc: str
    """The mc command that does this step by hand (its verb; the screen adds the operator's arguments)."""


STEPS: dict[Step, StepInfo] = {
    info.step: info
    for info in (
        StepInfo(Step.CONNECT, "Connect", "mc replicate ls"),
        StepInfo(Step.TARGETS, "Replication targets", "mc replicate ls"),
        StepInfo(Step.PREFLIGHT, "Preflight checks", "mc replicate resync status"),
        StepInfo(Step.START, "Start resync", "mc replicate resync start"),
        StepInfo(Step.MONITOR, "Monitor resync", "mc replicate resync status"),
        StepInfo(Step.VALIDATE, "Validate", "mc ls -r --versions"),
        StepInfo(Step.NEXT_STEPS, "Next steps", "mc replicate ls"),
    )
}
"""The step table, in order. Its screen column is `screens/registry.py`'s `SCREENS` (Textual lives there)."""

class SiteStep(IntEnum):
    """One step of the whole-site flow (issue 11), entered from Connect with `w`; 0-based like `Step`."""

    PLAN = 0
    MONITOR = 1
    VALIDATE = 2
    REPORT = 3

    @property
    def title(self) -> str:
        return SITE_STEPS[self][0]

    @property
    def mc(self) -> str:
        return SITE_STEPS[self][1]

    @property
    def number(self) -> int:
        return int(self) + 1

    @property
    def heading(self) -> str:
        """"Site 2 of 4 · Fleet monitor"."""
        return f"Site {self.number} of {len(SITE_STEPS)} · {self.title}"


SITE_STEPS: dict[SiteStep, tuple[str, str]] = {
    SiteStep.PLAN: ("Site plan", "mc replicate ls"),
    SiteStep.MONITOR: ("Fleet monitor", "mc replicate resync status"),
    SiteStep.VALIDATE: ("Fleet validation", "mc ls -r --versions"),
    SiteStep.REPORT: ("Rules, checklist, report", "mc replicate add"),
}
"""The site flow's step table: title and the mc verb each step stands for."""

__all__ = ["STEPS", "SITE_STEPS", "SiteStep", "Step", "StepInfo"]
