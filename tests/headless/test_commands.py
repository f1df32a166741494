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
    for k, v in lab.env().items():
        monkeypatch.setenv(k, v)
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
    code, out, _ = run(capsys, "targets", "source/data", "--json")
    doc = json.loads(out)
    assert code == 0 and len(doc) == 1
    assert {"arn", "rule_id", "status", "priority", "existing_object_replication", "delete_replication",
            "delete_marker_replication", "endpoint", "target_bucket", "online"} <= set(doc[0])
    assert doc[0]["arn"] == arn_for(lab.target) and doc[0]["online"] is True and doc[0]["alias"] == "target"


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
    ["resync", "start", "--remote-bucket", "arn:minio:replication::abc:data", "source/data", "--older-than", "0d"],
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


def test_resync_start_and_status_json(env: Any, lab: Lab, capsys: Any) -> None:
    arn = arn_for(lab.target)
    code, out, _ = run(capsys, "resync", "start", "--remote-bucket", arn, "source/data", "--older-than", "2w", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["arn"] == arn and doc["reset_id"]
    code, out, _ = run(capsys, "resync", "status", "source/data", "--remote-bucket", arn, "--watch", "--json",
                       "--interval", "0.2")
    rows = json.loads(out)
    assert code == 0 and rows[0]["reset_id"] == doc["reset_id"] and rows[0]["status"] == "Completed"
    assert {"arn", "status", "replicated_count", "replicated_size", "failed_count", "reset_id", "start_time",
            "last_update"} <= set(rows[0])


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
    lab.faults.set_latency("target", 0.2)  # keep the first resync running for a while
    try:
        code, out, _ = run(capsys, "resync", "start", "--remote-bucket", arn, "source/data", "--json")
        assert code == 0
        code, out, err = run(capsys, "resync", "start", "--remote-bucket", arn, "source/data", "--json")
    finally:
        lab.faults.set_latency("target", 0)
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
