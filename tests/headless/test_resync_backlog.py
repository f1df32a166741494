"""`recovery-tui resync-backlog` reports only what it proved (issue "Real-server fidelity, round 2", items 1, 2, 5
(the name), 9), each against the lab flavour that reproduces the defect.

- an `{"error":{}}` line in the diff stream ends the run as incomplete (exit 1, the checkpoint resumes);
- `--clear-checksum --validate` shows the copy's checksum and waits for its replication: on community MinIO
  (lab `copy_checksum="keep"`) the copy FAILS too and a full run stays refused; where the copy gets a new
  checksum ("recompute") it replicates and the full run is allowed; `--yes` without a proof is journaled;
- after a run the backlog is re-read: versions still FAILED are counted and exit 1, no green tick;
- `--dry-run` and `--validate` read the same candidates; the old `backlog` command only points to the new name.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from helpers.labkit import journal_records, use_lab_env
from helpers.labkit import run_cli as run
from recovery_tui.journal import list_runs
from recovery_tui.lab.server import Lab


def _use(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> Lab:
    use_lab_env(lab, monkeypatch)
    return lab


@pytest.mark.parametrize("argv", [["backlog", "source/data", "--dry-run"], ["backlog", "--clear-checksum", "x/y"],
                                  ["backlog"]])
def test_the_old_name_only_points_to_resync_backlog(capsys: Any, argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and out == "" and len(lines) == 1
    assert "recovery-tui resync-backlog" in lines[0] and "mc replicate resync-backlog" in lines[0]
    assert not list_runs()  # nothing was run, nothing journaled


def test_a_diff_error_line_ends_the_run_incomplete_and_a_rerun_continues(
        lab_factory: Callable[..., Lab], capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    lab = _use(lab_factory("checksum-failures"), monkeypatch)
    lab.faults.set_diff_error(3)
    code, out, err = run(capsys, "resync-backlog", "source/data", "--wait", "0")
    assert code == 1 and "✓" not in out and "Total: 3" in out
    cut = [line for line in out.splitlines() if "cut short" in line]
    assert len(cut) == 1 and "walk" in cut[0] and "error line" in cut[0]
    assert "resumes from its checkpoint" in out
    lab.faults.set_diff_error(None)
    code, out, err = run(capsys, "resync-backlog", "source/data", "--wait", "0", "--json")
    doc = json.loads(out)
    assert "Resuming an interrupted run" in err
    assert doc["resumed"] and doc["skipped"] == 3 and (doc["total"], doc["processed"]) == (8, 8)
    assert not doc["incomplete"] and code == 1  # complete now, but the 8 are still FAILED (below)


def test_a_run_says_what_it_achieved_still_failed_is_not_success(
        lab_factory: Callable[..., Lab], capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """checksum-failures: every HEAD is accepted, and every version is still FAILED afterwards."""
    _use(lab_factory("checksum-failures"), monkeypatch)
    code, out, err = run(capsys, "resync-backlog", "source/data")
    assert code == 1 and "✓" not in out and "Replication trigger completed" not in out
    assert "Processed: 8" in out and "Failed: 0" in out
    assert "replicated 0 · still PENDING 0 · still FAILED 8" in out
    assert "Checking what the trigger achieved" in err
    assert "--clear-checksum --validate" in out  # what can help instead


def test_dry_run_and_validate_read_the_same_candidates(
        lab_factory: Callable[..., Lab], capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a --clear-checksum run, the dry run and --validate agree: the versions copied earlier are counted
    as such by both, and --validate reports what that earlier copy became instead of "Nothing is backlogged"."""
    _use(lab_factory("checksum-failures", copy_checksum="recompute"), monkeypatch)
    code, out, _ = run(capsys, "resync-backlog", "source/data", "--clear-checksum", "--yes", "--json")
    first = json.loads(out)
    copied = first["new_versions"]
    assert copied > 0 and first["refused"] > 0 and first["after"]["completed"] == copied
    code, out, _ = run(capsys, "resync-backlog", "source/data", "--clear-checksum", "--dry-run", "--json")
    dry = json.loads(out)
    assert dry["already_copied"] == copied and dry["refused"] == first["refused"] and not dry["items"]
    code, out, _ = run(capsys, "resync-backlog", "source/data", "--clear-checksum", "--validate", "--json")
    val = json.loads(out)
    assert val["already_copied"] == copied and val["refused"] == dry["refused"] and val["new_versions"] == 0
    assert val["proof"]["earlier_copy"] and val["proof"]["replication"] == "COMPLETED" and code == 0
    code, out, _ = run(capsys, "resync-backlog", "source/data", "--clear-checksum", "--validate")
    assert "Nothing is backlogged" not in out and "nothing was written now" in out


@pytest.mark.parametrize("mode", ["keep", "recompute"])
def test_validate_proves_what_a_copy_does_and_gates_the_full_run(
        lab_factory: Callable[..., Lab], capsys: Any, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    _use(lab_factory("checksum-failures", copy_checksum=mode), monkeypatch)
    code, out, err = run(capsys, "resync-backlog", "source/data", "--clear-checksum", "--validate", "--json")
    proof = json.loads(out)["proof"]
    assert proof["new_version_id"] and proof["new_version_id"] != proof["version_id"]
    assert set(proof["checksum_before"]) == {"x-amz-checksum-crc64nvme", "x-amz-checksum-type"}
    assert "Waiting for the copy to replicate" in err
    if mode == "keep":  # community MinIO: the copy keeps the checksum and FAILS as well
        assert (proof["checksum_changed"], proof["replication"], proof["proven"], code) == (False, "FAILED", False, 1)
        code, out, err = run(capsys, "resync-backlog", "source/data", "--clear-checksum")
        assert code == 2 and "--validate proved" in err
    else:
        assert (proof["checksum_changed"], proof["replication"], proof["proven"], code) == (True, "COMPLETED", True, 0)
        code, out, err = run(capsys, "resync-backlog", "source/data", "--clear-checksum", "--json", "--wait", "5")
        doc = json.loads(out)
        assert doc["new_versions"] > 0 and doc["after"]["completed"] == doc["new_versions"]
    assert not [r for r in journal_records() if r["action"] == "resync-backlog.clear_checksum_confirmed"]


def test_validate_prints_the_checksums_and_the_verdict(
        lab_factory: Callable[..., Lab], capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(lab_factory("checksum-failures"), monkeypatch)
    code, out, _ = run(capsys, "resync-backlog", "source/data", "--clear-checksum", "--validate")
    assert code == 1 and "✓" not in out
    assert "Checksum: crc64nvme" in out and "unchanged" in out
    assert "Replication of the copy: FAILED" in out and "✗ Validation failed" in out


def test_yes_without_a_proof_is_journaled(
        lab_factory: Callable[..., Lab], capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(lab_factory("checksum-failures"), monkeypatch)
    code, out, _ = run(capsys, "resync-backlog", "source/data", "--clear-checksum", "--yes", "--wait", "0")
    assert code == 1
    confirmed = [r for r in journal_records() if r["action"] == "resync-backlog.clear_checksum_confirmed"]
    assert len(confirmed) == 1 and confirmed[0]["result"] == "confirmed with --yes"
