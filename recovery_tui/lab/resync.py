"""Bucket resync (§3 start, §4 status, §5a cancel): the handlers and the background job.

The job walks ALL versions and delete markers of the bucket with ModTime < resetBeforeDate, keeps the
ones the rules for the ARN select (`resync_selects`: prefix filter, existing-object flag, replicas included),
re-replicates each with 10 workers (versions already on the target with the same ETag are not
transferred again, as `replicateObjectToTarget` decides replicateNone), then verifies it with a
stat on the target: success (or 405 on a delete marker) → `replicationCount++`/size, otherwise
`failedReplicationCount++`. So, like MinIO, `replicationCount` counts every eligible version,
not only the missing ones; the metrics' per-ARN `replicationCount` counts real transfers.

Replica versions are resynced too: MinIO's `replicationConfig.Resync` drops the stored replication
status before `mustReplicate` ("Ignore previous replication status when deciding if object can be
re-replicated", cmd/bucket-replication.go), so the side that received the data by replication can
rebuild the other (resync from `target` after `source` lost data).

Fault `hold_resync(percent)` (lab/faults.py): workers stop taking versions at that share of the job's
total until released, so tests watch a resync that is exactly N % done instead of racing a moving one.

Deviation: status is served from live memory, not from resync.bin (no ~1 min lag, §4).
The per-version pace is `Resyncer.delay` seconds (`Lab(resync_delay=...)`, which the CLI takes from
RECOVERY_TUI_LAB_RESYNC_DELAY; default 0.1 s per version per worker: ~200 versions take ~2 s, so a
walkthrough can watch it).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Optional

from aiohttp import web

from recovery_tui.lab import replconfig, store
from recovery_tui.lab.errors import LabError
from recovery_tui.lab.gofmt import ZERO_TIME, DurationError, dumps, go_time, parse_duration
from recovery_tui.lab.remote import RemoteUnreachable, object_path

if TYPE_CHECKING:
    from recovery_tui.lab.replication import Replicator

RESYNC_WORKERS = 10
ACTIVE = ("Pending", "Ongoing")
HOLD_POLL = 0.02
"""Seconds between two looks at the `hold_resync` fault while a worker waits at it."""


class _Taken:
    """How many versions a job's workers took and still work on, against its total (for the hold fault)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.taken = 0
        self.in_flight = 0
        self.waiting = 0


DEFAULT_DELAY = 0.1
"""Seconds per version per resync worker unless `Lab(resync_delay=...)` says otherwise."""


def _json(doc: Any) -> web.Response:
    return web.Response(status=200, text=dumps(doc), content_type="application/json")


def _bad_request(bucket: str, msg: str) -> LabError:
    """`ErrBadRequest` wrapping `InvalidArgument{Bucket, Err}`, JSON form."""
    return LabError("BadRequest", f"400 BadRequest (Invalid arguments provided for {bucket}/: ({msg}))",
                    status=400, bucket=bucket, json=True)


def record_doc(rec: store.ResyncRecord) -> dict[str, Any]:
    """One `ResyncTarget` in the §3 table's key order."""
    doc: dict[str, Any] = {"arn": rec.arn, "resetid": rec.reset_id, "startTime": go_time(rec.start_time),
                           "endTime": go_time(rec.last_update)}
    if rec.status:
        doc["resyncStatus"] = rec.status
    doc.update({"completedReplicationSize": rec.replicated_size, "failedReplicationSize": rec.failed_size,
                "failedReplicationCount": rec.failed_count, "replicationCount": rec.replicated_count})
    if rec.bucket:
        doc["bucket"] = rec.bucket
    if rec.last_object:
        doc["object"] = rec.last_object
    return doc


