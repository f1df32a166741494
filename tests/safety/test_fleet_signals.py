"""Ctrl+C and SIGHUP mid-fleet (issue 11, "Bad input and faults"): a whole-site run with some buckets
Completed, some Ongoing and some Queued is interrupted; the process ends within 2 s, nothing is cancelled on
the server, the plan's checkpoint holds every row, and the same command again (headless) restores every row:
the Ongoing ones are followed (same ResetID), the Queued ones stay queued while no slot is free and start
later, the Completed one stays completed, and no bucket is ever started twice (the lab's own per-bucket
counter of resync starts). The wizard's fleet monitor under a pty: see test_fleet_signals_wizard.py."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Iterator

import pytest

from helpers.fleetkit import (
    EXIT_WITHIN,
    FLEET,
    HeadlessRun,
    checkpoint_rows,
    server_records,
    starts,
    statuses,
    wait_mid_fleet,
)
from helpers.labkit import site_loss_lab
from helpers.ptykit import PtyApp
from helpers.waiting import wait_until
from recovery_tui.journal import list_runs, read_run
from recovery_tui.lab.server import Lab

pytestmark = pytest.mark.slow  # real processes on a site lab, each run twice

RUNNING, QUEUED = FLEET[1:3], FLEET[3:]


@pytest.fixture
def site_lab() -> Iterator[Lab]:
    with site_loss_lab(60, hold=True) as lab:
        yield lab


@pytest.mark.parametrize("way", [signal.SIGINT, signal.SIGHUP], ids=["Ctrl+C", "SIGHUP"])
def test_headless_run_interrupted_mid_fleet_then_continued(site_lab: Lab, way: int) -> None:
    state_dir = Path(os.environ["RECOVERY_TUI_STATE_DIR"])
    args = ["--buckets", ",".join(FLEET), "--max-running", "2", "--interval", "0.05", "--json"]
    first = HeadlessRun(site_lab, args)
    try:
        wait_mid_fleet(state_dir, ["empty"], RUNNING, QUEUED, proc=first.proc)
        code, seconds, err = first.interrupt(way)
    finally:
        first.close()
    assert code is not None and seconds <= EXIT_WITHIN, f"still running {seconds:.1f} s after the signal ({err})"
    assert code == 128 + way, (code, err[-800:])
    assert "Traceback" not in err and "run the same command again" in err

    # nothing was cancelled on the server: the running ones still run, each started once
    records = server_records(site_lab)
    assert {b: records[b][0] for b in FLEET if b in records} == {"empty": "Completed", **{b: "Ongoing" for b in
                                                                                       RUNNING}}
    assert starts(site_lab) == {"empty": 1, **{b: 1 for b in RUNNING}}
    # the checkpoint holds every row as it was
    saved = checkpoint_rows(state_dir)
    assert statuses(saved) == {"empty": "Completed", **{b: "Ongoing" for b in RUNNING}, **{b: "Queued" for b in
                                                                                          QUEUED}} | {
        b: "Excluded" for b in statuses(saved) if b not in FLEET}
    assert not saved["empty"]["_done"] and all(saved[b]["reset_id"] == records[b][1] for b in RUNNING)
    interrupted = [r for run in list_runs() if run.mode == "site-resync-start" for r in read_run(run.path)
                   if r.get("result") == "interrupted"]
    assert [r["detail"]["exit_code"] for r in interrupted] == [128 + way]

    # the same command again: the running ones are followed, the queued ones wait for a free slot
    again = HeadlessRun(site_lab, args)
    try:
        before = saved["empty"]["_saved_at"]
        wait_until(lambda: (checkpoint_rows(state_dir).get("empty") or {}).get("_saved_at", before) > before
                   or again.proc.poll() is not None, what="the second run's first checkpoint")
        assert again.proc.poll() is None
        assert statuses(checkpoint_rows(state_dir)) == statuses(saved)  # nothing moved while both slots are held
        assert starts(site_lab) == {"empty": 1, **{b: 1 for b in RUNNING}}
        site_lab.faults.release_resync()
        code, out, err = again.finish()
    finally:
        again.close()
    doc = json.loads(out)
    rows = {b["bucket"]: b for b in doc["buckets"]}
    assert code == 0 and doc["status"] == "Completed", err[-800:]
    assert "Continuing the run saved in" in err
    assert all(rows[b]["status"] == "Completed" for b in FLEET)
    assert all(rows[b]["reset_id"] == records[b][1] for b in ["empty", *RUNNING])  # followed, not restarted
    assert starts(site_lab) == {b: 1 for b in FLEET}  # each bucket started exactly once over both runs


def test_on_a_terminal_the_last_live_frame_is_printed_whole_before_the_notice(site_lab: Lab) -> None:
    """On a terminal the fleet is a transient live view, erased as it stops (and cut to the screen's height while
    it runs): after Ctrl+C the rows it last showed are printed whole, then the notice says how to go on."""
    state_dir = Path(os.environ["RECOVERY_TUI_STATE_DIR"])
    app = PtyApp(["site", "resync", "start", "source", "target", "--yes", "--buckets", ",".join(FLEET),
                  "--max-running", "2", "--interval", "0.05"], site_lab.env())
    try:
        wait_mid_fleet(state_dir, ["empty"], RUNNING, QUEUED)
        app.expect("2 running")  # the live view has drawn the fleet as the checkpoint holds it
        app.mark()
        app.press("ctrl+c")
        assert app.wait(EXIT_WITHIN + 1) == 130
        text = app.text().replace("\r", "")
    finally:
        app.close()
    title = "Site resync source → target, as last seen before the interrupt"
    assert title in text and "Traceback" not in text
    after = text[text.index(title):]
    rows = {cells[0]: cells[1] for cells in ([c.strip() for c in line.split("│")[1:-1]] for line in after.splitlines()
                                             if line.startswith("│")) if cells and cells[0] in FLEET}
    assert rows == {"empty": "Completed", **{b: "Ongoing" for b in RUNNING}, **{b: "Queued" for b in QUEUED}}
    notice = after.index("interrupted: 2 resync(s) go on on the server")
    assert notice > after.index("media") and "Continuing" not in after
