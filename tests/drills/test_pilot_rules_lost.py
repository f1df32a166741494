"""Pilot: `--lab --drill rules-lost` (total loss, the target's rules gone too), played well and badly."""

from __future__ import annotations

from typing import Any

import pytest

from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.steps import Step

from pilot_helpers import (
    begin,
    debrief,
    drill_app,
    ids,
    on_step,
    pick_source,
    settle,
    start_resync,
    to_preflight,
    validate,
    wait_for,
    watch_to_end,
)

pytestmark = pytest.mark.slow  # a whole drill through the wizard on its lab


def recreate_target_rules(lab: Any) -> None:
    """What the trainee does with the mc commands Next steps prints (the lab has no set-remote-target API,
    so the test writes the remote target and the rule those commands create)."""
    from recovery_tui.lab import replconfig, store

    def restore() -> None:
        site, peer = lab.target.site, lab.source
        arn = f"arn:minio:replication::{peer.site.deployment_id}:data"
        site.targets["data"] = [store.LabTarget(
            arn=arn, source_bucket="data", endpoint=f"{peer.host}:{peer.port}", target_bucket="data",
            access_key=peer.site.access_key, secret_key=peer.site.secret_key, region=peer.site.region)]
        rule = replconfig.active_active_rule(arn, rule_id="recreated-by-trainee", priority=1)
        site.buckets["data"].replication_xml = replconfig.render(replconfig.LabConfig(rules=[rule]))

    lab.call(restore)


async def to_next_steps(pilot: Any, app: Any) -> None:
    await begin(pilot, app)
    await pick_source(pilot, app)
    await to_preflight(pilot, app)
    await start_resync(pilot, app)
    await watch_to_end(pilot, app)
    assert (await validate(pilot, app)).in_sync
    await pilot.press("n")
    await wait_for(pilot, lambda: on_step(app, Step.NEXT_STEPS), what="next steps")
    await settle(pilot, app)


async def tick(pilot: Any, app: Any, index: int, *, confirm: bool = False) -> None:
    app.screen.query_one("#ns-checklist").highlighted = index
    await pilot.press("enter")
    if confirm:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="tick confirmation")
        await pilot.press("y")
    await settle(pilot, app)


def item(app: Any, key: str) -> Any:
    return next(i for i in app.state.checklist if i.key == key)


async def test_played_well_recreates_rules_and_proves_both_ways() -> None:
    app, session = drill_app("rules-lost")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await to_next_steps(pilot, app)
            assert app.state.extra.get("rules_to_recreate") and not item(app, "rules-restored").done
            recreate_target_rules(session.lab)
            await pilot.press("r")
            await wait_for(pilot, lambda: item(app, "rules-restored").done, what="rules re-checked")
            await pilot.press("k")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="canary question")
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), timeout=90, what="removal question")
            await pilot.press("y")
            await wait_for(pilot, lambda: item(app, "replication-verified").done, what="canaries seen both ways")
            await tick(pilot, app, 3)  # load balancer: only now
            await pilot.press("d")
            result = (await debrief(pilot, app)).result
            assert ids(result.met) == {"resynced", "in-sync", "rules-restored", "canaries-both-ways"}
            assert result.made == [] and result.passed
    finally:
        session.stop()


async def test_played_badly_gives_traffic_back_without_proof() -> None:
    app, session = drill_app("rules-lost")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await to_next_steps(pilot, app)
            await tick(pilot, app, 1, confirm=True)  # "rules restored", by hand, nothing recreated
            await tick(pilot, app, 3, confirm=True)  # load balancer, with no canary ("Tick anyway")
            await pilot.press("d")
            if isinstance(app.screen, ConfirmModal):
                await pilot.press("y")
            result = (await debrief(pilot, app)).result
            assert ids(result.made) == {"traffic-before-proof", "ticked-by-hand"}
            assert ids(result.critical) == {"traffic-before-proof"}
            assert ids(result.missed) == {"rules-restored", "canaries-both-ways"} and not result.passed
    finally:
        session.stop()
