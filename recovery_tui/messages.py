"""Messages shared between the wizard's screens and the App.

Screens never push the next screen themselves: they update the `WizardState`
and post `StepDone`; the App owns the step order. Workers never touch widgets:
they post one of the screen-local messages defined next to each screen, and a
failed worker is forwarded to the App's single error router as `WorkerFailed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from textual.message import Message

from recovery_tui.steps import Step


@dataclass
class StepDone(Message):
    """A step finished; the App saves the state and shows the next step."""

    step: Step
    """The step that finished."""
    goto: Optional[Step] = None
    """Jump to this step instead of `step + 1` (e.g. Preflight → Monitor when a resync already runs)."""


@dataclass
class WorkerFailed(Message):
    """A screen's worker raised; routed by the App to an ErrorModal (blocking) or a toast (retryable)."""

    error: BaseException
    """What the worker raised (a `RecoveryError` for every expected failure)."""
    description: str = ""
    """The worker's description, e.g. "Listing replication targets"."""
    group: str = ""
    """The worker's group, e.g. "targets"."""


@dataclass
class StateChanged(Message):
    """The wizard state changed inside a step (a checklist tick, a count); the App saves it."""
