"""Headless commands on the lab: JSON keys and exit codes (0/1/2/3), one-line errors, a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from helpers.labkit import use_lab_env
from recovery_tui.cli import main
from recovery_tui.lab.scenarios import arn_for
from recovery_tui.lab.server import Lab


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    lab = Lab(scenario="partial-loss").start()
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def env(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    use_lab_env(lab, monkeypatch)
    return lab.env()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse rejects a flag value before main's body runs
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_targets_json(env: Any, lab: Lab, capsys: Any) -> None:
    """`mc replicate ls --json`'s documents, one compact line per rule when piped (§18)."""
    code, out, _ = run(capsys, "targets", "source/data", "--json")
    docs = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(docs) == 1
    doc = docs[0]
    assert list(doc)[:4] == ["op", "status", "url", "rule"] and doc["op"] == "" and doc["status"] == "success"
    rule = doc["rule"]
    assert list(rule) == ["ID", "Status", "Priority", "DeleteMarkerReplication", "DeleteReplication", "Destination",
                          "Filter", "SourceSelectionCriteria", "ExistingObjectReplication"]
    assert rule["Destination"]["Bucket"] == arn_for(lab.target) and rule["Status"] == "Enabled"
    assert rule["ExistingObjectReplication"] == {"Status": "Enabled"}
    assert doc["recoveryTui"]["online"] is True and doc["recoveryTui"]["alias"] == "target"


