"""The audit journal: JSONL per run under the state dir, redacted, listable; a torn line is skipped."""

from __future__ import annotations

import json
import os
import stat
from types import SimpleNamespace

import pytest

from recovery_tui.journal import Journal, cli_main, list_runs, read_run
from recovery_tui.service.errors import InputError
from recovery_tui.service.secrets import Secret


def test_record_is_redacted_and_private(tmp_path, monkeypatch):
    monkeypatch.setenv("RECOVERY_TUI_STATE_DIR", str(tmp_path))
    Secret("SUPER-secret-key-123")
    j = Journal(mode="wizard")
    j.record("resync.start", mc="mc replicate resync start --remote-bucket ARN source/data", result="ok",
             url="http://AK:SUPER-secret-key-123@127.0.0.1:9000", reset_id="abc")
    text = j.path.read_text()
    assert "SUPER-secret-key-123" not in text and "********" in text
    rec = json.loads(text)
    assert rec["action"] == "resync.start" and rec["mode"] == "wizard" and rec["detail"]["reset_id"] == "abc"
    assert rec["user"] and rec["ts"].endswith("+00:00")
    assert stat.S_IMODE(os.stat(j.path).st_mode) == 0o600


def test_list_and_show_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RECOVERY_TUI_STATE_DIR", str(tmp_path))
    a = Journal(run_id="20260101T000000Z-aaaaaa", mode="validate")
    a.record("validate", mc="mc ls -r --versions source/data | wc -l", result="differences")
    b = Journal(run_id="20260102T000000Z-bbbbbb", mode="wizard")
    b.record("connect", result="ok")
    b.record("resync.start", result="failed")
    with open(b.path, "a") as fh:
        fh.write('{"torn": ')  # a crash mid-write
    runs = list_runs()
    assert [r.run_id for r in runs] == [b.run_id, a.run_id]
    assert runs[0].actions == 2 and runs[0].failures == 1 and runs[1].failures == 1
    assert len(read_run(b.path)) == 2
    assert cli_main(SimpleNamespace(run="20260102", json=True)) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [r["action"] for r in shown] == ["connect", "resync.start"]
    with pytest.raises(InputError, match="matches 2 runs"):
        cli_main(SimpleNamespace(run="2026", json=False))


def test_unwritable_journal_warns_once_and_does_not_raise(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    j = Journal(directory=blocker / "journal")
    j.record("a")
    j.record("b")
    assert capsys.readouterr().err.count("journal not written") == 1


def test_warning_goes_to_the_callback_not_stderr(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    seen = []
    Journal(directory=blocker / "journal", warn=seen.append).record("a")
    assert len(seen) == 1 and "journal not written" in seen[0]
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("columns", [80, 160])
def test_the_list_shows_every_field_whole_at_80_columns(tmp_path, monkeypatch, capsys, columns):
    """At 80 columns the framed seven-column table cut the start time to `2026-…` and the mode to `resyn…`;
    below 120 columns the list leaves out the start time (each run ID begins with it), keeps failures beside
    the actions and drops the frame."""
    monkeypatch.setenv("RECOVERY_TUI_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", str(columns))
    a = Journal(run_id="20260101T000000Z-aaaaaa", mode="site-resync-start")
    a.record("site.resync.start", result="ok")
    a.record("site.resync.end", result="failed")
    assert cli_main(SimpleNamespace(run=None, json=False)) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= columns
    for field in ("20260101T000000Z-aaaaaa", "site-resync-start", "site.resync.end", list_runs()[0].user):
        assert field in out, (field, out)
    started = list_runs()[0].started[:19]
    assert ("2 (1 failed)" in out and started not in out) if columns < 120 else (started in out and "…" not in out)
