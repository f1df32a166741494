"""Site replication in the lab (facts §15): info, resync start/cancel, and the site-resync metrics stream.

`enable(lab)` makes the two sites peers of one group (`Site.site_repl` = `SiteReplState`). Served:

* `GET  /minio/admin/v3/site-replication/info` (§15.1): `{"enabled":false}` when off, else the
  group with `sites` sorted by name (the local site is one of them);
* `PUT  /minio/admin/v3/site-replication/resync/op?operation=start|cancel` (§15.3/§15.4), body a
  plain-JSON `PeerInfo`: a start lists **only the buckets that failed** (`status` "" unless the bucket
  has no replication config), answers 500 when every bucket failed, and is refused while the peer's
  status is Ongoing. A cancel marks the buckets Canceled and persists "Canceled", but the in-memory
  status stays "Ongoing" (MinIO's `updateState` changes a copy), so a new start is refused until the
  site restarts (`lab.faults.restart(site)` reloads the in-memory state from "disk");
* `GET  /minio/admin/v3/metrics?types=16&by-depID=<peer>&n=&interval=` (§15.5): one `RealtimeMetrics`
  document per line, `aggregated.siteResync` only while this site knows a resync for that peer.

Deviations: per-bucket progress comes straight from the buckets' live resync records; "disk" is saved
on every state change rather than every 10 s; metric types other than site resync are not emulated.
"""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional
from urllib.parse import urlsplit

from aiohttp import web

from recovery_tui.lab import store
from recovery_tui.lab.auth import authorize, request_body
from recovery_tui.lab.errors import LabError
from recovery_tui.lab.gofmt import ZERO_TIME, DurationError, dumps, encode, go_time, parse_duration

METRICS_SITE_RESYNC = 1 << 4
SERVICE_ACCOUNT = "site-replicator-0"


@dataclass
class SiteResync:
    """`SiteResyncStatus` of one peer."""

    resync_id: str
    depl_id: str
    status: str
    """Ongoing | Completed | Failed | Canceled."""
    start_time: datetime
    last_update: datetime
    buckets: dict[str, str] = field(default_factory=dict)
    """bucket → Pending | Completed | Failed (`BucketStatuses`)."""


class SiteReplState:
    """One site's view of the group and of its site-level resyncs."""

    def __init__(self, rt: Any, peers: list[dict[str, Any]]) -> None:
        self.rt = rt
        self.peers = peers
        self.memory: dict[str, SiteResync] = {}
        """peer deployment ID → the status in memory (what start, cancel and metrics read first)."""
        self.disk: dict[str, SiteResync] = {}
        """peer deployment ID → the persisted status (`<peerDeploymentID>.meta`)."""

    @property
    def name(self) -> str:
        return str(self.rt.site.name)

    def peer(self, depl_id: str) -> Optional[dict[str, Any]]:
        return next((p for p in self.peers if p["deploymentID"] == depl_id), None)

    def arn_for_peer(self, bucket: str, peer: dict[str, Any]) -> str:
        """`getRemoteARNForPeer`: the target whose bucket is `bucket` and whose endpoint is the peer's host."""
        host = urlsplit(str(peer.get("endpoint", ""))).netloc
        for t in self.rt.site.targets.get(bucket, ()):
            if t.target_bucket == bucket and t.endpoint == host:
                return t.arn
        return ""

    def status(self, depl_id: str) -> Optional[SiteResync]:
        """`siteStatus`: memory first, then disk; None when no resync was ever started."""
        self.refresh()
        return self.memory.get(depl_id) or self.disk.get(depl_id)

    def refresh(self) -> None:
        """`incBucket`: bucket resyncs of an Ongoing site resync that ended are counted in (written back)."""
        for depl_id, rs in self.memory.items():
            if rs.status != "Ongoing":
                continue
            peer = self.peer(depl_id)
            changed = False
            for bucket, st in rs.buckets.items():
                b = self.rt.site.buckets.get(bucket)
                arn = self.arn_for_peer(bucket, peer) if peer else ""
                rec = b.resync.get(arn) if b is not None and arn else None
                if rec is not None and rec.reset_id == rs.resync_id and rec.status in ("Completed", "Failed") \
                        and st != rec.status:
                    rs.buckets[bucket] = rec.status
                    changed = True
            if changed:
                done = sum(1 for s in rs.buckets.values() if s == "Completed")
                failed = sum(1 for s in rs.buckets.values() if s == "Failed")
                if done == len(rs.buckets):
                    rs.status = "Completed"
                elif done + failed == len(rs.buckets):
                    rs.status = "Failed"
                rs.last_update = store.utcnow()
                self.disk[depl_id] = copy.deepcopy(rs)

    def restart(self) -> None:
        """The server restarted: the in-memory status is reloaded from disk."""
        self.memory = copy.deepcopy(self.disk)


