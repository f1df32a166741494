"""Bucket replication configuration: parse, validate and normalise it the way MinIO does (§1).

`validate_and_normalise` is what the lab's PutBucketReplication runs; it returns the XML the
server's GET emits afterwards (no declaration, no xmlns, struct field order, defaults applied).
`parse` gives the replicator and the resyncer a typed view of the stored configuration.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Optional

from recovery_tui.lab.auth import authorize
from recovery_tui.lab.errors import LabError

ENABLED = "Enabled"
DISABLED = "Disabled"
MAX_RULES = 1000


class ConfigInvalid(Exception):
    """A PutBucketReplication body MinIO would refuse; rendered by the core as an S3 XML error."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class LabRule:
    """One replication rule (`replication.Rule`, internal/bucket/replication/rule.go)."""

    id: str = ""
    status: str = ""
    priority: int = 0
    delete_marker_replication: str = ""
    delete_replication: str = ""
    destination: str = ""
    """The destination ARN as written in `<Destination><Bucket>`."""
    storage_class: str = ""
    replica_modifications: str = ""
    filter_prefix: str = ""
    filter_tag: Optional[tuple[str, str]] = None
    and_prefix: str = ""
    and_tags: list[tuple[str, str]] = field(default_factory=list)
    has_and: bool = False
    existing_object_replication: str = ""
    has_dmr: bool = False

    @property
    def enabled(self) -> bool:
        return self.status == ENABLED

    @property
    def prefix(self) -> str:
        """`Rule.Prefix()`: the filter prefix, or the And prefix."""
        return self.filter_prefix or self.and_prefix

    @property
    def has_tags(self) -> bool:
        return self.filter_tag is not None or bool(self.and_tags)

    def matches(self, key: str) -> bool:
        """Whether an (untagged) object key is selected by this rule's filter.

        Lab objects carry no tags, so tag-filtered rules never select an object.
        """
        return key.startswith(self.prefix) and not self.has_tags


@dataclass
class LabConfig:
    """A whole configuration: rules plus the legacy `<Role>`."""

    rules: list[LabRule] = field(default_factory=list)
    role: str = ""


# -- parsing -----------------------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: ET.Element, name: str) -> Optional[ET.Element]:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _text(el: Optional[ET.Element], name: str) -> str:
    if el is None:
        return ""
    c = _child(el, name)
    return (c.text or "").strip() if c is not None else ""


def _tag(el: ET.Element) -> tuple[str, str]:
    return (_text(el, "Key"), _text(el, "Value"))


def _malformed(msg: str) -> ConfigInvalid:
    return ConfigInvalid("MalformedXML", msg, 400)


