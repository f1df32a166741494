"""The lab's in-memory data: sites, versioned buckets, object versions, remote targets.

Everything here is plain data plus the few operations that keep it consistent
(sorted key index, newest-first versions). It does no I/O and knows nothing of
HTTP. All mutation happens on the lab's event-loop thread; code on other threads
goes through `Lab.call()` (see `lab/server.py`).
"""

from __future__ import annotations

import bisect
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterator, Optional

NULL_VERSION = "null"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_version_id() -> str:
    return str(uuid.uuid4())


def etag_of(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


class Version:
    """One object version or delete marker. Mutable: replication status changes."""

    __slots__ = (
        "key", "version_id", "data", "size", "etag", "last_modified", "delete_marker",
        "content_type", "metadata", "replication_status", "target_status", "checksum_broken",
        "listing_xml",
    )

    def __init__(
        self,
        key: str,
        version_id: str,
        data: bytes = b"",
        *,
        last_modified: Optional[datetime] = None,
        delete_marker: bool = False,
        etag: Optional[str] = None,
        content_type: str = "application/octet-stream",
        metadata: Optional[dict[str, str]] = None,
        replication_status: str = "",
    ) -> None:
        self.key = key
        self.version_id = version_id
        self.data = data
        self.size = 0 if delete_marker else len(data)
        self.etag = "" if delete_marker else (etag or etag_of(data))
        self.last_modified = last_modified or utcnow()
        self.delete_marker = delete_marker
        self.content_type = content_type
        self.metadata = metadata or {}
        """User metadata (`x-amz-meta-*`), lower-case keys without the prefix."""
        self.replication_status = replication_status
        """Composite `X-Amz-Replication-Status`: "", PENDING, COMPLETED, FAILED or REPLICA (§11)."""
        self.target_status: dict[str, str] = {}
        """Per-ARN status (`x-minio-internal-replication-status`): PENDING/COMPLETED/FAILED."""
        self.checksum_broken = False
        """Scenario `checksum-failures`: replication of this version fails until it is copied onto itself."""
        self.listing_xml: Optional[tuple] = None
        """Cache of `lab/listing.py`: (rendered fields, XML before `IsLatest`, XML after it); unset on
        versions built without `__init__` (bulk seeding). Keyed by the fields, so a change re-renders."""

    def recompute_status(self) -> None:
        """Composite status from per-target statuses (§11: any FAILED → FAILED; all COMPLETED → COMPLETED)."""
        if self.replication_status == "REPLICA" or not self.target_status:
            return
        values = set(self.target_status.values())
        if "FAILED" in values:
            self.replication_status = "FAILED"
        elif values == {"COMPLETED"}:
            self.replication_status = "COMPLETED"
        else:
            self.replication_status = "PENDING"


@dataclass
class Purge:
    """A version whose versioned delete waits for replication (facts §17): kept, with a purge status per ARN.

    MinIO keeps such a version (`x-minio-internal-purgestatus`), hides it from ListObjectVersions,
    answers a HEAD by its versionId with 405 and `X-Minio-Replication-Delete-Status`, and lists it in
    the replication diff with `dStatus`. Once every target has deleted it too, it is gone for good."""

    version: Version
    targets: dict[str, str]
    """ARN → PENDING / FAILED / COMPLETE (no "D", §17)."""

    @property
    def status(self) -> str:
        """Composite: any FAILED → FAILED; all COMPLETE → COMPLETE; otherwise PENDING (§17)."""
        values = set(self.targets.values())
        if "FAILED" in values:
            return "FAILED"
        if values and values == {"COMPLETE"}:
            return "COMPLETE"
        return "PENDING"


@dataclass
class LabTarget:
    """A remote target of a bucket (`madmin.BucketTarget`, §2). Holds the secret; never serialised with it."""

    arn: str
    source_bucket: str
    endpoint: str
    """host:port of the other site."""
    target_bucket: str
    access_key: str
    secret_key: str
    secure: bool = False
    region: str = ""
    bandwidth_limit: int = 0
    replication_sync: bool = False
    health_check_ns: int = 60_000_000_000
    reset_before: Optional[datetime] = None
    reset_id: str = ""
    online: bool = True
    last_online: Optional[datetime] = None
    total_downtime_ns: int = 0
    offline_since: Optional[datetime] = None
    offline_count: int = 0
    latency_ns: tuple[int, int, int] = (0, 0, 0)
    deployment_id: str = ""


@dataclass
class ResyncRecord:
    """One ARN's resync state (`ResyncTarget`, §3/§4)."""

    arn: str
    reset_id: str
    status: str = "Pending"
    start_time: Optional[datetime] = None
    last_update: Optional[datetime] = None
    replicated_count: int = 0
    replicated_size: int = 0
    failed_count: int = 0
    failed_size: int = 0
    bucket: str = ""
    last_object: str = ""


@dataclass
class Bucket:
    """A bucket: versioning state, raw replication XML, and its versions in key order."""

    name: str
    created: datetime = field(default_factory=utcnow)
    versioning: str = ""
    """"" (never set), "Enabled" or "Suspended"."""
    replication_xml: Optional[bytes] = None
    """The replication configuration as last PUT (raw), or None."""
    keys: list[str] = field(default_factory=list)
    """Sorted list of keys that have at least one version."""
    versions: dict[str, list[Version]] = field(default_factory=dict)
    """key → versions, newest first (by last_modified, then insertion)."""
    resync: dict[str, ResyncRecord] = field(default_factory=dict)
    """ARN → resync state, as persisted in resync.bin on a real server."""
    purging: dict[str, list[Purge]] = field(default_factory=dict)
    """key → versions deleted by versionId whose delete still has to replicate (newest first). Kept apart
    from `versions`, so every listing hides them as the server does (§17)."""

    # -- writes -------------------------------------------------------------
    def add_version(self, v: Version) -> None:
        """Insert `v`, keeping newest-first order; an existing version with the same ID is replaced."""
        lst = self.versions.get(v.key)
        if lst is None:
            self.versions[v.key] = [v]
            bisect.insort(self.keys, v.key)
            return
        for i, old in enumerate(lst):
            if old.version_id == v.version_id:
                lst[i] = v
                return
        if v.version_id == NULL_VERSION or not self.versioning == "Enabled":
            # An unversioned/suspended write replaces the existing null version.
            lst[:] = [o for o in lst if o.version_id != NULL_VERSION]
        i = 0
        while i < len(lst) and lst[i].last_modified > v.last_modified:
            i += 1
        lst.insert(i, v)

    def remove_version(self, key: str, version_id: str) -> Optional[Version]:
        """Permanently remove one version (versioned DELETE); returns it, or None."""
        lst = self.versions.get(key)
        if not lst:
            return None
        for i, v in enumerate(lst):
            if v.version_id == version_id:
                del lst[i]
                if not lst:
                    del self.versions[key]
                    j = bisect.bisect_left(self.keys, key)
                    if j < len(self.keys) and self.keys[j] == key:
                        del self.keys[j]
                return v
        return None

    def wipe(self) -> None:
        """Lose every version (the fault 'wipe a bucket'); configuration stays."""
        self.keys.clear()
        self.versions.clear()
        self.purging.clear()

    # -- versioned deletes waiting for replication (§17) -----------------------
    def start_purge(self, key: str, version_id: str, arns: tuple[str, ...]) -> Optional[Purge]:
        """Take the version out of the listings and keep it, purge PENDING for each ARN; None if absent."""
        v = self.remove_version(key, version_id)
        if v is None:
            return None
        p = Purge(v, {a: "PENDING" for a in arns})
        lst = self.purging.setdefault(key, [])
        i = 0
        while i < len(lst) and lst[i].version.last_modified > v.last_modified:
            i += 1
        lst.insert(i, p)
        return p

    def get_purge(self, key: str, version_id: str) -> Optional[Purge]:
        for p in self.purging.get(key, ()):
            if p.version.version_id == version_id:
                return p
        return None

    def finish_purge(self, key: str, version_id: str) -> None:
        """The delete has replicated everywhere: the version is gone for good."""
        lst = self.purging.get(key)
        if lst:
            lst[:] = [p for p in lst if p.version.version_id != version_id]
            if not lst:
                del self.purging[key]

    def latest_purge(self, key: str) -> Optional[Purge]:
        """The purge-pending version that is newer than every listed version of `key` (it hides the key
        from plain reads: HEAD/GET without versionId answer 404 with `x-amz-delete-marker`), or None."""
        lst = self.purging.get(key)
        if not lst:
            return None
        latest = self.latest(key)
        p = lst[0]
        return p if latest is None or p.version.last_modified >= latest.last_modified else None

    def walk(self, prefix: str = "") -> Iterator[tuple[Version, Optional[Purge]]]:
        """What the server's walk (replication diff, §7/§17) sees: every version, delete marker and
        purge-pending version under `prefix`, key order then newest first."""
        if not self.purging:
            for v in self.iter_versions(prefix):
                yield v, None
            return
        keys = sorted(set(self.keys_from(prefix)) | {k for k in self.purging if k.startswith(prefix)})
        for k in keys:
            items: list[tuple[Version, Optional[Purge]]] = [(v, None) for v in self.versions.get(k, ())]
            items += [(p.version, p) for p in self.purging.get(k, ())]
            items.sort(key=lambda x: x[0].last_modified, reverse=True)
            yield from items

    def bulk_load(self, versions: list[Version]) -> None:
        """Fast seeding for large scenarios: append many versions, then sort once."""
        for v in versions:
            self.versions.setdefault(v.key, []).append(v)
        for lst in self.versions.values():
            lst.sort(key=lambda x: x.last_modified, reverse=True)
        self.keys = sorted(self.versions)

    # -- reads --------------------------------------------------------------
    def latest(self, key: str) -> Optional[Version]:
        lst = self.versions.get(key)
        return lst[0] if lst else None

    def get_version(self, key: str, version_id: str) -> Optional[Version]:
        for v in self.versions.get(key, ()):
            if v.version_id == version_id:
                return v
        return None

    def keys_from(self, prefix: str = "", start_after: str = "") -> Iterator[str]:
        """Keys with `prefix`, in order, strictly after `start_after`."""
        lo = max(prefix, start_after)
        i = bisect.bisect_left(self.keys, lo)
        if i < len(self.keys) and self.keys[i] == start_after:
            i += 1
        n = len(self.keys)
        while i < n:
            k = self.keys[i]
            if not k.startswith(prefix):
                return
            yield k
            i += 1

    def iter_versions(self, prefix: str = "") -> Iterator[Version]:
        """Every version and delete marker under `prefix`, key order then newest first."""
        for k in list(self.keys_from(prefix)):
            yield from list(self.versions.get(k, ()))

    def count_versions(self) -> int:
        return sum(len(v) for v in self.versions.values())


@dataclass
class Site:
    """One MinIO-compatible deployment of the lab."""

    name: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    deployment_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    flavor: str = "community"
    """"community" (no bucket resync cancel, admin v3 only) or "aistor" (cancel and admin v4)."""
    buckets: dict[str, Bucket] = field(default_factory=dict)
    targets: dict[str, list[LabTarget]] = field(default_factory=dict)
    """bucket → remote targets."""
    started: datetime = field(default_factory=utcnow)
    online: bool = True
    """False while the fault 'site offline' is injected."""
    users: dict[str, tuple[str, Optional[frozenset[str]]]] = field(default_factory=dict)
    """Extra users: access key → (secret key, allowed IAM actions or None for all).
    The root user (access_key/secret_key above) may do everything."""
    inventory_jobs: dict = field(default_factory=dict)
    """(bucket, job id) → `lab.inventory.InventoryJob` (aistor flavour only)."""
    site_repl: Optional[object] = None
    """`lab/siterepl.SiteReplState` when this site is a site-replication peer (scenario `site-replication`)."""

    def targets_of(self, bucket: str) -> list[LabTarget]:
        return self.targets.setdefault(bucket, [])

    def target_by_arn(self, bucket: str, arn: str) -> Optional[LabTarget]:
        for t in self.targets.get(bucket, ()):
            if t.arn == arn:
                return t
        return None
