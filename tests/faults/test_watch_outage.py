"""`resync status --watch` when the source goes offline AFTER the first good sample: the watch keeps that
sample, says it is retrying, never prints Completed or zero counts because of the error, and finishes once
the site is back and the job has completed."""

from __future__ import annotations

import json
import re
import threading

import pytest

from helpers.labkit import arn_of, run_main, use_lab_env
from recovery_tui.lab.server import Lab
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.errors import RecoveryError

FAILED_POLLS = 3
"""Polls that must hit the outage before the site comes back."""


@pytest.mark.slow
def test_outage_after_first_sample(lab: Lab, capsys, monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    lab.faults.hold_resync(50)  # the resync is still running at the first sample (released with the outage's end)
    r = run_main(["resync", "start", "--remote-bucket", arn_of(lab), "source/data", "--json"], capsys)
    assert r.code == 0, r.err

    real = RecoveryService.resync_status
    log: list[str] = []  # "ok <status> <count>" or "error"
    lock = threading.Lock()

    def resync_status(self, alias, bucket, arn=None):  # the real call, with the outage switched on the lab
        try:
            st = real(self, alias, bucket, arn)
        except RecoveryError:
            with lock:
                log.append("error")
                if log.count("error") >= FAILED_POLLS:
                    lab.faults.set_offline("source", False)
                    lab.faults.release_resync()
            raise
        with lock:
            t = st.for_arn(arn_of(lab)) if st.targets else None
            log.append(f"ok {t.status if t else '-'} {t.replicated_count if t else '-'}")
            if len(log) == 1:
                assert t is not None and t.running, "the first sample should show the resync still running"
                lab.faults.set_offline("source", True)  # the outage starts right after the first good sample
        return st

    monkeypatch.setattr(RecoveryService, "resync_status", resync_status)
    r = run_main(["resync", "status", "source/data", "--watch", "--interval", "0.2", "--json"], capsys)

    assert r.code == 0, (r.err, log)
    assert log[0].startswith("ok ") and log.count("error") == FAILED_POLLS, log
    first_error = log.index("error")
    assert all(entry.startswith("ok ") for entry in log[first_error + FAILED_POLLS:]), log
    final = json.loads(r.out)["resyncInfo"]["target"][0]  # mc's document (§18)
    assert final["resyncStatus"] == "Completed" and final["replicationCount"] > 0
    assert log[-1].startswith("ok Completed"), log

    lines = [line for line in r.err.splitlines() if line.strip()]
    lost = [line for line in lines if "connection lost" in line]
    assert lost, r.err
    assert "retrying in 0.2s" in lost[0] and "0s " not in lost[0].replace("0.2s", ""), lost[0]
    first_count = int(log[0].split()[2])
    # the notice keeps the last good sample: still running, with the count seen before the outage
    kept = re.search(r"last good sample: (\w+) (\d+) replicated", lost[0])
    assert kept and kept.group(1) in ("Pending", "Ongoing") and int(kept.group(2)) >= first_count, lost[0]
    # nothing printed before the site came back reads the error as completion or as a zero count
    before_back = lines[: lines.index(lost[-1]) + 1]
    assert not any("Completed" in line for line in before_back), before_back
    if first_count > 0:
        assert not any(re.search(r"\b(Pending|Ongoing) 0 replicated", line) for line in before_back), before_back
    assert "Traceback" not in r.err
