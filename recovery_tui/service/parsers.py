"""Pure parsers: MinIO wire payloads (XML and JSON) to the typed results of `models.py`.

No I/O here; every function takes bytes/str/dicts and returns frozen dataclasses.
Section numbers (§N) refer to shared/minio-wire-facts.md. Go zero times become
None, Go durations (int nanoseconds) become float seconds, and every datetime is
timezone-aware UTC.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any, Optional

from .errors import InputError, ServerError
from .godur import go_duration
from .models import (
    BucketVersioning,
    Latency,
    ObjectStat,
    ObjectVersion,
    RemoteTarget,
    ReplicationConfig,
    ReplicationMetrics,
    ReplicationRule,
    ResyncJob,
    ResyncStatus,
    ResyncTargetStatus,
    RuleFilter,
    TagFilter,
    TargetMetrics,
    TimedCounts,
)

_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$")
ARN_RE = re.compile(r"^arn:minio:replication:(?P<region>[A-Za-z0-9_\-]*):(?P<id>[A-Za-z0-9\-]+)"
                    r":(?P<bucket>[A-Za-z0-9][A-Za-z0-9.\-_]*)$")
"""`arn:minio:replication:<region>:<id>:<bucket>` (madmin `ARN.String()`, §1); the region may be empty."""
MAX_OLDER_THAN_DAYS = 36500


# --- small helpers -----------------------------------------------------------------------------


def parse_go_time(value: Any) -> Optional[datetime]:
    """RFC3339(Nano) → aware UTC datetime; Go's zero time, "" and None → None."""
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return None if dt.year <= 1 else dt.astimezone(timezone.utc)
    if not value or not isinstance(value, str):
        return None
    m = _TIME.match(value.strip())
    if not m:
        return None
    date, clock, frac, zone = m.groups()
    micro = (frac or "0")[:6].ljust(6, "0")
    tz = "+00:00" if zone in (None, "Z") else zone
    dt = datetime.fromisoformat(f"{date}T{clock}.{micro}{tz}")
    if dt.year <= 1:
        return None
    return dt.astimezone(timezone.utc)


def ns_to_seconds(value: Any) -> float:
    """A Go `time.Duration` (int nanoseconds) in seconds; anything else → 0.0."""
    try:
        return float(value) / 1e9
    except (TypeError, ValueError):
        return 0.0


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def load_json(body: bytes | str, what: str) -> Any:
    """json.loads with a ServerError naming the payload on garbage."""
    try:
        return json.loads(body)
    except ValueError:
        raise ServerError(f"The server sent an unreadable {what} (not JSON)", code="BadJSON") from None


# --- resync inputs (§3) --------------------------------------------------------------------------


def encode_older_than(days: int) -> str:
    """`--older-than N days` on the wire: a Go duration whose nanoseconds equal the hours, written as Go writes it
    (§3, §19). 7 → "168ns", 60 → "1.44µs"."""
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise InputError(
            f"older-than must be a positive whole number of days, not {days!r}",
            hint="Give the age in days, e.g. 7 (or leave it out to resync every version).",
        )
    if days > MAX_OLDER_THAN_DAYS:
        raise InputError(f"older-than {days} days is more than 100 years", hint="Give a smaller number of days.")
    return go_duration(days * 24)


def encode_older_than_hours(hours: int) -> str:
    """What mc sends for an `--older-than` of `hours` whole hours: `Duration(hours).String()` (§19)."""
    if isinstance(hours, bool) or not isinstance(hours, int) or hours <= 0:
        raise InputError(f"older-than must be above zero hours to be sent, not {hours!r}",
                         hint="Leave it out to resync every version.")
    return go_duration(hours)


def validate_arn(arn: Optional[str]) -> str:
    """Return the ARN stripped, or raise InputError: empty, or not `arn:minio:replication:<region>:<id>:<bucket>`."""
    text = (arn or "").strip()
    if not text:
        raise InputError(
            "No target ARN given",
            title="ARN required",
            hint="Pick the target's ARN from `mc replicate ls SOURCE/BUCKET` (Destination.Bucket).",
        )
    if not ARN_RE.match(text):
        raise InputError(
            f"malformed ARN '{text}'",
            title="Malformed ARN",
            hint="Expected arn:minio:replication:<region>:<id>:<bucket>, as shown by mc replicate ls.",
        )
    return text


# --- replication configuration (§1, S1, S2) -------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: Optional[ET.Element], *path: str) -> Optional[ET.Element]:
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c.tag) == name), None)
    return el


def _text(el: Optional[ET.Element], *path: str, default: str = "") -> str:
    found = _child(el, *path)
    return (found.text or "").strip() if found is not None else default


def _tags(el: Optional[ET.Element]) -> tuple[TagFilter, ...]:
    if el is None:
        return ()
    return tuple(TagFilter(_text(t, "Key"), _text(t, "Value")) for t in el if _local(t.tag) == "Tag")


