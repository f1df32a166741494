"""Headless commands under lab faults: a site offline → exit 3 and one line naming the alias; latency and
replication failures still give real answers; a wiped bucket is reported as missing versions, never as in sync;
`resync status --watch` survives a transient loss and never reads the error as completion."""

from __future__ import annotations

import json
import threading
import time

import pytest

from helpers.labkit import arn_of, assert_one_line_error, run_main, use_lab_env
from helpers.waiting import wait_until
from recovery_tui.lab.server import Lab


@pytest.mark.parametrize("site, argv", [
    ("source", ["targets", "source/data"]),
    ("source", ["resync", "start", "--remote-bucket", "ARN", "source/data"]),
    ("source", ["resync", "status", "source/data"]),
    ("source", ["resync", "status", "source/data", "--watch", "--interval", "0.2"]),
    ("target", ["validate", "source/data", "target/data"]),
    ("source", ["resync-backlog", "source/data"]),
])
def test_site_offline_exit_3_one_line(lab: Lab, site: str, argv: list[str], capsys, monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    lab.faults.set_offline(site, True)
    r = run_main([arn_of(lab) if a == "ARN" else a for a in argv], capsys)
    assert_one_line_error(r, 3)
    assert site in r.err and "unreachable" in r.err


@pytest.mark.slow
def test_latency_and_replication_failures_still_answer(lab: Lab, capsys, monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    lab.faults.set_latency("target", 0.05)
    lab.faults.fail_replication("docs/*")
    r = run_main(["resync", "start", "--remote-bucket", arn_of(lab), "source/data", "--json"], capsys)
    assert r.code == 0, r.err
    r = run_main(["resync", "status", "source/data", "--watch", "--interval", "0.2", "--json"], capsys)
    status = json.loads(r.out)["resyncInfo"]["target"][0]  # mc's document (§18)
    assert status["resyncStatus"] in ("Completed", "Failed") and r.code in (0, 1)
    r = run_main(["validate", "source/data", "target/data", "--json"], capsys)
    report = json.loads(r.out)
    assert r.code == 1 and report["missing_on_target"] > 0 and not report["in_sync"]


def test_wiped_target_is_missing_not_in_sync(lab_factory, capsys, monkeypatch) -> None:
    lab = lab_factory("healthy", objects=30)
    use_lab_env(lab, monkeypatch)
    lab.faults.wipe_bucket("target", "data")
    r = run_main(["validate", "source/data", "target/data", "--json"], capsys)
    report = json.loads(r.out)
    assert r.code == 1 and report["target"]["versions"] == 0 and report["missing_on_target"] > 0


@pytest.mark.slow
def test_watch_survives_a_transient_loss(lab: Lab, capsys, monkeypatch) -> None:
    """The loss comes after the watch has a sample (the resync is held half-way): polls in the outage are notes,
    never a result; the watch goes on once the site is back and ends only on a real Completed."""
    use_lab_env(lab, monkeypatch)
    lab.faults.hold_resync(50)
    r = run_main(["resync", "start", "--remote-bucket", arn_of(lab), "source/data", "--json"], capsys)
    assert r.code == 0, r.err

    def outage() -> None:
        wait_until(lab.faults.held_resyncs, 20, what="the resync reached its hold")
        time.sleep(0.5)  # the watch has had good samples
        lab.faults.set_offline("source", True)
        time.sleep(2.5)  # longer than a read's three attempts (≤ 1.2 s of READ_POLICY backoff): a poll fails
        lab.faults.set_offline("source", False)
        lab.faults.release_resync()

    loss = threading.Thread(target=outage)
    loss.start()
    try:
        r = run_main(["resync", "status", "source/data", "--watch", "--interval", "0.2", "--json"], capsys)
    finally:
        loss.join()  # never bring a site back after the lab has stopped
    assert r.code == 0, (r.code, r.err)
    assert "connection lost, retrying in 0.2s" in r.err and "last good sample: Ongoing" in r.err
    status = json.loads(r.out)["resyncInfo"]["target"][0]  # mc's document (§18)
    assert status["resyncStatus"] == "Completed" and status["replicationCount"] > 0
