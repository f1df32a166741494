"""Snapshots of steps 5–7 (Monitor, Validate, Next steps) at 80x24: loaded, empty, error and modal states.

Most use the scripted `FakeService` (tests/helpers/fakes.py: fixed ARNs, ResetID, version IDs and a
fixed clock), so nothing moves between runs; one Validate snapshot runs the real engine on the
deterministic snapshot lab (ports 29111/29112; no endpoint or port is shown on that screen).
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from helpers.clock import FixedClock
from helpers.fakes import FakeService, diff_entry, fixed_validator, make_report, make_state, status
from helpers.pilot import settle
from recovery_tui.app import make_app
from recovery_tui.screens.monitor import MonitorScreen
from recovery_tui.screens.next_steps import NextStepsScreen
from recovery_tui.screens.validate import ValidateScreen
from recovery_tui.service.errors import AccessDenied, ConnectionFailure

pytestmark = [pytest.mark.slow,  # SVG snapshots
              pytest.mark.xdist_group("snap-ports-29111")]  # its labs bind PORTS: one worker runs them all

PORTS = (29111, 29112)


def _app(svc: FakeService, state: Any, clock: FixedClock) -> Any:
    return make_app(svc, aliases=["source", "target"], lab=True, state=state, clock=clock, persist=False)


def _pushing(make_screen: Callable[[Any], Any], then: Callable[[Any], Any] | None = None) -> Callable[[Any], Any]:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.push_screen(make_screen(pilot.app))
        await settle(pilot)
        if then is not None:
            await then(pilot)
            await settle(pilot)

    return run_before


# -- Monitor ------------------------------------------------------------------------------------------------


def _monitor(svc: FakeService, st: Any) -> Callable[[Any], Any]:
    return lambda app: MonitorScreen(svc, st, interval=3600)  # polls only when told: nothing moves


class TestMonitor:
    def test_loaded_ongoing(self, snap_compare: Any) -> None:
        """Ongoing: 1,800 of 4,000 re-sent (45%), a rate of 10 obj/s and an ETA ≈ 3m 40s, link online,
        3 queued, and a two-sample sparkline; no banner."""
        svc, clock = FakeService(), FixedClock()
        st = make_state(source_versions=4000)
        svc.statuses = [status("Ongoing", 1500, 15_000_000)]

        async def second_sample(pilot: Any) -> None:
            clock.advance(30)
            svc.statuses = [status("Ongoing", 1800, 18_000_000, last_object="images/photo-3.png")]
            await pilot.press("r")
            await settle(pilot)
            clock.advance(30)
            svc.statuses = [status("Ongoing", 1800 + 300, 21_000_000, last_object="images/photo-9.png")]
            await pilot.press("r")

        assert snap_compare(_app(svc, st, clock), run_before=_pushing(_monitor(svc, st), second_sample))

    def test_empty_no_status_yet(self, snap_compare: Any) -> None:
        """The server has no resync status for the ARN yet: 'no resync status for this ARN yet', every figure
        '—' (never 0), source total still being counted is shown as a count."""
        svc, clock = FakeService(), FixedClock()
        svc.statuses = [None]
        st = make_state(source_versions=4000)
        assert snap_compare(_app(svc, st, clock), run_before=_pushing(_monitor(svc, st)))

    def test_error_connection_lost(self, snap_compare: Any) -> None:
        """After one good sample the source stops answering: a yellow 'Connection lost …, retrying in 2s'
        banner; the panel still shows the last good sample (1,234 versions)."""
        svc, clock = FakeService(), FixedClock()
        st = make_state(source_versions=4000)

        async def go_offline(pilot: Any) -> None:
            svc.fail["resync_status"] = ConnectionFailure("connection refused", title="Cannot reach the server")
            await pilot.press("r")

        assert snap_compare(_app(svc, st, clock), run_before=_pushing(_monitor(svc, st), go_offline))

    def test_completed(self, snap_compare: Any) -> None:
        """Completed: green banner 'Resync Completed. Press v to validate…', 100%, ETA done."""
        svc, clock = FakeService(), FixedClock()
        svc.statuses = [status("Completed", 4000, 40_000_000, last_object="ünïcødé/summary-7.csv")]
        st = make_state(source_versions=4000)
        assert snap_compare(_app(svc, st, clock), run_before=_pushing(_monitor(svc, st)))

    def test_completed_with_failures(self, snap_compare: Any) -> None:
        """Completed with 144 failed (the target went away mid-job): a yellow '⚠ Completed with 144 FAILED'
        status, never a green tick; 12% re-sent; a warning banner naming the next action (v, then b:
        resync-backlog) (issue 14)."""
        svc, clock = FakeService(), FixedClock()
        svc.statuses = [status("Completed", 20, 40_000, failed=144, last_object="docs/plan-3.txt")]
        st = make_state(source_versions=164)
        assert snap_compare(_app(svc, st, clock), run_before=_pushing(_monitor(svc, st)))

    def test_modal_validate_before_completed(self, snap_compare: Any) -> None:
        """`v` while Ongoing: a confirmation 'Validate before the resync completed?' with 'Keep watching [n]'
        focused."""
        svc, clock = FakeService(), FixedClock()
        st = make_state(source_versions=4000)

        async def press_v(pilot: Any) -> None:
            await pilot.press("v")

        assert snap_compare(_app(svc, st, clock), run_before=_pushing(_monitor(svc, st), press_v))


# -- Validate -----------------------------------------------------------------------------------------------


def _validate(svc: FakeService, st: Any, report: Any, **kw: Any) -> Callable[[Any], Any]:
    return lambda app: ValidateScreen(svc, st, validator=fixed_validator(report), **kw)


def _backlog_svc() -> FakeService:
    svc = FakeService()
    svc.diff = [diff_entry("docs/a.txt", "FAILED", 600, n=1), diff_entry("docs/b.txt", "PENDING", 7200, n=2),
                diff_entry("logs/c.csv", "PENDING", 90_000, dm=True, n=3)]
    return svc


class TestValidate:
    def test_loaded_differences(self, snap_compare: Any) -> None:
        """Red 'DIFFERENCES: 40 missing · 1 extra · 1 mismatched', the two count lines, the table (sample of
        8 of 42) with the first row's key on its bottom border, and the backlog by status and age."""
        svc, st = _backlog_svc(), make_state(step=5)
        report = make_report(missing=40, extra=1, mismatched=1)
        assert snap_compare(_app(svc, st, FixedClock()), run_before=_pushing(_validate(svc, st, report)))

    def test_in_sync(self, snap_compare: Any) -> None:
        """Green 'IN SYNC: both sides hold the same 160 versions (complete listing)', equal counts,
        'No differences', backlog none."""
        svc, st = FakeService(), make_state(step=5)
        assert snap_compare(_app(svc, st, FixedClock()), run_before=_pushing(_validate(svc, st, make_report())))

    def test_error_incomplete_listing(self, snap_compare: Any) -> None:
        """A listing cut short: yellow 'UNKNOWN … later versions are unknown, not missing', '≥' counts;
        the backlog read failed too (Access denied) and shows 'unknown'. The error modal was dismissed."""
        svc, st = FakeService(), make_state(step=5)
        svc.fail["replication_diff"] = AccessDenied("not allowed", action="admin:ReplicationDiff")
        report = make_report(missing=3, incomplete=True, error="Cannot reach the server")

        async def dismiss(pilot: Any) -> None:
            await pilot.press("enter")

        assert snap_compare(_app(svc, st, FixedClock()), run_before=_pushing(_validate(svc, st, report), dismiss))

    def test_modal_retrigger_after_dry_run(self, snap_compare: Any) -> None:
        """`b`: the dry run found 3 versions; the confirmation 'Re-trigger 3 versions?' with Cancel focused."""
        from recovery_tui.service.backlog import BacklogItem, BacklogResult

        items = (BacklogItem("docs/a.txt", "v1", False, "FAILED"), BacklogItem("docs/b.txt", "v2", False, "PENDING"),
                 BacklogItem("logs/c.csv", "v3", True, "PENDING"))

        def engine(service: Any, path: Any, **kw: Any) -> Any:
            return BacklogResult(path=str(path), arn=kw["arn"], total=3, processed=0, failed=0, dry_run=True,
                                 items=items)

        svc, st = _backlog_svc(), make_state(step=5)

        async def press_b(pilot: Any) -> None:
            await pilot.press("b")

        screen = _validate(svc, st, make_report(missing=3), backlog_engine=engine)
        assert snap_compare(_app(svc, st, FixedClock()), run_before=_pushing(screen, press_b))

    def test_lab_partial_loss_before_resync(self, snap_compare: Any, snap_lab: Any, snap_app: Any) -> None:
        """The real engine on the seeded partial-loss lab before any resync: DIFFERENCES with versions missing
        on the target, exact per-side counts, and the unreplicated backlog."""
        lab = snap_lab(ports=PORTS)
        app = snap_app(lab)

        def make(app: Any) -> Any:
            st = app.state
            st.source_alias, st.source_bucket, st.target_alias, st.target_bucket = "source", "data", "target", "data"
            st.arn = app.service.replication_config("source", "data").rules[0].destination_arn
            st.step = 5
            return ValidateScreen(app.service, st)

        assert snap_compare(app, run_before=_pushing(make))


