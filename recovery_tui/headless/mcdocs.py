"""mc's own `--json` documents, so scripts written for mc keep working (facts §18, §21).

* `resync start|status`: `{"op","url","resyncInfo","status","targetArn"}`; `resyncInfo` is minio-go's
  `ResyncTargetsInfo` (zero counters and an empty status omitted, times always present).
* `targets` (`mc replicate ls --json`): one `{"op":"","status":"success","url":"","rule":{…}}` per rule.
* `replicate status`: `{"op":"status","url","status":"success","replicationstats","remoteTargets"}`.

Printing follows mc's `printMsg`: indented with one space (`json.MarshalIndent(…, "", " ")`) when stdout and
stderr are both terminals, one compact line per document otherwise; `<`, `>` and `&` escaped as Go does.
Extra keys recovery-tui adds live under `"recoveryTui"`, never instead of mc's.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Any, Optional

from recovery_tui.service.mcjson import rule_to_mc_json
from recovery_tui.service.models import ResyncStatus, ResyncTargetStatus, TargetView
from recovery_tui.service.secrets import redact

ZERO_TIME = "0001-01-01T00:00:00Z"


def go_time(dt: Optional[datetime]) -> str:
    """`time.Time` as Go's JSON writes it (RFC3339Nano, trailing zeros trimmed); None → the zero time."""
    if dt is None:
        return ZERO_TIME
    dt = (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    frac = f"{dt.microsecond:06d}".rstrip("0")
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def resync_target(t: ResyncTargetStatus) -> dict[str, Any]:
    """One minio-go `ResyncTarget` (pkg/replication/replication.go:775-798): omitempty as minio-go has it."""
    doc: dict[str, Any] = {"arn": t.arn, "resetid": t.reset_id, "startTime": go_time(t.start_time),
                           "endTime": go_time(t.last_update)}
    optional = (("resyncStatus", t.status), ("completedReplicationSize", t.replicated_size),
                ("failedReplicationSize", t.failed_size), ("failedReplicationCount", t.failed_count),
                ("replicationCount", t.replicated_count), ("bucket", t.bucket), ("object", t.last_object))
    doc.update((k, v) for k, v in optional if v)
    return doc


def resync_doc(op: str, url: str, status: ResyncStatus, target_arn: str = "") -> dict[str, Any]:
    """`mc replicate resync start|status --json` (§18): key order as mc's struct."""
    info: dict[str, Any] = {"target": [resync_target(t) for t in status.targets]} if status.targets else {}
    return {"op": op, "url": url, "resyncInfo": info, "status": "success", "targetArn": target_arn}


def rule_doc(view: TargetView) -> dict[str, Any]:
    """One `mc replicate ls --json` document; the remote target's live state is an extra under `recoveryTui`."""
    t = view.target
    extra = {"endpoint": t.endpoint if t else "", "targetBucket": t.target_bucket if t else "",
             "online": bool(t.online) if t else False, "alias": view.alias, "remoteTargetFound": t is not None}
    return {"op": "", "status": "success", "url": "", "rule": rule_to_mc_json(view.rule), "recoveryTui": extra}


def json_line_mode() -> bool:
    """mc's `globalJSONLine`: compact unless stdout and stderr are both terminals (cmd/print.go:35-51)."""
    try:
        return not (sys.stdout.isatty() and sys.stderr.isatty())
    except (AttributeError, ValueError):
        return True


def go_json(doc: Any, *, compact: bool) -> str:
    """`json.Marshal` / `json.MarshalIndent(doc, "", " ")` text, with Go's HTML-safe escapes."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")) if compact else \
        json.dumps(doc, ensure_ascii=False, indent=1)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def print_mc(doc: Any) -> None:
    """Print one mc document on stdout as mc's `printMsg` does (secrets redacted)."""
    sys.stdout.write(redact(go_json(doc, compact=json_line_mode())) + "\n")
    sys.stdout.flush()


__all__ = ["ZERO_TIME", "go_json", "go_time", "json_line_mode", "print_mc", "resync_doc", "resync_target",
           "rule_doc"]