class Resyncer:
    """Resync jobs of one site."""

    def __init__(self, replicator: "Replicator") -> None:
        self.rep = replicator
        self.delay = DEFAULT_DELAY
        self.jobs: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.starts: dict[str, int] = {}
        """Resyncs begun per bucket since the lab started (bucket and site-level starts alike): what a test
        reads to prove a run never started a bucket twice (the record itself keeps only the latest ResetID)."""
        self._taken: dict[tuple[str, str], _Taken] = {}

    @property
    def site(self) -> store.Site:
        return self.rep.rt.site

    def held(self) -> dict[tuple[str, str], int]:
        """Jobs sitting at the `hold_resync` fault with nothing in flight: (bucket, arn) → versions taken."""
        return {key: t.taken for key, t in list(self._taken.items()) if t.waiting and not t.in_flight}

    async def stop(self) -> None:
        for t in self.jobs.values():
            t.cancel()
        await asyncio.gather(*self.jobs.values(), return_exceptions=True)
        self.jobs.clear()

    # -- PUT ?replication-reset -----------------------------------------------------------------
    async def handle_start(self, request: web.Request, bucket: str) -> web.Response:
        q = request.query
        older = q.get("older-than", "")
        days = 0
        if older:
            try:
                days = parse_duration(older) // 24  # the §3 unit trap: nanoseconds / 24
            except DurationError as exc:
                raise LabError("InvalidArgument", f"Invalid arguments provided for {bucket}/: (invalid query "
                               f"parameter older-than {older} for {bucket} : {exc})", bucket=bucket) from None
        rt = self.rep.rt
        b = replconfig.configured_bucket(rt, request, bucket, "s3:ResetBucketReplicationState")
        cfg = replconfig.parse_config(b.replication_xml)
        arn = q.get("arn", "")
        has_arn = enabled = False
        for r in cfg.rules:
            if r.destination == arn or cfg.role == arn:
                has_arn = True
                if r.existing_object_replication == "Enabled":
                    enabled = True
                    break
        if not has_arn:
            raise LabError("XMinioAdminRemoteTargetNotFoundError", "The remote target does not exist",
                           status=404, bucket=bucket)
        if not enabled:
            raise LabError("XMinioReplicationNoExistingObjects", "No matching ExistingObjects rule enabled",
                           status=400, bucket=bucket)
        arns = _filter_target_arns(cfg, arn)
        if not arns:
            raise _bad_request(bucket, f"Remote target ARN {arn} missing or ineligible for replication resync")
        if len(arns) > 1 and not arn:
            raise _bad_request(bucket, "ARN should be specified for replication reset")
        reset_id = q.get("reset-id", "") or str(uuid.uuid4())
        try:
            before = store.utcnow() - timedelta(days=days)
        except OverflowError:
            before = store.utcnow().replace(year=1, month=1, day=1)
        for tarn in arns:
            tgt = self.site.target_by_arn(bucket, tarn)
            if tgt is None:
                continue
            tgt.reset_before, tgt.reset_id = before, reset_id  # step 6 rewrites first (the empty-arn quirk)
            await self._check_remote(bucket, b, tgt)
        if not arn:
            raise _bad_request(bucket, "target ARN specified for resync is empty")
        try:
            self.begin(bucket, arn, reset_id, before)
        except ValueError as exc:
            raise _bad_request(bucket, str(exc)) from None
        return _json({"target": [{"arn": arn, "resetid": reset_id, "startTime": ZERO_TIME, "endTime": ZERO_TIME,
                                  "completedReplicationSize": 0, "failedReplicationSize": 0,
                                  "failedReplicationCount": 0, "replicationCount": 0}]})

    def begin(self, bucket: str, arn: str, reset_id: str, before: Any) -> None:
        """`resyncer.start`: a new record and job; ValueError (MinIO's message) while one is Pending/Ongoing.

        Also the site-level resync's entry point (`lab/siterepl.py`)."""
        b = self.site.buckets[bucket]
        rec = b.resync.get(arn)
        if rec is not None and rec.status in ACTIVE:
            raise ValueError(f"Resync of bucket {bucket} is already in progress for remote bucket {arn}")
        self.starts[bucket] = self.starts.get(bucket, 0) + 1
        b.resync[arn] = store.ResyncRecord(arn=arn, reset_id=reset_id, status="Pending",
                                          start_time=store.utcnow(), bucket=bucket)
        self.jobs[(bucket, arn)] = asyncio.create_task(self._job(bucket, arn, reset_id, before))

    async def check_remote(self, bucket: str, b: store.Bucket, tgt: store.LabTarget) -> None:
        """`SetTarget(update=true)`'s remote checks (LabError, JSON forms); see `_check_remote`."""
        await self._check_remote(bucket, b, tgt)

    async def _check_remote(self, bucket: str, b: store.Bucket, tgt: store.LabTarget) -> None:
        """`BucketTargetSys.SetTarget(update=true)`: bucket exists, versioning, liveness (JSON errors)."""
        client = self.rep.client

        def conn_err(detail: str) -> LabError:
            return LabError("XMinioAdminReplicationRemoteConnectionError",
                            f"Remote service connection error (Remote service endpoint offline, target bucket: "
                            f"{tgt.target_bucket} or remote service credentials: {tgt.access_key} invalid \n\t"
                            f"{detail})", status=503, bucket=bucket, json=True)
        try:
            head = await client.request(tgt, "HEAD", object_path(tgt.target_bucket) + "/", timeout=3.0)
            if head.status in (403, 400):
                raise conn_err("Access Denied.")
            if head.status == 404:
                raise LabError("XMinioAdminRemoteTargetNotFoundError", "The remote target does not exist",
                               status=404, bucket=bucket, json=True)
            if head.status != 200:
                raise conn_err(f"{head.status} {head.headers.get('x-minio-error-desc', '')}".strip())
            if b.versioning != "Enabled":
                raise LabError("ReplicationSourceNotVersionedError", "The replication source does not have "
                               "versioning enabled", status=400, bucket=bucket, json=True)
            ver = await client.request(tgt, "GET", object_path(tgt.target_bucket) + "/", query="versioning=",
                                       timeout=3.0)
            if ver.status != 200:
                raise conn_err(f"{ver.status}")
            if b"<Status>Enabled</Status>" not in ver.body:
                raise LabError("RemoteTargetNotVersionedError", "The remote target does not have versioning "
                               "enabled", status=400, bucket=bucket, json=True)
            if not await client.live(tgt, timeout=3.0):
                raise conn_err("Health Check timeout after 3s")
        except RemoteUnreachable as exc:
            raise conn_err(str(exc)) from None

    # -- the job --------------------------------------------------------------------------------
    async def _job(self, bucket: str, arn: str, reset_id: str, before: Any) -> None:
        b = self.site.buckets.get(bucket)
        rec = b.resync.get(arn) if b is not None else None
        if b is None or rec is None:
            return
        workers: list[asyncio.Task[None]] = []
        try:
            await asyncio.sleep(min(self.delay, 0.5))
            tgt = self.site.target_by_arn(bucket, arn)
            if tgt is None or rec.reset_id != reset_id:
                self._mark(rec, "Failed")
                return
            if b.replication_xml is None:  # the configuration was removed before the job began
                self._mark(rec, "Failed")
                return
            self._mark(rec, "Ongoing")
            cfg = replconfig.parse_config(b.replication_xml)
            todo: list[store.Version] = []
            for n, v in enumerate(b.iter_versions(), 1):
                if v.last_modified < before and resync_selects(cfg, arn, v):
                    todo.append(v)
                if n % 1000 == 0:
                    await asyncio.sleep(0)
            taken = self._taken[(bucket, arn)] = _Taken(len(todo))
            queue: asyncio.Queue[Optional[store.Version]] = asyncio.Queue(maxsize=RESYNC_WORKERS * 4)
            workers += [asyncio.create_task(self._worker(bucket, tgt, rec, queue, taken))
                        for _ in range(RESYNC_WORKERS)]
            for v in todo:
                await queue.put(v)
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
            if rec.status == "Ongoing":
                self._mark(rec, "Completed")
        except asyncio.CancelledError:
            if rec.status in ACTIVE:
                self._mark(rec, "Canceled")
            raise
        except Exception:
            self._mark(rec, "Failed")
        finally:
            for w in workers:  # a job canceled while feeding its queue must not leave workers waiting on it
                w.cancel()
            self.jobs.pop((bucket, arn), None)
            self._taken.pop((bucket, arn), None)

    async def _wait_at_hold(self, rec: store.ResyncRecord, taken: _Taken) -> None:
        """The `hold_resync` fault: wait while this job has taken its held share of versions."""
        faults = self.rep.rt.lab.faults
        while rec.status == "Ongoing":
            percent = faults.resync_hold()
            if percent is None or taken.taken < int(taken.total * percent / 100):
                return
            taken.waiting += 1
            try:
                await asyncio.sleep(HOLD_POLL)
            finally:
                taken.waiting -= 1

    async def _worker(self, bucket: str, tgt: store.LabTarget, rec: store.ResyncRecord,
                      queue: "asyncio.Queue[Optional[store.Version]]", taken: _Taken) -> None:
        while True:
            v = await queue.get()
            if v is None:
                return
            await self._wait_at_hold(rec, taken)
            if rec.status != "Ongoing":
                continue
            taken.in_flight += 1  # before `taken`: a job seen waiting at the hold has nothing half-counted
            taken.taken += 1
            try:
                await self._resync_one(bucket, tgt, rec, v)
            finally:
                taken.in_flight -= 1

    async def _resync_one(self, bucket: str, tgt: store.LabTarget, rec: store.ResyncRecord,
                          v: store.Version) -> None:
        """Re-replicate one version, verify it on the target, count it on the record."""
        if self.delay:
            await asyncio.sleep(self.delay)
        ok = await self.rep.replicate(bucket, v, tgt, skip_existing=True)
        self.rep.set_status(v, tgt.arn, "COMPLETED" if ok else "FAILED")
        verified = False
        try:
            st = await self.rep.client.request(tgt, "HEAD", object_path(tgt.target_bucket, v.key),
                                               query=f"versionId={v.version_id}")
            verified = st.status == 200 or (st.status == 405 and v.delete_marker)
        except RemoteUnreachable:
            verified = False
        if rec.status != "Ongoing":
            return
        if verified:
            rec.replicated_count += 1
            rec.replicated_size += v.size
        else:
            rec.failed_count += 1  # failedReplicationSize is never incremented (§4)
        rec.last_object = v.key

    @staticmethod
    def _mark(rec: store.ResyncRecord, status: str) -> None:
        rec.status = status
        rec.last_update = store.utcnow()

    # -- GET ?replication-reset-status ----------------------------------------------------------
    async def handle_status(self, request: web.Request, bucket: str) -> web.Response:
        b = replconfig.configured_bucket(self.rep.rt, request, bucket, "s3:ResetBucketReplicationState")
        arn = request.query.get("arn", "")
        recs = [r for a, r in b.resync.items() if not arn or a == arn]
        return _json({"target": [record_doc(r) for r in recs]} if recs else {})

    # -- PUT ?replication-reset-cancel (AIStor) -------------------------------------------------
    async def handle_cancel(self, request: web.Request, bucket: str) -> web.Response:
        b = replconfig.configured_bucket(self.rep.rt, request, bucket, "s3:ResetBucketReplicationState")
        arn = request.query.get("arn", "")
        recs = [r for a, r in b.resync.items() if (not arn or a == arn) and r.status in ACTIVE]
        if not recs:
            raise _bad_request(bucket, f"no resync in progress for {arn or bucket}")
        for rec in recs:
            self._mark(rec, "Canceled")
            task = self.jobs.pop((bucket, rec.arn), None)
            if task is not None:
                task.cancel()
            tgt = self.site.target_by_arn(bucket, rec.arn)
            if tgt is not None:
                tgt.reset_id = ""
        return web.Response(status=200, text=recs[-1].reset_id, content_type="text/plain")


