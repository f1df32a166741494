"""Typed results of the client service: frozen dataclasses, never raw dicts.

Field names follow the operator's vocabulary; the wire keys they come from are
named in each docstring (see shared/minio-wire-facts.md for the sections).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

ZERO_TIME = datetime(1, 1, 1)
"""Go's zero `time.Time` ("0001-01-01T00:00:00Z"), naive; parsers map it to None."""


@dataclass(frozen=True)
class TagFilter:
    key: str
    value: str


@dataclass(frozen=True)
class RuleFilter:
    """`<Filter>` of a rule: a prefix and/or tags (the `And` form when both)."""

    prefix: str = ""
    tags: tuple[TagFilter, ...] = ()

    def describe(self) -> str:
        parts = []
        if self.prefix:
            parts.append(f"prefix={self.prefix}")
        parts.extend(f"tag {t.key}={t.value}" for t in self.tags)
        return ", ".join(parts) or "(whole bucket)"


@dataclass(frozen=True)
class ReplicationRule:
    """One `<Rule>` of a bucket's replication configuration (§1), DeleteReplication kept."""

    id: str
    status: str
    """`Enabled` or `Disabled`."""
    priority: int
    destination_arn: str
    """`<Destination><Bucket>`: the full ARN `arn:minio:replication:<region>:<uuid>:<bucket>`."""
    delete_marker_replication: str = "Disabled"
    delete_replication: str = "Disabled"
    """MinIO extension that boto3 drops; read from the raw XML."""
    existing_object_replication: str = ""
    """`Enabled`, `Disabled`, or "" when the PUT had no such element."""
    replica_modifications: str = "Enabled"
    storage_class: str = ""
    filter: RuleFilter = field(default_factory=RuleFilter)

    @property
    def enabled(self) -> bool:
        return self.status == "Enabled"

    @property
    def existing_objects_enabled(self) -> bool:
        return self.existing_object_replication == "Enabled"


@dataclass(frozen=True)
class ReplicationConfig:
    rules: tuple[ReplicationRule, ...]
    role: str = ""

    def rules_for(self, arn: str) -> tuple[ReplicationRule, ...]:
        return tuple(r for r in self.rules if r.destination_arn == arn)


@dataclass(frozen=True)
class Latency:
    """`latency{curr,avg,max}` of a remote target, converted from Go ns to seconds."""

    curr: float = 0.0
    avg: float = 0.0
    max: float = 0.0


@dataclass(frozen=True)
class RemoteTarget:
    """One `madmin.BucketTarget` from list-remote-targets (§2). The secret is never present."""

    arn: str
    source_bucket: str
    endpoint: str
    """host:port, no scheme."""
    target_bucket: str
    secure: bool = False
    type: str = "replication"
    region: str = ""
    access_key: str = ""
    bandwidth_limit: int = 0
    """bytes/s, 0 = unlimited."""
    replication_sync: bool = False
    health_check_seconds: float = 0.0
    reset_before: Optional[datetime] = None
    reset_id: str = ""
    online: bool = False
    last_online: Optional[datetime] = None
    total_downtime_seconds: float = 0.0
    latency: Latency = field(default_factory=Latency)
    deployment_id: str = ""

    @property
    def url(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.endpoint}"


@dataclass(frozen=True)
class TargetView:
    """A rule joined with its remote target, as `mc replicate ls` shows it."""

    rule: ReplicationRule
    target: Optional[RemoteTarget]
    """None when the rule's ARN has no remote target (a stale rule)."""
    alias: str = ""
    """The mc alias whose endpoint matches the target's, when one does."""


@dataclass(frozen=True)
class ResyncJob:
    """The answer to a resync start (§3): `{"target":[{arn, resetid}]}`."""

    arn: str
    reset_id: str


@dataclass(frozen=True)
class ResyncTargetStatus:
    """One element of `ResyncTargetsInfo.target` (§4)."""

    arn: str
    reset_id: str
    status: str
    """`Pending`/`Ongoing`/`Completed`/`Failed`/`Canceled`, or "" (no resync)."""
    start_time: Optional[datetime]
    last_update: Optional[datetime]
    """`endTime` on the wire: the time of the last status change."""
    replicated_count: int
    replicated_size: int
    failed_count: int
    failed_size: int
    """Never incremented by the community server (§4); shown, but not trusted."""
    bucket: str = ""
    last_object: str = ""

    @property
    def running(self) -> bool:
        return self.status in ("Pending", "Ongoing")

    @property
    def finished(self) -> bool:
        return self.status in ("Completed", "Failed", "Canceled")


