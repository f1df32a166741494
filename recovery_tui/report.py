"""The run's closing report as Markdown and JSON, built from the `WizardState` alone.

Pure and headless (no Textual): `build_report()` turns the state into a plain
dict, `render_markdown()` turns that dict into text, and `write_report()` saves
both under the XDG state directory (`<state dir>/reports/`). Every string goes
through `redact()` and no field of the state that could hold a credential is
ever read: the report names aliases, buckets, ARNs and counts, never keys.

Shapes the other steps write into the state (all optional):
* `state.validation`: `{"source": {versions,current,noncurrent,delete_markers}, "target": {...},
  "missing_on_target", "extra_on_target", "mismatched", "incomplete", "in_sync", "at"}`;
* `state.extra["backlog"]`: `{"total", "processed", "failed", "dry_run", "at"}`;
* `state.extra["rules_to_recreate"]`: a list of `mc` command strings (placeholders, no secrets);
* `state.extra["canaries"]`: a list of `{"site", "key", "version_id", "seen_on_peer", "seconds", "removed"}`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Optional

from recovery_tui import __version__
from recovery_tui.service.secrets import redact
from recovery_tui.paths import state_dir, write_private
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
        "rules_to_recreate": list(extra.get("rules_to_recreate") or []),
        "canaries": list(extra.get("canaries") or []),
        "checklist": [
            {"key": i.key, "label": i.label, "done": i.done, "at": i.at, "note": i.note} for i in state.checklist
        ],
        "complete": bool(state.checklist) and all(i.done for i in state.checklist),
    }
    return _clean(report)


def _v(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


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
        f"- Status: {_v(rs.get('status'))} (started {_v(rs.get('started_at'))}, finished {_v(rs.get('finished_at'))})",
        f"- Re-sent by this job: {_v(rs.get('replicated_count'))} versions, {_v(rs.get('replicated_size'))} bytes",
        f"- Failed: {_v(rs.get('failed_count'))} (the server never reports the failed size)",
        f"- Versions counted before the start: source {_v(rs.get('source_versions_before'))}, "
        f"target {_v(rs.get('target_versions_before'))}",
        "",
        "## Validation",
        "",
    ]
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
    rules = r.get("rules_to_recreate") or []
    lines += ["", "## Replication rules to recreate on the target", ""]
    if rules:
        lines += ["```sh", *rules, "```"]
    else:
        lines.append("None: the target's replication configuration matches the source's.")
    canaries = r.get("canaries") or []
    if canaries:
        lines += ["", "## Canary objects", "", "| written on | key | seen on the other side | removed |",
                  "|---|---|---|---|"]
        for c in canaries:
            seen = f"yes ({c.get('seconds')}s)" if c.get("seen_on_peer") else "no"
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
    return redact("\n".join(lines))


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