def _rule_from_xml(r: ET.Element) -> ReplicationRule:
    flt = _child(r, "Filter")
    tags: tuple[TagFilter, ...] = ()
    prefix = _text(r, "Prefix")  # legacy rule-level <Prefix> (S2)
    if flt is not None:
        and_el = _child(flt, "And")
        if and_el is not None:
            prefix, tags = _text(and_el, "Prefix"), _tags(and_el)
        else:
            prefix = _text(flt, "Prefix") or prefix
            tags = _tags(flt)
    eor = _child(r, "ExistingObjectReplication")
    return ReplicationRule(
        id=_text(r, "ID"),
        status=_text(r, "Status"),
        priority=_int(_text(r, "Priority", default="0")),
        destination_arn=_text(r, "Destination", "Bucket"),
        delete_marker_replication=_text(r, "DeleteMarkerReplication", "Status") or "Disabled",
        delete_replication=_text(r, "DeleteReplication", "Status") or "Disabled",
        existing_object_replication=("" if eor is None else _text(eor, "Status")),
        replica_modifications=_text(r, "SourceSelectionCriteria", "ReplicaModifications", "Status") or "Enabled",
        storage_class=_text(r, "Destination", "StorageClass"),
        filter=RuleFilter(prefix=prefix, tags=tags),
    )


def parse_replication_config(body: bytes | str) -> ReplicationConfig:
    """`GET /{bucket}?replication` XML (with or without xmlns, any element order), DeleteReplication kept.

    Defaults follow the server's `ParseConfig`: missing DeleteReplication → Disabled,
    missing ReplicaModifications → Enabled; a missing ExistingObjectReplication → "".
    """
    data = body.encode() if isinstance(body, str) else body
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        raise ServerError("The server sent an unreadable replication configuration (bad XML)") from None
    rules = tuple(_rule_from_xml(r) for r in root if _local(r.tag) == "Rule")
    return ReplicationConfig(rules=rules, role=_text(root, "Role"))


def parse_versioning(d: dict[str, Any]) -> BucketVersioning:
    """boto3 `get_bucket_versioning` response → BucketVersioning ("" when never set)."""
    return BucketVersioning(status=str(d.get("Status", "") or ""))


# --- remote targets (§2) ---------------------------------------------------------------------------


def parse_remote_target(d: dict[str, Any]) -> RemoteTarget:
    """One `madmin.BucketTarget`; only the access key of `credentials` is read (the rest is masked)."""
    creds = d.get("credentials") or {}
    lat = d.get("latency") or {}
    return RemoteTarget(
        arn=str(d.get("arn", "")),
        source_bucket=str(d.get("sourcebucket", "")),
        endpoint=str(d.get("endpoint", "")),
        target_bucket=str(d.get("targetbucket", "")),
        secure=bool(d.get("secure", False)),
        type=str(d.get("type", "") or "replication"),
        region=str(d.get("region", "")),
        access_key=str(creds.get("accessKey", "")),
        bandwidth_limit=_int(d.get("bandwidthlimit")),
        replication_sync=bool(d.get("replicationSync", False)),
        health_check_seconds=ns_to_seconds(d.get("healthCheckDuration")),
        reset_before=parse_go_time(d.get("resetBeforeDate")),
        reset_id=str(d.get("resetID", "")),
        online=bool(d.get("isOnline", False)),
        last_online=parse_go_time(d.get("lastOnline")),
        total_downtime_seconds=ns_to_seconds(d.get("totalDowntime")),
        latency=Latency(ns_to_seconds(lat.get("curr")), ns_to_seconds(lat.get("avg")), ns_to_seconds(lat.get("max"))),
        deployment_id=str(d.get("deploymentID", "")),
    )


def parse_remote_targets(body: bytes | str) -> list[RemoteTarget]:
    """list-remote-targets body: a JSON array, or `null` for none (§2)."""
    data = load_json(body, "remote target list")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ServerError("The remote target list is not a JSON array", code="BadJSON")
    return [parse_remote_target(t) for t in data if isinstance(t, dict)]


# --- resync (§3, §4) -------------------------------------------------------------------------------


def _resync_target(d: dict[str, Any]) -> ResyncTargetStatus:
    return ResyncTargetStatus(
        arn=str(d.get("arn", "")),
        reset_id=str(d.get("resetid", "")),
        status=str(d.get("resyncStatus", "")),
        start_time=parse_go_time(d.get("startTime")),
        last_update=parse_go_time(d.get("endTime")),
        replicated_count=_int(d.get("replicationCount")),
        replicated_size=_int(d.get("completedReplicationSize")),
        failed_count=_int(d.get("failedReplicationCount")),
        failed_size=_int(d.get("failedReplicationSize")),
        bucket=str(d.get("bucket", "")),
        last_object=str(d.get("object", "")),
    )


