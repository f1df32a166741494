"""Ctrl+C and SIGHUP in the wizard's fleet monitor (issue 11, "Bad input and faults"): the real console script
on an 80x24 pty against an in-test `site-loss` lab (MC_HOST_ aliases, so the session is resumable). Connect's
`w` → the plan → `o` (as listed) · `m` (8 at once) · `s` + the typed alias → the fleet monitor with one bucket
Completed, eight Ongoing (held by the lab) and four Queued. Then Ctrl+C (the App's key) or SIGHUP (the
terminal goes away): the process ends within 2 s, nothing is cancelled on the server, the checkpoint and the
session hold the run, and a second start reattaches: every row comes back, the Queued ones wait while no slot
is free and start once the held ones finish, and no bucket is ever started twice (the lab's counter)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

import pytest

from helpers.fleetkit import EXIT_WITHIN, checkpoint_rows, server_records, starts, statuses, wait_mid_fleet
from helpers.labkit import saved_state, site_loss_lab
from helpers.ptykit import PtyApp, pty_available
from helpers.waiting import wait_until
from recovery_tui.lab import sitescen
from recovery_tui.lab.server import Lab

pytestmark = [pytest.mark.skipif(pty_available() is not None, reason=str(pty_available())),
              pytest.mark.slow]  # the real console script on a pty, started twice per test

AT_ONCE = 8
LISTED = sorted(sitescen.recoverable("site-loss"))
"""The plan's order (`o`: as listed): `empty` is among the first eight, so its slot goes to the ninth."""
STARTED = LISTED[:AT_ONCE + 1]
RUNNING = [b for b in STARTED if b != "empty"]
QUEUED = LISTED[AT_ONCE + 1:]
TOTALS = f"1 completed · {len(RUNNING)} running · {len(QUEUED)} queued"


@pytest.fixture
def site_lab() -> Iterator[Lab]:
    with site_loss_lab(60, hold=True) as lab:
        yield lab


@pytest.fixture
def launch(site_lab: Lab) -> Iterator:
    apps: list[PtyApp] = []

    def start() -> PtyApp:
        app = PtyApp([], site_lab.env())
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.close()


def _to_fleet_monitor(app: PtyApp) -> None:
    app.expect("Step 1 of 7", 30)
    app.expect("⇄", 30)  # Connect has listed source's buckets
    app.press("w")
    app.expect("Pick the damaged site", 10)
    app.mark()
    app.press("enter")
    app.expect(" included · ", 60)
    app.press("o", "m")  # as listed; 4 → 8 at once
    app.expect(f"{AT_ONCE} at a time, as listed", 10)
    app.press("s")
    app.expect("Start the site resync?", 10)
    app.mark()
    app.press(*"target", "enter")
    app.expect(TOTALS, 60)


@pytest.mark.parametrize("way", ["Ctrl+C", "SIGHUP"])
def test_fleet_monitor_interrupted_then_reattached(site_lab: Lab, launch, way: str) -> None:
    state_dir = Path(os.environ["RECOVERY_TUI_STATE_DIR"])
    app = launch()
    _to_fleet_monitor(app)
    saved_rows = wait_mid_fleet(state_dir, ["empty"], RUNNING, QUEUED, proc=app.proc)
    start = time.monotonic()
    if way == "SIGHUP":
        app.hangup()  # the terminal goes away, as when an SSH session drops
    else:
        app.press("ctrl+c")
    code = app.wait(EXIT_WITHIN + 1)
    seconds = time.monotonic() - start
    assert code is not None and seconds <= EXIT_WITHIN + 0.2, f"{way}: still running {seconds:.1f} s after it"
    assert code == (129 if way == "SIGHUP" else 130), (code, app.text(since_mark=False)[-800:])

    records = server_records(site_lab)  # nothing was cancelled: the held ones still run, each started once
    assert {b: records[b][0] for b in STARTED} == {b: "Completed" if b == "empty" else "Ongoing" for b in STARTED}
    assert starts(site_lab) == {b: 1 for b in STARTED}
    rows = checkpoint_rows(state_dir)  # the checkpoint holds every row as the monitor last saw it
    assert statuses(rows) == statuses(saved_rows) and not rows["empty"]["_done"]
    assert all(rows[b]["reset_id"] == records[b][1] for b in STARTED)
    session = saved_state(lab_mode=False)
    assert session is not None and session.extra["site"]["target"] == "target"

    again = launch()
    again.expect("Resume the previous session?", 30)
    # the dialog may arrive in more than one write, its line wrapped: wait for the words, across line ends
    wait_until(lambda: "whole-site run source → target" in " ".join(again.text().split()), timeout=10,
               what="the offer naming the whole-site run")
    again.mark()
    again.press("y")
    again.expect(TOTALS, 60)  # every row back: the held ones followed, the rest still queued
    assert starts(site_lab) == {b: 1 for b in STARTED}
    site_lab.faults.release_resync()
    again.expect("Every bucket Completed", 120)
    assert starts(site_lab) == {b: 1 for b in LISTED}  # each bucket started exactly once over both runs
    finished = server_records(site_lab)
    assert all(finished[b][1] == records[b][1] for b in STARTED)  # followed, never restarted
    assert all(finished[b][0] == "Completed" for b in LISTED)
    again.press("q")
    assert again.wait(10) is not None
    assert "Traceback" not in again.text(since_mark=False)
    if way != "SIGHUP":
        assert "Traceback" not in app.text(since_mark=False)

