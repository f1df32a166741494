"""Resume: the wizard saves its state on each step change; a new wizard offers to reattach at the same step;
before starting a resync, one already Pending/Ongoing for the ARN sends the operator to the monitor."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.labkit import arn_of, saved_state, wizard_for
from helpers.pilot import settle, to_preflight, wait_for
from recovery_tui.lab.server import Lab

pytestmark = pytest.mark.slow  # the wizard on a lab, twice


async def test_state_saved_on_step_change_and_reattached(lab: Lab, tmp_path: Path) -> None:
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        saved = saved_state()
        assert saved is not None and saved.step == 2 and saved.arn == arn_of(lab)
        await pilot.press("q")  # quit (no resync running): state kept
    resumed = wizard_for(lab, tmp_path, resume=saved_state())
    async with resumed.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(resumed.screen).__name__ == "ConfirmModal"
        await pilot.press("y")
        await settle(pilot, 5)
        assert type(resumed.screen).__name__ == "PreflightScreen" and resumed.state.arn == arn_of(lab)


async def test_running_resync_goes_to_the_monitor_not_a_second_start(lab: Lab, tmp_path: Path) -> None:
    lab.faults.hold_resync(50)  # the first resync is still running when Start is pressed
    app = wizard_for(lab, tmp_path)
    first = app.service.start_resync("source", "data", arn_of(lab))
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        await pilot.press("s")
        await settle(pilot)
        await wait_for(pilot, lambda: type(app.screen).__name__ in ("MonitorScreen", "PreflightScreen"))
        if type(app.screen).__name__ == "PreflightScreen":
            await pilot.press("m")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "MonitorScreen")
        assert app.state.reset_id == first.reset_id
    status = app.service.resync_status("source", "data", arn_of(lab)).for_arn(arn_of(lab))
    assert status is not None and status.reset_id == first.reset_id
