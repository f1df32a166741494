"""The debrief of a drill run: Markdown for people, JSON for tools, with the procedure text that applies.

    md = render_markdown(drill, result)      # result: scoring.Score
    doc = render_json(drill, result)
    paths = write(drill, result, directory)  # <run>-debrief.md and .json, mode 0600

The procedure excerpts come from the package's `procedure.toml`: the drill's own list first, then
those named by each missed objective and each mistake made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recovery_tui.drills import Excerpt, excerpts
from recovery_tui.drills.model import Drill, prose
from recovery_tui.drills.scoring import CheckResult, Score
from recovery_tui.paths import write_private


def human_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def verdict(result: Score) -> str:
    """One line: PASSED/NOT PASSED, objectives met, mistakes made."""
    word = "PASSED" if result.passed else "NOT PASSED"
    made = result.made
    crit = len(result.critical)
    mistakes = (f"{len(made)} mistake{'s' if len(made) != 1 else ''}" + (f" ({crit} critical)" if crit else "")
                if made else "no mistakes")
    return f"{word} · {len(result.met)} of {len(result.objectives)} objectives met · {mistakes}"


def relevant_excerpts(drill: Drill, result: Score) -> list[Excerpt]:
    """The drill's procedure excerpts, then those of missed objectives and mistakes made (no repeats)."""
    known = excerpts()
    ids: list[str] = list(drill.procedure)
    for check in [*result.missed, *result.made]:
        ids += check.procedure
    seen: set[str] = set()
    out = []
    for eid in ids:
        if eid in known and eid not in seen:
            seen.add(eid)
            out.append(known[eid])
    return out


def _check_line(check: CheckResult, *, mistake: bool) -> str:
    when = f" ({', '.join(check.at)} UTC)" if check.at and check.held and not (mistake and check.matches == 0) else ""
    if mistake:
        tag = " **critical**" if check.severity == "critical" else ""
        line = f"- ✘{tag} {check.text}{when}"
        if check.advice:
            line += f"\n  - Instead: {check.advice}"
        return line
    mark = "✔" if check.held else "✘"
    line = f"- {mark} {check.text}{when}"
    if not check.held and check.advice:
        line += f"\n  - Why it matters: {check.advice}"
    return line


def render_markdown(drill: Drill, result: Score) -> str:
    lines = [f"# Drill debrief · {drill.title}", ""]
    span = f"{result.started[:19].replace('T', ' ')} UTC" if result.started else "no journal records"
    lines += [f"Drill `{drill.name}` on lab scenario `{drill.scenario}` · run `{result.run or '-'}` · {span}, "
              f"{human_seconds(result.seconds)}", "", f"**{verdict(result)}**", ""]
    lines += ["## What happened", ""]
    if result.faults:
        for f in result.faults:
            err = f" — did not apply: {f.error}" if f.error else ""
            lines.append(f"- {f.at[11:19]} UTC · {f.note or f.action}{err}")
    else:
        lines.append("- No scripted fault fired during this run.")
    lines += ["", "## Objectives", ""]
    lines += [_check_line(c, mistake=False) for c in result.objectives]
    lines += ["", "## Mistakes", ""]
    made = result.made
    lines += [_check_line(c, mistake=True) for c in made] if made else ["- None spotted. Well done."]
    lines += ["", "## Time per step", "", "| step | time |", "|---|---|"]
    lines += [f"| {s.step + 1} · {s.title} | {human_seconds(s.seconds)} |" for s in result.steps] or ["| - | - |"]
    lines += ["", "## The procedure", ""]
    for ex in relevant_excerpts(drill, result):
        lines.append(f"**{ex.section}** ({ex.source})")
        lines.append("")
        lines += [f"> {p}" if p else ">" for p in ex.text.splitlines()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_json(drill: Drill, result: Score) -> dict[str, Any]:
    doc = result.to_json()
    doc["summary"] = prose(drill.summary)
    doc["verdict"] = verdict(result)
    doc["procedure"] = [{"id": e.id, "source": e.source, "section": e.section, "text": e.text}
                        for e in relevant_excerpts(drill, result)]
    return doc


@dataclass(frozen=True)
class DebriefPaths:
    markdown: Path
    json: Path


def write(drill: Drill, result: Score, directory: Path) -> DebriefPaths:
    """Write `<run>-debrief.md` and `.json` into `directory` (owner-only files)."""
    stem = f"{result.run or 'drill'}-debrief"
    paths = DebriefPaths(directory / f"{stem}.md", directory / f"{stem}.json")
    write_private(paths.markdown, render_markdown(drill, result))
    write_private(paths.json, json.dumps(render_json(drill, result), indent=1, ensure_ascii=False) + "\n")
    return paths


__all__ = ["render_markdown", "render_json", "write", "verdict", "relevant_excerpts", "human_seconds", "DebriefPaths"]
