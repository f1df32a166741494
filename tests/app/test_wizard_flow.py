"""Pilot tests on the real lab: the path to the monitor, and each blocking preflight ending where the operator
can act."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Button

from helpers.labkit import saved_state
from helpers.pilot import settle, to_preflight
from recovery_tui.screens.connect import ConnectScreen
from recovery_tui.screens.dialogs import ConfirmModal, TypeToConfirmModal
from recovery_tui.screens.preflight import PreflightScreen
from recovery_tui.screens.start import StartScreen
from recovery_tui.screens.targets import TargetsScreen
from recovery_tui.widgets.checklist import Checklist

pytestmark = pytest.mark.slow  # every step of the wizard on a lab, by keyboard


def statuses(app: Any) -> dict[str, str]:
    return app.screen.query_one(Checklist).statuses()


async def test_connect_to_monitor_with_a_reset_id(lab, wizard) -> None:
    """partial-loss: every step by keyboard, the typed confirmation, then the monitor with the server's ResetID."""
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ConnectScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TargetsScreen)
        assert (app.state.source_alias, app.state.source_bucket) == ("source", "data")
        await pilot.press("enter")
        await settle(pilot, 5)
        assert isinstance(app.screen, PreflightScreen)
        assert app.state.target_alias == "target" and app.state.arn.startswith("arn:minio:replication:")
        assert set(statuses(app).values()) <= {"pass", "info"}, statuses(app)
        assert app.screen.query_one("#start", Button).disabled is False
        assert app.state.source_versions > app.state.target_versions
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, TypeToConfirmModal)
        await pilot.press(*"dat", "enter")  # wrong name: nothing happens
        await settle(pilot)
        assert isinstance(app.screen, TypeToConfirmModal) and not app.state.reset_id
        await pilot.press("a", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "MonitorScreen"
        assert app.state.reset_id
        server = app.service.resync_status("source", "data", app.state.arn).for_arn(app.state.arn)
        assert server is not None and server.reset_id == app.state.reset_id
        saved = saved_state()
        assert saved is not None and saved.step == 4 and saved.reset_id == app.state.reset_id


async def test_existing_object_replication_disabled_blocks(lab, wizard) -> None:
    """The rule without existing-object replication: Start disabled, the fix command shown, Preflight stays."""

    def disable() -> None:
        bucket = lab.source.site.buckets["data"]
        xml = bucket.replication_xml or b""
        bucket.replication_xml = xml.replace(
            b"<ExistingObjectReplication><Status>Enabled</Status>",
            b"<ExistingObjectReplication><Status>Disabled</Status>",
        )
        assert bucket.replication_xml != xml

    lab.call(disable)
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        assert isinstance(app.screen, PreflightScreen)
        item = app.screen.query_one(Checklist).get("rule")
        assert item.status == "block"
        assert "--replicate" in item.hint and "existing-objects" in item.hint
        assert app.screen.query_one("#start", Button).disabled
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, PreflightScreen)


async def test_target_offline_blocks_with_the_reason(lab_factory, wizard) -> None:
    """target-offline: the health item blocks and says which site; the app keeps running at Preflight."""
    lab = lab_factory("target-offline")
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        assert isinstance(app.screen, PreflightScreen)
        item = app.screen.query_one(Checklist).get("health")
        assert item.status == "block"
        assert "target" in item.detail
        assert app.screen.query_one("#start", Button).disabled
        assert not app.screen.running


async def test_running_resync_offers_monitor(lab, wizard) -> None:
    """A resync already Pending/Ongoing: Start disabled, "Monitor the running resync" reattaches to its ResetID."""
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        arn = app.screen.views[0].rule.destination_arn
        lab.faults.hold_resync(50)  # the resync stays Ongoing while we look
        job = app.service.start_resync("source", "data", arn)
        await pilot.press("enter")
        await settle(pilot, 5)
        assert isinstance(app.screen, PreflightScreen)
        assert app.screen.query_one(Checklist).get("running").status == "block"
        assert app.screen.query_one("#start", Button).disabled
        assert app.screen.query_one("#monitor", Button).display
        await pilot.press("m")
        await settle(pilot)
        assert type(app.screen).__name__ == "MonitorScreen"
        assert app.state.reset_id == job.reset_id


async def test_start_rechecks_the_server_and_never_starts_twice(lab, wizard) -> None:
    """A resync started elsewhere after the preflight: pressing Start goes to the monitor, no second ResetID."""
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        lab.faults.hold_resync(50)
        job = app.service.start_resync("source", "data", app.state.arn)
        await pilot.press("s")
        await settle(pilot)
        assert type(app.screen).__name__ == "MonitorScreen"
        assert app.state.reset_id == job.reset_id


async def test_bad_older_than_and_cancel_change_nothing(lab, wizard) -> None:
    """A bad older-than is refused inline; escaping the typed confirmation starts nothing."""
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.click("#older-than")
        await pilot.press(*"-3", "enter")
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        assert "whole number" in str(app.screen.query_one("#start-status").render())
        app.screen.query_one("#older-than").value = "30"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TypeToConfirmModal)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StartScreen) and not app.state.reset_id
        assert app.state.older_than_days == 30
        assert "--older-than 30d" in app.screen.mc_command()
        assert app.service.resync_status("source", "data", app.state.arn).for_arn(app.state.arn) is None


@pytest.mark.parametrize("lab_mode", [False, True], ids=["deployment", "lab"])
async def test_quit_during_resync_says_what_happens_to_it(lab, wizard, lab_mode) -> None:
    """q while a resync runs: on a deployment it continues on the server; in the lab it stops with the lab.
    n stays either way."""
    app = wizard(lab, lab=lab_mode, persist=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        app.state.reset_id, app.state.resync_status = "r-1", "Ongoing"
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        if lab_mode:
            assert "quitting stops both lab sites" in app.screen.message
            assert "reattaches at this step" in app.screen.message  # explained as what a real deployment does
        else:
            assert "continues on the server" in app.screen.message and "r-1" in app.screen.message
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, PreflightScreen)