def parse_config(xml: bytes) -> LabConfig:
    """Parse a replication configuration (with or without xmlns) and apply ParseConfig's defaults."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise _malformed("The XML you provided was not well-formed or did not validate against our "
                         "published schema") from exc
    if _local(root.tag) != "ReplicationConfiguration":
        raise _malformed("The XML you provided was not well-formed or did not validate against our "
                         "published schema")
    cfg = LabConfig(role=_text(root, "Role"))
    for r in _children(root, "Rule"):
        rule = LabRule(id=_text(r, "ID"), status=_text(r, "Status"))
        prio = _text(r, "Priority")
        if prio:
            try:
                rule.priority = int(prio)
            except ValueError as exc:
                raise _malformed(f'strconv.ParseInt: parsing "{prio}": invalid syntax') from exc
        dmr = _child(r, "DeleteMarkerReplication")
        rule.has_dmr = dmr is not None
        rule.delete_marker_replication = _text(dmr, "Status")
        rule.delete_replication = _text(_child(r, "DeleteReplication"), "Status") or DISABLED
        dest = _child(r, "Destination")
        rule.destination = _text(dest, "Bucket")
        rule.storage_class = _text(dest, "StorageClass")
        ssc = _child(r, "SourceSelectionCriteria")
        rm = _child(ssc, "ReplicaModifications") if ssc is not None else None
        rule.replica_modifications = _text(rm, "Status") or ENABLED
        flt = _child(r, "Filter")
        if flt is not None:
            rule.filter_prefix = _text(flt, "Prefix")
            tag = _child(flt, "Tag")
            if tag is not None and any(_tag(tag)):
                rule.filter_tag = _tag(tag)
            and_el = _child(flt, "And")
            if and_el is not None:
                rule.and_prefix = _text(and_el, "Prefix")
                rule.and_tags = [_tag(t) for t in _children(and_el, "Tag")]
                rule.has_and = bool(rule.and_prefix or rule.and_tags)
            present = [n for n in ("Prefix", "Tag", "And") if _child(flt, n) is not None]
            if len(present) > 1 and (rule.filter_prefix or rule.filter_tag or rule.has_and):
                if sum(bool(x) for x in (rule.filter_prefix, rule.filter_tag, rule.has_and)) > 1:
                    raise _malformed("Filter must have exactly one of Prefix, Tag, or And specified")
        eor = _child(r, "ExistingObjectReplication")
        if eor is not None:
            rule.existing_object_replication = _text(eor, "Status") or DISABLED
        cfg.rules.append(rule)
    return cfg


def parse(xml: bytes) -> list[LabRule]:
    """The rules of a stored configuration (already validated)."""
    return parse_config(xml).rules


# -- validation --------------------------------------------------------------------------------

def _validate_rule(rule: LabRule) -> None:
    """`Rule.Validate` (rule.go), in its order."""
    if len(rule.id) > 255:
        raise _malformed("ID must be less than 255 characters")
    if not rule.status:
        raise _malformed("Status should not be empty")
    if rule.status not in (ENABLED, DISABLED):
        raise _malformed("Status must be set to either Enabled or Disabled")
    if not rule.has_dmr or not rule.delete_marker_replication:
        raise _malformed("DeleteMarkerReplication must be specified")
    if rule.delete_marker_replication not in (ENABLED, DISABLED):
        raise _malformed("Delete marker replication status is invalid")
    if rule.delete_replication not in (ENABLED, DISABLED):
        raise _malformed("Delete replication is either enable|disable")
    if rule.replica_modifications not in (ENABLED, DISABLED):
        raise _malformed("Replica modification status is invalid")
    if rule.priority < 0:
        raise _malformed("Priority must be specified")
    if rule.filter_tag is not None and rule.delete_marker_replication == ENABLED:
        raise _malformed("Delete marker replication is not supported if any Tag filter is specified")
    if rule.existing_object_replication not in ("", ENABLED, DISABLED):
        raise _malformed("Existing object replication status is invalid")


def _parse_arn(arn: str) -> Optional[tuple[str, str, str, str]]:
    """`madmin.ParseARN`: `arn:minio:<type>:<region>:<id>:<bucket>` → (type, region, id, bucket)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[1] != "minio":
        return None
    if not parts[2] or not parts[4] or not parts[5]:
        return None
    return parts[2], parts[3], parts[4], parts[5]


def validate_and_normalise(xml: bytes, site: Any, bucket_name: str) -> bytes:
    """Validate a PutBucketReplication body as MinIO's handler does and return the GET form.

    Order (PutBucketReplicationConfigHandler): versioning Enabled → ParseConfig → every rule's
    destination ARN is a known remote target → `Config.Validate` (rule count, rules, priorities).
    Deviation: the real server also contacts the remote (bucket exists, versioned); the lab does not.
    """
    bucket = site.buckets.get(bucket_name) if site is not None else None
    if bucket is not None and bucket.versioning != ENABLED:
        raise ConfigInvalid("InvalidRequest", "Versioning must be 'Enabled' on the bucket to apply a "
                            "replication configuration", 400)
    cfg = parse_config(xml)
    for rule in cfg.rules:
        arn = rule.destination or cfg.role
        parsed = _parse_arn(arn)
        if parsed is None:
            raise ConfigInvalid("XMinioAdminRemoteArnInvalid", "The bucket remote ARN does not have "
                                "correct format", 400)
        if parsed[0] != "replication":
            raise ConfigInvalid("XMinioAdminRemoteARNTypeInvalid", "The bucket remote ARN type is not "
                                "valid", 400)
        if site is not None and site.target_by_arn(bucket_name, arn) is None:
            raise ConfigInvalid("XMinioAdminRemoteTargetNotFoundError", "The remote target does not "
                                "exist", 404)
    if len(cfg.rules) > MAX_RULES:
        raise _malformed("Replication configuration allows a maximum of 1000 rules")
    if not cfg.rules:
        raise _malformed("Replication configuration should have at least one rule")
    seen: set[int] = set()
    for rule in cfg.rules:
        _validate_rule(rule)
        if rule.priority in seen:
            raise _malformed("Replication configuration has duplicate priority")
        seen.add(rule.priority)
    return render(cfg)


