"""`PUT /minio/admin/v3/set-remote-target?bucket=B[&update=true&…]`: create (or update) a remote target.

As `SetRemoteTargetHandler` (minio cmd/admin-bucket-handlers.go) and `BucketTargetSys.SetTarget`
(cmd/bucket-targets.go) do, in their order (facts §2 "set-remote-target", §9.3, §20):

1. IAM `admin:SetBucketTarget` (403 AccessDenied, JSON); the bucket exists (404 NoSuchBucket);
2. the body is `madmin.EncryptData(<the signer's secret key>, json(BucketTarget))`: decrypted with the
   secret of the access key that signed the request; a body that does not open, or is not JSON, answers
   400 `XMinioAdminConfigBadJSON` "JSON configuration provided is of incorrect format (<why>)";
3. a target on this very site and bucket → 400 `XMinioAdminRemoteIdenticalToSource`;
4. an identical target (type, endpoint, target bucket, access key) already there → its ARN, unchanged;
   otherwise a new ARN `arn:minio:replication:<region>:<uuid>:<targetbucket>` (`generateARN`);
5. bandwidth 0 < x < 100 MB/s → 400 `XMinioAdminReplicationBandwidthLimitError`; a type other than
   "replication" → 400 `XMinioAdminRemoteARNTypeInvalid`;
6. the remote is asked, with the target's own credentials, whether the bucket exists (404 → 404
   `XMinioAdminRemoteTargetNotFoundError`; no answer or refused credentials → 503
   `XMinioAdminReplicationRemoteConnectionError`), the source must be versioned (400
   `ReplicationSourceNotVersionedError`) and so must the remote bucket (400 `RemoteTargetNotVersionedError`);
7. 200 with the ARN as a JSON string (`"arn:minio:replication::…:data"`).

`update=true` overlays the flagged fields (`creds`, `sync`, `bandwidth`, `healthcheck`, `path`) on the
target with the body's ARN (404 `XMinioAdminRemoteTargetNotFoundError` when there is none).
"""

from __future__ import annotations

import asyncio
import json
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from aiohttp import web

from recovery_tui.lab import store
from recovery_tui.lab.auth import authorize, request_body, signer_secret
from recovery_tui.lab.errors import LabError
from recovery_tui.lab.madmin_crypt import DecryptError, decrypt_data
from recovery_tui.lab.remote import RemoteClient, RemoteUnreachable, object_path

BAD_JSON = "JSON configuration provided is of incorrect format"
MIN_BANDWIDTH = 100 * 1000 * 1000


def _bad_json(why: str) -> LabError:
    return LabError("XMinioAdminConfigBadJSON", f"{BAD_JSON} ({why})", status=400, json=True)


def _target_from(doc: Any, bucket: str) -> store.LabTarget:
    if not isinstance(doc, dict):
        raise _bad_json("json: cannot unmarshal into Go value of type madmin.BucketTarget")
    creds = doc.get("credentials") or {}
    if not isinstance(creds, dict):
        raise _bad_json("json: cannot unmarshal credentials")
    try:
        return store.LabTarget(
            arn=str(doc.get("arn") or ""), source_bucket=bucket, endpoint=str(doc.get("endpoint") or ""),
            target_bucket=str(doc.get("targetbucket") or ""), access_key=str(creds.get("accessKey") or ""),
            secret_key=str(creds.get("secretKey") or ""), secure=bool(doc.get("secure")),
            region=str(doc.get("region") or ""), bandwidth_limit=int(doc.get("bandwidthlimit") or 0),
            replication_sync=bool(doc.get("replicationSync")),
            health_check_ns=int(doc.get("healthCheckDuration") or 0), last_online=store.utcnow())
    except (TypeError, ValueError) as exc:
        raise _bad_json(f"json: {exc}") from None


def _same(a: store.LabTarget, b: store.LabTarget) -> bool:
    return (a.endpoint == b.endpoint and a.secure == b.secure and a.target_bucket == b.target_bucket
            and a.access_key == b.access_key)


def _remote_client(rt: Any) -> RemoteClient:
    rep = getattr(rt, "replicator", None)
    client = getattr(rep, "client", None)
    if not isinstance(client, RemoteClient):
        raise LabError("XMinioAdminReplicationRemoteConnectionError", "Remote service connection error "
                       "(the lab's replication client is not running)", status=503, json=True)
    return client


