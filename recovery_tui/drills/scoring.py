"""Score a drill from the run's journal records: objectives met, mistakes made, time per step, faults fired.

    result = score(drill, records)          # records: the run's JSONL lines as dicts, in order
    result.passed, result.objectives, result.mistakes, result.steps, result.faults, result.to_json()

The journal is the wizard's audit journal (`recovery_tui/journal.py`); the drill's timeline events are
in it as `drill.fault` records (detail: id, action, note, error). Steps are timed from `wizard.step`
records (detail: step, title) when the journal has them, else from the actions that end each step.
Pure functions: no I/O besides `read_records`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from recovery_tui.drills.model import Check, Drill, Matcher

STEP_ENDS: tuple[tuple[Matcher, int], ...] = (
    (Matcher(action="wizard.source"), 1),
    (Matcher(action="wizard.target"), 2),
    (Matcher(action="wizard.preflight", result="ok"), 3),
    (Matcher(action="wizard.monitor-existing"), 4),
    (Matcher(action="resync.start", result="ok|skipped*"), 4),
    (Matcher(action="resync status", result="Completed|Failed|Canceled"), 5),
    (Matcher(action="checklist|canary*|report"), 6),
)
"""Without `wizard.step` records: the action that moves the run on to step N (0-based)."""

STEP_TITLES: tuple[str, ...] = ("Connect", "Replication targets", "Preflight checks", "Start resync",
                                "Monitor resync", "Validate", "Next steps")


@dataclass
class CheckResult:
    id: str
    text: str
    kind: str
    """"objective" or "mistake"."""
    held: bool
    """Objective met / mistake made."""
    matches: int
    at: list[str] = field(default_factory=list)
    """Times (UTC, HH:MM:SS) of the matching records, at most five."""
    advice: str = ""
    procedure: list[str] = field(default_factory=list)
    severity: str = "minor"


@dataclass
class StepTime:
    step: int
    title: str
    seconds: float


@dataclass
class FaultFired:
    id: str
    action: str
    at: str
    note: str = ""
    error: str = ""


@dataclass
class Score:
    drill: str
    title: str
    scenario: str
    run: str
    started: str
    finished: str
    objectives: list[CheckResult]
    mistakes: list[CheckResult]
    steps: list[StepTime]
    faults: list[FaultFired]

    @property
    def met(self) -> list[CheckResult]:
        return [c for c in self.objectives if c.held]

    @property
    def missed(self) -> list[CheckResult]:
        return [c for c in self.objectives if not c.held]

    @property
    def made(self) -> list[CheckResult]:
        return [c for c in self.mistakes if c.held]

    @property
    def critical(self) -> list[CheckResult]:
        return [c for c in self.made if c.severity == "critical"]

    @property
    def passed(self) -> bool:
        """Every objective met and no critical mistake."""
        return not self.missed and not self.critical

    @property
    def percent(self) -> int:
        """Objectives met, in percent (mistakes are reported beside it, not subtracted)."""
        return round(100 * len(self.met) / len(self.objectives)) if self.objectives else 100

    @property
    def seconds(self) -> float:
        return _seconds_between(self.started, self.finished)

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc.update(passed=self.passed, percent=self.percent, seconds=round(self.seconds, 1),
                   objectives_met=len(self.met), objectives_total=len(self.objectives),
                   mistakes_made=len(self.made), critical_mistakes=len(self.critical))
        return doc


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of one journal file; a torn last line is skipped."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out


def _parse(ts: str) -> Optional[datetime]:
    try:
        return datetime.fromisoformat(ts)
    except (TypeError, ValueError):
        return None


def _seconds_between(a: str, b: str) -> float:
    ta, tb = _parse(a), _parse(b)
    return max(0.0, (tb - ta).total_seconds()) if ta and tb else 0.0


def _first(records: Sequence[Mapping[str, Any]], matcher: Matcher, start: int = 0) -> Optional[int]:
    for i in range(start, len(records)):
        if matcher.matches(records[i]):
            return i
    return None


def evaluate(check: Check, records: Sequence[Mapping[str, Any]]) -> tuple[bool, list[Mapping[str, Any]]]:
    """Whether `check`'s condition holds over `records`, and the records that matched its event."""
    start, end = 0, len(records)
    hits: list[Mapping[str, Any]] = []
    window = True
    if check.after is not None:
        found = _first(records, check.after)
        if found is None:
            window = False
        else:
            start = found + 1
    if window and check.before is not None:
        found = _first(records, check.before, start)
        if found is not None:
            end = found
    if window:
        hits = [r for r in records[start:end] if check.event.matches(r)]
    holds = len(hits) >= check.count
    return (not holds if check.absent else holds), hits