# -- rendering ---------------------------------------------------------------------------------

_GO_ESC = {'"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;",
           "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"}


def go_escape(s: str) -> str:
    """Escape text as Go's encoding/xml `EscapeText` does."""
    return "".join(_GO_ESC.get(ch, ch) for ch in s)


def _el(name: str, text: str) -> str:
    return f"<{name}>{go_escape(text)}</{name}>"


def _render_tag(t: tuple[str, str]) -> str:
    k, v = t
    return "<Tag>" + (_el("Key", k) if k else "") + (_el("Value", v) if v else "") + "</Tag>"


def _render_filter(r: LabRule) -> str:
    if r.has_and:
        inner = (_el("Prefix", r.and_prefix) if r.and_prefix else "") + "".join(
            _render_tag(t) for t in r.and_tags)
        return f"<Filter><And>{inner}</And></Filter>"
    if r.filter_tag is not None:
        return f"<Filter>{_render_tag(r.filter_tag)}</Filter>"
    return f"<Filter>{_el('Prefix', r.filter_prefix)}</Filter>"


def render_rule(r: LabRule) -> str:
    out = ["<Rule>"]
    if r.id:
        out.append(_el("ID", r.id))
    out.append(_el("Status", r.status))
    out.append(_el("Priority", str(r.priority)))
    out.append(f"<DeleteMarkerReplication>{_el('Status', r.delete_marker_replication)}</DeleteMarkerReplication>")
    out.append(f"<DeleteReplication>{_el('Status', r.delete_replication)}</DeleteReplication>")
    dest = _el("Bucket", r.destination) + (_el("StorageClass", r.storage_class) if r.storage_class else "")
    out.append(f"<Destination>{dest}</Destination>")
    rm = ""
    if r.replica_modifications in (ENABLED, DISABLED):
        rm = f"<ReplicaModifications>{_el('Status', r.replica_modifications)}</ReplicaModifications>"
    out.append(f"<SourceSelectionCriteria>{rm}</SourceSelectionCriteria>")
    out.append(_render_filter(r))
    out.append(f"<ExistingObjectReplication>{_el('Status', r.existing_object_replication)}"
               "</ExistingObjectReplication>")
    out.append("</Rule>")
    return "".join(out)


def render(cfg: LabConfig) -> bytes:
    """The configuration as the server's GET emits it (§1)."""
    body = "".join(render_rule(r) for r in cfg.rules) + _el("Role", cfg.role)
    return f"<ReplicationConfiguration>{body}</ReplicationConfiguration>".encode()


def active_active_rule(arn: str, *, rule_id: str = "", priority: int = 1) -> LabRule:
    """The rule `mc replicate add` creates with defaults plus existing-object replication."""
    return LabRule(id=rule_id, status=ENABLED, priority=priority, delete_marker_replication=ENABLED,
                   delete_replication=ENABLED, destination=arn, replica_modifications=ENABLED,
                   existing_object_replication=ENABLED, has_dmr=True)


def rules_for(rules: list[LabRule], key: str, *, arn: str = "") -> dict[str, LabRule]:
    """Enabled rules selecting `key`, one per destination ARN (highest priority wins)."""
    best: dict[str, LabRule] = {}
    for r in rules:
        if not r.enabled or not r.matches(key):
            continue
        if arn and r.destination != arn:
            continue
        cur = best.get(r.destination)
        if cur is None or r.priority > cur.priority:
            best[r.destination] = r
    return best


def configured_bucket(rt: Any, request: Any, bucket: str, action: str) -> Any:
    """The checks every replication extension makes first, in MinIO's order: the IAM `action`, the bucket
    exists (404 NoSuchBucket), it has a replication configuration (404 ReplicationConfigurationNotFoundError).
    Returns the `store.Bucket`."""
    authorize(rt, request, action, bucket=bucket)
    b = rt.site.buckets.get(bucket)
    if b is None:
        raise LabError("NoSuchBucket", bucket=bucket)
    if b.replication_xml is None:
        raise LabError("ReplicationConfigurationNotFoundError", bucket=bucket)
    return b
