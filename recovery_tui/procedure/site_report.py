"""The whole-site closing checklist and report (Markdown + JSON), from the site session alone (no Textual).

One row per bucket (plan verdict, resync result, validation, rules to recreate, canary) and the checklist:
every included bucket Completed, every one IN SYNC, rules restored where they were lost, canaries seen both
ways, and the buckets left out with their fix. Strings pass through `redact`; commands carry placeholders
for credentials, never values. Written under `<state dir>/reports/` with mode 0600.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Optional

from recovery_tui import __version__
from recovery_tui.mccmd import q
from recovery_tui.paths import write_private
from recovery_tui.procedure.site_ops import SiteSession
from recovery_tui.report import ReportPaths, reports_dir
from recovery_tui.service.canary import CanaryCheck
from recovery_tui.service.fleetmodel import FleetSnapshot
from recovery_tui.service.secrets import redact
from recovery_tui.service.sitecanary import SEEN, verdict


@dataclass(frozen=True)
class SiteCheck:
    key: str
    label: str
    done: bool
    note: str = ""


def checklist(session: SiteSession, snap: Optional[FleetSnapshot],
              canaries: Mapping[str, list[CanaryCheck]]) -> list[SiteCheck]:
    """The closing checklist, each item decided from what the session proved."""
    included = sorted(session.included)
    rows = {r.bucket: r for r in snap.rows} if snap is not None else {}
    completed = [b for b in included if b in rows and rows[b].clean]
    val = {b.bucket: b for b in session.validation.buckets} if session.validation is not None else {}
    in_sync = [b for b in included if b in val and val[b].in_sync]
    to_fix = [b for b, p in session.rules.items() if p.to_fix]
    sampled = canary_sample(session, canaries)
    seen = [b for b in sampled if canary_verdict(session, canaries, b) == SEEN]
    of = f" of {len(included)}" if len(sampled) != len(included) else ""
    left_out = [b for b in (session.plan.buckets if session.plan else ()) if not b.recoverable]
    return [
        SiteCheck("resync", f"Every included bucket's resync Completed ({len(completed)}/{len(included)})",
                  bool(included) and len(completed) == len(included)),
        SiteCheck("validate", f"Every included bucket IN SYNC ({len(in_sync)}/{len(included)})",
                  bool(included) and len(in_sync) == len(included)),
        SiteCheck("rules", "Replication back to the healthy site restored on every bucket"
                  + (f" ({len(to_fix)} {'missing' if session.site_mode else 'to recreate'})" if to_fix else ""),
                  bool(session.rules) and not to_fix and not session.rules_error,
                  session.rules_error or session.rules_note),
        SiteCheck("canary", f"Canary objects seen both ways ({len(seen)}/{len(sampled)} sampled buckets{of})",
                  bool(sampled) and len(seen) == len(sampled),
                  "" if len(seen) == len(sampled) else "a canary not proven is unknown, never a pass"),
        SiteCheck("left-out", f"Buckets a resync could not recover fixed or accepted ({len(left_out)})",
                  not left_out, "; ".join(f"{b.bucket}: {b.fix}" for b in left_out)),
    ]


def canary_sample(session: SiteSession, canaries: Mapping[str, list[CanaryCheck]]) -> list[str]:
    """The buckets of the canary round (the operator's sample), among the included ones."""
    chosen = session.canary_sample if session.canary_sample is not None else sorted(canaries)
    return [b for b in chosen if b in session.included]


def canary_verdict(session: SiteSession, canaries: Mapping[str, list[CanaryCheck]], bucket: str) -> Optional[str]:
    """"seen both ways", "NOT seen" or "unknown" for a sampled bucket (`service.sitecanary.verdict`); None when
    it was not in the round."""
    if bucket not in canary_sample(session, canaries):
        return None
    return verdict(canaries.get(bucket, []), bucket in session.canary_one_way)


def canary_mc(canaries: Mapping[str, list[CanaryCheck]]) -> str:
    """The mc commands a canary round stands for (for the journal): each write, and the read on the peer."""
    out = []
    for checks in canaries.values():
        for c in checks:
            if not c.write.version_id:
                continue
            peer = f"{c.peer_alias}/{c.peer_bucket or c.write.bucket}/{c.write.key}"
            out.append(f"echo canary | mc pipe {q(f'{c.write.alias}/{c.write.bucket}/{c.write.key}')}; "
                       f"mc stat --version-id {c.write.version_id} {q(peer)}")
    return "; ".join(out)


def build_site_report(session: SiteSession, snap: Optional[FleetSnapshot], canaries: Mapping[str, list[CanaryCheck]],
                      *, now: Optional[datetime] = None) -> dict[str, Any]:
    moment = now or datetime.now(timezone.utc)
    plan = session.plan
    rows = {r.bucket: r for r in snap.rows} if snap is not None else {}
    val = {b.bucket: b for b in session.validation.buckets} if session.validation is not None else {}
    buckets = []
    for b in plan.buckets if plan else ():
        row, v, rules = rows.get(b.bucket), val.get(b.bucket), session.rules.get(b.bucket)
        checks = canaries.get(b.bucket, [])
        buckets.append({
            "bucket": b.bucket, "arn": b.arn, "included": b.bucket in session.included,
            "recoverable": b.recoverable, "reason": b.reason, "fix": b.fix,
            "source_versions": b.source_versions, "target_versions_before": b.target_versions,
            "resync": None if row is None else {"status": row.status, "reset_id": row.reset_id,
                                                "replicated": row.replicated_count, "failed": row.failed_count,
                                                "detail": row.detail},
            "validation": None if v is None else v.to_json(),
            "rules_to_recreate": session.rules_fix(b.bucket) if rules is not None else None,
            "rules_missing": len(rules.to_fix) if rules is not None else None,
            "canary": [{"from": c.write.alias, "to": c.peer_alias, "seen": c.seen, "seconds": c.seconds,
                        "error": c.error, "key": c.write.key, "version_id": c.write.version_id} for c in checks],
            "canary_verdict": canary_verdict(session, canaries, b.bucket),
        })
    items = checklist(session, snap, canaries)
    report = {
        "kind": "site-recovery", "tool": f"recovery-tui {__version__}", "generated_at": moment.isoformat(),
        "source": session.source, "target": session.target, "mode": plan.mode if plan else "",
        "started_at": session.started_at.isoformat() if session.started_at else None,
        "finished_at": session.finished_at.isoformat() if session.finished_at else None,
        "buckets": buckets,
        "checklist": [{"key": c.key, "label": c.label, "done": c.done, "note": c.note} for c in items],
        "rules_note": session.rules_note,
        "complete": all(c.done for c in items),
    }
    return _clean(report)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def render_site_markdown(r: Mapping[str, Any]) -> str:
    lines = [f"# Site recovery: {r['source']} → {r['target']}", "",
             f"Mode: {r['mode']} · generated {r['generated_at']} by {r['tool']}", "",
             "| bucket | plan | resync | re-sent | validation | rules missing | canary |",
             "|---|---|---|---|---|---|---|"]
    for b in r["buckets"]:
        plan = ("included" if b["included"] else "left out") if b["recoverable"] else f"cannot: {b['reason']}"
        res = b["resync"] or {}
        val = (b["validation"] or {}).get("verdict", "-")
        rules = b["rules_missing"]
        canary = b.get("canary_verdict") or ("not sampled" if any(x.get("canary_verdict") for x in r["buckets"])
                                             else "-")
        lines.append(f"| {b['bucket']} | {plan} | {res.get('status', '-')} | {res.get('replicated', '-')} | {val} | "
                     f"{'-' if rules is None else rules} | {canary} |")
    lines += ["", "## Checklist", ""]
    lines += [f"- [{'x' if c['done'] else ' '}] {c['label']}" + (f" — {c['note']}" if c["note"] else "")
              for c in r["checklist"]]
    commands = [c for b in r["buckets"] for c in (b["rules_to_recreate"] or [])]
    if commands:
        lines += ["", "## Rules to recreate on the damaged site", "", "```"] + commands + ["```"]
    if r.get("rules_note"):
        lines += ["", "## Rules back to the healthy site", "", f"Missing on some buckets: {r['rules_note']}."]
    fixes = [f"{b['bucket']}: {b['fix']}" for b in r["buckets"] if not b["recoverable"]]
    if fixes:
        lines += ["", "## Buckets a resync could not recover", ""] + [f"- {f}" for f in fixes]
    lines += ["", "Complete." if r["complete"] else "Not complete: open items remain.", ""]
    return redact("\n".join(lines))


def write_site_report(session: SiteSession, snap: Optional[FleetSnapshot], canaries: Mapping[str, list[CanaryCheck]],
                      *, directory: Optional[Path] = None, now: Optional[datetime] = None) -> ReportPaths:
    moment = now or datetime.now(timezone.utc)
    report = build_site_report(session, snap, canaries, now=moment)
    folder = directory or reports_dir()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{session.source}-{session.target}").strip("-") or "site"
    stem = f"site-report-{slug}-{moment.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"
    paths = ReportPaths(markdown=folder / f"{stem}.md", json=folder / f"{stem}.json")
    write_private(paths.markdown, render_site_markdown(report))
    write_private(paths.json, json.dumps(report, indent=2, sort_keys=True) + "\n")
    return paths


__all__ = ["SiteCheck", "checklist", "canary_sample", "canary_verdict", "canary_mc", "build_site_report",
           "render_site_markdown", "write_site_report"]