@pytest.mark.slow
def test_validate_json_and_exit_codes(env: Any, capsys: Any) -> None:
    code, out, _ = run(capsys, "validate", "source/data", "target/data", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["missing_on_target"] > 0 and doc["in_sync"] is False and doc["incomplete"] is False
    for side in ("source", "target"):
        assert {"versions", "current", "noncurrent", "delete_markers"} <= set(doc[side])
    assert doc["source"]["versions"] - doc["target"]["versions"] == doc["missing_on_target"]
    code, out, _ = run(capsys, "validate", "source/data", "source/data", "--json", "--parallel", "4")
    assert code == 0 and json.loads(out)["in_sync"] is True
    code, out, _ = run(capsys, "validate", "source/data", "target/data")
    assert code == 1 and "Not in sync" in out


def test_validate_differences_fit_80_columns(capsys: Any, monkeypatch: Any) -> None:
    """Each difference on one line at 80 columns, its version ID whole (it is copied into the next command): a
    version on one side only has no detail column (its detail was DEL again), so a key of ~30 characters has the
    room. Before, the `large` lab's keys (docs/batch-0000/obj-0004.bin) and IDs were folded."""
    big = Lab(scenario="large", objects=4000).start()
    try:
        for k, v in big.env().items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("COLUMNS", "80")
        code, out, _ = run(capsys, "validate", "source/data", "target/data", "--json", "--limit", "5")
        samples = json.loads(out)["samples"]
        code, out, _ = run(capsys, "validate", "source/data", "target/data", "--limit", "5")
    finally:
        big.stop()
    assert len(samples) == 5 and all(len(s["key"]) >= 28 for s in samples)  # (the test's premise)
    lines = out.splitlines()
    rows = [x for x in lines if x[:1] in "┏┃┡│└"]  # (the notes are soft-wrapped by the terminal, not here)
    assert code == 1 and rows and max(len(x) for x in rows) <= 80
    for s in samples:
        assert any(s["key"] in x and s["version_id"] in x for x in lines), (s, out)


def test_backlog_dry_run_and_json(env: Any, capsys: Any) -> None:
    code, out, _ = run(capsys, "resync-backlog", "source/data", "--dry-run", "--json")
    doc = json.loads(out)
    assert code == 0 and {"total", "processed", "failed"} <= set(doc) and doc["processed"] == 0
    code, out, _ = run(capsys, "resync-backlog", "source/data", "--json", "-c", "2", "--rate-limit", "0")
    doc = json.loads(out)
    assert code == 0 and doc["failed"] == 0 and doc["processed"] == doc["total"]
    code, out, _ = run(capsys, "resync-backlog", "source/data")
    assert code == 0 and "Replication trigger completed" in out and "Total:" in out


@pytest.mark.parametrize("argv", [
    ["resync-backlog", "source/data", "-c", "0"],
    ["resync-backlog", "source/data", "-c", "-3"],
    ["resync-backlog", "source/data", "--rate-limit", "fast"],
    ["resync-backlog", "source/data", "--arn", "arn:bogus"],
    ["resync-backlog", "source/data", "--clear-checksum"],
    ["resync", "start", "--remote-bucket", "not-an-arn", "source/data"],
    ["resync", "start", "--remote-bucket", "arn:minio:replication::abc:data", "source/data", "--older-than", "30x"],
    ["resync", "start", "--remote-bucket", "arn:minio:replication::abc:data", "source/data", "--older-than", "1mo"],
    ["validate", "nosuch/data", "target/data"],
    ["validate", "source/data", "target/missing-bucket"],
    ["targets", "ghost/data"],
])
def test_bad_input_exits_2_with_one_line(env: Any, capsys: Any, argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and out == "" and len(lines) == 1 and " — " in lines[0]


def test_wrong_credentials_exit_3(lab: Lab, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    good = lab.env()["MC_HOST_source"]
    scheme, rest = good.split("://", 1)
    user = rest.split(":", 1)[0]
    monkeypatch.setenv("MC_HOST_source", f"{scheme}://{user}:wrong-secret-123@{rest.rsplit('@', 1)[1]}")
    monkeypatch.setenv("MC_HOST_target", lab.env()["MC_HOST_target"])
    code, _, err = run(capsys, "targets", "source/data")
    assert code == 3 and "wrong-secret-123" not in err and len(err.strip().splitlines()) == 1


def test_offline_site_exit_3(env: Any, lab: Lab, capsys: Any) -> None:
    lab.faults.set_offline("target", True)
    try:
        code, _, err = run(capsys, "validate", "source/data", "target/data", "--json")
    finally:
        lab.faults.set_offline("target", False)
    assert code == 3 and err.strip()


@pytest.mark.slow
def test_resync_start_and_status_json(env: Any, lab: Lab, capsys: Any) -> None:
    """`mc replicate resync start|status --json` documents (§18), one line each when piped."""
    arn = arn_for(lab.target)
    code, out, _ = run(capsys, "resync", "start", "--remote-bucket", arn, "source/data", "--older-than", "2w", "--json")
    assert code == 0 and len(out.splitlines()) == 1
    doc = json.loads(out)
    assert list(doc) == ["op", "url", "resyncInfo", "status", "targetArn"]
    assert doc["op"] == "start" and doc["url"] == "source/data" and doc["status"] == "success"
    assert doc["targetArn"] == ""  # mc never fills it for start
    [started] = doc["resyncInfo"]["target"]
    assert started["arn"] == arn and started["resetid"]
    assert started["startTime"] == started["endTime"] == "0001-01-01T00:00:00Z"
    code, out, _ = run(capsys, "resync", "status", "source/data", "--remote-bucket", arn, "--watch", "--json",
                       "--interval", "0.2")
    assert len(out.splitlines()) == 1
    status = json.loads(out)
    assert list(status) == ["op", "url", "resyncInfo", "status", "targetArn"]
    assert status["op"] == "status" and status["targetArn"] == arn and status["url"] == "source/data"
    [t] = status["resyncInfo"]["target"]
    assert code == 0 and t["resetid"] == started["resetid"] and t["resyncStatus"] == "Completed"
    assert list(t)[:5] == ["arn", "resetid", "startTime", "endTime", "resyncStatus"]
    assert t["replicationCount"] > 0 and "failedReplicationCount" not in t  # zero counters omitted, as minio-go


def test_console_script_subprocess(lab: Lab) -> None:
    exe = shutil.which("recovery-tui")
    cmd = [exe] if exe else [sys.executable, "-m", "recovery_tui"]
    proc = subprocess.run(cmd + ["validate", "source/data", "source/data", "--json"], capture_output=True, text=True,
                          env={**os.environ, **lab.env()}, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout)["in_sync"] is True
    proc = subprocess.run(cmd + ["resync-backlog", "source/data", "-c", "0"], capture_output=True, text=True,
                          env={**os.environ, **lab.env()}, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_second_resync_while_running_is_refused_and_journal_records(env: Any, lab: Lab, capsys: Any) -> None:
    arn = arn_for(lab.target)
    lab.faults.hold_resync(50)  # the first resync is still running when the second start comes
    try:
        code, out, _ = run(capsys, "resync", "start", "--remote-bucket", arn, "source/data", "--json")
        assert code == 0
        code, out, err = run(capsys, "resync", "start", "--remote-bucket", arn, "source/data", "--json")
    finally:
        lab.faults.release_resync()
    assert code == 2 and out == "" and "already" in err and "--watch" in err
    records = [json.loads(line) for f in (Path(os.environ["RECOVERY_TUI_STATE_DIR"]) / "journal").glob("*.jsonl")
               for line in f.read_text().splitlines()]
    starts = [r for r in records if r["action"] == "resync.start"]
    assert starts and starts[-1]["result"] == "ok" and starts[-1]["mc"].startswith("mc replicate resync start")


def test_headless_never_imports_textual() -> None:
    code = ("import sys, recovery_tui.headless as h, recovery_tui.headless.targets, recovery_tui.headless.resync, "
            "recovery_tui.headless.validate, recovery_tui.headless.resync_backlog, recovery_tui.service.validate, "
            "recovery_tui.service.backlog; print('textual' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "False"
