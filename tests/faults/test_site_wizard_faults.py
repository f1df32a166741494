"""The wizard's whole-site flow under the faults of issue 11 ("Bad input and faults"), on real `site-loss` labs,
keyboard only at 80x24: the same alias twice, two unrelated deployments, the damaged site offline at plan time
and when the run starts (the run pauses, then resumes), a bucket deleted mid-run, one bucket's start refused.
Each says what is wrong in one line with the fix, the other buckets go on, and nothing is lost. (Ctrl+C and
SIGHUP mid-fleet: tests/safety/test_fleet_signals_wizard.py; the site-replication faults: the headless and
service suites, test_site_commands.py and test_sitefleet.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from helpers.fleetkit import starts
from helpers.labkit import site_loss_lab
from helpers.pilot import keep_notifications, screen_text, settle, wait_for
from recovery_tui.app import make_app
from recovery_tui.lab import sitescen
from recovery_tui.lab.server import Lab
from recovery_tui.screens.dialogs import ErrorModal
from recovery_tui.screens.site_base import PickDamagedModal
from recovery_tui.screens.site_monitor import SiteMonitorScreen
from recovery_tui.screens.site_plan import SitePlanScreen
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.retry import RetryPolicy

pytestmark = pytest.mark.slow  # the wizard on a site lab under each fault

FAST = RetryPolicy(name="TEST_FAST", attempts=1)


@pytest.fixture
def site_lab() -> Iterator[Lab]:
    with site_loss_lab(40) as lab:
        yield lab


@pytest.fixture(autouse=True)
def fast_monitor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SiteMonitorScreen, "poll_interval", 0.05)


def app_for(lab: Lab, tmp_path: Path, extra: Optional[dict[str, str]] = None, retry: Any = None) -> Any:
    config = tmp_path / "mc-site"
    config.mkdir(exist_ok=True)
    book = AliasBook(env={**lab.env(), **(extra or {}), "MC_CONFIG_DIR": str(config)})
    service = RecoveryService(book, retry=retry) if retry else RecoveryService(book)
    return keep_notifications(make_app(service, aliases=book.names(), lab=True, source=BucketPath("source", "data")))


async def open_plan(pilot: Any, app: Any, damaged: str = "target") -> None:
    await settle(pilot)
    await pilot.press("w")
    modal = app.screen
    assert isinstance(modal, PickDamagedModal) and modal.healthy == "source"
    await pilot.press(*["down"] * modal.choices.index(damaged), "enter")
    await settle(pilot, 5, failed_ok=True)
    assert isinstance(app.screen, (SitePlanScreen, ErrorModal))


async def start_fleet(pilot: Any, app: Any) -> SiteMonitorScreen:
    await wait_for(pilot, lambda: getattr(app.screen, "session", None) is not None
                   and app.screen.session.plan is not None, what="the plan")
    await pilot.press("s", *"target", "enter")  # (no settle: the monitor's worker runs until the run ends)
    await wait_for(pilot, lambda: isinstance(app.screen, SiteMonitorScreen), what="the fleet monitor")
    return app.screen


def rows(screen: SiteMonitorScreen) -> dict[str, Any]:
    return {r.bucket: r for r in screen.snap.rows} if screen.snap is not None else {}


def finished(screen: SiteMonitorScreen) -> bool:
    return screen.snap is not None and not any(r.running or r.status == "Queued" for r in screen.snap.rows)


async def test_same_alias_twice_is_never_offered_and_same_deployment_says_so(site_lab: Lab, tmp_path: Path) -> None:
    again = {"MC_HOST_again": site_lab.env()["MC_HOST_source"]}  # a second name for the healthy deployment
    app = app_for(site_lab, tmp_path, again)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        assert isinstance(app.screen, PickDamagedModal) and "source" not in app.screen.choices
        await pilot.press("escape")
        await open_plan(pilot, app, "again")
        await settle(pilot, 4, failed_ok=True)
        assert isinstance(app.screen, ErrorModal)
        text = screen_text(app)
        assert "'source' and 'again' point at the same server" in text and "must be the damaged deployment" in text
        await pilot.press("escape")
        assert isinstance(app.screen, SitePlanScreen) and app.screen.session.plan is None
        assert "same server" in str(app.screen.query_one("#plan-status").render())


async def test_unrelated_deployments_say_so(site_lab: Lab, tmp_path: Path) -> None:
    other = Lab(scenario="healthy").start()
    try:
        app = app_for(site_lab, tmp_path, {"MC_HOST_other": other.env()["MC_HOST_source"]})
        async with app.run_test(size=(80, 24)) as pilot:
            await open_plan(pilot, app, "other")
            await settle(pilot, 4, failed_ok=True)
            assert isinstance(app.screen, ErrorModal)
            text = screen_text(app)
            assert "Unrelated deployments" in text and "no bucket on source replicates to other" in text
            assert "mc replicate ls source/BUCKET" in text  # the fix
            await pilot.press("escape")
            assert isinstance(app.screen, SitePlanScreen) and app.screen.session.plan is None
    finally:
        other.stop()


async def test_damaged_site_offline_at_plan_time_then_r_retries(site_lab: Lab, tmp_path: Path) -> None:
    site_lab.faults.set_offline("target", True)
    app = app_for(site_lab, tmp_path, retry=FAST)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(pilot, app)
        await settle(pilot, 4, failed_ok=True)
        while isinstance(app.screen, ErrorModal):  # a toast or a modal, per the error's kind
            await pilot.press("escape")
        plan = app.screen
        assert isinstance(plan, SitePlanScreen) and plan.session.plan is None
        status = str(plan.query_one("#plan-status").render())
        assert "damaged site target does not answer" in status and "r retries" in status
        site_lab.faults.set_offline("target", False)
        await pilot.press("r")
        await wait_for(pilot, lambda: plan.session.plan is not None, what="the plan after r")
        assert {b.bucket for b in plan.session.plan.recoverable()} == set(sitescen.recoverable("site-loss"))


async def test_damaged_site_offline_when_the_run_starts_pauses_then_resumes(site_lab: Lab, tmp_path: Path) -> None:
    app = app_for(site_lab, tmp_path, retry=FAST)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(pilot, app)
        await wait_for(pilot, lambda: app.screen.session.plan is not None, what="the plan")
        site_lab.faults.set_offline("target", True)
        monitor = await start_fleet(pilot, app)
        await wait_for(pilot, lambda: monitor.snap is not None and bool(monitor.snap.paused), what="the pause")
        banner = str(monitor.query_one("#fleet-banner").render())
        assert "Connection lost" in banner and "damaged site target does not answer" in banner
        assert monitor.snap.totals.running == 0 and starts(site_lab) == {}  # nothing started while it is down
        site_lab.faults.set_offline("target", False)
        await wait_for(pilot, lambda: finished(monitor), timeout=120, what="the run after the site came back")
        assert monitor.snap.status == "Completed" and not monitor.snap.paused
        assert "Every bucket Completed" in str(monitor.query_one("#fleet-banner").render())
        assert starts(site_lab) == {b: 1 for b in sitescen.recoverable("site-loss")}


async def test_bucket_deleted_mid_run_fails_its_row_only(site_lab: Lab, tmp_path: Path) -> None:
    site_lab.faults.hold_resync(0)
    app = app_for(site_lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(pilot, app)
        monitor = await start_fleet(pilot, app)
        await wait_for(pilot, lambda: any(r.status == "Ongoing" for r in rows(monitor).values()), what="Ongoing")
        victim = next(b for b, r in rows(monitor).items() if r.status == "Ongoing")
        site_lab.faults.delete_bucket("source", victim)
        site_lab.faults.release_resync()
        await wait_for(pilot, lambda: finished(monitor), timeout=120, what="the run to end")
        got = rows(monitor)
        assert got[victim].status == "Failed" and "deleted during the run" in got[victim].detail
        assert all(r.clean for b, r in got.items() if b != victim and r.status != "Excluded")
        assert "Some buckets did not complete" in str(monitor.query_one("#fleet-banner").render())


async def test_one_start_refused_shows_why_and_the_rest_go_on(site_lab: Lab, tmp_path: Path) -> None:
    site_lab.call(lambda: setattr(site_lab.source.site.targets["media"][0], "secret_key", "rotated-elsewhere"))
    app = app_for(site_lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(pilot, app)
        monitor = await start_fleet(pilot, app)
        await wait_for(pilot, lambda: finished(monitor), timeout=120, what="the run to end")
        got = rows(monitor)
        assert got["media"].status == "Failed" and "start refused" in got["media"].detail
        assert "Access Denied" in got["media"].detail
        assert all(r.clean for b, r in got.items() if b != "media" and r.status != "Excluded")
        assert monitor.snap.status == "Failed"
