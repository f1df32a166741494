"""`procedure.lab_resume.plan`: which saved lab sessions a new `--lab` run offers to resume."""

from __future__ import annotations

from recovery_tui.procedure import lab_resume
from recovery_tui.state import WizardState
from recovery_tui.steps import Step


def saved(**extra: object) -> WizardState:
    return WizardState(lab=True, step=Step.PREFLIGHT, source_alias="source", source_bucket="data",
                       extra={lab_resume.SCENARIO_KEY: "site-loss", **extra})


def test_a_one_bucket_session_of_the_same_scenario_is_offered() -> None:
    p = lab_resume.plan(saved(), None, None, "partial-loss")
    assert (p.scenario, p.offer, p.why_not) == ("site-loss", True, "")


def test_a_whole_site_session_is_not_offered_and_says_why() -> None:
    """Its fleet checkpoint counts resyncs the old lab ran: on the restarted lab nothing of that exists."""
    p = lab_resume.plan(saved(site={"source": "source", "target": "target"}), None, None, "partial-loss")
    assert not p.offer and p.scenario == "partial-loss"
    assert "whole-site run" in p.why_not and "starts over" in p.why_not
