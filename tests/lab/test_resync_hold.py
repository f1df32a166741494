"""The `hold_resync` fault: a resync sits, Ongoing, at exactly N % of its versions until released.

Tests that race a running resync (a monitor, a second start, a cancel) hold it instead of slowing it down
and hoping, and wait on `held_resyncs()` instead of on the clock.
"""

from __future__ import annotations

from typing import Iterator

import pytest
import requests

from helpers.waiting import wait_until
from recovery_tui.lab.server import Lab

from fixtures_repl import BUCKET, arn_of, make_lab, raw, resync_status, start_resync, wait_resync_done


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = make_lab("partial-loss")
    yield lab
    lab.stop()


def _eligible(lab: Lab) -> int:
    """Versions a resync of the source re-sends: every one but the replicas."""
    b = lab.source.site.buckets[BUCKET]
    return lab.call(lambda: sum(1 for v in b.iter_versions() if v.replication_status != "REPLICA"))


@pytest.mark.parametrize("percent", [0, 50, 99.5])
def test_resync_sits_at_the_held_share_until_released(lab: Lab, percent: float) -> None:
    arn, total = arn_of(lab), _eligible(lab)
    lab.faults.hold_resync(percent)
    assert start_resync(lab, arn, reset_id="held").status == 200
    held = wait_until(lab.faults.held_resyncs, what="the resync waiting at the hold")
    share = int(total * percent / 100)
    assert held == [{"site": "source", "bucket": BUCKET, "arn": arn, "count": share}]
    t = resync_status(lab, arn)["target"][0]
    assert t["resyncStatus"] == "Ongoing" and t["resetid"] == "held"
    assert t["replicationCount"] + t["failedReplicationCount"] == share
    lab.faults.release_resync()
    done = wait_resync_done(lab, arn)
    assert done["resyncStatus"] == "Completed" and done["replicationCount"] == total
    assert lab.faults.held_resyncs() == []


def test_hold_through_the_control_endpoint_and_clear(lab: Lab) -> None:
    ctl = lab.source.url + "/_lab/fault"
    for bad in (100, -1, "half", True, None):
        r = requests.post(ctl, json={"action": "hold-resync", "percent": bad}, timeout=5)
        assert r.status_code == 400 and not r.json()["ok"], bad
    r = requests.post(ctl, json={"action": "hold-resync", "percent": 25}, timeout=5)
    assert r.ok and r.json()["state"]["resync_hold"] == {"percent": 25.0, "held": []}
    arn = arn_of(lab)
    assert start_resync(lab, arn).status == 200
    wait_until(lambda: requests.get(lab.target.url + "/_lab/state", timeout=5).json()["resync_hold"]["held"],
               what="the hold reported by /_lab/state")
    r = requests.post(ctl, json={"action": "release-resync"}, timeout=5)
    assert r.ok and r.json()["state"]["resync_hold"]["percent"] is None
    assert wait_resync_done(lab, arn)["resyncStatus"] == "Completed"
    lab.faults.hold_resync(10)
    assert requests.post(ctl, json={"action": "clear"}, timeout=5).ok
    assert lab.faults.resync_hold() is None


def test_a_held_resync_can_be_canceled() -> None:
    lab = make_lab("partial-loss", flavor="aistor")
    try:
        arn = arn_of(lab)
        lab.faults.hold_resync(30)
        assert start_resync(lab, arn, reset_id="to-cancel").status == 200
        wait_until(lab.faults.held_resyncs, what="the resync waiting at the hold")
        r = raw(lab.source, "PUT", "/data", [("replication-reset-cancel", ""), ("arn", arn)])
        assert (r.status, r.text) == (200, "to-cancel")
        wait_until(lambda: not lab.source.replicator.resync.jobs, what="the canceled job's end")
        assert resync_status(lab, arn)["target"][0]["resyncStatus"] == "Canceled"
        assert lab.faults.held_resyncs() == []
    finally:
        lab.stop()