# -- Next steps ---------------------------------------------------------------------------------------------


def _next(svc: FakeService, st: Any) -> Callable[[Any], Any]:
    return lambda app: NextStepsScreen(svc, st)


IN_SYNC = {"in_sync": True, "incomplete": False, "source": {"versions": 160}}


class TestNextSteps:
    def test_loaded_rules_match(self, snap_compare: Any) -> None:
        """Rules match ('✔ target/data has rules matching…'); validation and rules ticked at 10:00:00 UTC;
        canary and load balancer open with what to do."""
        svc, st = FakeService(), make_state(step=6, validation=IN_SYNC)
        assert snap_compare(_app(svc, st, FixedClock()), run_before=_pushing(_next(svc, st)))

    def test_empty_total_loss_rules_to_recreate(self, snap_compare: Any) -> None:
        """total-loss: the target has no configuration; the `mc replicate add … --remote-bucket` command with
        SOURCE_ACCESS_KEY/SOURCE_SECRET_KEY placeholders; every item open but validation."""
        svc, st = FakeService(), make_state(step=6, validation=IN_SYNC)
        svc.configs["target"] = None
        svc.link = None
        assert snap_compare(_app(svc, st, FixedClock()), run_before=_pushing(_next(svc, st)))

    def test_error_config_unreadable(self, snap_compare: Any) -> None:
        """Reading the configurations failed (connection): '? Could not compare … Press r to retry' after
        the toast; the checklist still works."""
        svc, st = FakeService(), make_state(step=6)
        svc.fail["replication_config"] = ConnectionFailure("connection refused")
        assert snap_compare(_app(svc, st, FixedClock()), run_before=_pushing(_next(svc, st)))

    def test_modal_canary_confirm(self, snap_compare: Any) -> None:
        """`k`: 'Write canary objects?' explaining the only writes and that removal asks first; Cancel focused."""
        svc, st = FakeService(), make_state(step=6, validation=IN_SYNC)

        async def press_k(pilot: Any) -> None:
            await pilot.press("k")

        assert snap_compare(_app(svc, st, FixedClock()), run_before=_pushing(_next(svc, st), press_k))
