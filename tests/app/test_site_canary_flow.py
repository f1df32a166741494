"""The site report's canary round in the wizard on the `site-loss` lab (issue 11 item 5), keyboard only at 80x24:
`k` opens the sample picker, `-` `b` marks the two biggest, `w` writes their canaries; the other buckets get
none, a bucket whose rules back are missing is "unknown" (never a tick), and the site report says which buckets
were sampled and what each proved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import SelectionList, Static

from helpers.labkit import site_loss_lab
from helpers.pilot import settle, wait_for
from recovery_tui.lab.server import Lab
from recovery_tui.procedure.site_ops import SiteOps, SiteSession
from recovery_tui.screens.site_canary import CanarySampleModal
from recovery_tui.screens.site_report import SiteReportScreen
from recovery_tui.service.canary import CANARY_PREFIX
from recovery_tui.service.sitecanary import SEEN, UNKNOWN, sample

pytestmark = pytest.mark.slow  # a canary round on a site lab through the wizard


@pytest.fixture
def site_lab() -> Any:
    with site_loss_lab(40) as lab:
        yield lab


def canary_buckets(lab: Lab) -> set[str]:
    return set(lab.call(lambda: {n for rt in (lab.source, lab.target) for n, b in rt.site.buckets.items()
                                 if any(k.startswith(CANARY_PREFIX) for k in b.keys)}))


async def test_sampled_canary_round_keyboard_only(site_lab: Lab, wizard: Any) -> None:
    app = wizard(site_lab)
    session = SiteSession("source", "target")
    session.choose_plan(SiteOps(app.service).plan("source", "target"))
    assert session.plan is not None
    two = sample(session.plan.recoverable(), "biggest", 2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(SiteReportScreen(app.service, app.state, session))
        report = app.screen
        await wait_for(pilot, lambda: bool(session.rules), what="the rules compared")
        await pilot.press("k")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, CanarySampleModal)
        assert len(modal.query_one(SelectionList).selected) == len(session.included)  # every bucket, by default
        await pilot.press("minus", "b")
        assert modal.marked == two
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(report, SiteReportScreen) and report.canaries and not report._busy,
                       timeout=60, what="the canary round")
        assert session.canary_sample == two and set(report.canaries) == set(two)
        assert canary_buckets(site_lab) == set(two)  # nothing written outside the sample
        status = str(report.query_one("#rep-status", Static).render())
        assert f"Canary round (2 of {len(session.included)} buckets)" in status
        await pilot.press("w")
        await settle(pilot)
        doc = json.loads(Path(session.report_paths[1]).read_text())
    rows = {b["bucket"]: b for b in doc["buckets"]}
    one_way = session.canary_one_way
    for b in two:
        assert rows[b]["canary_verdict"] == (UNKNOWN if b in one_way else SEEN), rows[b]
    assert all(rows[b]["canary_verdict"] is None for b in rows if b not in two)
    canary = next(c for c in doc["checklist"] if c["key"] == "canary")
    assert f"sampled buckets of {len(session.included)}" in canary["label"]
    assert canary["done"] == all(rows[b]["canary_verdict"] == SEEN for b in two)


async def test_an_unproven_canary_never_ticks(site_lab: Lab, wizard: Any) -> None:
    """photos lost its rules back on the damaged site: its round can only go one way, so it stays unknown."""
    app = wizard(site_lab)
    session = SiteSession("source", "target")
    session.choose_plan(SiteOps(app.service).plan("source", "target"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(SiteReportScreen(app.service, app.state, session))
        report = app.screen
        await wait_for(pilot, lambda: bool(session.rules), what="the rules compared")
        assert session.rules["photos"].to_fix
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("a")  # none
        modal = app.screen
        assert isinstance(modal, CanarySampleModal) and modal.marked == []
        await pilot.press("w")  # nothing marked: it says so and stays
        await settle(pilot)
        assert app.screen is modal
        order = [b.bucket for b in modal.rows]
        await pilot.press(*["down"] * order.index("photos"), "space", "w")
        await wait_for(pilot, lambda: bool(report.canaries) and not report._busy, timeout=60, what="the round")
        text = str(report.query_one("#rep-canary", Static).render())
        assert "? photos: unknown" in text and "not tested" in text and "✓" not in text
        canary = next(c for c in report.query_one("#rep-check", Static).render().plain.splitlines()
                      if "Canary" in c)
        assert canary.startswith("☐") and "(0/1 sampled" in canary
