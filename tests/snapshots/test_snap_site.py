"""Snapshots of the whole-site screens (issue 11) at 80x24: the plan, the fleet monitor and the fleet validation,
each loaded, empty and in error. A scripted `SiteOps` (fixed plan, fixed fleet snapshots at scripted times, fixed
validation reports) and a fixed clock keep every pixel still; no lab, no network."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Callable, Optional

import pytest

from helpers.clock import FixedClock
from helpers.pilot import settle
from recovery_tui.app import make_app
from recovery_tui.procedure.site_ops import SiteSession
from recovery_tui.screens.site_monitor import SiteMonitorScreen
from recovery_tui.screens.site_plan import SitePlanScreen
from recovery_tui.screens.site_validate import SiteValidateScreen
from recovery_tui.service.errors import ConnectionFailure, InputError
from recovery_tui.service.fleetmodel import FleetRow, snapshot
from recovery_tui.service.models import ObjectVersion
from recovery_tui.service.sitemodels import BUCKET_MODE, SITE_MODE, BucketPlan, PeerInfo, SitePlan
from recovery_tui.service.sitevalidate import BucketValidation, SiteValidation
from recovery_tui.service.validation_report import SideCounts, ValidationReport, VersionDiff

pytestmark = pytest.mark.slow  # SVG snapshots

ARN = "arn:minio:replication::5a2f0c1e-8d1b-4c3a-9f2e-0b7c6d5e4f3a:{}"
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)


def _b(name: str, src: int, dst: Optional[int], size: int, reason: str = "", fix: str = "") -> BucketPlan:
    return BucketPlan(name, arn=ARN.format(name), target_bucket=name, rule_id="d0hq4c3v8k1l", recoverable=not reason,
                      reason=reason, fix=fix, source_versions=src, target_versions=dst, source_bytes=size)


PLAN = SitePlan(source="source", target="target", mode=BUCKET_MODE, metadata="export", buckets=(
    _b("archive", 50_000, 43_750, 4_500_000), _b("audit", 22, 19, 14_124), _b("backups", 88, 0, 61_100),
    _b("crm", 330, 0, 195_825), _b("docs", 165, 117, 112_480), _b("empty", 0, 0, 0),
    _b("legacy", 66, 51, 44_292, "rule d0hq4c3v8k1l has no existing-object replication: the server refuses a "
       "resync", "mc replicate update source/legacy --id d0hq4c3v8k1l --replicate "
       "delete-marker,delete,existing-objects,metadata-sync"),
    _b("logs", 660, 494, 447_044), _b("photos", 396, 0, 269_188),
    _b("staging", 44, None, 30_868, "the target bucket staging does not exist on target",
       "mc mb --with-versioning target/staging")))
SR_PLAN = SitePlan(source="source", target="target", mode=SITE_MODE, metadata="export",
                   peer=PeerInfo("target", "http://127.0.0.1:9002", "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"),
                   buckets=tuple(b for b in PLAN.buckets if b.recoverable))
EMPTY_PLAN = SitePlan(source="source", target="target", mode=BUCKET_MODE, metadata="export",
                      buckets=tuple(b for b in PLAN.buckets if not b.recoverable))


class FakeRunner:
    """Posts scripted snapshots, then stops (or raises)."""

    def __init__(self, snaps: list[Any], error: Optional[BaseException] = None) -> None:
        self.snaps, self.error = snaps, error
        self.cancel = threading.Event()
        self.on_update: Optional[Callable[[Any], None]] = None

    def snapshot(self) -> Any:
        return self.snaps[-1]

    def set_max_running(self, n: int) -> None:
        pass

    def run(self) -> Any:
        for s in self.snaps:
            if self.on_update is not None:
                self.on_update(s)
        if self.error is not None:
            raise self.error
        return self.snaps[-1] if self.snaps else None


class FakeOps:
    def __init__(self, plan: Any = PLAN, runner: Optional[FakeRunner] = None, validation: Any = None) -> None:
        self._plan, self._runner, self._validation = plan, runner, validation

    def plan(self, src: str, dst: str, progress: Any = None) -> SitePlan:
        if isinstance(self._plan, BaseException):
            raise self._plan
        return self._plan

    def runner(self, session: Any, **kw: Any) -> FakeRunner:
        assert self._runner is not None
        return self._runner

    def validate(self, session: Any, progress: Any = None, cancel: Any = None) -> SiteValidation:
        if isinstance(self._validation, BaseException):
            raise self._validation
        return self._validation


def _row(bucket: str, status: str, done: int, of: int, detail: str = "", failed: int = 0) -> FleetRow:
    return FleetRow(bucket=bucket, arn=ARN.format(bucket), status=status, reset_id=f"rid-{bucket}" if status not in
                    ("Queued", "Excluded") else "", replicated_count=done, replicated_size=done * 700,
                    failed_count=failed, detail=detail, source_versions=of, last_update=T0)


def _fleet(progress: float) -> Any:
    p = progress
    return snapshot([
        _row("archive", "Ongoing", int(50_000 * p), 50_000), _row("logs", "Ongoing", int(660 * p * 1.5), 660),
        _row("photos", "Completed", 396, 396), _row("crm", "Completed", 330, 330),
        _row("docs", "Ongoing", int(165 * p * 1.2), 165), _row("backups", "Failed", 0, 88, "start refused: Remote "
             "service connection error (Access Denied.)"),
        _row("audit", "Queued", 0, 22), _row("empty", "Queued", 0, 0),
        _row("legacy", "Excluded", 0, 66, "rule has no existing-object replication"),
        _row("staging", "Excluded", 0, 44, "the target bucket staging does not exist on target")])


class StubService:
    """Connect (under the site screens) lists no bucket; the site screens use the scripted ops only."""

    def list_buckets(self, alias: str) -> list[str]:
        return []


def _app(ops: Any) -> Any:
    app = make_app(StubService(), aliases=["source", "target"], lab=True, clock=FixedClock(), persist=False)
    app.site_ops = ops
    return app


def _show(make_screen: Callable[[Any], Any], times: Optional[list[float]] = None) -> Callable[[Any], Any]:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        screen = make_screen(pilot.app)
        if times is not None:
            ticks = iter(times)
            screen.monotonic = lambda: next(ticks, times[-1])
        await pilot.app.push_screen(screen)
        await settle(pilot, 4)

    return run_before


def _session(plan: Optional[SitePlan] = None) -> SiteSession:
    session = SiteSession("source", "target")
    if plan is not None:
        session.choose_plan(plan)
    return session


def _sr_fleet(progress: float) -> Any:
    """A site-level resync part way: docs did not start (the answer listed it), the others follow their own bucket
    resync (all with the site resync's ID), the metrics stream's line on top."""
    rid = "4fb08789-7d31-4b34-8012-d136cd681118"
    rows = []
    for b in SR_PLAN.buckets:
        n = b.source_versions or 0
        if b.bucket == "docs":
            rows.append(_row("docs", "Failed", 0, n, "did not start: no valid remote target found for this peer "
                                                     "target (6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f)"))
        elif n >= 300:
            rows.append(replace(_row(b.bucket, "Ongoing", int(n * progress), n), reset_id=rid))
        else:
            rows.append(replace(_row(b.bucket, "Completed", n, n), reset_id=rid))
    return snapshot(rows, mode=SITE_MODE,
                    note="docs did not start (see the row); the server keeps reporting this site resync Ongoing "
                         "while any bucket never started, so each bucket's own status is what counts here",
                    site=f"site resync 4fb08789: Ongoing · {int(51_320 * progress):,} versions re-sent · 0 failed")


class TestSiteReplication:
    def test_plan(self, snap_compare: Any) -> None:
        """Both aliases peers of one group: the status line recommends ONE site-level resync (p: per bucket), the mc
        line is `mc admin replicate resync start source target`, the footer drops the per-bucket keys."""
        ops = FakeOps(plan=SR_PLAN)
        assert snap_compare(_app(ops), terminal_size=(80, 24), run_before=_show(
            lambda app: SitePlanScreen(app.service, app.state, _session(), ops)))

    def test_monitor(self, snap_compare: Any) -> None:
        """During a site-level resync: the metrics line under the totals, docs Failed with the server's reason, the
        note on the banner, each bucket's own progress; x cancels, m is gone."""
        ops = FakeOps(runner=FakeRunner([_sr_fleet(0.3), _sr_fleet(0.4)]))
        assert snap_compare(_app(ops), terminal_size=(80, 24), run_before=_show(
            lambda app: SiteMonitorScreen(app.service, app.state, _session(SR_PLAN), ops), times=[0.0, 30.0]))


class TestSitePlan:
    def test_loaded(self, snap_compare: Any) -> None:
        """Ten buckets: eight ready (all included), legacy and staging needing a fix; the cursor on archive."""
        ops = FakeOps()
        assert snap_compare(_app(ops), terminal_size=(80, 24), run_before=_show(
            lambda app: SitePlanScreen(app.service, app.state, _session(), ops)))

    def test_empty(self, snap_compare: Any) -> None:
        """No bucket can be resynced: the status says so; the fix of the highlighted bucket is under the table."""
        ops = FakeOps(plan=EMPTY_PLAN)
        assert snap_compare(_app(ops), terminal_size=(80, 24), run_before=_show(
            lambda app: SitePlanScreen(app.service, app.state, _session(), ops)))

    def test_error(self, snap_compare: Any) -> None:
        """Unrelated deployments: the one-line error in the status and the blocking modal with the fix."""
        ops = FakeOps(plan=InputError("no bucket on source replicates to target (12 buckets checked; their remote "
                                      "targets point at 10.0.0.9:9000)", title="Unrelated deployments",
                                      hint="Check the pair: the damaged site must be a replication target of source."))
        assert snap_compare(_app(ops), terminal_size=(80, 24), run_before=_show(
            lambda app: SitePlanScreen(app.service, app.state, _session(), ops)))


class TestFleetMonitor:
    def test_loaded(self, snap_compare: Any) -> None:
        """Two snapshots 60 s apart: rates and ETAs per running bucket, totals and a site ETA on top, one Failed
        row with its reason, two queued, two excluded."""
        ops = FakeOps(runner=FakeRunner([_fleet(0.3), _fleet(0.4)]))
        assert snap_compare(_app(ops), terminal_size=(80, 24), run_before=_show(
            lambda app: SiteMonitorScreen(app.service, app.state, _session(PLAN), ops), times=[0.0, 60.0]))

    def test_empty(self, snap_compare: Any) -> None:
        """Nothing started yet: every included bucket queued (no rate, no ETA)."""
        queued = snapshot([_row(b.bucket, "Queued", 0, b.source_versions or 0) for b in PLAN.recoverable()])
        ops = FakeOps(runner=FakeRunner([queued]))
        assert snap_compare(_app(ops), terminal_size=(80, 24), run_before=_show(
            lambda app: SiteMonitorScreen(app.service, app.state, _session(PLAN), ops), times=[0.0]))

    def test_error(self, snap_compare: Any) -> None:
        """The healthy site stopped answering: the connection-lost banner over the last good rows."""
        paused = _fleet(0.3)
        paused = snapshot(paused.rows, paused="the healthy site source does not answer")
        ops = FakeOps(runner=FakeRunner([_fleet(0.3), paused]))
        assert snap_compare(_app(ops), terminal_size=(80, 24), run_before=_show(
            lambda app: SiteMonitorScreen(app.service, app.state, _session(PLAN), ops), times=[0.0, 30.0]))


def _report(bucket: str, versions: int, missing: int = 0) -> ValidationReport:
    samples = tuple(VersionDiff("missing_on_target", f"year=2024/{bucket}-{i:05d}.bin", f"v-{bucket}-{i:04d}",
                                ObjectVersion(f"year=2024/{bucket}-{i:05d}.bin", f"v-{bucket}-{i:04d}", True, T0,
                                              size=700), None) for i in range(min(missing, 3)))
    return ValidationReport(source=f"source/{bucket}", target=f"target/{bucket}", prefix="",
                            source_counts=SideCounts(versions, versions, 0, 0),
                            target_counts=SideCounts(versions - missing, versions - missing, 0, 0),
                            missing_on_target=missing, extra_on_target=0, mismatched=0, samples=samples,
                            incomplete=False, elapsed=1.0)


def _validation() -> SiteValidation:
    buckets = tuple(BucketValidation(b.bucket, b.bucket, report=_report(b.bucket, b.source_versions or 0,
                                                                         12 if b.bucket == "docs" else 0))
                    for b in PLAN.recoverable() if b.bucket != "logs")
    lost = BucketValidation("logs", "logs", error="Cannot list object versions: target at 127.0.0.1:9000 is "
                                                  "unreachable (connection refused)", error_exit_code=3)
    return SiteValidation("source", "target", tuple(sorted(buckets + (lost,), key=lambda b: b.bucket)))


class TestFleetValidation:
    def test_loaded(self, snap_compare: Any) -> None:
        """Six in sync, docs with 12 missing, logs unknown (its listing failed): the summary says not all in sync."""
        ops = FakeOps(validation=_validation())
        assert snap_compare(_app(ops), terminal_size=(80, 24), run_before=_show(
            lambda app: SiteValidateScreen(app.service, app.state, _session(PLAN), ops)))

    def test_empty(self, snap_compare: Any) -> None:
        """No bucket included: nothing to validate, said plainly."""
        session = _session(PLAN)
        session.included = set()
        ops = FakeOps(validation=SiteValidation("source", "target", ()))
        assert snap_compare(_app(ops), terminal_size=(80, 24), run_before=_show(
            lambda app: SiteValidateScreen(app.service, app.state, session, ops)))

    def test_error(self, snap_compare: Any) -> None:
        """The validation could not run (the damaged site went away): the status line says so and how to retry."""
        ops = FakeOps(validation=ConnectionFailure("Cannot list object versions: target at 127.0.0.1:9000 is "
                                                   "unreachable (connection refused)", hint="Check the target."))
        assert snap_compare(_app(ops), terminal_size=(80, 24), run_before=_show(
            lambda app: SiteValidateScreen(app.service, app.state, _session(PLAN), ops)))
