"""What the whole-site screens (issue 11) have in common, and the modal that starts the site flow.

`SiteScreen` is a `StepScreen` for a `SiteStep`: the same header, explain pane, mc line, footer and keys,
built as `SomeSiteScreen(service, state, session, ops)`. It never moves the one-bucket wizard's saved step
(`note_step` is a no-op here). `PickDamagedModal` asks Connect's `w` which alias is the
damaged site; the healthy one is the alias highlighted on Connect.
"""

from __future__ import annotations

from datetime import timezone
from typing import TYPE_CHECKING, Any, ClassVar, Optional

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from recovery_tui.procedure.site_ops import SiteOps, SiteSession
from recovery_tui.screens.base import TOO_SMALL, StepScreen
from recovery_tui.screens.dialogs import MODAL_CSS
from recovery_tui.state import parse_iso
from recovery_tui.steps import SiteStep
from recovery_tui.widgets.explain import ExplainPane
from recovery_tui.widgets.footer import Footer
from recovery_tui.widgets.mc_command import McCommand
from recovery_tui.widgets.step_header import StepHeader

if TYPE_CHECKING:
    from recovery_tui.service.client import RecoveryService
    from recovery_tui.state import WizardState


class SiteScreen(StepScreen):
    """Base of the site screens (see the module docstring)."""

    SITE_STEP: ClassVar[SiteStep] = SiteStep.PLAN

    def __init__(self, service: "RecoveryService", state: "WizardState", session: SiteSession,
                 ops: Optional[SiteOps] = None, *, id: Optional[str] = None) -> None:
        super().__init__(service, state, id=id)
        self.session = session
        """Shared by the four site screens."""
        self.ops = ops or SiteOps(service)
        """The calls to the servers (a scripted stand-in in tests)."""

    def compose(self) -> ComposeResult:
        yield StepHeader(self.SITE_STEP, self.header_context(), id="step-header")
        yield ExplainPane(self.explain_text(), shown=self.app.explain_shown, id="explain")
        yield from self.compose_body()
        yield McCommand(self.mc_command(), id="mc")
        yield Footer()
        yield Static(TOO_SMALL, id="too-small")

    def explain_text(self) -> str:
        """The explain pane's text (a screen may say more on the site-level path)."""
        return self.EXPLAIN

    def header_context(self) -> str:
        parts = [f"{self.session.source} → {self.session.target} (whole site)"]
        if self.state.lab:
            parts.append("LAB")
        return " · ".join(parts)

    def note_step(self) -> None:
        """The one-bucket wizard's saved step stays where it was."""

    def finish_site(self, screen: "SiteScreen") -> None:
        """Show the next site screen (the stack is the history: escape comes back)."""
        self.app.push_screen(screen)


class PickDamagedModal(ModalScreen[Optional[str]]):
    """Which alias is the damaged site? (Connect's `w`; escape cancels.)"""

    DEFAULT_CSS = MODAL_CSS + """
    PickDamagedModal #damaged { height: auto; max-height: 10; border: round $primary-darken-2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick-damaged.cancel")]

    def __init__(self, healthy: str, aliases: list[str], *, id: Optional[str] = None) -> None:
        super().__init__(id=id)
        self.healthy = healthy
        self.choices = [a for a in aliases if a != healthy]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label("Recover the whole site", classes="modal-title")
            yield Static(f"Healthy site: [b]{self.healthy}[/b]. Every bucket it replicates to the damaged site "
                         "goes into one plan (nothing starts before you confirm it).", classes="modal-body")
            if self.choices:
                yield Label("Pick the damaged site (enter):", classes="modal-hint")
                yield OptionList(*[Option(a, id=a) for a in self.choices], id="damaged")
            else:
                yield Static("No other alias is defined: add the damaged site's alias first "
                             "(mc alias set NAME URL ACCESS SECRET).", classes="modal-body")
        yield Footer()

    def on_mount(self) -> None:
        if self.choices:
            self.query_one("#damaged", OptionList).focus()

    @on(OptionList.OptionSelected, "#damaged")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


def site_flow_start(app: Any, healthy: str, damaged: str) -> None:
    """Open the site plan for `healthy` → `damaged` (called by Connect)."""
    from recovery_tui.screens.site_plan import SitePlanScreen

    session = SiteSession(source=healthy, target=damaged)
    app.record("site.plan.open", source=healthy, target=damaged)
    app.push_screen(SitePlanScreen(app.service, app.state, session, getattr(app, "site_ops", None)))


def site_flow_resume(app: Any, saved: dict[str, Any]) -> None:
    """Reattach to a whole-site run after a drop: the plan is read again and the fleet monitor rebuilds every
    row from the run's checkpoint (running resyncs are followed, never started twice)."""
    from recovery_tui.screens.site_monitor import SiteMonitorScreen
    from recovery_tui.screens.site_plan import SitePlanScreen

    session = SiteSession(source=str(saved["source"]), target=str(saved["target"]),
                          order=str(saved.get("order", "size")), max_running=int(saved.get("max_running", 4)),
                          per_bucket=bool(saved.get("per_bucket", False)))
    ops = getattr(app, "site_ops", None)
    app.push_screen(SitePlanScreen(app.service, app.state, session, ops))
    session.included = set(saved.get("included") or [])
    session.resume_included = set(session.included)
    when = parse_iso(str(saved.get("started_at") or ""))  # the run's confirmation time; UTC when it names no zone
    session.reattached_from = when.replace(tzinfo=when.tzinfo or timezone.utc) if when is not None else None
    app.push_screen(SiteMonitorScreen(app.service, app.state, session, ops))


__all__ = ["SiteScreen", "PickDamagedModal", "site_flow_start", "site_flow_resume"]
