"""Typed results for whole-site recovery (issue 11): the site plan, site replication (§15).

Frozen dataclasses, like `models.py`. `SitePlan.to_json()` is the `site plan --json` contract:
`{"source","target","mode","buckets":[{"bucket","arn","recoverable","reason","fix","source_versions",
"target_versions", …}], …}` (more keys may follow the contract's).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Mapping, Optional

BUCKET_MODE = "bucket-replication"
SITE_MODE = "site-replication"


@dataclass(frozen=True)
class PeerInfo:
    """One element of `site-replication/info`'s `sites` (§15.1); `raw` is sent back unchanged (§15.3)."""

    name: str
    endpoint: str
    deployment_id: str
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class SiteReplicationInfo:
    """`GET /minio/admin/v3/site-replication/info` (§15.1)."""

    enabled: bool
    name: str = ""
    sites: tuple[PeerInfo, ...] = ()

    def peer(self, deployment_id: str) -> Optional[PeerInfo]:
        return next((p for p in self.sites if deployment_id and p.deployment_id == deployment_id), None)


@dataclass(frozen=True)
class SiteResyncBucket:
    """A bucket the site-level start or cancel could not handle (§15.4: only failures are listed)."""

    bucket: str
    status: str
    """Often "" (the key is present, empty); "Failed" when the bucket has no replication config."""
    error_detail: str = ""


@dataclass(frozen=True)
class SiteResyncOp:
    """`SRResyncOpStatus` (§15.3)."""

    op: str
    resync_id: str
    status: str
    failed: tuple[SiteResyncBucket, ...] = ()
    error_detail: str = ""


@dataclass(frozen=True)
class SiteResyncMetrics:
    """`aggregated.siteResync` of one metrics sample (§15.5)."""

    resync_id: str
    status: str
    deployment_id: str = ""
    num_buckets: int = 0
    replicated_count: int = 0
    replicated_size: int = 0
    failed_count: int = 0
    failed_buckets: tuple[str, ...] = ()
    start_time: Optional[datetime] = None
    last_update: Optional[datetime] = None
    bucket: str = ""
    object: str = ""

    @property
    def complete(self) -> bool:
        """mc's test: `resyncStatus` equals "completed", case-insensitive."""
        return self.status.lower() == "completed"


@dataclass(frozen=True)
class BucketPlan:
    """One bucket of the healthy site that replicates to the damaged one (or should)."""

    bucket: str
    arn: str = ""
    target_bucket: str = ""
    rule_id: str = ""
    recoverable: bool = False
    reason: str = ""
    """Why a resync cannot recover it (empty when it can)."""
    fix: str = ""
    """The command(s) that make it recoverable (mc syntax, facts §20)."""
    source_versions: Optional[int] = None
    target_versions: Optional[int] = None
    """None until counted, or when the bucket does not exist on that side."""
    source_bytes: Optional[int] = None
    """Bytes of the source's object versions (the size estimate)."""
    count_error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"bucket": self.bucket, "arn": self.arn, "recoverable": self.recoverable, "reason": self.reason,
                "fix": self.fix, "source_versions": self.source_versions, "target_versions": self.target_versions,
                "target_bucket": self.target_bucket, "rule_id": self.rule_id, "size_bytes": self.source_bytes,
                "count_error": self.count_error}


@dataclass(frozen=True)
class SitePlan:
    """Every bucket of `source` (healthy) that replicates to `target` (damaged), with a verdict each."""

    source: str
    target: str
    mode: str
    buckets: tuple[BucketPlan, ...]
    source_deployment: str = ""
    target_deployment: str = ""
    peer: Optional[PeerInfo] = None
    """The damaged site as a site-replication peer (mode site-replication)."""
    metadata: str = ""
    """How bucket configurations were read: "export" (one call per site) or "per-bucket"."""
    notes: tuple[str, ...] = ()
    elapsed: float = 0.0
    skipped: int = 0
    """Healthy-site buckets left out: they replicate elsewhere only (or nowhere) and do not exist on target."""

    def recoverable(self) -> list[BucketPlan]:
        return [b for b in self.buckets if b.recoverable]

    def get(self, bucket: str) -> Optional[BucketPlan]:
        return next((b for b in self.buckets if b.bucket == bucket), None)

    def with_buckets(self, buckets: tuple[BucketPlan, ...], **kw: Any) -> "SitePlan":
        return replace(self, buckets=buckets, **kw)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"source": self.source, "target": self.target, "mode": self.mode,
                               "buckets": [b.to_json() for b in self.buckets],
                               "source_deployment_id": self.source_deployment,
                               "target_deployment_id": self.target_deployment,
                               "metadata": self.metadata, "notes": list(self.notes), "skipped": self.skipped,
                               "elapsed_seconds": round(self.elapsed, 3)}
        if self.peer is not None:
            doc["peer"] = {"name": self.peer.name, "endpoint": self.peer.endpoint,
                           "deployment_id": self.peer.deployment_id}
        return doc