def resync_selects(cfg: replconfig.LabConfig, arn: str, v: store.Version) -> bool:
    """Whether `resyncBucket` re-sends version `v` to `arn` (getHealReplicateObjectInfo → Resync, §3).

    `FilterActionableRules` keeps the Enabled rules for the ARN whose prefix (and tags: lab objects have none)
    select the key and whose ExistingObjectReplication is not Disabled; the highest priority decides. A delete
    marker is re-sent when that rule has DeleteReplication Enabled (the versionId is set, so `Replicate` reads
    the versioned-delete flag); an object version always, replicas included: `Resync` drops the stored
    replication status before `mustReplicate`, so in active-active the versions received from the peer are
    re-sent as well.
    """
    rules = [r for r in cfg.rules
             if r.enabled and (r.destination == arn or (cfg.role and cfg.role == arn))
             and r.existing_object_replication != replconfig.DISABLED and r.matches(v.key)]
    if not rules:
        return False
    rule = max(rules, key=lambda r: r.priority)
    if v.delete_marker:
        return rule.delete_replication == replconfig.ENABLED
    return True


def _filter_target_arns(cfg: replconfig.LabConfig, arn: str) -> list[str]:
    """`Config.FilterTargetArns` for a resync: Enabled rules (filters ignored) matching `arn`."""
    out: list[str] = []
    for r in cfg.rules:
        if not r.enabled:
            continue
        if arn and r.destination != arn and cfg.role != arn:
            continue
        if cfg.role:
            return [cfg.role]
        if r.destination not in out:
            out.append(r.destination)
    return out
