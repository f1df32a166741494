"""Recreate a replication rule as `mc replicate add ALIAS/BUCKET --remote-bucket REMOTE/BUCKET` does (facts §20).

Three requests, in mc's order:

1. `PUT /minio/admin/v3/set-remote-target?bucket=B` with `madmin.EncryptData(<our secret key>,
   json(BucketTarget))` (`madmin.py`, §2, §9.3): endpoint `host:port` of the remote alias as typed, its
   access and secret key, `type=replication`, `api=s3v4`, `path=auto`, health check 60 s. The answer is the
   ARN as a JSON string (the existing ARN when an identical target is already there).
2. `GET /B?replication` (no configuration yet is fine).
3. `PUT /B?replication` with the whole configuration plus the new rule (Destination = the ARN), refused
   locally when its priority or ID is already taken, as minio-go refuses it.

Both writes run under WRITE_ONCE: never retried behind the operator's back. None of them touches an object.
The remote's secret key is sent only inside the encrypted body; it is never logged or returned.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit

from .aliases import Alias
from .errors import InputError, NotFound, ServerError
from .madmin import encrypt_data
from .models import ReplicationRule
from .retry import WRITE_ONCE

A_SET_TARGET = "admin:SetBucketTarget"
A_PUT_REPL = "s3:PutReplicationConfiguration"
ZERO_TIME = "0001-01-01T00:00:00Z"
_XID = "0123456789abcdefghijklmnopqrstuv"


@dataclass(frozen=True)
class AddedRule:
    """What `add_replication_rule` did: the remote target's ARN and the new rule's ID."""

    arn: str
    rule_id: str
    priority: int


def new_rule_id() -> str:
    """A 20-character base32hex ID, the shape of the xid minio-go gives a rule without `--id`."""
    return "".join(_XID[b % 32] for b in os.urandom(20))


def bucket_target(remote: Alias, source_bucket: str, remote_bucket: str, *, health_check_seconds: int = 60,
                  region: str = "") -> dict[str, Any]:
    """The `madmin.BucketTarget` mc sends (key order as madmin-go emits it, §2); holds the remote's secret."""
    doc: dict[str, Any] = {
        "sourcebucket": source_bucket, "endpoint": urlsplit(remote.url).netloc,
        "credentials": {"accessKey": remote.access_key, "secretKey": remote.secret_key.reveal(),
                        "expiration": ZERO_TIME},
        "targetbucket": remote_bucket, "secure": remote.secure, "path": "auto", "api": "s3v4",
        "type": "replication"}
    if region:
        doc["region"] = region
    doc.update({"replicationSync": False, "healthCheckDuration": health_check_seconds * 1_000_000_000,
                "disableProxy": False, "resetBeforeDate": ZERO_TIME, "totalDowntime": 0, "lastOnline": ZERO_TIME,
                "isOnline": False, "latency": {"curr": 0, "avg": 0, "max": 0}, "edge": False,
                "edgeSyncBeforeExpiry": False, "offlineCount": 0})
    return doc


