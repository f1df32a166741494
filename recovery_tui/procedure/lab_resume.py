"""Resuming a `--lab` run after a drop: restart the lab at the saved scenario and bring the session back.

The lab's servers die with the wizard, so a saved lab session cannot reattach to them as a real one does.
What can be rebuilt: the scenario's data (seeded, hence identical), the chosen source and target (under the
new lab's ARN and port), and every step before the resync. What cannot: a resync the old lab was running or
had finished, and what followed it; the session then goes back to Start, and says why.

Pure: `plan()` decides from the saved state and the command line, `adapt()` maps the saved state onto the
restarted lab's targets. `wizard.run_wizard` does the I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Optional

from recovery_tui.steps import Step

if TYPE_CHECKING:
    from recovery_tui.service.models import TargetView
    from recovery_tui.state import WizardState

SCENARIO_KEY = "lab_scenario"
OBJECTS_KEY = "lab_objects"
"""Where a lab run's state keeps its scenario and `--objects` (in `state.extra`)."""
RESUME_NOTE_KEY = "resume_note"
"""What the resume offer adds about the lab (`state.extra`)."""
STARTUP_NOTICE_KEY = "startup_notice"
"""A one-time message the App shows when it starts (`state.extra`)."""


@dataclass(frozen=True)
class LabResumePlan:
    scenario: str
    """The scenario to start the lab with."""
    objects: Optional[int]
    offer: bool
    """Offer to resume the saved session."""
    why_not: str = ""
    """Why a saved session is not offered (shown once), "" when there is none to speak of."""


def plan(saved: Optional["WizardState"], requested: Optional[str], objects: Optional[int],
         default: str) -> LabResumePlan:
    """Which scenario to start, and whether the saved lab session can be offered."""
    if saved is None or not saved.resumable or saved.extra.get("finished_at"):
        return LabResumePlan(requested or default, objects, False)
    if saved.extra.get("site"):  # its fleet checkpoint counts resyncs of a lab that is gone: nothing to follow
        return LabResumePlan(requested or default, objects, False,
                             "The saved lab session was a whole-site run: its resyncs stopped with that lab, so it "
                             "cannot be resumed; this run starts over (w opens the site flow again).")
    where = f"at step {saved.step.number} · {saved.step.title}"
    old = saved.extra.get(SCENARIO_KEY)
    if not old:
        return LabResumePlan(requested or default, objects, False,
                             f"The saved lab session ({where}) does not say which scenario it ran, so it cannot "
                             "be resumed; this run starts over.")
    old_objects = saved.extra.get(OBJECTS_KEY)
    if requested and requested != old:
        return LabResumePlan(requested, objects, False,
                             f"The saved lab session is scenario {old} ({where}); this run is {requested}. "
                             f"To resume it: recovery-tui --lab --scenario {old}. Moving on here replaces it.")
    if objects is not None and objects != old_objects:
        return LabResumePlan(old, objects, False,
                             f"The saved lab session ({where}) used --objects {old_objects or 'default'}; this "
                             f"run uses {objects}, so its data differs and it cannot be resumed.")
    return LabResumePlan(old, old_objects if isinstance(old_objects, int) else None, True)


def adapt(saved: "WizardState", views: list["TargetView"]) -> "WizardState":
    """The saved session mapped onto the restarted lab (`views`: its source's rules and targets).

    The step is kept up to Start; after it the resync and what followed died with the old lab, so the session
    returns to Start (the note says so). A target that cannot be found again sends it back to Targets."""
    state = replace(saved, checklist=list(saved.checklist), validation=dict(saved.validation),
                    extra=dict(saved.extra))
    notes = [f"It was at step {saved.step.number} · {saved.step.title}. The lab restarts at scenario "
             f"{saved.extra.get(SCENARIO_KEY)} (same seeded data, new ports)."]
    if state.arn:
        view = next((v for v in views if v.target is not None and v.alias == saved.target_alias
                     and v.target.target_bucket == saved.target_bucket), None)
        if view is None or view.target is None:
            state.arn = state.rule_id = state.target_endpoint = ""
            state.step = min(state.step, Step.TARGETS)
            notes.append("Its target could not be found again: pick it on step 2.")
        else:
            state.arn, state.rule_id = view.rule.destination_arn, view.rule.id
            state.target_endpoint = view.target.endpoint
    if state.reset_id or state.step > Step.START:
        if state.reset_id:
            notes.append(f"Its resync (ResetID {state.reset_id}, {state.resync_status or 'started'}) stopped with "
                         f"the old lab and the data is back to the scenario's start: the wizard returns to step "
                         f"{Step.START.number} · {Step.START.title} to run it again.")
        state.step = min(state.step, Step.START)
        state.reset_id = state.resync_status = ""
        state.resync_started_at = state.resync_finished_at = None
        state.replicated_count = state.replicated_size = state.failed_count = 0
        state.validation = {}
        state.checklist = []
        for key in ("canaries", "backlog", "report", "rules_to_recreate"):
            state.extra.pop(key, None)
    state.extra[RESUME_NOTE_KEY] = " ".join(notes)
    return state


__all__ = ["LabResumePlan", "OBJECTS_KEY", "RESUME_NOTE_KEY", "SCENARIO_KEY", "STARTUP_NOTICE_KEY", "adapt", "plan"]