async def _check_remote(rt: Any, tgt: store.LabTarget, bucket: str) -> None:
    """`SetTarget`'s checks against the remote, with the target's own credentials."""
    client = _remote_client(rt)

    def conn_error(why: str) -> LabError:
        return LabError("XMinioAdminReplicationRemoteConnectionError",
                        f"Remote service connection error (Remote service endpoint offline, target bucket: "
                        f"{tgt.target_bucket} or remote service credentials: {tgt.access_key} invalid \n\t{why})",
                        status=503, bucket=bucket, json=True)

    try:
        head = await client.request(tgt, "HEAD", object_path(tgt.target_bucket), timeout=5.0)
    except RemoteUnreachable as exc:
        raise conn_error(str(exc)) from None
    if head.status == 404:
        raise LabError("XMinioAdminRemoteTargetNotFoundError", "The remote target does not exist",
                       status=404, bucket=bucket, json=True)
    if head.status != 200:
        raise conn_error(f"HEAD answered {head.status}")
    if rt.site.buckets[bucket].versioning != "Enabled":
        raise LabError("ReplicationSourceNotVersionedError", "The replication source does not have "
                       "versioning enabled", status=400, bucket=bucket, json=True)
    try:
        ver = await client.request(tgt, "GET", object_path(tgt.target_bucket), query="versioning=", timeout=5.0)
    except RemoteUnreachable as exc:
        raise conn_error(str(exc)) from None
    if ver.status != 200:
        raise conn_error(f"GetBucketVersioning answered {ver.status}")
    status = ""
    try:
        for el in ET.fromstring(ver.body):
            if el.tag.rsplit("}", 1)[-1] == "Status":
                status = (el.text or "").strip()
    except ET.ParseError:
        raise conn_error("unreadable versioning answer") from None
    if status != "Enabled":
        raise LabError("RemoteTargetNotVersionedError", "The remote target does not have versioning enabled",
                       status=400, bucket=bucket, json=True)


def _update(existing: store.LabTarget, new: store.LabTarget, q: Any) -> None:
    if q.get("creds") == "true":
        existing.access_key, existing.secret_key = new.access_key, new.secret_key
        existing.target_bucket, existing.secure, existing.endpoint = new.target_bucket, new.secure, new.endpoint
    if q.get("sync") == "true":
        existing.replication_sync = new.replication_sync
    if q.get("bandwidth") == "true":
        existing.bandwidth_limit = new.bandwidth_limit
    if q.get("healthcheck") == "true":
        existing.health_check_ns = new.health_check_ns


async def set_remote_target(rt: Any, request: web.Request) -> web.Response:
    q = request.query
    authorize(rt, request, "admin:SetBucketTarget", json=True)
    bucket = q.get("bucket", "")
    if bucket not in rt.site.buckets:
        raise LabError("NoSuchBucket", bucket=bucket, json=True)
    password = signer_secret(rt, request)
    body = request_body(request)
    try:  # Argon2id takes 64 MiB and a fraction of a second: off the event loop
        plain = await asyncio.get_running_loop().run_in_executor(None, decrypt_data, password, body)
    except DecryptError as exc:
        raise _bad_json(str(exc)) from None
    try:
        doc = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad_json(f"json: {exc}") from None
    tgt = _target_from(doc, bucket)
    if tgt.endpoint == f"{rt.host}:{rt.port}" and tgt.target_bucket == bucket:
        raise LabError("XMinioAdminRemoteIdenticalToSource", "The remote target cannot be identical to source",
                       status=400, bucket=bucket, json=True)
    update = q.get("update") == "true"
    existing = rt.site.targets_of(bucket)
    if update:
        found = rt.site.target_by_arn(bucket, tgt.arn)
        if found is None:
            raise LabError("XMinioAdminRemoteTargetNotFoundError", "The remote target does not exist",
                           status=404, bucket=bucket, json=True)
        _update(found, tgt, q)
        return web.Response(status=200, text=json.dumps(found.arn), content_type="application/json")
    same = next((t for t in existing if _same(t, tgt)), None)
    if same is not None:
        return web.Response(status=200, text=json.dumps(same.arn), content_type="application/json")
    if rt.site.site_repl is not None:  # a new target under site replication (§15.1)
        raise LabError("XMinioAdminRemoteTargetDenyAdd", bucket=bucket, json=True)
    if str(doc.get("type") or "") != "replication":
        raise LabError("XMinioAdminRemoteARNTypeInvalid", "The bucket remote ARN type is not valid",
                       status=400, bucket=bucket, json=True)
    if 0 < tgt.bandwidth_limit < MIN_BANDWIDTH:
        raise LabError("XMinioAdminReplicationBandwidthLimitError", "Bandwidth limit for remote target must "
                       "be at least 100MBps", status=400, bucket=bucket, json=True)
    await _check_remote(rt, tgt, bucket)
    tgt.arn = f"arn:minio:replication:{tgt.region}:{uuid.uuid4()}:{tgt.target_bucket}"
    existing.append(tgt)
    return web.Response(status=200, text=json.dumps(tgt.arn), content_type="application/json")


__all__ = ["set_remote_target"]