@dataclass(frozen=True)
class ResyncStatus:
    """`GET ?replication-reset-status`; `{}` on the wire gives an empty tuple."""

    targets: tuple[ResyncTargetStatus, ...] = ()

    def for_arn(self, arn: str) -> Optional[ResyncTargetStatus]:
        for t in self.targets:
            if t.arn == arn:
                return t
        return None


@dataclass(frozen=True)
class TimedCounts:
    """A `madmin.TimedErrStats` reduced to counts: last minute, last hour, since uptime."""

    last_minute: int = 0
    last_hour: int = 0
    total: int = 0


@dataclass(frozen=True)
class TargetMetrics:
    """Per-ARN entry of `currStats.Stats` (§6)."""

    arn: str
    replicated_count: int = 0
    replicated_size: int = 0
    failed: TimedCounts = field(default_factory=TimedCounts)
    bandwidth_limit: int = 0
    current_bandwidth: float = 0.0


@dataclass(frozen=True)
class ReplicationMetrics:
    """Replication metrics V2 (§6), the parts an operator reads."""

    uptime_seconds: int
    replicated_count: int
    replicated_size: int
    replica_count: int
    replica_size: int
    queued_count: float
    queued_bytes: float
    failed: TimedCounts
    targets: tuple[TargetMetrics, ...] = ()


@dataclass(frozen=True)
class DiffEntry:
    """One line of the replication diff stream (§7): a version not yet replicated."""

    object: str
    version_id: str
    status: str
    """Overall `rStatus` ("" for an unreplicated pre-existing version)."""
    targets: tuple[tuple[str, str], ...] = ()
    """(ARN, per-target rStatus) pairs."""
    delete_marker: bool = False
    last_modified: Optional[datetime] = None
    replicated_at: Optional[datetime] = None
    error: bool = False
    """True when the server sent an `error` (its message is lost on the wire: `{}`): its walk failed and
    the stream ends there, so everything read is a partial list (§7)."""
    purge_status: str = ""
    """Overall `dStatus`: the version was deleted by versionId and that delete waits to replicate
    (PENDING / FAILED; COMPLETE only with verbose). Such a version is hidden from listings (§17)."""
    purge_targets: tuple[tuple[str, str], ...] = ()
    """(ARN, per-target `drStatus`) pairs."""

    def status_for(self, arn: str) -> str:
        for a, s in self.targets:
            if a == arn:
                return s
        return self.status

    def purge_status_for(self, arn: str) -> str:
        """The versioned-delete status for `arn` (its `drStatus`), else the overall `dStatus`."""
        for a, s in self.purge_targets:
            if a == arn:
                return s
        return "" if any(a == arn for a, _ in self.targets) else self.purge_status


@dataclass(frozen=True)
class ObjectVersion:
    """One entry of ListObjectVersions: a version or a delete marker."""

    key: str
    version_id: str
    is_latest: bool
    last_modified: Optional[datetime]
    size: int = 0
    etag: str = ""
    delete_marker: bool = False


@dataclass(frozen=True)
class ObjectStat:
    """HeadObject of one version."""

    key: str
    version_id: str
    size: int
    etag: str
    last_modified: Optional[datetime]
    replication_status: str = ""
    delete_marker: bool = False


@dataclass(frozen=True)
class LatestVersion:
    """What a plain GET of a key serves now (HEAD without a versionId)."""

    key: str
    version_id: str
    etag: str
    delete_marker: bool


@dataclass(frozen=True)
class HealthReport:
    """`/minio/health/cluster` plus, when allowed, admin `info` (§10)."""

    endpoint: str
    healthy: bool
    status_code: int
    """0 when the endpoint could not be reached."""
    detail: str = ""
    mode: str = ""
    deployment_id: str = ""
    region: str = ""
    versions: Optional[int] = None
    objects: Optional[int] = None
    delete_markers: Optional[int] = None


@dataclass(frozen=True)
class BucketVersioning:
    status: str
    """`Enabled`, `Suspended`, or "" when never set."""

    @property
    def enabled(self) -> bool:
        return self.status == "Enabled"


@dataclass(frozen=True)
class VersionsPage:
    """One ListObjectVersions page, Versions and DeleteMarkers merged (key order, newest first)."""

    versions: tuple[ObjectVersion, ...]
    common_prefixes: tuple[str, ...] = ()
    truncated: bool = False
    next_key_marker: str = ""
    next_version_id_marker: str = ""
