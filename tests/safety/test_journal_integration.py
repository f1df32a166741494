"""The audit journal records every action, headless and in the wizard, redacted; `recovery-tui journal` shows runs.

Each record has who (user), when (ts), what (action), the equivalent mc command and the result.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.labkit import arn_of, run_main, use_lab_env, wizard_for
from helpers.wizard_drive import drive_full_wizard
from recovery_tui.journal import list_runs, read_run, state_dir
from recovery_tui.lab.server import Lab


def all_records() -> list[dict]:
    return [rec for run in list_runs() for rec in read_run(run.path)]


LOCAL_ONLY = {"checklist", "report"}
"""Actions that touch no server, so they have no mc equivalent."""


def assert_complete(rec: dict) -> None:
    for field in ("ts", "run", "user", "action", "result"):
        assert rec.get(field) not in (None, ""), (field, rec)
    if rec["action"] not in LOCAL_ONLY:
        assert rec.get("mc"), rec


@pytest.mark.slow
def test_headless_commands_are_journaled(lab_factory, capsys, monkeypatch) -> None:
    lab: Lab = lab_factory("checksum-failures", objects=40)
    use_lab_env(lab, monkeypatch)
    secrets = [lab.source.site.secret_key, lab.target.site.secret_key]
    arn = arn_of(lab)
    commands = [["targets", "source/data"], ["resync", "start", "--remote-bucket", arn, "source/data"],
                ["resync", "status", "source/data", "--watch", "--interval", "0.2"],
                ["validate", "source/data", "target/data"], ["resync-backlog", "source/data"],
                ["resync-backlog", "source/data", "--clear-checksum", "--validate"], ["targets", "nope/data"]]
    for argv in commands:
        run_main(argv, capsys)
    runs = list_runs()
    assert len(runs) == len(commands), [r.mode for r in runs]
    records = all_records()
    for rec in records:
        assert_complete(rec)
    actions = [r["action"] for r in records]
    for expected in ("targets", "resync start", "resync status", "validate", "resync-backlog"):
        assert expected in actions, actions
    assert any(a.startswith("resync.start") for a in actions)
    heads = [r for r in records if "HEAD" in r["mc"] or "stat" in r["mc"] or "cp" in r["mc"]]
    assert heads, "no per-object re-trigger or copy recorded"
    failed = [r for r in records if r["action"] == "targets" and r["result"] == "error"]
    assert failed and "nope" in failed[0]["detail"]["error"]
    text = "".join(p.read_text() for p in (state_dir() / "journal").glob("*.jsonl"))
    assert not any(s in text for s in secrets)
    # `recovery-tui journal` lists the runs and shows one
    listing = run_main(["journal", "--json"], capsys)
    assert listing.code == 0 and len(json.loads(listing.out)) == len(commands)
    shown = run_main(["journal", runs[-1].run_id, "--json"], capsys)  # several runs can start in one second
    assert shown.code == 0 and json.loads(shown.out)[0]["run"] == runs[-1].run_id
    human = run_main(["journal"], capsys)
    assert human.code == 0 and runs[0].run_id[:10] in human.out


@pytest.mark.slow
async def test_wizard_run_is_journaled(lab_factory, tmp_path: Path) -> None:
    lab: Lab = lab_factory("partial-loss", objects=40)
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        reached = await drive_full_wizard(pilot, app)
    assert "report" in reached, reached
    records = all_records()
    for rec in records:
        assert_complete(rec)
    actions = {r["action"] for r in records}
    expected_actions = ["wizard.source", "wizard.target", "resync.start", "validate", "canary", "canary.remove",
                        "report"] + (["resync-backlog.start", "resync-backlog.done"] if "backlog" in reached else [])
    for expected in expected_actions:
        assert expected in actions, sorted(actions)
    assert any(a.startswith("resync status") or a == "resync status" for a in actions), sorted(actions)
    assert {r["mode"] for r in records} == {"lab"}
    text = json.dumps(records)
    assert lab.source.site.secret_key not in text and lab.target.site.secret_key not in text
