"""`recovery-tui site resync start` as a real process under mid-run faults (issue 11, "Bad input and faults"):
the damaged site goes offline while buckets are Ongoing and others Queued (no new start; past `--max-pause`
exit 3 with the way on, checkpoint kept; the same command later continues and starts each bucket once), and a
bucket deleted mid-run (its row Failed with why, the others Completed, exit 1)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

import pytest

from helpers.fleetkit import FLEET, HeadlessRun, checkpoint_rows, starts, statuses, wait_mid_fleet
from helpers.labkit import site_loss_lab
from recovery_tui.lab.server import Lab

pytestmark = pytest.mark.slow  # real processes on a site lab

RUNNING, QUEUED = FLEET[1:3], FLEET[3:]
ARGS = ["--buckets", ",".join(FLEET), "--max-running", "2", "--interval", "0.05", "--json"]


@pytest.fixture
def site_lab() -> Iterator[Lab]:
    with site_loss_lab(40, hold=True) as lab:
        yield lab


def test_damaged_site_offline_mid_run_pauses_exits_3_then_continues(site_lab: Lab) -> None:
    state_dir = Path(os.environ["RECOVERY_TUI_STATE_DIR"])
    run = HeadlessRun(site_lab, [*ARGS, "--max-pause", "1.5"])
    try:
        wait_mid_fleet(state_dir, ["empty"], RUNNING, QUEUED, proc=run.proc)
        # the damaged site goes down; the two running resyncs end (their versions fail to reach it) and free
        # their slots: no queued bucket may start while it does not answer
        site_lab.faults.set_offline("target", True)
        site_lab.faults.release_resync()
        code, out, err = run.finish(timeout=60)
    finally:
        run.close()
    assert code == 3 and out == "", err[-800:]
    line = [x for x in err.splitlines() if x.startswith("recovery-tui:")]
    assert len(line) == 1 and "damaged site target does not answer" in line[0]
    assert "run the same command again" in line[0].lower()
    saved = statuses(checkpoint_rows(state_dir))
    assert {b: saved[b] for b in QUEUED} == {b: "Queued" for b in QUEUED}  # nothing started while it was down
    assert all(starts(site_lab).get(b, 0) == 0 for b in QUEUED)
    site_lab.faults.set_offline("target", False)
    again = HeadlessRun(site_lab, ARGS)
    try:
        code, out, err = again.finish()
    finally:
        again.close()
    doc = json.loads(out)
    assert code == 0 and all(b["status"] == "Completed" and b["failed_count"] == 0 for b in doc["buckets"]
                             if b["bucket"] in FLEET), err
    # the queued ones started once; the two whose resync ended with failed versions were run again (once)
    assert starts(site_lab) == {"empty": 1, **{b: 2 for b in RUNNING}, **{b: 1 for b in QUEUED}}


def test_bucket_deleted_mid_run_fails_its_row_the_rest_complete(site_lab: Lab) -> None:
    state_dir = Path(os.environ["RECOVERY_TUI_STATE_DIR"])
    run = HeadlessRun(site_lab, ARGS)
    try:
        wait_mid_fleet(state_dir, ["empty"], RUNNING, QUEUED, proc=run.proc)
        site_lab.faults.delete_bucket("source", "audit")
        site_lab.faults.release_resync()
        code, out, err = run.finish()
    finally:
        run.close()
    rows = {b["bucket"]: b for b in json.loads(out)["buckets"]}
    assert code == 1, err[-800:]
    assert rows["audit"]["status"] == "Failed" and "deleted during the run" in rows["audit"]["detail"]
    assert all(rows[b]["status"] == "Completed" for b in FLEET if b != "audit")
    assert starts(site_lab) == {b: 1 for b in FLEET}
