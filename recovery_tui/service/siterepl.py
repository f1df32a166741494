"""Site replication calls (facts §15): detection, the site-level resync start/cancel, its metrics.

* `site_replication_info(service, alias)` — `GET site-replication/info?api-version=1` (§15.1);
* `site_resync(service, alias, peer, "start"|"cancel")` — `PUT site-replication/resync/op` with the
  peer's `PeerInfo` sent back unchanged (§15.3), under WRITE_ONCE: never retried, because a second start
  is refused while the first runs and a cancel is best-effort (§15.4);
* `site_resync_metrics(service, alias, peer_deployment_id)` — one sample of the realtime metrics
  stream, `types=16&n=1` (§15.5); None when the site knows no resync for that peer;
* `server_info(service, alias)` — admin `info` (§10), for the deployment ID.

The server's refusals become errors that say what is going on, with the fix: `SiteResyncRefused`
(already running, already canceled, nothing to cancel) and `SiteResyncAllFailed` (the 500 when every
bucket failed to start), never a blind retry.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from .errors import Conflict, InputError, RecoveryError, ServerError
from .parsers import load_json, parse_go_time, parse_server_info
from .retry import WRITE_ONCE
from .sitemodels import PeerInfo, SiteReplicationInfo, SiteResyncBucket, SiteResyncMetrics, SiteResyncOp

A_SR_INFO = "admin:SiteReplicationInfo"
A_SR_RESYNC = "admin:SiteReplicationResync"
A_INFO = "admin:ServerInfo"
INVALID = "XMinioSiteReplicationInvalidRequest"
METRICS_SITE_RESYNC = 16


class SiteResyncRefused(Conflict):
    """The server refused a site-level start or cancel because of the resync's state (§15.3)."""

    default_title = "Site resync refused"

    def __init__(self, message: str, *, cause: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.cause = cause
        """The server's reason, e.g. `site replication resync is already in progress`."""


class SiteResyncAllFailed(ServerError):
    """Every bucket failed to start (the server's 500, §15.4)."""

    retryable = False
    default_title = "No bucket started"


def server_info(service: Any, alias: str) -> dict[str, Any]:
    """Admin `info` → `{"mode","deployment_id","region",…}` (see `parsers.parse_server_info`)."""
    s = service.site(alias)
    return parse_server_info(s.admin(s.ctx("read server info", A_INFO), "GET", "info").body)


def _peer(doc: Any) -> Optional[PeerInfo]:
    if not isinstance(doc, dict):
        return None
    return PeerInfo(name=str(doc.get("name", "")), endpoint=str(doc.get("endpoint", "")),
                    deployment_id=str(doc.get("deploymentID", "")), raw=dict(doc))


def parse_site_replication_info(body: bytes | str) -> SiteReplicationInfo:
    data = load_json(body, "site-replication info")
    if not isinstance(data, dict):
        raise ServerError("The site-replication info is not a JSON object", code="BadJSON")
    sites = tuple(p for p in (_peer(d) for d in data.get("sites") or ()) if p is not None)
    return SiteReplicationInfo(enabled=bool(data.get("enabled")), name=str(data.get("name", "")), sites=sites)


def site_replication_info(service: Any, alias: str) -> SiteReplicationInfo:
    """Whether `alias` is in a site-replication group, and its peers (§15.1)."""
    s = service.site(alias)
    resp = s.admin(s.ctx("read the site-replication info", A_SR_INFO), "GET", "site-replication/info",
                   [("api-version", "1")])
    return parse_site_replication_info(resp.body)


def parse_resync_op(body: bytes | str) -> SiteResyncOp:
    data = load_json(body, "site resync answer")
    if not isinstance(data, dict):
        raise ServerError("The site resync answer is not a JSON object", code="BadJSON")
    failed = tuple(
        SiteResyncBucket(bucket=str(b.get("bucket", "")), status=str(b.get("status", "") or ""),
                         error_detail=str(b.get("errorDetail", "") or ""))
        for b in data.get("buckets") or () if isinstance(b, dict))
    return SiteResyncOp(op=str(data.get("op", "")), resync_id=str(data.get("id", "")),
                        status=str(data.get("status", "")), failed=failed,
                        error_detail=str(data.get("errorDetail", "") or ""))


_CAUSE = re.compile(r"Invalid site-replication request \((.*)\)\s*$", re.S)


def _cause(exc: RecoveryError) -> str:
    m = _CAUSE.search(exc.message)
    return m.group(1) if m else exc.message


def site_resync(service: Any, alias: str, peer: PeerInfo, op: str, *, target_alias: str = "") -> SiteResyncOp:
    """Start or cancel the site-level resync from `alias` to `peer` (WRITE_ONCE, §15.3)."""
    if op not in ("start", "cancel"):
        raise ValueError(f"unknown site resync operation {op!r}")
    s = service.site(alias)
    ctx = s.ctx(f"{op} the site-replication resync", A_SR_RESYNC)
    body = json.dumps(dict(peer.raw) or {"endpoint": peer.endpoint, "name": peer.name,
                                          "deploymentID": peer.deployment_id}).encode()
    dst = target_alias or peer.name
    try:
        resp = s.admin(ctx, "PUT", "site-replication/resync/op", [("operation", op), ("api-version", "1")],
                       policy=WRITE_ONCE, body=body, headers={"Content-Type": "application/json"})
    except RecoveryError as exc:
        raise _refusal(exc, alias, dst, op) from None
    return parse_resync_op(resp.body)


def _refusal(exc: RecoveryError, alias: str, dst: str, op: str) -> RecoveryError:
    """The server's answer to a refused start/cancel, as an error that names the situation and the fix."""
    if exc.status == 500 and "all buckets resync failed" in exc.message:
        return SiteResyncAllFailed(
            f"No bucket's resync to {dst} could start (the server answered 'all buckets resync failed')",
            hint=(f"Every bucket needs its replication rule and a remote target to {dst} (check one with: mc "
                  f"replicate ls {alias}/BUCKET --json). Fix that, restart {alias} (mc admin service restart "
                  f"{alias}), then start again: {alias} reports this site resync as Ongoing and refuses a new start "
                  "until then."),
            code=exc.code, status=exc.status)
    if exc.code != INVALID:
        return exc
    cause = _cause(exc)
    low = cause.lower()
    kw: dict[str, Any] = {"code": exc.code, "status": exc.status, "cause": cause}
    if "already in progress" in low:
        return SiteResyncRefused(
            f"A site-replication resync from {alias} to {dst} is already running (the server refused a second one)",
            hint=(f"Watch it: recovery-tui site resync status {alias} {dst} --watch. If it was canceled, MinIO "
                  f"keeps reporting it Ongoing until {alias} restarts (mc admin service restart {alias}); a new "
                  "start is refused until then."), **kw)
    if "already canceled" in low:
        return SiteResyncRefused(f"The site-replication resync from {alias} to {dst} is already canceled",
                                 hint="Nothing to cancel; start a new one when needed.", **kw)
    if "no resync in progress" in low:
        return SiteResyncRefused(f"No site-replication resync from {alias} to {dst} is in progress",
                                 hint=f"Nothing to cancel; see: recovery-tui site resync status {alias} {dst}", **kw)
    if "not enabled" in low:
        return InputError(f"Site replication is not enabled on {alias}", code=exc.code, status=exc.status,
                          hint=f"Resync bucket by bucket instead: recovery-tui site resync start {alias} {dst}")
    if "peer not found" in low or "to self" in low:
        return InputError(f"{dst} is not a site-replication peer of {alias} ({cause})", code=exc.code,
                          status=exc.status, hint=f"Check the peers with: mc admin replicate info {alias}")
    return SiteResyncRefused(f"The server refused to {op} the site resync: {cause}",
                             hint="Read the reason above; nothing was changed.", **kw)


def parse_metrics_sample(body: bytes | str) -> Optional[SiteResyncMetrics]:
    """The last `aggregated.siteResync` in a metrics stream body (one JSON document per line)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    found: Optional[dict[str, Any]] = None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            raise ServerError("The metrics stream sent an unreadable sample (not JSON)", code="BadJSON") from None
        sr = (doc.get("aggregated") or {}).get("siteResync") if isinstance(doc, dict) else None
        if isinstance(sr, dict):
            found = sr
    if found is None:
        return None

    def num(key: str) -> int:
        try:
            return int(found.get(key) or 0)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            return 0

    return SiteResyncMetrics(
        resync_id=str(found.get("resyncID", "")), status=str(found.get("resyncStatus", "") or ""),
        deployment_id=str(found.get("deplID", "")), num_buckets=num("numBuckets"),
        replicated_count=num("replicationCount"), replicated_size=num("completedReplicationSize"),
        failed_count=num("failedReplicationCount"), failed_buckets=tuple(found.get("failedBuckets") or ()),
        start_time=parse_go_time(found.get("startTime")), last_update=parse_go_time(found.get("lastUpdate")),
        bucket=str(found.get("bucket", "") or ""), object=str(found.get("object", "") or ""))


def site_resync_metrics(service: Any, alias: str, peer_deployment_id: str) -> Optional[SiteResyncMetrics]:
    """One sample (`n=1`) of the site-resync metrics for the peer (§15.5); None when none is known."""
    s = service.site(alias)
    query = [("types", str(METRICS_SITE_RESYNC)), ("n", "1"), ("interval", "1s"), ("hosts", ""), ("disks", ""),
             ("by-depID", peer_deployment_id)]
    resp = s.admin(s.ctx("read the site resync metrics", A_INFO), "GET", "metrics", query)
    return parse_metrics_sample(resp.body)


__all__ = ["site_replication_info", "site_resync", "site_resync_metrics", "server_info", "SiteResyncRefused",
           "SiteResyncAllFailed", "parse_site_replication_info", "parse_resync_op", "parse_metrics_sample"]
