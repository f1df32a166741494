"""Quitting during a whole-site run says what carries on: queued buckets for a bucket-by-bucket run, the one
site-level resync for site replication (nothing is queued on this side there)."""

from __future__ import annotations

import pytest

from helpers.clock import FixedClock
from helpers.fakes import FakeService, make_state
from recovery_tui.app import make_app
from recovery_tui.screens.dialogs import ConfirmModal


@pytest.mark.parametrize("site_level, says, never", [
    (False, "the ones still queued wait", "site-level resync"),
    (True, "the site-level resync", "queued"),
])
async def test_quit_mid_site_run_says_what_continues(site_level: bool, says: str, never: str) -> None:
    app = make_app(FakeService(), aliases=["source", "target"], lab=False, state=make_state(step=0),
                   clock=FixedClock(), persist=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.site_running, app.site_level_run = True, site_level
        await app.run_action("request_quit")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        message = str(app.screen.message)
        assert says in message and never not in message, message
        assert "continue" in message and "server" in message
