"""Snapshots of the whole-site canary round (issue 11 item 5) at 80x24: the sample picker with the three biggest
buckets marked (`b`), and the report screen after a round over that sample: one bucket seen both ways, one NOT
seen (proven: the peer answered "no such version" until the timeout) and one unknown (its rules back are
missing, so only one direction could be tried): only the first gets a tick. Scripted ops, fixed clock."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from helpers.clock import FixedClock
from helpers.pilot import settle
from recovery_tui.app import make_app
from recovery_tui.procedure.next_steps_plan import Plan as RulesPlan
from recovery_tui.procedure.next_steps_plan import RulePlan
from recovery_tui.procedure.site_ops import SiteSession
from recovery_tui.screens.site_report import SiteReportScreen
from recovery_tui.service.canary import CanaryCheck, CanaryWrite
from recovery_tui.service.models import ReplicationRule
from recovery_tui.service.sitemodels import BUCKET_MODE, BucketPlan, SitePlan

pytestmark = pytest.mark.slow  # SVG snapshots

ARN = "arn:minio:replication::5a2f0c1e-8d1b-4c3a-9f2e-0b7c6d5e4f3a:{}"


def _b(name: str, versions: int) -> BucketPlan:
    return BucketPlan(name, arn=ARN.format(name), target_bucket=name, recoverable=True, source_versions=versions,
                      target_versions=versions, source_bytes=versions * 700)


PLAN = SitePlan(source="source", target="target", mode=BUCKET_MODE, metadata="export", buckets=(
    _b("archive", 50_000), _b("audit", 22), _b("backups", 88), _b("crm", 330), _b("docs", 165), _b("empty", 0),
    _b("logs", 660), _b("photos", 396)))


def _check(src: str, dst: str, bucket: str, seen: bool, proven_absent: bool = False, error: str = "") -> CanaryCheck:
    write = CanaryWrite(src, bucket, f".recovery-tui-canary/0a1b2c3d-{src}.txt", f"v-{src}-{bucket}")
    return CanaryCheck(write, dst, seen, 0.6 if seen else 30.0, error, proven_absent=proven_absent,
                       peer_bucket=bucket)


class FakeOps:
    """Rules: photos lost its rules back on target; a canary round gives one outcome of each kind."""

    def rules(self, session: Any) -> dict[str, RulesPlan]:
        lost = RulePlan(ReplicationRule(id="d0hq4c3v8k1l", status="Enabled", priority=1,
                                        destination_arn=ARN.format("photos")), "missing",
                        commands=("mc replicate add target/photos --remote-bucket "
                                  "'https://SOURCE_ACCESS_KEY:SOURCE_SECRET_KEY@source.example:9000/photos' "
                                  "--replicate 'delete,delete-marker,existing-objects' --priority 1",))
        return {b: RulesPlan(rules=(lost,) if b == "photos" else (), target_has_config=b != "photos",
                             remote_target_present=True) for b in session.included}

    def canaries(self, session: SiteSession, run_id: str, *, buckets: Optional[list[str]] = None,
                 timeout: float = 30.0, on_done: Any = None) -> dict[str, list[CanaryCheck]]:
        session.canary_one_way = {"photos"}
        out = {
            "archive": [_check("source", "target", "archive", True), _check("target", "source", "archive", True)],
            "logs": [_check("source", "target", "logs", True),
                     _check("target", "source", "logs", False, True, "not replicated within 30s")],
            "photos": [_check("source", "target", "photos", True)],
        }
        return {b: out[b] for b in buckets or []}


class StubService:
    def list_buckets(self, alias: str) -> list[str]:
        return []


def _run(keys: list[str]) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        session = SiteSession("source", "target")
        session.choose_plan(PLAN)
        await pilot.app.push_screen(SiteReportScreen(pilot.app.service, pilot.app.state, session, FakeOps()))
        await settle(pilot, 4)
        await pilot.press(*keys)
        await settle(pilot, 6)

    return run_before


def _app() -> Any:
    return make_app(StubService(), aliases=["source", "target"], lab=True, clock=FixedClock(), persist=False)


class TestCanarySample:
    def test_picker_three_biggest(self, snap_compare: Any) -> None:
        """`k` opens the picker (every included bucket marked, biggest first); `b` keeps the three biggest."""
        assert snap_compare(_app(), terminal_size=(80, 24), run_before=_run(["k", "b"]))

    def test_round_over_the_sample(self, snap_compare: Any) -> None:
        """`k b w`: the round over archive, logs and photos: ✓ seen both ways, ✗ NOT seen, ? unknown."""
        assert snap_compare(_app(), terminal_size=(80, 24), run_before=_run(["k", "b", "w"]))