def peer_doc(rt: Any) -> dict[str, Any]:
    """`madmin.PeerInfo` of one lab site."""
    return {"endpoint": rt.url, "name": rt.site.name, "deploymentID": rt.site.deployment_id, "sync": "",
            "defaultbandwidth": {"bandwidthLimitPerBucket": 0, "set": False, "updatedAt": ZERO_TIME},
            "replicate-ilm-expiry": False}


def enable(lab: Any) -> None:
    """Make `lab.source` and `lab.target` peers of one site-replication group (loop thread)."""
    peers = sorted((peer_doc(rt) for rt in (lab.source, lab.target)), key=lambda p: p["name"])
    for rt in (lab.source, lab.target):
        rt.site.site_repl = SiteReplState(rt, peers)


def _invalid(cause: str) -> LabError:
    return LabError("XMinioSiteReplicationInvalidRequest", f"Invalid site-replication request ({cause})",
                    status=400, json=True)


def info(rt: Any, request: web.Request) -> web.Response:
    authorize(rt, request, "admin:SiteReplicationInfo", json=True)
    state: Optional[SiteReplState] = rt.site.site_repl
    doc: dict[str, Any] = {"enabled": False}
    if state is not None:
        doc = {"enabled": True, "name": state.name, "sites": state.peers, "serviceAccountAccessKey": SERVICE_ACCOUNT}
    return web.Response(status=200, text=encode(doc), content_type="text/plain", charset="utf-8")


async def resync_op(rt: Any, request: web.Request) -> web.Response:
    authorize(rt, request, "admin:SiteReplicationResync", json=True)
    try:
        peer = json.loads(request_body(request))
        if not isinstance(peer, dict):
            raise ValueError("not an object")
    except ValueError:
        raise LabError("InternalError", "We encountered an internal error, please try again. (json: cannot "
                       "unmarshal the request body into Go value of type madmin.PeerInfo)", status=500,
                       json=True) from None
    op = request.query.get("operation", "")
    if op == "start":
        doc = await _start(rt, peer)
    elif op == "cancel":
        doc = _cancel(rt, peer)
    else:
        raise _invalid("Invalid arguments specified")
    return web.Response(status=200, text=dumps(doc), content_type="application/json")


def _checked(rt: Any, peer: dict[str, Any]) -> tuple[SiteReplState, str]:
    state: Optional[SiteReplState] = rt.site.site_repl
    if state is None:
        raise _invalid("site replication is not enabled")
    depl_id = str(peer.get("deploymentID", ""))
    if depl_id == rt.site.deployment_id:
        raise _invalid("invalid peer specified - cannot resync to self")
    if state.peer(depl_id) is None:
        raise _invalid("peer not found")
    return state, depl_id


async def _start(rt: Any, peer: dict[str, Any]) -> dict[str, Any]:
    state, depl_id = _checked(rt, peer)
    current = state.status(depl_id)
    if current is not None and current.status == "Ongoing":
        raise _invalid("site replication resync is already in progress")
    now = store.utcnow()
    names = sorted(rt.site.buckets)
    rs = SiteResync(resync_id=str(uuid.uuid4()), depl_id=depl_id, status="Ongoing", start_time=now,
                    last_update=now, buckets={n: "Pending" for n in names})
    state.memory[depl_id] = rs
    state.disk[depl_id] = copy.deepcopy(rs)
    resyncer = rt.replicator.resync
    failed: list[dict[str, str]] = []
    for name in names:
        b = rt.site.buckets[name]
        if b.replication_xml is None:
            failed.append({"bucket": name, "status": "Failed",
                           "errorDetail": f"The replication configuration was not found: {name}"})
            continue
        arn = state.arn_for_peer(name, peer)
        if not arn:
            failed.append({"bucket": name, "status": "", "errorDetail":
                           f"no valid remote target found for this peer {peer.get('name', '')} ({depl_id})"})
            continue
        tgt = rt.site.target_by_arn(name, arn)
        tgt.reset_before, tgt.reset_id = now, rs.resync_id
        try:
            await resyncer.check_remote(name, b, tgt)
            resyncer.begin(name, arn, rs.resync_id, now)
        except LabError as exc:
            failed.append({"bucket": name, "status": "", "errorDetail": exc.message})
        except ValueError as exc:
            failed.append({"bucket": name, "status": "", "errorDetail": str(exc)})
    if names and len(failed) == len(names):
        persisted = copy.deepcopy(rs)
        persisted.status = "Failed"
        state.disk[depl_id] = persisted  # the in-memory copy stays Ongoing (§15.4)
        raise LabError("InternalError", "We encountered an internal error, please try again. "
                       "(all buckets resync failed)", status=500, json=True)
    doc: dict[str, Any] = {"op": "start", "id": rs.resync_id, "status": "Ongoing", "buckets": failed or None}
    if failed:
        doc["errorDetail"] = "partial failure in starting site resync"
    return doc


