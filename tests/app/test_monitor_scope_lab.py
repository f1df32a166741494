"""The monitor's total is what the server's resync re-sends (issue 13 item 8): with a prefix-filtered rule the
total is the versions under the prefix, the job ends at 100 % of it, and the ETA's denominator is right."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from helpers.labkit import drain_replication
from helpers.waiting import wait_until
from recovery_tui.lab import replconfig
from recovery_tui.lab.server import Lab
from recovery_tui.screens.monitor import MonitorScreen
from recovery_tui.widgets.resync_progress import ResyncProgress


async def _wait(pilot: Any, cond: Callable[[], bool], timeout: float = 30.0, show: Callable[[], str] = str) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        assert loop.time() < end, f"condition not reached: {show()}"
        await pilot.pause(0.05)


async def test_prefix_rule_total_matches_the_server(lab: Lab, wizard: Callable[..., Any]) -> None:
    def to_docs() -> None:
        b = lab.source.site.buckets["data"]
        cfg = replconfig.parse_config(b.replication_xml)
        cfg.rules[0].filter_prefix = "docs/"
        b.replication_xml = replconfig.render(cfg)
    lab.call(to_docs)
    under = lab.call(lambda: sum(1 for v in lab.source.site.buckets["data"].iter_versions()
                                 if v.key.startswith("docs/")))
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        st = app.state
        st.source_alias, st.source_bucket, st.target_alias, st.target_bucket, st.step = \
            "source", "data", "target", "data", 4
        st.arn = app.service.replication_config("source", "data").rules[0].destination_arn
        st.reset_id = app.service.start_resync("source", "data", st.arn).reset_id
        monitor = MonitorScreen(app.service, st, interval=0.2)
        await app.push_screen(monitor)
        await _wait(pilot, lambda: st.resync_status == "Completed" and st.source_versions is not None)
        assert st.source_versions == under == st.replicated_count + st.failed_count
        await pilot.pause(0.3)
        shown = monitor.query_one(ResyncProgress).shown
        assert shown.source_total == under and shown.view is not None and shown.view.fraction == 1.0


async def test_monitor_shows_both_sides(lab: Lab, wizard: Callable[..., Any]) -> None:
    """Issue 13 item 6: under the progress panel, `mc replicate status` of the source and of the target: link,
    queued, failures in the last minute / hour, transfer rate and replicas received (the target's grow)."""
    from recovery_tui.widgets.repl_sides import ReplSides

    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        st = app.state
        st.source_alias, st.source_bucket, st.target_alias, st.target_bucket, st.step = \
            "source", "data", "target", "data", 4
        st.arn = app.service.replication_config("source", "data").rules[0].destination_arn
        st.reset_id = app.service.start_resync("source", "data", st.arn).reset_id
        monitor = MonitorScreen(app.service, st, interval=0.2)
        await app.push_screen(monitor)
        sides = monitor.query_one(ReplSides)
        await _wait(pilot, lambda: st.resync_status == "Completed")
        drain_replication(lab)  # nothing in flight on either site: the count no longer moves
        received = lab.call(lambda: lab.target.replicator.metrics.bucket("data").replica_count)
        assert received > 0
        # a refresh (r) after the last replica landed shows the final figures (a loaded host may land the last
        # replicas after the monitor's final poll, and the monitor stops polling once the job is Completed)
        await pilot.press("r")
        await _wait(pilot, lambda: bool(sides.sides[1].status) and sides.sides[1].status.replica_count == received)
        source, target = str(sides.render()).splitlines()
        assert source.startswith("Source") and "● online" in source and "failed 0/1m 0/1h" in source
        assert target.startswith("Target") and f"received {received:,}" in target and "queued" in target
    lab.faults.set_offline("target", True)
    try:
        # the resync is Completed, so the monitor asks both sides' status only once: only after the source's health
        # probe (once a second) has seen its target down does that answer say OFFLINE
        wait_until(lambda: lab.call(lambda: not lab.source.site.targets["data"][0].online), timeout=10,
                   what="the source sees its target offline")
        app = wizard(lab)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            st = app.state
            st.source_alias, st.source_bucket, st.target_alias, st.target_bucket, st.step = \
                "source", "data", "target", "data", 4
            st.arn = app.service.replication_config("source", "data").rules[0].destination_arn
            monitor = MonitorScreen(app.service, st, interval=0.2)
            await app.push_screen(monitor)
            sides = monitor.query_one(ReplSides)
            await _wait(pilot, lambda: sides.sides[1].error != "" and "OFFLINE" in str(sides.render()),
                        show=lambda: f"{sides.sides[1].error!r} / {sides.render()}")
            assert "replication status unknown" in str(sides.render()).splitlines()[1]
    finally:
        lab.faults.set_offline("target", False)
