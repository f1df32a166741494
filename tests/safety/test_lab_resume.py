"""Issue 14 item 9: `--lab` resumes after a drop. The real console script on a pty at 80x24: walk to Preflight,
SIGHUP (the SSH session dropped), start `recovery-tui --lab` again: it offers to restart the lab at the saved
scenario and step, and accepting lands there with the checks passing on the new lab. A run asking for another
scenario says why the saved session cannot be resumed. The mapping onto a restarted lab (new ARN, a resync
that died with the old lab) is tested without a pty."""

from __future__ import annotations

import signal
from typing import Iterator

import pytest

from helpers.labkit import saved_state
from helpers.ptykit import PtyApp, pty_available
from recovery_tui.procedure import lab_resume
from recovery_tui.service.models import Latency, RemoteTarget, ReplicationRule, TargetView
from recovery_tui.state import WizardState
from recovery_tui.steps import Step


@pytest.fixture
def launch() -> Iterator:
    apps: list[PtyApp] = []

    def start(*argv: str) -> PtyApp:
        app = PtyApp(["--lab", *argv], {})
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.close()


@pytest.mark.slow  # the real console script on a pty, started twice
@pytest.mark.skipif(pty_available() is not None, reason=str(pty_available()))
def test_sighup_in_the_lab_then_resume_at_the_same_step(launch) -> None:
    app = launch("--scenario", "total-loss")
    app.expect("⇄ data", 20)
    app.press("enter")
    app.expect("Step 2 of 7", 10)
    app.expect("arn:minio:replication", 10)
    app.mark()
    app.press("enter")
    app.expect("Step 3 of 7", 10)
    app.proc.send_signal(signal.SIGHUP)
    assert app.wait(8) == 129
    saved = saved_state(lab_mode=True)
    assert saved is not None and saved.step == Step.PREFLIGHT and saved.extra.get("lab_scenario") == "total-loss"
    again = launch()  # no --scenario: the saved one is used
    offer = again.expect_all("Resume the previous session?", "total-loss", timeout=20)  # "…restarts at scenario…"
    assert "Traceback" not in offer
    again.mark()
    again.press("y")
    again.expect_all("Step 3 of 7", "Preflight checks", timeout=15)
    again.expect("All checks passed", 20)  # the checks run again, on the restarted lab
    again.mark()
    again.press("q")
    assert again.wait(8) == 0
    other = launch("--scenario", "healthy")
    other.expect_all("this run is healthy", "total-loss", timeout=20)  # "…scenario total-loss (…); this run is…"
    other.press("q")
    assert other.wait(8) == 0


def _view(arn: str) -> TargetView:
    rule = ReplicationRule(id="newrule", status="Enabled", priority=1, destination_arn=arn,
                           existing_object_replication="Enabled")
    target = RemoteTarget(arn=arn, source_bucket="data", endpoint="127.0.0.1:40002", target_bucket="data",
                          online=True, latency=Latency())
    return TargetView(rule=rule, target=target, alias="target")


def test_a_resync_that_died_with_the_lab_sends_the_session_back_to_start() -> None:
    saved = WizardState(step=Step.VALIDATE, lab=True, source_alias="source", source_bucket="data",
                        arn="arn:minio:replication::old:data", target_alias="target", target_bucket="data",
                        target_endpoint="127.0.0.1:39999", reset_id="r-1", resync_status="Completed",
                        validation={"in_sync": True}, extra={"lab_scenario": "partial-loss", "report": {}})
    plan = lab_resume.plan(saved, None, None, "partial-loss")
    assert plan.offer and plan.scenario == "partial-loss"
    state = lab_resume.adapt(saved, [_view("arn:minio:replication::new:data")])
    assert state.step == Step.START and not state.reset_id and not state.validation and "report" not in state.extra
    assert state.arn == "arn:minio:replication::new:data" and state.target_endpoint == "127.0.0.1:40002"
    assert "r-1" in state.extra["resume_note"] and "step 4" in state.extra["resume_note"]
    assert saved.step == Step.VALIDATE and saved.reset_id == "r-1"  # the saved state itself is not changed
    other = lab_resume.plan(saved, "healthy", None, "partial-loss")
    assert not other.offer and other.scenario == "healthy" and "--scenario partial-loss" in other.why_not