def _cancel(rt: Any, peer: dict[str, Any]) -> dict[str, Any]:
    state, depl_id = _checked(rt, peer)
    rs = state.status(depl_id)
    if rs is None or rs.status == "Completed":
        raise _invalid("no resync in progress")
    if rs.status == "Canceled":
        raise _invalid("site replication resync is already canceled")
    for name, targets in rt.site.targets.items():
        for t in targets:
            if t.reset_id != rs.resync_id:
                continue
            t.reset_id = ""
            b = rt.site.buckets.get(name)
            rec = b.resync.get(t.arn) if b is not None else None
            if rec is not None:
                rec.status, rec.last_update = "Canceled", store.utcnow()
                task = rt.replicator.resync.jobs.pop((name, t.arn), None)
                if task is not None:
                    task.cancel()
    persisted = copy.deepcopy(rs)
    persisted.status, persisted.last_update = "Canceled", store.utcnow()
    state.disk[depl_id] = persisted  # memory keeps "Ongoing": updateState changes a copy (§15.4)
    return {"op": "cancel", "id": rs.resync_id, "status": "Canceled", "buckets": None}


def site_resync_doc(rt: Any, depl_id: str) -> Optional[dict[str, Any]]:
    """`aggregated.siteResync` for peer `depl_id`, None when this site knows no resync for it."""
    state: Optional[SiteReplState] = rt.site.site_repl
    if state is None:
        return None
    state.refresh()
    rs = state.memory.get(depl_id)
    if rs is None:
        return None
    peer = state.peer(depl_id) or {}
    recs = []
    for name in rs.buckets:
        b = rt.site.buckets.get(name)
        arn = state.arn_for_peer(name, peer) if peer else ""
        rec = b.resync.get(arn) if b is not None and arn else None
        if rec is not None and rec.reset_id == rs.resync_id:
            recs.append(rec)
    last = max(recs, key=lambda r: r.last_update or r.start_time or rs.start_time, default=None)
    doc: dict[str, Any] = {
        "collected": go_time(rs.last_update), "resyncStatus": rs.status, "startTime": go_time(rs.start_time),
        "lastUpdate": go_time(rs.last_update), "numBuckets": len(rs.buckets), "resyncID": rs.resync_id,
        "deplID": rs.depl_id, "completedReplicationSize": sum(r.replicated_size for r in recs),
        "replicationCount": sum(r.replicated_count for r in recs),
        "failedReplicationSize": sum(r.failed_size for r in recs),
        "failedReplicationCount": sum(r.failed_count for r in recs),
        "failedBuckets": sorted(n for n, s in rs.buckets.items() if s == "Failed") or None}
    if last is not None and last.last_object:
        doc["bucket"], doc["object"] = last.bucket, last.last_object
    return doc


async def metrics(rt: Any, request: web.Request) -> web.StreamResponse:
    """The realtime metrics stream (site-resync part only)."""
    authorize(rt, request, "admin:ServerInfo", json=True)
    q = request.query
    try:
        interval = max(1.0, parse_duration(q.get("interval", "")) / 1e9)
    except DurationError:
        interval = 1.0
    try:
        n = int(q.get("n", "0"))
    except ValueError:
        n = 0
    n = n if n > 0 else 2**31 - 1
    try:
        types = int(q.get("types", "0")) or 0xFFFFFFFF
    except ValueError:
        types = 0xFFFFFFFF
    depl_id = q.get("by-depID", "")
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    await resp.prepare(request)
    while n > 0:
        aggregated: dict[str, Any] = {}
        if types & METRICS_SITE_RESYNC and depl_id:
            doc = site_resync_doc(rt, depl_id)
            if doc is not None:
                aggregated["siteResync"] = doc
        await resp.write(encode({"hosts": [rt.endpoint], "aggregated": aggregated, "final": n <= 1}).encode())
        n -= 1
        if n <= 0:
            break
        await asyncio.sleep(interval)
    await resp.write_eof()
    return resp
