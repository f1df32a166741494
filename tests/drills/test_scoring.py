"""Scoring a journal against a drill, and the debrief built from the score."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from recovery_tui.drills import Catalog, debrief
from recovery_tui.drills.model import Check, Matcher
from recovery_tui.drills.scoring import evaluate, read_records, score, step_times
from recovery_tui.lab.scenarios import NAMES

T0 = datetime(2026, 3, 1, 10, 0, 0, tzinfo=timezone.utc)


def journal(*entries: tuple[float, str, str, dict[str, Any]], mc: str = "") -> list[dict[str, Any]]:
    """Records as the Journal writes them: (seconds after T0, action, result, detail)."""
    out = []
    for sec, action, result, detail in entries:
        detail = dict(detail)
        rec: dict[str, Any] = {"ts": (T0 + timedelta(seconds=sec)).isoformat(timespec="milliseconds"),
                               "run": "20260301T100000Z-abc123", "action": action, "result": result,
                               "mc": detail.pop("mc", mc)}
        if detail:
            rec["detail"] = detail
        out.append(rec)
    return out


START_OK = ("resync.start", "ok", {"mc": 'mc replicate resync start --remote-bucket "arn:x" source/data'})


def fault(sec: float, fid: str, note: str = "") -> tuple[float, str, str, dict[str, Any]]:
    return (sec, "drill.fault", "ok", {"id": fid, "fault": "offline", "note": note})


@pytest.fixture(scope="module")
def drills() -> Catalog:
    return Catalog(scenarios=NAMES)


def test_matcher_globs_alternatives_negation_and_dotted_detail() -> None:
    rec = {"action": "wizard.preflight", "result": "ok", "mc": "mc x --dry-run",
           "detail": {"statuses": {"direction": "warn"}, "n": 3, "flag": True}}
    assert Matcher(action="wizard.*", detail=(("statuses.direction", "warn|block"),)).matches(rec)
    assert not Matcher(action="wizard.*", detail=(("statuses.direction", "pass"),)).matches(rec)
    assert Matcher(action="*", mc="!*--validate*").matches(rec)
    assert not Matcher(action="*", mc="!*--dry-run*").matches(rec)
    assert Matcher(action="*", detail=(("n", "3"), ("flag", "true"))).matches(rec)
    assert not Matcher(action="*", detail=(("missing", "*"),)).matches(rec)


def test_after_before_count_absent_windows() -> None:
    recs = journal((0, "a", "ok", {}), (1, "x", "ok", {}), (2, "b", "ok", {}), (3, "x", "ok", {}), (4, "x", "ok", {}))
    x = Matcher(action="x")
    assert evaluate(Check("c", "t", x, after=Matcher(action="b")), recs)[0]
    assert len(evaluate(Check("c", "t", x, after=Matcher(action="b")), recs)[1]) == 2
    assert not evaluate(Check("c", "t", x, before=Matcher(action="a")), recs)[0]
    assert len(evaluate(Check("c", "t", x, before=Matcher(action="b")), recs)[1]) == 1
    assert not evaluate(Check("c", "t", x, after=Matcher(action="never")), recs)[0]  # no window yet
    assert evaluate(Check("c", "t", x, count=3), recs)[0] and not evaluate(Check("c", "t", x, count=4), recs)[0]
    assert evaluate(Check("c", "t", Matcher(action="zzz"), absent=True), recs)[0]
    assert not evaluate(Check("c", "t", x, absent=True), recs)[0]


def test_target_drops_played_well_passes(drills: Catalog) -> None:
    d = drills.get("target-drops-mid-resync")
    recs = journal((0, "wizard.source", "ok", {}), (5, "wizard.target", "ok", {}),
                   (9, "wizard.preflight", "ok", {}), (12, *START_OK), (13, "resync status", "Ongoing", {}),
                   fault(16, "outage"), (22, "resync status", "Completed", {}), fault(46, "back"),
                   (50, "validate", "differences", {}), (55, "resync-backlog.dry-run", "ok", {"mc": "x --dry-run"}),
                   (60, "resync-backlog.start", "started", {}),
                   (64, "resync-backlog.done", "ok", {}), (80, "validate", "in sync", {}))
    result = score(d, recs)
    assert [c.id for c in result.met] == ["started-once", "watched-to-the-end", "retriggered-after-return", "in-sync"]
    assert result.made == [] and result.passed and result.percent == 100
    assert [f.id for f in result.faults] == ["outage", "back"]
    # without wizard.step records the steps are inferred from the actions that end them
    assert [(s.title, s.seconds) for s in result.steps] == [
        ("Replication targets", 5.0), ("Preflight checks", 4.0), ("Start resync", 3.0), ("Monitor resync", 10.0),
        ("Validate", 58.0)]


def test_target_drops_played_badly_fails_with_the_mistakes(drills: Catalog) -> None:
    d = drills.get("target-drops-mid-resync")
    recs = journal((0, "wizard.source", "ok", {}), (12, *START_OK), fault(16, "outage"),
                   (18, "validate", "incomplete", {}),
                   (20, "resync.start", "error: Resync of bucket data is already in progress", {}),
                   (25, "resync status", "Completed", {}), (28, *START_OK), fault(46, "back"))
    result = score(d, recs)
    assert {c.id for c in result.made} == {"second-start", "restarted-everything", "judged-during-outage"}
    assert {c.id for c in result.missed} == {"retriggered-after-return", "in-sync"}
    assert not result.passed and result.critical == []


def test_retrigger_without_a_dry_run_is_a_mistake(drills: Catalog) -> None:
    d = drills.get("target-drops-mid-resync")
    recs = journal((0, *START_OK), fault(5, "outage"), fault(35, "back"),
                   (40, "resync-backlog.start", "started", {"mc": "mc replicate resync-backlog source/data"}))
    assert "retrigger-without-dry-run" in {c.id for c in score(d, recs).made}
    dry_run = {"mc": "mc replicate resync-backlog source/data --dry-run"}
    recs.insert(3, journal((38, "resync-backlog.dry-run", "ok", dry_run))[0])
    assert "retrigger-without-dry-run" not in {c.id for c in score(d, recs).made}


def test_never_validating_is_a_critical_mistake(drills: Catalog) -> None:
    recs = journal((0, "wizard.monitor-existing", "ok", {}), (20, "resync status", "Completed", {}))
    result = score(drills.get("double-start"), recs)
    assert [c.id for c in result.critical] == ["never-validated"] and not result.passed
    recs = journal((0, *START_OK), (20, "resync status", "Completed", {}), (30, "validate", "in sync", {}))
    assert [c.id for c in score(drills.get("double-start"), recs).critical] == ["second-start"]


def test_wrong_direction_scores_the_direction(drills: Catalog) -> None:
    d = drills.get("wrong-direction")
    warn = {"statuses": {"direction": "warn", "versioning": "pass"}}
    bad = journal((0, "wizard.source", "ok", {"source": "source/data"}), (5, "wizard.preflight", "ok", warn),
                  (9, *START_OK), (30, "validate", "in sync", {}))
    result = score(d, bad)
    assert {c.id for c in result.made} == {"wrong-way", "warned-and-went-on"}
    assert "picked-healthy-side" in {c.id for c in result.missed} and not result.passed
    good = journal((0, "wizard.source", "ok", {"source": "source/data"}), (5, "wizard.preflight", "ok", warn),
                   (8, "wizard.source", "ok", {"source": "target/data"}),
                   (12, "wizard.preflight", "ok", {"statuses": {"direction": "pass"}}),
                   (15, "resync.start", "ok", {"mc": 'mc replicate resync start --remote-bucket "a" target/data'}),
                   (40, "validate", "in sync", {}))
    result = score(d, good)
    assert result.passed and result.made == []


def test_explicit_step_records_win_over_inference() -> None:
    recs = journal((0, "wizard.step", "ok", {"step": 0, "title": "Connect"}),
                   (3, "wizard.step", "ok", {"step": 1, "title": "Replication targets"}),
                   (4, "wizard.step", "ok", {"step": 0, "title": "Connect"}),
                   (10, "wizard.step", "ok", {"step": 1, "title": "Replication targets"}),
                   (12, "wizard.source", "ok", {}))
    assert [(s.step, s.seconds) for s in step_times(recs)] == [(0, 9.0), (1, 3.0)]


def test_debrief_markdown_and_json(drills: Catalog, tmp_path: Path) -> None:
    d = drills.get("target-drops-mid-resync")
    recs = journal((0, "wizard.source", "ok", {}), (12, *START_OK),
                   fault(16, "outage", "The target site went offline at 40 % of the resync."),
                   (18, "validate", "incomplete", {}))
    result = score(d, recs)
    md = debrief.render_markdown(d, result)
    assert "**NOT PASSED · 1 of 4 objectives met · 2 mistakes (1 critical)**" not in md  # never-validated is absent
    assert "NOT PASSED · 1 of 4 objectives met · 1 mistake" in md
    assert "10:00:16 UTC · The target site went offline at 40 % of the resync." in md
    assert "- ✘ Validated while the target was still offline (10:00:18 UTC)" in md
    assert "Instead: With one site down" in md
    assert "> Resynchronization requires both the source and target deployments be online" in md
    assert "| 2 · Replication targets | 12 s |" in md
    paths = debrief.write(d, result, tmp_path)
    doc = json.loads(paths.json.read_text())
    assert doc["passed"] is False and doc["objectives_met"] == 1 and doc["mistakes_made"] == 1
    assert {p["id"] for p in doc["procedure"]} >= {"both-online", "backlog"}
    assert paths.markdown.stat().st_mode & 0o777 == 0o600
    torn = tmp_path / "run.jsonl"
    torn.write_text(json.dumps(recs[0]) + "\n" + '{"ts": "2026', encoding="utf-8")
    assert read_records(torn) == recs[:1]