def set_remote_target(site: Any, bucket: str, remote: Alias, remote_bucket: str) -> str:
    """Step 1: the ARN of a remote target `bucket` → `remote/remote_bucket` (created unless identical)."""
    plain = json.dumps(bucket_target(remote, bucket, remote_bucket), separators=(",", ":")).encode()
    body = encrypt_data(site.alias.secret_key.reveal(), plain)
    ctx = site.ctx("set a remote target", A_SET_TARGET, bucket)
    resp = site.admin(ctx, "PUT", "set-remote-target", [("bucket", bucket)], policy=WRITE_ONCE, body=body)
    try:
        arn = json.loads(resp.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        arn = None
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise ServerError(f"set-remote-target on {site.alias.name} answered without an ARN",
                          title="Unexpected answer", hint="Check the server's version (mc admin info).")
    return arn


def _el(parent: ET.Element, name: str, text: Optional[str] = None) -> ET.Element:
    el = ET.SubElement(parent, name)
    if text is not None:
        el.text = text
    return el


def _status(parent: ET.Element, name: str, value: str) -> None:
    _el(_el(parent, name), "Status", value)


def rule_element(like: ReplicationRule, arn: str, rule_id: str) -> ET.Element:
    """A `<Rule>` with `like`'s flags, filter, priority and storage class, pointing at `arn`."""
    rule = ET.Element("Rule")
    _el(rule, "ID", rule_id)
    _el(rule, "Status", "Enabled")
    _el(rule, "Priority", str(like.priority))
    _status(rule, "DeleteMarkerReplication", like.delete_marker_replication or "Disabled")
    _status(rule, "DeleteReplication", like.delete_replication or "Disabled")
    dest = _el(rule, "Destination")
    _el(dest, "Bucket", arn)
    if like.storage_class:
        _el(dest, "StorageClass", like.storage_class)
    _status(_el(rule, "SourceSelectionCriteria"), "ReplicaModifications", like.replica_modifications or "Enabled")
    flt = _el(rule, "Filter")
    tags = list(like.filter.tags)
    if tags and (like.filter.prefix or len(tags) > 1):
        parent = _el(flt, "And")
        if like.filter.prefix:
            _el(parent, "Prefix", like.filter.prefix)
    else:
        parent = flt
        if not tags:
            _el(flt, "Prefix", like.filter.prefix)
    for t in tags:
        tag = _el(parent, "Tag")
        _el(tag, "Key", t.key)
        _el(tag, "Value", t.value)
    _status(rule, "ExistingObjectReplication", like.existing_object_replication or "Disabled")
    return rule


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def merged_config(current: Optional[bytes], rule: ET.Element) -> bytes:
    """The whole configuration to PUT: the current rules (as read), then `rule`, then `<Role>`."""
    if current:
        root = ET.fromstring(current)
        for el in root.iter():
            el.tag = _local(el.tag)
        root.attrib.pop("xmlns", None)
    else:
        root = ET.Element("ReplicationConfiguration")
    rid = rule.findtext("ID")
    prio = rule.findtext("Priority")
    for old in root.findall("Rule"):
        if (old.findtext("ID") or "") == rid:
            raise InputError(f"a rule with ID {rid} already exists", hint="Pick another --id.")
        if (old.findtext("Priority") or "0").strip() == prio:
            raise InputError(f"priority {prio} is already taken by rule {old.findtext('ID') or '(no ID)'}",
                             hint="Each rule needs its own --priority.")
    role = root.find("Role")
    index = list(root).index(role) if role is not None else len(root)
    root.insert(index, rule)
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)


def current_config(site: Any, bucket: str) -> Optional[bytes]:
    try:
        resp = site.raw(site.ctx("read the replication configuration", "s3:GetReplicationConfiguration", bucket),
                        "GET", f"/{bucket}", [("replication", "")])
    except NotFound as exc:
        if exc.code == "ReplicationConfigurationNotFoundError":
            return None
        raise
    return resp.body


def put_config(site: Any, bucket: str, body: bytes) -> None:
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    site.raw(site.ctx("write the replication configuration", A_PUT_REPL, bucket), "PUT", f"/{bucket}",
             [("replication", "")], policy=WRITE_ONCE, body=body,
             headers={"Content-MD5": md5, "Content-Type": "application/xml"})


def add_rule(site: Any, bucket: str, remote: Alias, remote_bucket: str, like: ReplicationRule,
             rule_id: str = "") -> AddedRule:
    """Steps 1–3 (see the module docstring)."""
    arn = set_remote_target(site, bucket, remote, remote_bucket)
    rid = rule_id or new_rule_id()
    body = merged_config(current_config(site, bucket), rule_element(like, arn, rid))
    put_config(site, bucket, body)
    return AddedRule(arn=arn, rule_id=rid, priority=like.priority)


__all__ = ["AddedRule", "add_rule", "bucket_target", "merged_config", "rule_element", "set_remote_target"]
