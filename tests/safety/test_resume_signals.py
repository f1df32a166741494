"""Resume after SIGHUP (the SSH session dropped) and after a crash (kill -9), with the real console script.

`python -m recovery_tui` runs on a pseudo-terminal at 80x24 against an in-test lab reached through MC_HOST_
aliases (not `--lab`: lab sessions are deliberately not resumable). Keystrokes drive it to a step; after the
signal the saved session (under RECOVERY_TUI_STATE_DIR) holds that step; a second start offers to reattach
and accepting lands on the same step.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Iterator

import pytest

from helpers.labkit import arn_of, saved_state
from helpers.ptykit import PtyApp, pty_available
from recovery_tui.lab.server import Lab

pytestmark = [pytest.mark.skipif(pty_available() is not None, reason=str(pty_available())),
              pytest.mark.slow]  # the real console script on a pty, started twice per test


@pytest.fixture
def launch(lab: Lab) -> Iterator:
    """Start `recovery-tui --source source/data` on a pty with the lab's aliases; every one is closed at the end."""
    apps: list[PtyApp] = []

    def start() -> PtyApp:
        app = PtyApp(["--source", "source/data"], lab.env())
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.close()


def _to_preflight(app: PtyApp) -> None:
    app.expect("⇄ data", 15)  # Connect has listed the buckets (the column title says "replication configured" too)
    app.press("enter")
    app.expect("Step 2 of 7", 10)
    app.expect("arn:minio:replication", 10)
    app.mark()
    app.press("enter")
    app.expect("Step 3 of 7", 10)


def _reattach(app: PtyApp, expected_step_title: str) -> str:
    text = app.expect("Resume the previous session?", 15)
    assert "Traceback" not in text
    app.mark()
    app.press("y")
    return app.expect(expected_step_title, 15)


def _saved_step() -> int:
    state = saved_state(lab_mode=False)
    assert state is not None, f"no saved session under {os.environ['RECOVERY_TUI_STATE_DIR']}"
    return state.step


def test_sighup_at_preflight_saves_and_reattaches(launch, lab: Lab) -> None:
    app = launch()
    _to_preflight(app)
    app.expect("All checks passed", 15)
    app.proc.send_signal(signal.SIGHUP)
    code = app.wait(8)
    assert code is not None, "still running 8 s after SIGHUP"
    assert code == 129, code
    assert "Traceback" not in app.text(since_mark=False)
    state = saved_state(lab_mode=False)
    assert state is not None and state.step == 2 and state.arn == arn_of(lab) and state.source == "source/data"
    again = launch()
    text = _reattach(again, "Step 3 of 7")
    assert "Preflight checks" in text
    again.expect("All checks passed", 15)  # the checks run again on the live lab
    again.mark()
    again.press("q")
    assert again.wait(8) == 0
    assert saved_state(lab_mode=False).step == 2


def test_sighup_on_the_monitor_reattaches_to_the_same_resync(launch, lab: Lab) -> None:
    lab.faults.hold_resync(50)  # the resync is still running after the reattach
    app = launch()
    _to_preflight(app)
    app.expect("All checks passed", 20)
    app.mark()
    app.press("s")
    app.expect("Step 4 of 7", 10)
    app.press("s")
    app.expect("Start the resync?", 10)
    app.mark()
    app.press(*"data", "enter")
    app.expect("Step 5 of 7", 15)
    app.expect("Re-sent by this job", 15)  # a first sample is on screen
    state = saved_state(lab_mode=False)
    assert state is not None and state.step == 4 and state.reset_id
    reset_id = state.reset_id
    app.proc.send_signal(signal.SIGHUP)
    assert app.wait(8) is not None, "still running 8 s after SIGHUP"
    state = saved_state(lab_mode=False)
    assert state.step == 4 and state.reset_id == reset_id
    again = launch()
    again.expect_all("Resume the previous session?", "ResetID", "step 5", timeout=15)
    again.mark()
    again.press("y")
    again.expect("Step 5 of 7", 15)
    again.expect("Monitor resync", 5)
    again.expect("Re-sent by this job", 15)
    # reattaching did not start a second resync: the server still reports ours
    from recovery_tui.service.aliases import AliasBook
    from recovery_tui.service.client import RecoveryService

    book = AliasBook(env={**lab.env(), "MC_CONFIG_DIR": str(Path(os.environ["HOME"]) / "mc-none")})
    current = RecoveryService(book).resync_status("source", "data", arn_of(lab)).for_arn(arn_of(lab))
    assert current is not None and current.reset_id == reset_id


def test_kill_9_after_a_step_change_reattaches(launch, lab: Lab) -> None:
    app = launch()
    _to_preflight(app)
    assert _saved_step() == 2  # saved on the step change, before anything else happens
    os.kill(app.proc.pid, signal.SIGKILL)
    assert app.wait(5) == -signal.SIGKILL
    state = saved_state(lab_mode=False)
    assert state is not None and state.step == 2 and state.arn == arn_of(lab)
    again = launch()
    _reattach(again, "Step 3 of 7")
    again.expect("All checks passed", 15)
