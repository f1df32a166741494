"""`recovery-tui validate --engine …` on the lab: same JSON counts as the listing engine, exit codes, one-line
errors for bad input, UNKNOWN as null, the journal's `mc inventory` records."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from helpers.labkit import run_cli as run
from helpers.labkit import use_lab_env
from recovery_tui.lab.server import Lab


@pytest.fixture
def lab(lab_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Lab:
    lab = lab_factory("partial-loss", flavor="aistor")
    use_lab_env(lab, monkeypatch)
    return lab


FAST = ("--poll-interval", "0.02")


@pytest.mark.slow
def test_inventory_json_matches_listing(lab: Lab, capsys: Any, tmp_path: Path) -> None:
    code_l, out_l, _ = run(capsys, "validate", "source/data", "target/data", "--engine", "listing", "--json")
    diffs = tmp_path / "d.jsonl"
    code_i, out_i, _ = run(capsys, "validate", "source/data", "target/data", "--engine", "inventory", "--json",
                           "--differences", str(diffs), *FAST)
    listing, inv = json.loads(out_l), json.loads(out_i)
    assert code_l == code_i == 1 and inv["engine"] == "inventory" and listing["engine"] == "listing"
    for k in ("source", "target", "missing_on_target", "extra_on_target", "mismatched", "in_sync", "incomplete"):
        assert listing[k] == inv[k], k
    assert inv["diffs_file"] == str(diffs) and len(diffs.read_text().splitlines()) == inv["missing_on_target"]
    code, out, _ = run(capsys, "validate", "source/data", "target/data", "--engine", "inventory", *FAST)
    assert code == 1 and "Not in sync" in out and "Every difference:" in out


def test_journal_records_jobs_with_runnable_mc_commands(lab: Lab, capsys: Any) -> None:
    code, _, _ = run(capsys, "validate", "source/data", "source/data", "--engine", "inventory", *FAST)
    assert code == 0
    records = [json.loads(line) for f in (Path(os.environ["RECOVERY_TUI_STATE_DIR"]) / "journal").glob("*.jsonl")
               for line in f.read_text().splitlines()]
    puts = [r for r in records if r["action"] == "inventory.put"]
    deletes = [r for r in records if r["action"] == "inventory.delete"]
    assert len(puts) == len(deletes) == 2 and all(r["result"] == "ok" for r in puts + deletes)
    _mc, _verb, _put, where, yaml_file = puts[0]["mc"].split(" ")
    assert where == "source/data" and Path(yaml_file).is_file() and "schedule: once" in Path(yaml_file).read_text()
    assert deletes[0]["mc"] == f"mc inventory delete source/data {puts[0]['detail']['job']}"


@pytest.mark.slow
def test_target_fault_prints_unknown_and_nulls(lab: Lab, capsys: Any) -> None:
    lab.faults.set_inventory("target", "missing-file", rows_per_file=40)
    code, out, _ = run(capsys, "validate", "source/data", "target/data", "--engine", "inventory", "--json", *FAST)
    doc = json.loads(out)
    assert code == 1 and doc["incomplete"] and doc["missing_on_target"] is None and doc["target"]["versions"] is None
    assert doc["unknown"] == ["target_counts", "missing_on_target"] and "missing" in doc["error"]
    code, out, _ = run(capsys, "validate", "source/data", "target/data", "--engine", "inventory", *FAST)
    assert code == 1 and "missing on target: UNKNOWN" in out and "UNKNOWN" in out and "Incomplete" in out


@pytest.mark.parametrize("argv,needle", [
    (["--engine", "fastest"], "unknown --engine 'fastest'"),
    (["--engine", "inventory", "--memory-limit", "lots"], "--memory-limit must be a size"),
    (["--engine", "inventory", "--reports-bucket", "Bad_Name"], "is not a bucket name"),
    (["--engine", "inventory", "--reports-bucket", "missing-reports"], "'missing-reports' does not exist on source"),
    (["--engine", "listing", "--source-manifest", "x.json"], "need the inventory engine"),
    (["--engine", "inventory", "--checkpoint", "c.json"], "--checkpoint applies to the listing engine"),
    (["--engine", "inventory", "--temp-dir", "/no/such/dir"], "is not a directory"),
])
def test_bad_input_is_one_line_exit_2(lab: Lab, capsys: Any, argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, "validate", "source/data", "target/data", *argv)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1 and not out


def test_community_inventory_request_says_so_and_lists(lab_factory: Any, capsys: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    lab = lab_factory("partial-loss")
    use_lab_env(lab, monkeypatch)
    code, out, _ = run(capsys, "validate", "source/data", "target/data", "--engine", "inventory", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["engine"] == "listing" and doc["missing_on_target"] > 0
    assert doc["notes"][0].startswith("source has no bucket inventory")
    assert not [p for m, p in lab.source.request_log if m != "GET"]
