"""Unit tests for the run report: content, Markdown/JSON rendering, file writing, and no secret anywhere."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

from recovery_tui.report import build_report, render_markdown, reports_dir, write_report
from recovery_tui.service.secrets import register
from recovery_tui.state import ChecklistItem, WizardState

NOW = datetime(2026, 5, 1, 10, 30, 0, tzinfo=timezone.utc)
SECRET = "sUpErSeCrEt-K3y-for-report-tests"


def _state(**kw: object) -> WizardState:
    st = WizardState(
        step=6, lab=True, source_alias="source", source_bucket="data", arn="arn:minio:replication::dep-1:data",
        target_alias="target", target_bucket="data", rule_id="rule-1", reset_id="reset-1",
        resync_status="Completed", resync_started_at="2026-05-01T10:00:00+00:00",
        resync_finished_at="2026-05-01T10:05:00+00:00", source_versions=160, target_versions=120,
        replicated_count=160, replicated_size=123456, failed_count=0,
        checklist=[
            ChecklistItem("validation-passed", "Validation passed", True, "2026-05-01T10:06:00+00:00", "in sync"),
            ChecklistItem("lb-restored", "Load-balancer traffic restored", False),
        ],
    )
    for k, v in kw.items():
        setattr(st, k, v)
    return st


VALIDATION = {
    "source": {"versions": 160, "current": 60, "noncurrent": 90, "delete_markers": 10},
    "target": {"versions": 160, "current": 60, "noncurrent": 90, "delete_markers": 10},
    "missing_on_target": 0, "extra_on_target": 0, "mismatched": 0, "incomplete": False, "in_sync": True,
    "at": "2026-05-01T10:06:00+00:00",
}


def test_build_report_fields() -> None:
    r = build_report(_state(validation=VALIDATION), now=NOW)
    assert r["source"] == "source/data" and r["target"] == "target/data"
    assert r["resync"]["reset_id"] == "reset-1" and r["resync"]["replicated_count"] == 160
    assert r["validation"]["in_sync"] is True and r["validation"]["source"]["delete_markers"] == 10
    assert r["complete"] is False
    assert [i["done"] for i in r["checklist"]] == [True, False]
    assert r["generated_at"] == "2026-05-01T10:30:00+00:00"
    json.dumps(r)  # JSON-ready


def test_incomplete_listing_is_never_in_sync() -> None:
    r = build_report(_state(validation={**VALIDATION, "incomplete": True}), now=NOW)
    assert r["validation"]["in_sync"] is False
    assert "UNKNOWN" in render_markdown(r)


def test_markdown_sections() -> None:
    st = _state(validation=VALIDATION)
    st.extra = {
        "rules_to_recreate": ["mc replicate add target/data --remote-bucket 'arn:...' --priority 1"],
        "canaries": [{"site": "source", "key": "canary/x", "seen_on_peer": True, "seconds": 1.5, "removed": False}],
        "backlog": {"total": 3, "processed": 0, "failed": 0, "dry_run": True, "at": "t"},
    }
    md = render_markdown(build_report(st, now=NOW))
    assert "# Recovery report: source/data" in md
    assert "**IN SYNC**" in md
    assert "| source | 160 | 60 | 90 | 10 |" in md
    assert "- [x] Validation passed — 2026-05-01T10:06:00+00:00 (in sync)" in md
    assert "- [ ] Load-balancer traffic restored" in md
    assert "mc replicate add target/data" in md and "Dry run: total 3" in md
    assert "| source | `canary/x` | yes (1.5s) | no |" in md
    assert "Not complete" in md


def test_no_validation_and_no_rules() -> None:
    md = render_markdown(build_report(_state(), now=NOW))
    assert "Not run." in md and "None: the target's replication configuration matches" in md


def test_complete_when_all_ticked() -> None:
    st = _state()
    for item in st.checklist:
        item.done = True
    r = build_report(st, now=NOW)
    assert r["complete"] is True and "Complete." in render_markdown(r)


def test_write_report_files_mode_and_location() -> None:
    paths = write_report(_state(validation=VALIDATION), now=NOW)
    assert paths.markdown.parent == reports_dir()
    assert paths.markdown.name == "report-source-data-20260501T103000Z.md"
    assert paths.json.with_suffix(".md") == paths.markdown
    for p in (paths.markdown, paths.json):
        assert p.exists() and stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert json.loads(paths.json.read_text())["validation"]["in_sync"] is True


def test_secrets_never_exported(tmp_path: Path) -> None:
    register(SECRET)
    st = _state(validation=VALIDATION)
    st.checklist[0].note = f"seen with key {SECRET}"
    st.extra = {"rules_to_recreate": [f"mc admin bucket remote add ... http://AK:{SECRET}@host/data"],
                "canaries": [{"site": "target", "key": SECRET, "seen_on_peer": False}]}
    paths = write_report(st, directory=tmp_path, now=NOW)
    for p in (paths.markdown, paths.json):
        assert SECRET not in p.read_text()
