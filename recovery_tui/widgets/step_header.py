"""The one-line step header: "Step 3 of 7 · Preflight checks", with the run's context on the right."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from recovery_tui.steps import SiteStep, Step


class StepHeader(Static):
    """Shows where the operator is in the procedure, and on which buckets."""

    DEFAULT_CSS = """
    StepHeader {
        dock: top;
        height: 1;
        width: 100%;
        background: $primary;
        color: $text;
        padding: 0 1;
    }
    """

    step: reactive["Step | SiteStep"] = reactive(Step.CONNECT)
    """The step shown (a wizard step, or a step of the whole-site flow)."""
    context: reactive[str] = reactive("")
    """Right-hand text: e.g. "source/data → target/data" or "lab"."""

    def __init__(self, step: "Step | SiteStep", context: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(StepHeader.step, step)
        self.set_reactive(StepHeader.context, context)

    def render(self) -> Text:
        step = self.step if isinstance(self.step, SiteStep) else Step.coerce(self.step)
        left = Text(step.heading, style="bold")
        width = max(self.size.width - 2, 20)
        right = self.context
        room = width - len(left) - 2
        if room < 8 or not right:
            return left
        if len(right) > room:
            right = "…" + right[-(room - 1):]
        left.append(" " * (width - len(left) - len(right)))
        left.append(right)
        return left