def parse_resync_status(body: bytes | str) -> ResyncStatus:
    """`ResyncTargetsInfo`: key `target` (singular), omitted when empty, so `{}` → no targets (§4)."""
    data = load_json(body, "resync status")
    items = (data or {}).get("target") or [] if isinstance(data, dict) else []
    return ResyncStatus(targets=tuple(_resync_target(t) for t in items if isinstance(t, dict)))


def parse_resync_start(body: bytes | str, arn: str = "") -> ResyncJob:
    """The resync start answer `{"target":[{arn, resetid, …}]}` → ResyncJob (the element for `arn`)."""
    status = parse_resync_status(body)
    chosen = status.for_arn(arn) if arn else None
    chosen = chosen or (status.targets[0] if status.targets else None)
    if chosen is None or not chosen.reset_id:
        raise ServerError("The server accepted the resync but returned no reset ID", code="BadJSON")
    return ResyncJob(arn=chosen.arn or arn, reset_id=chosen.reset_id)


# --- metrics (§6) ------------------------------------------------------------------------------------


def _timed(d: Any) -> TimedCounts:
    d = d if isinstance(d, dict) else {}
    return TimedCounts(
        last_minute=_int(_float((d.get("lastMinute") or {}).get("count"))),
        last_hour=_int(_float((d.get("lastHour") or {}).get("count"))),
        total=_int(_float((d.get("totals") or {}).get("count"))),
    )


def parse_metrics(body: bytes | str) -> ReplicationMetrics:
    """V2 `BucketStats` (`currStats` inside) or the V1 body (`BucketReplicationStats` itself), raw server keys."""
    data = load_json(body, "replication metrics") or {}
    cs = data.get("currStats") if "currStats" in data else data
    cs = cs or {}
    curr = (cs.get("queued") or {}).get("curr") or {}
    targets = tuple(
        TargetMetrics(
            arn=arn,
            replicated_count=_int(s.get("replicationCount")),
            replicated_size=_int(s.get("completedReplicationSize")),
            failed=_timed(s.get("failed")),
            bandwidth_limit=_int(s.get("limitInBits")),
            current_bandwidth=_float(s.get("currentBandwidth")),
        )
        for arn, s in sorted((cs.get("Stats") or {}).items())
        if isinstance(s, dict)
    )
    return ReplicationMetrics(
        uptime_seconds=_int(data.get("uptime")),
        replicated_count=_int(cs.get("replicationCount")),
        replicated_size=_int(cs.get("completedReplicationSize")),
        replica_count=_int(cs.get("replicaCount")),
        replica_size=_int(cs.get("replicaSize")),
        queued_count=_float(curr.get("count")),
        queued_bytes=_float(curr.get("bytes")),
        failed=_timed(cs.get("failed")),
        targets=targets,
    )


# --- objects (§8) ------------------------------------------------------------------------------------


def _etag(v: Any) -> str:
    return str(v or "").strip('"')


def parse_versions_page(page: dict[str, Any]) -> list[ObjectVersion]:
    """One ListObjectVersions page: Versions and DeleteMarkers merged, key order then newest first."""
    out = [
        ObjectVersion(
            key=v["Key"], version_id=str(v.get("VersionId", "null")), is_latest=bool(v.get("IsLatest")),
            last_modified=parse_go_time(v.get("LastModified")), size=_int(v.get("Size")), etag=_etag(v.get("ETag")),
        )
        for v in page.get("Versions") or []
    ] + [
        ObjectVersion(
            key=v["Key"], version_id=str(v.get("VersionId", "null")), is_latest=bool(v.get("IsLatest")),
            last_modified=parse_go_time(v.get("LastModified")), delete_marker=True,
        )
        for v in page.get("DeleteMarkers") or []
    ]
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    out.sort(key=lambda o: (o.key, not o.is_latest, -((o.last_modified or epoch) - epoch).total_seconds()))
    return out


def parse_head(key: str, version_id: str, resp: dict[str, Any]) -> ObjectStat:
    """boto3 `head_object` response → ObjectStat."""
    return ObjectStat(
        key=key,
        version_id=str(resp.get("VersionId") or version_id),
        size=_int(resp.get("ContentLength")),
        etag=_etag(resp.get("ETag")),
        last_modified=parse_go_time(resp.get("LastModified")),
        replication_status=str(resp.get("ReplicationStatus", "") or ""),
        delete_marker=bool(resp.get("DeleteMarker", False)),
    )


def parse_server_info(body: bytes | str) -> dict[str, Any]:
    """Admin `info` (`madmin.InfoMessage`, §10) → the HealthReport fields it feeds."""
    data = load_json(body, "server info") or {}

    def count(key: str) -> Optional[int]:
        v = data.get(key)
        return _int(v.get("count")) if isinstance(v, dict) and "count" in v else None

    return {
        "mode": str(data.get("mode", "")),
        "deployment_id": str(data.get("deploymentID", "")),
        "region": str(data.get("region", "")),
        "versions": count("versions"),
        "objects": count("objects"),
        "delete_markers": count("deletemarkers"),
    }
