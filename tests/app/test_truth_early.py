"""Issue 14, steps 1-4 against a real lab: every screen tells the truth (each test failed on the main of
2026-05, before the fix).

* Connect starts with the focus on the buckets of the alias most likely healthy, so the first Enter picks a
  source (it used to focus the alias list, and a second Enter could pick the damaged side).
* A source holding fewer versions than its target BLOCKS the start until the operator types the override.
* Preflight re-runs its checks when the operator comes back to it (it said "No resync running" while one ran).
* Start, re-entered from the monitor, never leaves the focus in the older-than input (keys typed into it).
* Permissions are UNKNOWN, not "pass", when a site could not be asked; pending items keep a space before
  their label; the "already running" verdict fits in 80 columns.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from helpers.pilot import settle, to_preflight
from recovery_tui.app import make_app
from recovery_tui.lab.server import Lab
from recovery_tui.procedure.checklist import CheckItem
from recovery_tui.screens.connect import ConnectScreen
from recovery_tui.screens.dialogs import TypeToConfirmModal
from recovery_tui.screens.monitor import MonitorScreen
from recovery_tui.screens.preflight import PreflightScreen
from recovery_tui.screens.start import StartScreen
from recovery_tui.screens.targets import TargetsScreen
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.client import RecoveryService
from recovery_tui.widgets.checklist import Checklist


async def wait_for(pilot: Any, cond: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"condition not reached: {what}")
        await pilot.pause(0.05)


def app_for(lab: Lab, tmp_path: Path, *, aliases: list[str] | None = None, source: BucketPath | None = None) -> Any:
    (tmp_path / "mc").mkdir(exist_ok=True)
    book = AliasBook(env={**lab.env(), "MC_CONFIG_DIR": str(tmp_path / "mc")})
    return make_app(RecoveryService(book), aliases=aliases or book.names(), lab=True, source=source)


def statuses(app: Any) -> dict[str, str]:
    return app.screen.query_one(Checklist).statuses()


async def test_first_enter_on_connect_picks_the_highlighted_source(lab: Lab, wizard: Any) -> None:
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ConnectScreen)
        assert app.focused is app.screen.query_one("#buckets")
        status = str(app.screen.query_one("#connect-status", Static).render())
        assert "source/data as the SOURCE" in status
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TargetsScreen) and app.state.source == "source/data"


async def test_connect_offers_the_side_that_replicates_first(lab_factory: Callable[..., Lab], tmp_path: Path) -> None:
    """total-loss, the damaged alias listed first and no --source: the focus lands on source/data anyway."""
    lab = lab_factory("total-loss")
    app = app_for(lab, tmp_path, aliases=["target", "source"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, 5)
        await wait_for(pilot, lambda: app.screen.current_alias == "source" and app.screen.current_bucket == "data",
                       what="source/data highlighted")
        await settle(pilot)
        assert "source/data replicates to target/data" in str(app.screen.query_one("#connect-status", Static).render())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TargetsScreen) and app.state.source == "source/data"


@pytest.mark.slow
async def test_a_source_with_fewer_versions_blocks_until_overridden(lab: Lab, tmp_path: Path) -> None:
    """partial-loss picked the wrong way round (target/data as the source): Start is blocked; `o` + typing
    the override word allows it, and the journal records the override with both counts."""
    app = app_for(lab, tmp_path, source=BucketPath("target", "data"))
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        await wait_for(pilot, lambda: app.screen.findings is not None, what="checks done")
        screen = app.screen
        assert isinstance(screen, PreflightScreen) and app.state.source == "target/data"
        assert statuses(app)["direction"] == "block" and not screen.can_start
        verdict = str(screen.query_one("#verdict", Static).render())
        assert "FEWER" in verdict and "o overrides" in verdict and len(verdict) <= 78, verdict
        await pilot.press("s")
        await settle(pilot)
        assert app.screen is screen  # the start is refused
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, TypeToConfirmModal)
        await pilot.press(*"override", "enter")
        await settle(pilot, 5)
        await wait_for(pilot, lambda: screen.findings is not None, what="checks done again")
        assert statuses(app)["direction"] == "warn" and screen.can_start
        override = app.state.extra["direction_override"]
        assert override["source_versions"] < override["target_versions"]
        journal = app.settings.state_dir / "journal"
        actions = [json.loads(line) for f in journal.glob("*.jsonl") for line in f.read_text().splitlines()]
        assert any(a.get("action") == "preflight.override" for a in actions), actions


@pytest.mark.slow
async def test_back_from_the_monitor_rechecks_and_keeps_keys_working(lab_factory: Callable[..., Lab],
                                                                     wizard: Any) -> None:
    lab = lab_factory("partial-loss", resync_delay=0.5)  # ~8 s: it still runs when we come back
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        assert statuses(app)["running"] == "pass"
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(*"data", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MonitorScreen), what="monitor")
        await pilot.press("escape")
        await settle(pilot)
        start = app.screen
        assert isinstance(start, StartScreen)
        assert not isinstance(app.focused, Input), "the focus was left in the older-than input"
        assert start.query_one("#older-than", Input).value == ""
        await pilot.press("escape")
        await settle(pilot, 5)
        await wait_for(pilot, lambda: app.screen.findings is not None, what="checks re-run")
        preflight = app.screen
        assert isinstance(preflight, PreflightScreen)
        assert statuses(app)["running"] == "block" and preflight.running  # not the stale "none has run"
        verdict = str(preflight.query_one("#verdict", Static).render())
        assert "press m to monitor" in verdict and len(verdict) <= 78, verdict
        await pilot.press("s")  # blocked: nothing happens
        await settle(pilot)
        assert app.screen is preflight
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MonitorScreen)
        await pilot.press("escape")  # back to Preflight (its Start page is not kept under the monitor)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        if isinstance(app.screen, StartScreen):
            await pilot.press("m")  # the Start page offers the way back to the monitor
            await settle(pilot)
            assert isinstance(app.screen, MonitorScreen)


@pytest.mark.slow
async def test_permissions_are_unknown_when_a_site_cannot_be_asked(lab_factory: Callable[..., Lab],
                                                                   wizard: Any) -> None:
    lab = lab_factory("target-offline")
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        await wait_for(pilot, lambda: app.screen.findings is not None, timeout=40, what="checks done")
        item = app.screen.query_one(Checklist).get("permissions")
        assert item.status == "unknown" and "not checked" in item.detail, item


class _OneChecklist(App[None]):
    def compose(self) -> ComposeResult:
        yield Checklist([CheckItem("permissions", "Permissions"), CheckItem("running", "No resync running")])


async def test_a_pending_item_keeps_a_space_before_its_label() -> None:
    app = _OneChecklist()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        checklist = app.query_one(Checklist)
        for i in range(2):
            words = checklist.get_option_at_index(i).prompt.plain.split()
            assert words[2] in ("Permissions", "No"), words  # "… checkingPermissions" ran together


@pytest.mark.slow  # 9,000 objects: ~7,800 versions on the source, ~5,900 on the target; each must pass 5,000
def test_a_long_version_count_reports_how_far_it_got(lab_factory: Callable[..., Lab], tmp_path: Path) -> None:
    """The direction check's counts are never silent: every 5,000 versions a pending item says how far."""
    from recovery_tui.lab.scenarios import arn_for
    from recovery_tui.procedure import preflight_checks as checks
    from recovery_tui.state import WizardState

    lab = lab_factory("partial-loss", objects=9_000)
    (tmp_path / "mc").mkdir(exist_ok=True)
    service = RecoveryService(AliasBook(env={**lab.env(), "MC_CONFIG_DIR": str(tmp_path / "mc")}))
    state = WizardState(source_alias="source", source_bucket="data", arn=arn_for(lab.target),
                        target_alias="target", target_bucket="data")
    seen: list[CheckItem] = []
    item = checks.check_direction(service, state, checks.Findings(), progress=seen.append)
    assert item.status == "pass"
    assert seen and all(i.status == "pending" for i in seen)
    assert seen[0].detail == "counting… source 5,000"
    assert any(i.detail.startswith(f"counting… source {item.detail.split()[1]} · target 5,000") for i in seen), seen
