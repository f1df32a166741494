"""The run's closing report as Markdown and JSON, built from the `WizardState` alone.

Pure and headless (no Textual): `build_report()` turns the state into a plain
dict, `render_markdown()` turns that dict into text, and `write_report()` saves
both under the XDG state directory (`<state dir>/reports/`). Every string goes
through `redact()` and no field of the state that could hold a credential is
ever read: the report names aliases, buckets, ARNs and counts, never keys.

Shapes the other steps write into the state (all optional):
* `state.validation`: `{"source": {versions,current,noncurrent,delete_markers}, "target": {...},
  "missing_on_target", "extra_on_target", "mismatched", "incomplete", "in_sync", "at"}`;
* `state.extra["backlog"]`: `{"total", "processed", "failed", "dry_run", "at"}`, after a run also
  `{"replicated", "still_pending", "still_failed", "check_error"}` (read back from the diff);
* `state.extra["rules_to_recreate"]`: a list of `mc` command strings (placeholders, no secrets);
* `state.extra["canaries"]`: a list of `{"site", "key", "version_id", "seen_on_peer", "seconds", "removed"}`;
* `state.extra["drill"]` (a drill run): `{"name", "title", "verdict", "passed", "objectives": [{"text", "met"}],
  "mistakes": [{"text", "severity"}], "debrief": {"markdown", "json"}}` — the debrief's summary.
* `state.extra["rules_recreated"]`: `[{"arn", "rule_id", "priority", "at"}]` (Next steps' `a`);
* `state.extra["clear_checksum"]`: `{"dry_run"|"validate"|"run": {"refused", "refusals": [{"key", "version_id",
  "reason"}], "new_versions", "failed", "proof"?, "after"?, "ok", "at"}}` (Validate's `k`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Optional

from recovery_tui import __version__
from recovery_tui.paths import state_dir, write_private
from recovery_tui.service.secrets import redact
from recovery_tui.state import WizardState, iso

REPORT_VERSION = 1
"""Bumped when the JSON layout changes incompatibly."""

_SIDE_KEYS = ("versions", "current", "noncurrent", "delete_markers")


@dataclass(frozen=True)
class ReportPaths:
    """Where `write_report()` put the two files."""

    markdown: Path
    json: Path


def _clean(value: Any) -> Any:
    """Redact every string in a JSON-ready structure (dict keys included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return redact(str(value))


def _side(data: Any) -> dict[str, Optional[int]]:
    src = data if isinstance(data, Mapping) else {}
    return {k: (int(src[k]) if isinstance(src.get(k), (int, float)) else None) for k in _SIDE_KEYS}


def resync_outcome(status: str, failed_count: int) -> str:
    """`completed`, `completed-with-failures` (a warning, never a success), or the status lower-cased."""
    if status == "Completed":
        return "completed-with-failures" if failed_count else "completed"
    return (status or "not-started").lower()


def build_report(state: WizardState, *, now: Optional[datetime] = None) -> dict[str, Any]:
    """The report as a JSON-ready dict (secrets redacted)."""
    moment = now or datetime.now(timezone.utc)
    val = state.validation or {}
    validation: Optional[dict[str, Any]] = None
    if val:
        validation = {
            "source": _side(val.get("source")),
            "target": _side(val.get("target")),
            "missing_on_target": val.get("missing_on_target"),
            "extra_on_target": val.get("extra_on_target"),
            "mismatched": val.get("mismatched"),
            "incomplete": bool(val.get("incomplete", False)),
            "in_sync": bool(val.get("in_sync", False)) and not bool(val.get("incomplete", False)),
            "at": val.get("at"),
        }
    extra = state.extra or {}
    report: dict[str, Any] = {
        "report_version": REPORT_VERSION,
        "tool": f"recovery-tui {__version__}",
        "generated_at": iso(moment),
        "lab": state.lab,
        "source": state.source,
        "target": state.target_label,
        "arn": state.arn,
        "rule_id": state.rule_id,
        "resync": {
            "reset_id": state.reset_id,
            "status": state.resync_status,
            "outcome": resync_outcome(state.resync_status, state.failed_count),
            "started_at": state.resync_started_at,
            "finished_at": state.resync_finished_at,
            "older_than_days": state.older_than_days,
            "replicated_count": state.replicated_count,
            "replicated_size": state.replicated_size,
            "failed_count": state.failed_count,
            "source_versions_before": state.source_versions,
            "target_versions_before": state.target_versions,
        },
        "validation": validation,
        "backlog": extra.get("backlog"),
        "direction_override": extra.get("direction_override"),
        "clear_checksum": extra.get("clear_checksum"),
        "rules_recreated": list(extra.get("rules_recreated") or []),
        "rules_to_recreate": list(extra.get("rules_to_recreate") or []),
        "canaries": list(extra.get("canaries") or []),
        "checklist": [
            {"key": i.key, "label": i.label, "done": i.done, "at": i.at, "note": i.note} for i in state.checklist
        ],
        "complete": bool(state.checklist) and all(i.done for i in state.checklist),
    }
    if extra.get("drill"):
        report["drill"] = extra["drill"]
    return _clean(report)


def _v(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _status_line(rs: Mapping[str, Any]) -> str:
    if rs.get("outcome") == "completed-with-failures":
        return (f"**Completed with {_v(rs.get('failed_count'))} FAILED versions**: they were not re-sent; "
                "re-send them with resync-backlog and validate again")
    return _v(rs.get("status"))


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report dict as a Markdown document an operator can attach to a ticket."""
    r = report
    rs = r.get("resync") or {}
    lines = [
        f"# Recovery report: {r.get('source') or '(no source)'}",
        "",
        f"Generated {r.get('generated_at')} by {r.get('tool')}" + (" (lab run)" if r.get("lab") else "") + ".",
        "",
        "## Replication pair",
        "",
        f"- Source (healthy): `{_v(r.get('source'))}`",
        f"- Target (recovered): `{_v(r.get('target'))}`",
        f"- Remote target ARN: `{_v(r.get('arn'))}`",
        f"- Rule ID: `{_v(r.get('rule_id'))}`",
        "",
        "## Resync",
        "",
        f"- ResetID: `{_v(rs.get('reset_id'))}`",
        f"- Status: {_status_line(rs)} (started {_v(rs.get('started_at'))}, finished {_v(rs.get('finished_at'))})",
        f"- Re-sent by this job: {_v(rs.get('replicated_count'))} versions, {_v(rs.get('replicated_size'))} bytes",
        f"- Failed: {_v(rs.get('failed_count'))} (the server never reports the failed size)",
        f"- Versions counted before the start: source {_v(rs.get('source_versions_before'))}, "
        f"target {_v(rs.get('target_versions_before'))}",
        "",
        "## Validation",
        "",
    ]
    override = r.get("direction_override")
    if override:
        at = lines.index("## Validation") - 1
        lines[at:at] = [f"- **Direction override**: started from the side holding FEWER versions (source "
                        f"{_v(override.get('source_versions'))}, target {_v(override.get('target_versions'))}), "
                        f"confirmed by the operator at {_v(override.get('at'))}"]
    val = r.get("validation")
    if not val:
        lines.append("Not run.")
    else:
        verdict = (
            "**UNKNOWN**: a listing was incomplete; the differences below are a lower bound."
            if val.get("incomplete")
            else ("**IN SYNC**" if val.get("in_sync") else "**DIFFERENCES FOUND**")
        )
        lines += [
            verdict,
            "",
            "| | versions | current | noncurrent | delete markers |",
            "|---|---:|---:|---:|---:|",
        ]
        for side in ("source", "target"):
            c = val.get(side) or {}
            lines.append(f"| {side} | " + " | ".join(_v(c.get(k)) for k in _SIDE_KEYS) + " |")
        lines += [
            "",
            f"- Missing on target: {_v(val.get('missing_on_target'))}",
            f"- Extra on target: {_v(val.get('extra_on_target'))}",
            f"- Mismatched: {_v(val.get('mismatched'))}",
            f"- Checked at: {_v(val.get('at'))}",
        ]
    backlog = r.get("backlog")
    if backlog:
        lines += [
            "",
            "## Backlog re-trigger",
            "",
            f"- {'Dry run' if backlog.get('dry_run') else 'Run'}: total {_v(backlog.get('total'))}, "
            f"processed {_v(backlog.get('processed'))}, failed {_v(backlog.get('failed'))} ({_v(backlog.get('at'))})",
        ]
        if "replicated" in backlog:
            lines.append(f"- Read back after the run: replicated {_v(backlog.get('replicated'))}, still PENDING "
                         f"{_v(backlog.get('still_pending'))}, still FAILED {_v(backlog.get('still_failed'))}")
    lines += _clear_checksum_lines(r.get("clear_checksum"))
    rules = r.get("rules_to_recreate") or []
    lines += ["", "## Replication rules to recreate on the target", ""]
    for done in r.get("rules_recreated") or []:
        lines.append(f"- Rule `{done.get('rule_id')}` recreated by the wizard on the target (priority "
                     f"{_v(done.get('priority'))}, ARN `{done.get('arn')}`, {_v(done.get('at'))}); "
                     "the list below is the last comparison.")
    if rules:
        lines += ["```sh", *rules, "```"]
    else:
        lines.append("None: the target's replication configuration matches the source's.")
    canaries = r.get("canaries") or []
    if canaries:
        lines += ["", "## Canary objects", "", "| written on | key | seen on the other side | removed |",
                  "|---|---|---|---|"]
        for c in canaries:
            seen = (f"yes ({c.get('seconds')}s)" if c.get("seen_on_peer") else
                    "no" if c.get("proven_absent", True) else "unknown")
            lines.append(f"| {c.get('site')} | `{_md_escape(str(c.get('key')))}` | {seen} | {_v(c.get('removed'))} |")
    lines += ["", "## Checklist", ""]
    for item in r.get("checklist") or []:
        mark = "x" if item.get("done") else " "
        when = f" — {item.get('at')}" if item.get("at") else ""
        note = f" ({item.get('note')})" if item.get("note") else ""
        lines.append(f"- [{mark}] {item.get('label')}{when}{note}")
    if not r.get("checklist"):
        lines.append("(empty)")
    lines += ["", "Complete." if r.get("complete") else "Not complete: open items remain.", ""]
    lines += _drill_lines(r.get("drill"))
    return redact("\n".join(lines))


def _drill_lines(drill: Any) -> list[str]:
    """The "Drill debrief" section of a training run (its full debrief is a file of its own)."""
    if not isinstance(drill, Mapping):
        return []
    lines = ["## Drill debrief", "", f"Drill: {drill.get('title')} (`{drill.get('name')}`)", "",
             f"**{drill.get('verdict')}**", ""]
    for o in drill.get("objectives") or []:
        lines.append(f"- {'✔' if o.get('met') else '✘'} {o.get('text')}")
    made = drill.get("mistakes") or []
    if made:
        lines += ["", "Mistakes:", ""]
        lines += [f"- ✘ {m.get('text')}" + (" (critical)" if m.get("severity") == "critical" else "") for m in made]
    debrief = drill.get("debrief") or {}
    if debrief.get("markdown"):
        lines += ["", f"Full debrief, with the procedure that applies: {debrief['markdown']}"]
    return lines + [""]
def _clear_checksum_lines(cc: Any) -> list[str]:
    """The --clear-checksum stages the wizard ran: what may be copied, the proof, the run, every refusal."""
    if not cc:
        return []
    out = ["", "## Clear checksum (copy onto itself)", ""]
    dry, val, run = cc.get("dry_run") or {}, cc.get("validate") or {}, cc.get("run") or {}
    if dry:
        out.append(f"- Dry run: {_v(dry.get('copyable'))} may be copied, {_v(dry.get('refused'))} refused")
    proof = val.get("proof") or {}
    if val:
        out.append(f"- One version copied to prove it: replication {_v(proof.get('replication'))}, checksum "
                   f"changed {_v(proof.get('checksum_changed'))}, proven {_v(proof.get('proven'))}")
    if run:
        after = run.get("after") or {}
        out.append(f"- Run: {_v(run.get('new_versions'))} copied, {_v(run.get('refused'))} refused, "
                   f"{_v(run.get('failed'))} failed; copies replicated {_v(after.get('completed'))}, still FAILED "
                   f"{_v(after.get('failed'))}. The original versions stay FAILED.")
    refusals = list({x.get("version_id"): x for stage in (dry, val, run) for x in stage.get("refusals") or []}.values())
    if refusals:
        out += ["", "| refused version | key | reason |", "|---|---|---|"]
        out += [f"| `{x.get('version_id')}` | `{_md_escape(str(x.get('key')))}` | {_md_escape(str(x.get('reason')))} |"
                for x in refusals]
    return out


def reports_dir(base: Optional[Path] = None) -> Path:
    """`<XDG state dir>/reports` (or `$RECOVERY_TUI_STATE_DIR/reports`)."""
    return (base or state_dir()) / "reports"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "run"


def write_report(
    state: WizardState, *, directory: Optional[Path] = None, now: Optional[datetime] = None
) -> ReportPaths:
    """Write `report-<source>-<time>.md` and `.json` (mode 0600) and return their paths."""
    moment = now or datetime.now(timezone.utc)
    report = build_report(state, now=moment)
    folder = directory or reports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"report-{_slug(state.source.replace('/', '-'))}-{moment.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"
    paths = ReportPaths(markdown=folder / f"{stem}.md", json=folder / f"{stem}.json")
    for path, text in (
        (paths.markdown, render_markdown(report)),
        (paths.json, json.dumps(report, indent=2, sort_keys=True) + "\n"),
    ):
        write_private(path, text)
    return paths


__all__ = ["REPORT_VERSION", "ReportPaths", "build_report", "render_markdown", "reports_dir", "write_report"]
