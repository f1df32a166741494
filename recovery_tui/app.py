"""The Textual App: owns the service, the wizard state, the step order and the one worker-error router.

`make_app()` is the only way to build it: the CLI (`wizard.run_wizard`), the
tests and `scripts/screenshots.py` all call it, so they all see the same app.
"""

from __future__ import annotations

import gc
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from recovery_tui.messages import StateChanged, StepDone, WorkerFailed
from recovery_tui.screens.base import StepScreen
from recovery_tui.screens.connect import ConnectScreen
from recovery_tui.screens.drill_flow import DrillFlow
from recovery_tui.screens.registry import screen_class
from recovery_tui.service.errors import RecoveryError
from recovery_tui.service.secrets import redact
from recovery_tui.settings import Settings, current
from recovery_tui.state import WizardState, session_path
from recovery_tui.steps import Step
from recovery_tui.terminal import driver_class

if TYPE_CHECKING:
    from recovery_tui.journal import Journal
    from recovery_tui.service.aliases import BucketPath
    from recovery_tui.service.client import RecoveryService

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware (UTC). Injected so tests and screenshots are deterministic."""


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


class RecoveryApp(DrillFlow, App[int]):
    """The recovery wizard. Construct it with `make_app()`."""

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "recovery-tui"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+c", "interrupt", "Quit", show=False, priority=True, id="app.quit"),
        Binding("ctrl+q", "request_quit", "Quit", show=False, priority=True, id="app.quit-q"),
    ]

    def __init__(
        self,
        service: "RecoveryService",
        *,
        aliases: list[str],
        lab: bool,
        source: Optional["BucketPath"] = None,
        clock: Clock = utc_now,
        state: Optional[WizardState] = None,
        resume: Optional[WizardState] = None,
        persist: bool = True,
        settings: Optional[Settings] = None,
        drill: Optional[Any] = None,
    ) -> None:
        settings = settings or current()
        super().__init__(driver_class=driver_class(web=bool(settings.web_driver)))
        self.settings = settings
        """This run's settings (built by the CLI); where the session and the journal are kept."""
        self.service = service
        """The client service, shared by every screen (called from thread workers only)."""
        self.aliases = list(aliases)
        """Known mc alias names, for Connect."""
        self.lab = lab
        """Running against the embedded lab: explanations open by default, sessions not resumed."""
        self.source = source
        """`--source ALIAS/BUCKET` preselection."""
        self.clock = clock
        """Current time; injected."""
        self.state = state or WizardState(lab=lab)
        """The run's state, saved on every step change."""
        self.state.lab = lab
        self.resume = resume if resume is not None and resume.resumable else None
        """A saved session to offer to reattach to, if any."""
        self.persist = persist
        """Save the state to disk (False in some tests)."""
        self.explain_shown = lab
        """Whether "why this step" panes open expanded (lab mode: yes)."""
        self._journal: Optional[Journal] = None
        """The audit journal of this run, created on first use."""
        self.drill = drill
        """A `training.DrillSession` for `--lab --drill` (picker, briefing, timeline, debrief), else None."""
        self.site_running = False
        """A whole-site run (issue 11) has resyncs queued or running (the fleet monitor keeps it current)."""
        self.site_level_run = False
        """That run is one site-level resync (site replication): nothing is queued on this side."""
        self.site_ops: Any = None
        """The whole-site screens' calls to the servers; None builds the real ones (tests script them)."""
        self.on_ending: Optional[Callable[[int], None]] = None
        """Told the exit code when the App leaves at once (`end_now`): the CLI's exit watchdog."""

    @property
    def session_file(self) -> Path:
        """Where this run's session is saved (lab runs have their own file)."""
        return session_path(self.lab, self.settings.state_dir)

    # -- steps ---------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.drill_mount():
            self.call_after_refresh(self._first_frame_painted)  # a drill too: the collector back on
            return
        self.push_screen(self.make_step(Step.CONNECT))
        notice = self.state.extra.pop("startup_notice", "")
        if notice:
            self.notify(notice, title="Saved lab session", severity="warning", timeout=15)
        self.call_after_refresh(self._first_frame_painted)
        if self.resume is not None:
            saved = self.resume
            when = saved.updated_at[:16].replace("T", " ") if saved.updated_at else "earlier"
            resync = (f"\nResync ResetID {saved.reset_id} ({saved.resync_status or 'started'})."
                      if saved.reset_id else "")
            lab_note = saved.extra.pop("resume_note", "")
            site = saved.extra.get("site")
            where = (f"the whole-site run {site.get('source')} → {site.get('target')}" if site
                     else f"step {saved.step.number} · {saved.step.title}")
            bucket = "" if site else f"\nfor {saved.source}" + (f" → {saved.target_label}" if saved.arn else "") + "."
            message = (f"A session saved {when} UTC was at {where}{bucket}{resync}\n\n"
                       "Reattach to it? (No starts over; nothing on the servers changes either way.)")
            if lab_note:
                message = (f"A lab session saved {when} UTC for {saved.source}.\n{lab_note}\n\n"
                           f"Resume at step {saved.step.number} · {saved.step.title}? (No starts over.)")
            from recovery_tui.screens.dialogs import ConfirmModal

            self.push_screen(ConfirmModal("Resume the previous session?", message, yes="Resume", no="Start over"),
                             self._resume_answer)

    def _first_frame_painted(self) -> None:
        """Step 1 is on the screen: the garbage collector back on (the CLI holds it off while the wizard
        starts) and the service built (a `DeferredService` from wizard.py waits for this).

        What start-up built (Textual, the stylesheet, our modules: ~75k objects) lives as long as the process:
        `gc.freeze()` moves it where the collector never walks it again. A full collection walks every object
        it tracks with the UI thread stopped; walking these too made one cost ~100 ms, which a key pressed at
        that moment waited for (issue 9, U2). Only when the CLI held the collector off: a test's App (collector
        on) freezes nothing, so a test process does not keep earlier tests' garbage forever."""
        if not gc.isenabled():
            gc.freeze()  # start-up's few hundred unreachable objects are kept with it: nothing was collected yet
        gc.enable()
        opened = getattr(type(self.service), "open_after_first_frame", None)  # looked up on the class: a
        if opened is not None:  # test double answering every attribute is not a DeferredService
            opened(self.service)

    def _resume_answer(self, answer: bool | None) -> None:
        saved = self.resume
        self.resume = None
        if not answer or saved is None:
            WizardState.discard(self.session_file) if self.persist else None
            return
        saved.lab = self.lab
        self.state = saved
        if saved.extra.get("site"):
            from recovery_tui.screens.site_base import site_flow_resume

            site_flow_resume(self, saved.extra["site"])
            self.notify("Reattached to the whole-site run: every bucket's row comes back from its checkpoint.",
                        timeout=5)
            return
        self.pop_screen()
        target = saved.step
        # Only the saved step is built now: building (and starting the workers of) every step before it on the
        # UI thread froze the screen for seconds. `step_back` builds an earlier step if the operator goes back.
        self.push_screen(self.make_step(target))
        self.notify(f"Reattached at step {target.number} · {target.title}.", timeout=4)

    def step_back(self, step: Step) -> bool:
        """Back from `step` when the step before it was never built (a reattached session): build it in place
        of this one. Start is a one-shot page: back from the monitor goes to Preflight. False at Connect."""
        if step is Step.CONNECT:
            return False
        prev = Step(step - 1)
        if prev is Step.START:
            prev = Step.PREFLIGHT
        self.switch_screen(self.make_step(prev))
        return True

    def make_step(self, step: Step) -> StepScreen:
        """Build the screen for `step`."""
        if step is Step.CONNECT:
            return ConnectScreen(self.service, self.state, aliases=self.aliases, source=self.source)
        return screen_class(step)(self.service, self.state)

    def on_step_done(self, message: StepDone) -> None:
        """A step finished: save, then show the next (or the requested) step."""
        nxt = message.goto if message.goto is not None else message.step.next
        if nxt is None:
            self.state.extra["finished_at"] = self.clock().isoformat()
            self.save_state()
            if self.show_debrief(final=True):
                return
            report = (self.state.extra.get("report") or {}).get("markdown")
            journal = f" Journal: {self._journal.path}." if self._journal is not None else ""
            if report:
                self.notify(f"Recovery run finished. Report: {report} (and .json).{journal} q quits.", timeout=12)
            else:
                self.notify(f"Recovery run finished, but NO report was written (x writes it).{journal}",
                            severity="warning", timeout=12)
            return
        screen = self.make_step(nxt)
        self.state.step = nxt
        self.save_state()
        self.push_screen(screen)

    def on_state_changed(self, _: StateChanged) -> None:
        self.save_state()

    def save_state(self) -> None:
        """Persist the state (atomically); a failure to write is shown once, never fatal."""
        if not self.persist:
            return
        try:
            self.state.save(self.session_file, now=self.clock())
        except OSError as exc:
            self.notify(f"Could not save the session: {exc.strerror}", severity="warning", timeout=5)

    # -- the one error router ------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The App's own workers; screens forward theirs as `WorkerFailed`."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.route_error(event.worker.error, event.worker.description)

    def on_worker_failed(self, message: WorkerFailed) -> None:
        self.route_error(message.error, message.description)

    def route_error(self, error: BaseException, doing: str = "") -> None:
        """A `RecoveryError` becomes a toast when retrying may help, else a blocking `ErrorModal`.

        Anything else is a bug: it gets a modal with its type and message, never a traceback.
        """
        from recovery_tui.screens.dialogs import ErrorModal

        if isinstance(error, RecoveryError):
            if error.retryable:
                body = error.message + (f"\n→ {error.hint}" if error.hint else "")
                self.notify(redact(body), title=redact(error.title), severity="error", timeout=8)
            else:
                self.push_screen(ErrorModal(redact(error.title), redact(error.message), redact(error.hint)))
            return
        what = f" while {doing[0].lower()}{doing[1:]}" if doing else ""
        self.push_screen(
            ErrorModal(
                "Unexpected error",
                f"{type(error).__name__}{what}: {redact(str(error)) or 'no detail'}",
                "This is a bug in recovery-tui. Your progress is saved; restart and reattach, "
                "or continue with the mc command shown at the bottom of the screen.",
            )
        )

    # -- journal and quit ---------------------------------------------------------------------------

    @property
    def journal(self) -> Journal:
        """This run's audit journal (created on first use; its file appears with the first record)."""
        if self._journal is None:
            from recovery_tui.journal import Journal

            self._journal = Journal(
                mode="lab" if self.lab else "wizard",
                directory=self.settings.state_dir / "journal",
                warn=lambda text: self.notify(text, title="Audit journal", severity="warning"),
            )
        return self._journal

    def record(self, action: str, **detail: Any) -> None:
        """Append `action` to this run's audit journal; a disk problem is shown once, as a toast."""
        self.journal.record(action, **detail)
        self.drill_observe(action, detail)

    def action_request_quit(self) -> None:
        """Quit; while a resync runs, say plainly that it carries on on the server. A drill shows its debrief."""
        if self.show_debrief(final=False):
            return
        from recovery_tui.screens.dialogs import ConfirmModal

        if self.site_running:
            message = ("Quitting stops only this window: the site-level resync [b]continues on the server[/b]; "
                       "the wizard follows it again when you come back (it never starts a second one)."
                       if self.site_level_run and not self.lab else
                       "Quitting stops only this window: the bucket resyncs already started [b]continue on the "
                       "server[/b]; the ones still queued wait. Starting the site resync again continues the run "
                       "(it never starts a bucket twice)." if not self.lab else
                       "This is the [b]lab[/b]: quitting stops both lab sites and every resync with them.")
            self.push_screen(ConfirmModal("Quit the wizard?", message, yes="Quit", no="Stay"), self._quit_answer)
            return
        if not self.state.resync_running:
            self.save_state()
            self.exit(0)
            return
        if self.lab:
            message = (
                f"This is the [b]lab[/b]: quitting stops both lab sites, and the resync of "
                f"[b]{self.state.source}[/b] stops with them.\n\n"
                "On a real deployment the resync continues on the server after you quit, and "
                "running recovery-tui again reattaches at this step."
            )
        else:
            message = (
                f"The resync of [b]{self.state.source}[/b] (ResetID {self.state.reset_id}) "
                "[b]continues on the server[/b]: quitting only closes this window.\n\n"
                "Run [b]recovery-tui[/b] again to reattach at this step, or watch it with\n"
                f"mc replicate resync status {self.state.source}"
            )
        self.push_screen(ConfirmModal("Quit the wizard?", message, yes="Quit", no="Stay"), self._quit_answer)

    def action_interrupt(self) -> None:
        """Ctrl+C: leave now, as a signal would (no question; the line printed on exit says what becomes of
        a running resync)."""
        self.end_now(130)

    def end_now(self, code: int) -> None:
        """Save the state and exit with `code` at once: Ctrl+C, SIGHUP/SIGTERM/SIGINT, a terminal gone."""
        if self.on_ending is not None:
            self.on_ending(code)
        self.save_state()
        self.exit(code)

    def _quit_answer(self, answer: bool | None) -> None:
        if answer:
            self.save_state()
            self.exit(0)


make_app = RecoveryApp
"""The one factory for the CLI, the tests and the screenshot script: the App's own constructor,
so its keyword arguments (aliases, lab, source, clock, state, resume, persist, settings, drill) are declared once."""
