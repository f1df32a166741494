"""Active-active bucket replication between the lab's two sites, over real signed HTTP (§11).

`Replicator(rt)` is attached to each `SiteRuntime` by `Lab.start()`. Non-replica writes are
marked PENDING and queued; a bounded pool of async workers PUTs objects and DELETEs delete
markers / versioned deletes on the remote target with MinIO's replication headers, keeping
version IDs, mtimes and ETags. Results go to the per-ARN status (COMPLETED/FAILED). There is
no automatic retry: HEAD/GET of a PENDING/FAILED version re-queues it (§8, MRF-like heal).
A 1-second health loop probes `/minio/health/live` once per remote endpoint (MinIO: every 5 s), and
every target on that endpoint takes the result.

Copy-on-write rule: a version's `target_status` dict may be shared (bulk seeding), so it is
always replaced, never mutated in place.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from recovery_tui.lab import replconfig, store
from recovery_tui.lab.gofmt import go_time
from recovery_tui.lab.metrics import SiteMetrics
from recovery_tui.lab.remote import RemoteClient, RemoteUnreachable, object_path

log = logging.getLogger(__name__)


def _rfc3339nano(dt: datetime) -> str:
    return go_time(dt)


@dataclass
class ReplTask:
    """One queued replication operation for one version and a set of ARNs."""

    bucket: str
    key: str
    version_id: str
    op: str
    """"put" (object version), "dm" (delete marker) or "delete" (versioned delete)."""
    arns: tuple[str, ...]
    size: int = 0
    version: Optional[store.Version] = None


class Replicator:
    """Replication engine of one site (see the module docstring)."""

    workers = 8
    health_period = 1.0

    def __init__(self, rt: Any) -> None:
        self.rt = rt
        self.metrics = SiteMetrics(rt.endpoint if hasattr(rt, "endpoint") else rt.site.name)
        self.client = RemoteClient(getattr(rt.lab, "ca_pem_path", None))
        self.repl_time: dict[tuple[str, str, str], datetime] = {}
        """(bucket, key, versionId) → last replication attempt (`replTimestamp` in the diff)."""
        self._queue: Optional[asyncio.Queue[ReplTask]] = None
        self._inflight: set[tuple[str, str, str]] = set()
        self._tasks: list[asyncio.Task[Any]] = []
        self._latency: dict[str, tuple[int, int]] = {}
        from recovery_tui.lab.resync import Resyncer
        self.resync = Resyncer(self)

    # -- configuration --------------------------------------------------------------------------
    def rules(self, bucket: str) -> list[replconfig.LabRule]:
        b = self.rt.site.buckets.get(bucket)
        if b is None or b.replication_xml is None:
            return []
        try:
            return replconfig.parse(b.replication_xml)
        except replconfig.ConfigInvalid:
            return []

    def target(self, bucket: str, arn: str) -> Optional[store.LabTarget]:
        return self.rt.site.target_by_arn(bucket, arn)

    # -- hooks from the S3 handlers -------------------------------------------------------------
    def on_object_written(self, bucket: str, version: store.Version) -> None:
        if version.replication_status == "REPLICA":
            return
        matched = replconfig.rules_for(self.rules(bucket), version.key)
        if version.delete_marker:
            matched = {a: r for a, r in matched.items() if r.delete_marker_replication == "Enabled"}
        if not matched:
            return
        version.target_status = {arn: "PENDING" for arn in matched}
        version.replication_status = "PENDING"
        self.enqueue(bucket, version, tuple(matched))

    def purge_arns(self, bucket: str, key: str) -> tuple[str, ...]:
        """The targets a versioned delete of `key` must replicate to (rules with DeleteReplication)."""
        matched = replconfig.rules_for(self.rules(bucket), key)
        return tuple(a for a, r in matched.items() if r.delete_replication == "Enabled")

    def enqueue_purge(self, bucket: str, purge: store.Purge) -> None:
        """Queue the versioned delete of a purge-pending version for its PENDING/FAILED targets."""
        arns = tuple(a for a, s in purge.targets.items() if s in ("PENDING", "FAILED"))
        if arns:
            v = purge.version
            self._put(ReplTask(bucket, v.key, v.version_id, "delete", arns, version=v))

    def on_head_purge(self, bucket: str, purge: store.Purge) -> None:
        """`queueReplicationHeal` of a version whose purge is PENDING/FAILED: re-queue the delete (§17)."""
        self.enqueue_purge(bucket, purge)

    def on_head(self, bucket: str, version: store.Version) -> None:
        """`queueReplicationHeal`: re-queue versions PENDING/FAILED for some target."""
        if version.replication_status == "REPLICA":
            return
        arns = tuple(a for a, s in version.target_status.items() if s in ("PENDING", "FAILED"))
        if not arns and not version.replication_status:
            rules = replconfig.rules_for(self.rules(bucket), version.key)
            arns = tuple(a for a, r in rules.items() if r.existing_object_replication == "Enabled"
                         and (not version.delete_marker or r.delete_marker_replication == "Enabled"))
        if arns:
            self.enqueue(bucket, version, arns)

    def enqueue(self, bucket: str, version: store.Version, arns: tuple[str, ...]) -> None:
        op = "dm" if version.delete_marker else "put"
        self._put(ReplTask(bucket, version.key, version.version_id, op, arns, version.size, version))

    def _put(self, task: ReplTask) -> None:
        ident = (task.bucket, task.version_id, task.op)
        if self._queue is None or ident in self._inflight:
            return
        self._inflight.add(ident)
        self.metrics.bucket(task.bucket).queued.change(1, task.size)
        self._queue.put_nowait(task)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self._queue = asyncio.Queue()
        await self.client.start()
        self._tasks = [asyncio.create_task(self._worker(), name=f"repl-worker-{i}") for i in range(self.workers)]
        self._tasks.append(asyncio.create_task(self._health_loop(), name="repl-health"))

    async def stop(self) -> None:
        await self.resync.stop()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.client.close()

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until the queue is empty and no worker is busy (tests, scripted demos)."""
        deadline = time.monotonic() + timeout
        while self._inflight and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    # -- workers --------------------------------------------------------------------------------
    async def _worker(self) -> None:
        assert self._queue is not None
        while True:
            task = await self._queue.get()
            self.metrics.bucket(task.bucket).queued.change(-1, -task.size)
            self.metrics.worker_busy(1)
            try:
                await self._run(task)
            except Exception as exc:  # never let a worker die
                log.warning("replication of a version failed unexpectedly: %s", type(exc).__name__)
            finally:
                self.metrics.worker_busy(-1)
                self._inflight.discard((task.bucket, task.version_id, task.op))

    async def _run(self, task: ReplTask) -> None:
        for arn in task.arns:
            tgt = self.target(task.bucket, arn)
            if task.op == "delete":
                ok = tgt is not None and await self.send_delete(tgt, task.key, task.version_id)
                if not ok:
                    self.metrics.bucket(task.bucket).target(arn).failed.add(0)
                self._purged(task, arn, ok)
                continue
            v = task.version
            if v is None:
                continue
            ok = tgt is not None and await self.replicate(task.bucket, v, tgt)
            self.set_status(v, arn, "COMPLETED" if ok else "FAILED")

    def _purged(self, task: ReplTask, arn: str, ok: bool) -> None:
        """Record a versioned delete's outcome for `arn`; once every target has it, the version is gone."""
        b = self.rt.site.buckets.get(task.bucket)
        p = b.get_purge(task.key, task.version_id) if b is not None else None
        if p is None:
            return
        self.repl_time[(task.bucket, task.key, task.version_id)] = store.utcnow()
        p.targets = {**p.targets, arn: "COMPLETE" if ok else "FAILED"}
        if p.status == "COMPLETE":
            b.finish_purge(task.key, task.version_id)

    def set_status(self, v: store.Version, arn: str, status: str) -> None:
        v.target_status = {**v.target_status, arn: status}
        v.recompute_status()

    # -- sending --------------------------------------------------------------------------------
    async def replicate(self, bucket: str, v: store.Version, tgt: store.LabTarget, *,
                        skip_existing: bool = False) -> bool:
        """Replicate one version to `tgt`; counts metrics; True on success.

        With `skip_existing` (existing-object/resync replication) a version already on the target
        with the same ETag is not sent again (`replicateObjectToTarget` → replicateNone).
        """
        self.repl_time[(bucket, v.key, v.version_id)] = store.utcnow()
        counters = self.metrics.bucket(bucket).target(tgt.arn)
        if self.rt.lab.faults.should_fail(v.key) or v.checksum_broken:
            counters.failed.add(v.size)
            return False
        try:
            if skip_existing:
                st = await self.client.request(tgt, "HEAD", object_path(tgt.target_bucket, v.key),
                                               query=f"versionId={v.version_id}")
                if (st.status == 200 and not v.delete_marker and st.headers.get("etag", "").strip('"') == v.etag) \
                        or (st.status == 405 and v.delete_marker):
                    return True
            if v.delete_marker:
                ok = await self._send_dm(tgt, v)
            else:
                ok = await self._send_put(tgt, v)
        except RemoteUnreachable:
            self._mark_offline(tgt)
            ok = False
        if ok:
            counters.replicated_count += 1
            counters.replicated_size += v.size
            self.metrics.transferred_bytes += v.size
            if not v.delete_marker:  # replicas are counted by PutObject only; replicated deletes are not (§21)
                self._count_replica(tgt, bucket, v.size)
        else:
            counters.failed.add(v.size)
        return ok

    def _headers(self, v: store.Version) -> dict[str, str]:
        return {"X-Minio-Source-Replication-Request": "true", "X-Amz-Replication-Status": "REPLICA",
                "X-Minio-Source-Mtime": _rfc3339nano(v.last_modified)}

    async def _send_put(self, tgt: store.LabTarget, v: store.Version) -> bool:
        h = self._headers(v)
        h["X-Minio-Source-Etag"] = v.etag
        h["Content-Type"] = v.content_type
        h["X-Minio-Replication-Actual-Object-Size"] = str(v.size)
        for k, val in v.metadata.items():
            h[f"x-amz-meta-{k}"] = val
        resp = await self.client.request(tgt, "PUT", object_path(tgt.target_bucket, v.key),
                                         query=f"versionId={v.version_id}", headers=h, body=v.data)
        return resp.status == 200

    async def _send_dm(self, tgt: store.LabTarget, v: store.Version) -> bool:
        h = self._headers(v)
        h["X-Minio-Source-DeleteMarker"] = "true"
        resp = await self.client.request(tgt, "DELETE", object_path(tgt.target_bucket, v.key),
                                         query=f"versionId={v.version_id}", headers=h)
        return resp.status in (200, 204)

    async def send_delete(self, tgt: store.LabTarget, key: str, version_id: str) -> bool:
        """Versioned delete (DeleteReplication Enabled)."""
        if self.rt.lab.faults.should_fail(key):
            return False
        h = {"X-Minio-Source-Replication-Request": "true"}
        try:
            resp = await self.client.request(tgt, "DELETE", object_path(tgt.target_bucket, key),
                                             query=f"versionId={version_id}", headers=h)
        except RemoteUnreachable:
            self._mark_offline(tgt)
            return False
        return resp.status in (200, 204)

    def _count_replica(self, tgt: store.LabTarget, bucket: str, size: int) -> None:
        """The receiving site's `replicaCount`/`replicaSize` (the lab knows its peer)."""
        lab = self.rt.lab
        for peer in (lab.source, lab.target):
            if peer is not self.rt and f"{peer.host}:{peer.port}" == tgt.endpoint:
                rep = peer.replicator
                if isinstance(rep, Replicator):
                    bc = rep.metrics.bucket(tgt.target_bucket)
                    bc.replica_count += 1
                    bc.replica_size += size

    # -- target health --------------------------------------------------------------------------
    # As MinIO's BucketTargetSys (cmd/bucket-targets.go): health is kept per endpoint host, not per target.
    # `heartBeat` probes each host once per period and `ListTargets` lays that host's result over every
    # target that points at it; `markOffline(ep)` marks the host. A thousand buckets replicating to one
    # site cost one probe per period, not a thousand.
    def _hosts(self) -> dict[str, list[store.LabTarget]]:
        """Every remote target of this site, by the endpoint host it points at."""
        hosts: dict[str, list[store.LabTarget]] = {}
        for targets in list(self.rt.site.targets.values()):
            for tgt in targets:
                hosts.setdefault(tgt.endpoint, []).append(tgt)
        return hosts

    @staticmethod
    def _host_offline(group: list[store.LabTarget]) -> None:
        """A host does not answer: every target on it goes offline."""
        now = store.utcnow()
        for t in group:
            if t.online:
                t.online = False
                t.offline_since = now
                t.offline_count += 1

    def _mark_offline(self, tgt: store.LabTarget) -> None:
        """A replication to `tgt` found its host unreachable (`markOffline(ep)`)."""
        if tgt.online:  # else its host is marked already (the next health check catches any straggler)
            self._host_offline(self._hosts().get(tgt.endpoint, [tgt]))

    async def check_health(self) -> None:
        """Probe every remote endpoint once; update online/lastOnline/downtime/latency of its targets."""
        for endpoint, group in self._hosts().items():
            t0 = time.perf_counter_ns()
            ok = await self.client.live(group[0], timeout=min(3.0, self.health_period * 2))
            elapsed = time.perf_counter_ns() - t0
            now = store.utcnow()
            if not ok:
                self._host_offline(group)
                continue
            total, n = self._latency.get(endpoint, (0, 0))
            total, n = total + elapsed, n + 1
            self._latency[endpoint] = (total, n)
            for tgt in group:
                if not tgt.online and tgt.offline_since is not None:
                    tgt.total_downtime_ns += int((now - tgt.offline_since).total_seconds() * 1e9)
                tgt.online, tgt.offline_since, tgt.last_online = True, None, now
                tgt.latency_ns = (elapsed, total // n, max(tgt.latency_ns[2], elapsed))

    def downtime_ns(self, tgt: store.LabTarget) -> int:
        """Total downtime including the current outage."""
        extra = 0
        if not tgt.online and tgt.offline_since is not None:
            extra = int((store.utcnow() - tgt.offline_since).total_seconds() * 1e9)
        return tgt.total_downtime_ns + extra

    async def _health_loop(self) -> None:
        while True:
            try:
                await self.check_health()
                self.metrics.sample()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("health check: %s", type(exc).__name__)
            await asyncio.sleep(self.health_period)