def _result(check: Check, kind: str, records: Sequence[Mapping[str, Any]]) -> CheckResult:
    held, hits = evaluate(check, records)
    return CheckResult(id=check.id, text=check.text, kind=kind, held=held, matches=len(hits),
                       at=[str(r.get("ts", ""))[11:19] for r in hits[:5]], advice=check.advice,
                       procedure=list(check.procedure), severity=check.severity)


def step_times(records: Sequence[Mapping[str, Any]]) -> list[StepTime]:
    """Seconds spent on each step, in step order (steps never reached are left out)."""
    if not records:
        return []
    explicit = [r for r in records if r.get("action") == "wizard.step"]
    enters: list[tuple[str, int, str]] = []
    if explicit:
        for r in explicit:
            d = r.get("detail") or {}
            if isinstance(d.get("step"), int):
                enters.append((str(r.get("ts", "")), d["step"], str(d.get("title") or "")))
    else:  # the run's first record may already end Connect: its time is then unknown, not zero
        if not any(m.matches(records[0]) for m, _ in STEP_ENDS):
            enters.append((str(records[0].get("ts", "")), 0, STEP_TITLES[0]))
        current = 0
        for r in records:
            for matcher, nxt in STEP_ENDS:
                if matcher.matches(r) and nxt > current:
                    current = nxt
                    enters.append((str(r.get("ts", "")), nxt, STEP_TITLES[nxt]))
                    break
    end = str(records[-1].get("ts", ""))
    totals: dict[int, float] = {}
    titles: dict[int, str] = {}
    for i, (ts, step, title) in enumerate(enters):
        until = enters[i + 1][0] if i + 1 < len(enters) else end
        totals[step] = totals.get(step, 0.0) + _seconds_between(ts, until)
        titles[step] = title or (STEP_TITLES[step] if 0 <= step < len(STEP_TITLES) else f"Step {step + 1}")
    return [StepTime(s, titles[s], round(totals[s], 1)) for s in sorted(totals)]


def faults_fired(records: Sequence[Mapping[str, Any]]) -> list[FaultFired]:
    out = []
    for r in records:
        if r.get("action") == "drill.fault":
            d = r.get("detail") or {}
            out.append(FaultFired(id=str(d.get("id", "")), action=str(d.get("fault", "")),
                                  at=str(r.get("ts", "")), note=str(d.get("note") or ""),
                                  error=str(d.get("error") or "")))
    return out


def score(drill: Drill, records: Sequence[Mapping[str, Any]]) -> Score:
    """Score one run of `drill` from its journal `records` (in the order they were written)."""
    records = list(records)
    return Score(
        drill=drill.name, title=drill.title, scenario=drill.scenario,
        run=str(records[0].get("run", "")) if records else "",
        started=str(records[0].get("ts", "")) if records else "",
        finished=str(records[-1].get("ts", "")) if records else "",
        objectives=[_result(c, "objective", records) for c in drill.objectives],
        mistakes=[_result(c, "mistake", records) for c in drill.mistakes],
        steps=step_times(records), faults=faults_fired(records))


__all__ = ["Score", "CheckResult", "StepTime", "FaultFired", "score", "evaluate", "step_times", "read_records"]
