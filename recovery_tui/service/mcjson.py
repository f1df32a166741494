"""mc's JSON rendering of replication rules: `mc replicate ls --json` and `mc replicate export`.

Not a wire format: mc prints minio-go's `replication.Rule` (facts §1, sample S1).
The UI uses `render_mc_replicate_ls_json` to show what the operator would see from
`mc replicate ls SOURCE/BUCKET --json` (the procedure's step 1), and `parse_mc_export`
reads an export an operator saved before the loss.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from .models import ReplicationConfig, ReplicationRule, RuleFilter, TagFilter
from .parsers import _int, load_json


def _status(d: Any) -> str:
    return str(d.get("Status", "")) if isinstance(d, dict) else ""


def rule_from_mc_json(d: dict[str, Any]) -> ReplicationRule:
    """A rule as mc prints or exports it (minio-go `replication.Rule` JSON, S1); accepts `Tag` and `Tags`."""
    flt = d.get("Filter") or {}
    and_ = flt.get("And") or {}
    raw_tags = and_.get("Tag") or and_.get("Tags") or []
    if not raw_tags and isinstance(flt.get("Tag"), dict) and flt["Tag"].get("Key"):
        raw_tags = [flt["Tag"]]
    dest = d.get("Destination") or {}
    return ReplicationRule(
        id=str(d.get("ID", "")),
        status=str(d.get("Status", "")),
        priority=_int(d.get("Priority", 0)),
        destination_arn=str(dest.get("Bucket", "")),
        delete_marker_replication=_status(d.get("DeleteMarkerReplication")) or "Disabled",
        delete_replication=_status(d.get("DeleteReplication")) or "Disabled",
        existing_object_replication=_status(d.get("ExistingObjectReplication")),
        replica_modifications=_status((d.get("SourceSelectionCriteria") or {}).get("ReplicaModifications"))
        or "Enabled",
        storage_class=str(dest.get("StorageClass", "")),
        filter=RuleFilter(
            prefix=str(and_.get("Prefix") or flt.get("Prefix") or ""),
            tags=tuple(TagFilter(str(t.get("Key", "")), str(t.get("Value", ""))) for t in raw_tags),
        ),
    )


def parse_mc_export(body: bytes | str) -> ReplicationConfig:
    """`mc replicate export` JSON (`{"Role":…, "Rules":[…]}`, S1) → ReplicationConfig."""
    data = load_json(body, "replication export")
    return ReplicationConfig(
        rules=tuple(rule_from_mc_json(r) for r in data.get("Rules") or []), role=str(data.get("Role", ""))
    )


def rule_to_mc_json(rule: ReplicationRule) -> dict[str, Any]:
    """One rule in minio-go's JSON key order, as `mc replicate ls --json` prints it under "rule" (§1)."""
    f = rule.filter
    and_: dict[str, Any] = {}
    tag: dict[str, Any] = {}
    flt: dict[str, Any] = {}
    if f.prefix and not f.tags:
        flt["Prefix"] = f.prefix
    elif f.tags and (f.prefix or len(f.tags) > 1):
        if f.prefix:
            and_["Prefix"] = f.prefix
        and_["Tag"] = [{"Key": t.key, "Value": t.value} for t in f.tags]
    elif f.tags:
        tag = {"Key": f.tags[0].key, "Value": f.tags[0].value}
    flt.update({"And": and_, "Tag": tag})
    dest: dict[str, Any] = {"Bucket": rule.destination_arn}
    if rule.storage_class:
        dest["StorageClass"] = rule.storage_class
    return {
        "ID": rule.id,
        "Status": rule.status,
        "Priority": rule.priority,
        "DeleteMarkerReplication": {"Status": rule.delete_marker_replication},
        "DeleteReplication": {"Status": rule.delete_replication},
        "Destination": dest,
        "Filter": flt,
        "SourceSelectionCriteria": {"ReplicaModifications": {"Status": rule.replica_modifications}},
        "ExistingObjectReplication": {"Status": rule.existing_object_replication},
    }


def render_mc_replicate_ls_json(rules: Iterable[ReplicationRule]) -> str:
    """`mc replicate ls --json` output: one one-space-indented document per rule, concatenated."""
    return "\n".join(
        json.dumps({"op": "", "status": "success", "url": "", "rule": rule_to_mc_json(r)}, indent=1) for r in rules
    )
