"""Snapshots at 80x24 of steps 1-4 (Connect, Targets, Preflight, Start) and their modals, on a deterministic lab.

Each docstring says what a reviewer should see in the SVG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers.clock import FixedClock
from helpers.labkit import wait_source_sees_target_offline
from helpers.pilot import settle
from recovery_tui.app import make_app

from snap_helpers import SNAP_SECRETS

pytestmark = [pytest.mark.slow,  # SVG snapshots
              pytest.mark.xdist_group("snap-ports-29101")]  # its labs bind PORTS: one worker runs them all

PORTS = (29101, 29102)
"""This module's lab ports (other snapshot modules use their own pair)."""


class NoService:
    """For screens that must render without calling any server."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unexpected service call {name}")


async def _to_targets(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _to_preflight(pilot: Any) -> None:
    await _to_targets(pilot)
    await pilot.press("enter")
    await settle(pilot, 5)


async def _to_start(pilot: Any) -> None:
    await _to_preflight(pilot)
    await pilot.press("s")
    await settle(pilot)


class TestConnect:
    def test_loaded(self, snap_compare, snap_lab, snap_app) -> None:
        """Aliases source/target; `data` on source marked ⇄ and highlighted; explain pane open (lab)."""
        app = snap_app(snap_lab(ports=PORTS))
        assert snap_compare(app, run_before=settle)

    def test_no_aliases(self, snap_compare) -> None:
        """No aliases: the left pane explains `mc alias set` / MC_HOST_ / --lab; explain pane closed."""
        app = make_app(NoService(), aliases=[], lab=False, clock=FixedClock(), persist=False)
        assert snap_compare(app, run_before=settle)

    def test_missing_bucket_error_modal(self, snap_compare, snap_lab, snap_app) -> None:
        """Typed source/nothere: a red "Bucket not found" modal with the fix hint and an OK button."""
        app = snap_app(snap_lab(ports=PORTS), source=None)

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("slash", *"source/nothere", "enter")
            await settle(pilot)

        assert snap_compare(app, run_before=run_before)

    def test_too_small(self, snap_compare) -> None:
        """At 79x24 the whole screen asks to enlarge the terminal to at least 80x24."""
        app = make_app(NoService(), aliases=[], lab=False, clock=FixedClock(), persist=False)
        assert snap_compare(app, run_before=settle, terminal_size=(79, 24))


class TestTargets:
    def test_loaded(self, snap_compare, snap_lab, snap_app) -> None:
        """One row target/data, Enabled, existing Enabled, online; the detail shows the full ARN and rule."""
        assert snap_compare(snap_app(snap_lab(ports=PORTS)), run_before=_to_targets)

    def test_no_replication_config(self, snap_compare, snap_lab, snap_app) -> None:
        """total-loss, target/data picked: no table, a message saying this bucket cannot drive a resync."""
        app = snap_app(snap_lab("total-loss", ports=PORTS), source=None)

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            pilot.app.screen.query_one("#path").value = "target/data"
            await pilot.press("slash", "enter")
            await settle(pilot)

        assert snap_compare(app, run_before=run_before)


class TestPreflight:
    def test_all_pass(self, snap_compare, snap_lab, snap_app) -> None:
        """Every item pass (or info); verdict "All checks passed"; Start enabled; no Monitor button."""
        assert snap_compare(snap_app(snap_lab(ports=PORTS)), run_before=_to_preflight)

    def test_target_offline_blocks(self, snap_compare, snap_lab, snap_app) -> None:
        """target-offline: health BLOCK naming the target, with a hint; Start disabled; verdict says fix + r."""
        lab = snap_lab("target-offline", ports=PORTS)
        wait_source_sees_target_offline(lab)  # "source reports the remote target … offline" is in the picture
        assert snap_compare(snap_app(lab), run_before=_to_preflight)


class TestStart:
    def test_summary(self, snap_compare, snap_lab, snap_app) -> None:
        """Source, target, ARN, version counts, bandwidth; empty older-than; the mc resync start command."""
        assert snap_compare(snap_app(snap_lab(ports=PORTS)), run_before=_to_start)

    def test_type_to_confirm_modal(self, snap_compare, snap_lab, snap_app) -> None:
        """The amber modal asking to type `data`; "da" typed so far; the Start button still disabled."""

        async def run_before(pilot: Any) -> None:
            await _to_start(pilot)
            await pilot.press("s")
            await settle(pilot)
            await pilot.press("d", "a")
            await pilot.pause()

        assert snap_compare(snap_app(snap_lab(ports=PORTS)), run_before=run_before)

    def test_quit_while_running_modal(self, snap_compare, snap_lab, snap_app) -> None:
        """q with a resync recorded as running, on a deployment (not the lab): the modal says the resync
        continues on the server, shows the ResetID and how to reattach or watch it; Stay focused."""

        async def run_before(pilot: Any) -> None:
            await _to_start(pilot)
            pilot.app.state.reset_id, pilot.app.state.resync_status = "00000000-snap-reset-id", "Ongoing"
            await pilot.press("q")
            await pilot.pause()

        assert snap_compare(snap_app(snap_lab(ports=PORTS), lab=False, persist=False), run_before=run_before)


def test_no_secret_in_any_svg() -> None:
    """No lab secret key appears in any committed snapshot or screenshot."""
    root = Path(__file__).resolve().parents[2]
    svgs = list((root / "tests").rglob("*.svg")) + list((root / "screenshots").glob("*.svg"))
    for svg in svgs:
        text = svg.read_text(encoding="utf-8", errors="replace")
        for secret in SNAP_SECRETS:
            assert secret not in text, f"secret found in {svg}"
