"""The lab's MinIO admin API (plain JSON, §2/§7/§9.4/§10): remote targets (list; set in `set_target.py`),
replication diff, info; and (in their own modules) site replication (§15, `siterepl.py`) and the
bucket-metadata export (`bucketmeta.py`).

Dispatch mirrors MinIO's admin router: community serves `/minio/admin/v3` only, the AIStor
flavor v3 and v4; an unmatched route (wrong version/path, or a required query key missing)
answers 426 `XMinioAdminVersionMismatch` (§D).
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Optional

from aiohttp import web

from recovery_tui.lab import store
from recovery_tui.lab.auth import authorize
from recovery_tui.lab.errors import LabError, error_response, host_id, new_request_id
from recovery_tui.lab.gofmt import ZERO_TIME, dumps, encode, go_time
from recovery_tui.lab.set_target import set_remote_target

if TYPE_CHECKING:
    from recovery_tui.lab.replication import Replicator

KEEPALIVE_SECONDS = 0.5
MODE = "mode-server-xl"
SERVER_VERSION = "2025-10-15T17:29:55Z"


def versions_for(rt: Any) -> tuple[str, ...]:
    return ("v3", "v4") if rt.site.flavor == "aistor" else ("v3",)


def mismatch(rt: Any, version: str) -> LabError:
    """426 for an unmatched admin route (`errorResponseHandler`, §D)."""
    current = versions_for(rt)[-1]
    if version in current or version in versions_for(rt):
        desc = f"This 'admin' API is not supported by server in '{MODE}'"
    elif version in ("v1", "v2") or (current == "v4" and version < current):
        desc = (f"Server expects client requests with 'admin' API version '{current}', found '{version}', "
                "please upgrade the client to latest releases")
    else:
        desc = (f"Unexpected client 'admin' API version found '{version}', expected '{current}', please "
                "downgrade the client to older releases")
    return LabError("XMinioAdminVersionMismatch", desc, status=426, json=True)


def _json(doc: Any) -> web.Response:
    return web.Response(status=200, text=dumps(doc), content_type="application/json")


def _xml_error(rt: Any, request: web.Request, err: LabError) -> web.Response:
    """Some admin handlers answer with S3 XML errors (e.g. the diff's NoSuchBucket, §7)."""
    return error_response(err, method=request.method, resource=request.path, request_id=new_request_id(),
                          hostid=host_id(rt.site.deployment_id), region=rt.site.region, as_json=False)


def _replicator(rt: Any) -> "Optional[Replicator]":
    from recovery_tui.lab.replication import Replicator
    rep = rt.replicator
    return rep if isinstance(rep, Replicator) else None


# -- list-remote-targets (§2) -------------------------------------------------------------------
_time_text = lru_cache(maxsize=256)(go_time)
"""`go_time` of the few instants that many targets share (one health check per host sets all of them)."""


def target_doc(rt: Any, t: store.LabTarget) -> dict[str, Any]:
    """`madmin.BucketTarget` as `Clone()` masks it, in emitted key order."""
    rep = _replicator(rt)
    downtime = rep.downtime_ns(t) if rep is not None else t.total_downtime_ns
    doc: dict[str, Any] = {
        "sourcebucket": t.source_bucket, "endpoint": t.endpoint,
        "credentials": {"accessKey": t.access_key, "expiration": ZERO_TIME},
        "targetbucket": t.target_bucket, "secure": t.secure, "path": "auto", "api": "s3v4"}
    if t.arn:
        doc["arn"] = t.arn
    doc["type"] = "replication"
    if t.region:
        doc["region"] = t.region
    if t.bandwidth_limit:
        doc["bandwidthlimit"] = t.bandwidth_limit
    doc["replicationSync"] = t.replication_sync
    if t.health_check_ns:
        doc["healthCheckDuration"] = t.health_check_ns
    doc["disableProxy"] = False
    doc["resetBeforeDate"] = _time_text(t.reset_before)
    if t.reset_id:
        doc["resetID"] = t.reset_id
    doc.update({"totalDowntime": downtime, "lastOnline": _time_text(t.last_online), "isOnline": t.online,
                "latency": {"curr": t.latency_ns[0], "avg": t.latency_ns[1], "max": t.latency_ns[2]}})
    if t.deployment_id:
        doc["deploymentID"] = t.deployment_id
    doc.update({"edge": False, "edgeSyncBeforeExpiry": False, "offlineCount": t.offline_count})
    if rt.site.flavor == "aistor":
        doc["insecureTLS"] = False
    return doc


def list_remote_targets(rt: Any, request: web.Request) -> web.Response:
    q = request.query
    authorize(rt, request, "admin:GetBucketTarget", json=True)
    bucket, typ = q.get("bucket", ""), q.get("type", "")
    if bucket and bucket not in rt.site.buckets:
        raise LabError("NoSuchBucket", bucket=bucket, json=True)
    names = [bucket] if bucket else sorted(rt.site.targets)
    out = [target_doc(rt, t) for name in names for t in rt.site.targets.get(name, ())
           if typ in ("", "replication")]
    return web.Response(status=200, text=dumps(out or None), content_type="application/json")


# -- replication/diff (§7) ----------------------------------------------------------------------
def diff_entry(rep: "Optional[Replicator]", bucket: str, v: store.Version, arn: str, verbose: bool,
               eligible: bool, purge: Optional[store.Purge] = None) -> Optional[dict[str, Any]]:
    """One `madmin.DiffInfo`, or None when the version is not reported.

    As `getReplicationDiff` does, the selection looks at the replication status only: a version
    pending purge whose replication had COMPLETED is reported with verbose only (§17). A purge-pending
    version reads as a delete marker (`fi.Deleted`) and carries `dStatus` / per-target `drStatus`."""
    status = v.replication_status
    if status in ("COMPLETED", "REPLICA") and not verbose:
        return None
    if not status and not eligible:
        return None
    targets: dict[str, Any] = {}
    for a, st in v.target_status.items():
        if arn and a != arn:
            continue
        if not verbose and st in ("COMPLETED", "REPLICA"):
            continue
        targets[a] = {"rStatus": st}
    if purge is not None:
        for a, st in purge.targets.items():
            if (arn and a != arn) or (not verbose and st == "COMPLETE"):
                continue
            targets.setdefault(a, {})["drStatus"] = st
    doc: dict[str, Any] = {"object": v.key, "versionId": v.version_id}
    if targets:
        doc["targets"] = targets
    if status:
        doc["rStatus"] = status
    if purge is not None:
        doc["dStatus"] = purge.status
    ts = rep.repl_time.get((bucket, v.key, v.version_id)) if rep is not None else None
    doc.update({"replTimestamp": go_time(ts), "lastModified": go_time(v.last_modified),
                "deletemarker": v.delete_marker or purge is not None})
    return doc


WALK_ERROR = {"object": "", "versionId": "", "error": {}, "replTimestamp": ZERO_TIME, "lastModified": ZERO_TIME,
              "deletemarker": False}
"""The line the server sends when its walk fails (`DiffInfo{Err: err}`: the error is `{}`, the times are
zero, §7); then it closes the stream."""


async def replication_diff(rt: Any, request: web.Request) -> web.StreamResponse:
    q = request.query
    authorize(rt, request, "admin:ReplicationDiff", json=True)
    bucket = q.get("bucket", "")
    b = rt.site.buckets.get(bucket)
    if b is None:
        return _xml_error(rt, request, LabError("NoSuchBucket", bucket=bucket))
    arn, prefix, verbose = q.get("arn", ""), q.get("prefix", ""), q.get("verbose", "") == "true"
    if arn and rt.site.target_by_arn(bucket, arn) is None:
        raise LabError("InvalidRequest", f"Invalid Request (invalid arn : '{arn}')", bucket=bucket, json=True)
    if not rt.site.targets.get(bucket):
        return _xml_error(rt, request, LabError("XMinioAdminRemoteTargetNotFoundError",
                                                "The remote target does not exist", status=404, bucket=bucket))
    rep = _replicator(rt)
    rules = rep.rules(bucket) if rep is not None else []
    from recovery_tui.lab.replconfig import rules_for
    delay = float(getattr(rep, "diff_delay", 0.0) or 0.0)
    resp = web.StreamResponse(status=200, headers={"Content-Type": "text/plain; charset=utf-8"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    lock = asyncio.Lock()
    last_write = [asyncio.get_running_loop().time()]

    async def write(data: bytes) -> None:
        async with lock:
            await resp.write(data)
            last_write[0] = asyncio.get_running_loop().time()

    async def keepalive() -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            if asyncio.get_running_loop().time() - last_write[0] >= KEEPALIVE_SECONDS * 0.9:
                await write(b" ")

    ka = asyncio.create_task(keepalive())
    fail_after = rt.lab.faults.diff_error_after()
    try:
        n = sent = 0
        for v, purge in b.walk(prefix):
            if fail_after is not None and sent >= fail_after:
                break
            eligible = False
            if not v.replication_status:
                sel = rules_for(rules, v.key, arn=arn)
                eligible = any(r.existing_object_replication == "Enabled" for r in sel.values())
            entry = diff_entry(rep, bucket, v, arn, verbose, eligible, purge)
            n += 1
            if entry is not None:
                if delay:
                    await asyncio.sleep(delay)
                await write(encode(entry).encode())
                sent += 1
            elif n % 2000 == 0:
                await asyncio.sleep(0)
        if fail_after is not None:  # fault `diff-error after N`: the walk fails after N entries (or at its end)
            await write(encode(WALK_ERROR).encode())
    finally:
        ka.cancel()
        await asyncio.gather(ka, return_exceptions=True)
    await resp.write_eof()
    return resp


# -- info (§10) ---------------------------------------------------------------------------------
def info(rt: Any, request: web.Request) -> web.Response:
    authorize(rt, request, "admin:ServerInfo", json=True)
    site = rt.site
    objects = versions = dms = size = 0
    for b in site.buckets.values():
        for lst in b.versions.values():
            if lst and not lst[0].delete_marker:
                objects += 1
            for v in lst:
                if v.delete_marker:
                    dms += 1
                else:
                    versions += 1
                    size += v.size
    uptime = int((store.utcnow() - site.started).total_seconds())
    endpoint = f"{rt.host}:{rt.port}"
    drive = {"endpoint": f"/data/{site.name}", "rootDisk": False, "path": f"/data/{site.name}",
             "healing": False, "scanning": False, "state": "ok", "uuid": site.deployment_id,
             "pool_index": 0, "set_index": 0, "disk_index": 0}
    server = {"state": "online", "endpoint": endpoint, "scheme": "https" if getattr(rt, "tls", False) else "http",
              "uptime": uptime, "version": SERVER_VERSION, "commitID": "0" * 40,
              "network": {endpoint: "online"}, "drives": [drive], "poolNumber": 1, "poolNumbers": [1],
              "mem_stats": {"alloc": 0, "total_alloc": 0, "mallocs": 0, "frees": 0, "heap_alloc": 0},
              "edition": "AIStor" if site.flavor == "aistor" else "Community"}
    doc = {"mode": "online", "region": site.region, "deploymentID": site.deployment_id,
           "buckets": {"count": len(site.buckets)}, "objects": {"count": objects},
           "versions": {"count": versions}, "deletemarkers": {"count": dms}, "usage": {"size": size},
           "services": {}, "backend": {"backendType": "Erasure", "onlineDisks": 1, "offlineDisks": 0,
                                       "standardSCParity": 0, "rrSCParity": 0, "totalSets": [1],
                                       "totalDrivesPerSet": [1]},
           "servers": [server]}
    return _json(doc)


async def dispatch(rt: Any, request: web.Request, version: str, subpath: str) -> web.StreamResponse:
    """Route one admin request (after authentication)."""
    if version not in versions_for(rt):
        raise mismatch(rt, version)
    q, method = request.query, request.method
    if subpath == "list-remote-targets" and method == "GET" and "bucket" in q and "type" in q:
        return list_remote_targets(rt, request)
    if subpath == "replication/diff" and method == "POST" and "bucket" in q:
        return await replication_diff(rt, request)
    if subpath == "set-remote-target" and method == "PUT" and "bucket" in q:
        return await set_remote_target(rt, request)
    if subpath == "info" and method == "GET":
        return info(rt, request)
    if subpath.startswith("site-replication/") or subpath in ("metrics", "export-bucket-metadata"):
        return await _site_routes(rt, request, version, subpath)
    raise mismatch(rt, version)


async def _site_routes(rt: Any, request: web.Request, version: str, subpath: str) -> web.StreamResponse:
    """Site replication (§15, `lab/siterepl.py`) and the bucket-metadata export (`lab/bucketmeta.py`)."""
    from recovery_tui.lab import bucketmeta, siterepl

    method = request.method
    if subpath == "site-replication/info" and method == "GET":
        return siterepl.info(rt, request)
    if subpath == "site-replication/resync/op" and method == "PUT" and "operation" in request.query:
        return await siterepl.resync_op(rt, request)
    if subpath == "metrics" and method == "GET":
        return await siterepl.metrics(rt, request)
    if subpath == "export-bucket-metadata" and method == "GET":
        return bucketmeta.export(rt, request)
    raise mismatch(rt, version)
