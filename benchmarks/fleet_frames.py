"""S2 (issue 11): the fleet monitor's frame time with 1,000 rows updating.

The real `SiteMonitorScreen` in a headless Textual app at 80x24 (no lab: a scripted runner), a plan of
1,000 buckets all running. Each frame posts one fleet snapshot in which every row's counts changed (so every
row's re-sent, rate and ETA cells change) and waits until the app has handled it and painted; the time of
that round trip is one frame. After 3 warm-up frames, 30 are measured. Target: the 95th percentile at most
100 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from typing import Any

Row = tuple[str, str, str, str, bool]


class _Stub:
    def list_buckets(self, alias: str) -> list[str]:
        return []


class _IdleRunner:
    def __init__(self) -> None:
        self.cancel = threading.Event()
        self.on_update: Any = None

    def run(self) -> None:
        return None

    def snapshot(self) -> Any:
        return None

    def set_max_running(self, n: int) -> None:
        pass


class _Ops:
    def runner(self, session: Any, **kw: Any) -> _IdleRunner:
        return _IdleRunner()


async def _frames(n_rows: int, frames: int) -> list[float]:
    from recovery_tui.app import make_app
    from recovery_tui.procedure.site_ops import SiteSession
    from recovery_tui.screens.site_monitor import FleetUpdated, SiteMonitorScreen
    from recovery_tui.service.fleetmodel import FleetRow, snapshot
    from recovery_tui.service.sitemodels import BUCKET_MODE, BucketPlan, SitePlan

    names = [f"bucket-{i:04d}" for i in range(n_rows)]
    plan = SitePlan("source", "target", BUCKET_MODE, tuple(
        BucketPlan(n, arn=f"arn:minio:replication::u:{n}", target_bucket=n, recoverable=True, source_versions=10_000)
        for n in names))
    session = SiteSession("source", "target")
    session.choose_plan(plan)
    ops = _Ops()
    app = make_app(_Stub(), aliases=["source", "target"], lab=False, persist=False)
    app.site_ops = ops
    times: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = SiteMonitorScreen(app.service, app.state, session, ops)  # type: ignore[arg-type]
        await app.push_screen(screen)
        await pilot.pause()
        for i in range(frames + 3):
            snap = snapshot([FleetRow(bucket=n, arn=f"arn:minio:replication::u:{n}", status="Ongoing",
                                      reset_id=f"r-{n}", replicated_count=(i + 1) * (7 + j % 13),
                                      replicated_size=(i + 1) * 1000, source_versions=10_000)
                             for j, n in enumerate(names)])
            t = time.perf_counter()
            screen.post_message(FleetUpdated(snap))
            await pilot.pause()
            if i >= 3:
                times.append(time.perf_counter() - t)
    return times


def bench_s2(rows: int = 1000, frames: int = 30) -> list[Row]:
    times = asyncio.run(_frames(rows, frames))
    p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
    med = statistics.median(times)
    return [("S2", f"fleet monitor frame with {rows:,} rows updating ({frames} frames, 80x24)",
             f"median {med * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms", "p95 <= 100 ms", p95 <= 0.100)]


__all__ = ["bench_s2"]
