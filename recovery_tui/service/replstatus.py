"""`mc replicate status` without mc: the same three calls and figures (facts §6, §21).

Calls, in mc's order: `GET /B?replication-metrics=2`, `GET list-remote-targets?bucket=B&type=`,
`GET /B?replication`. Figures are read from the server's raw keys (queue `max`, per-node
`activeWorkers`), which is where mc, through minio-go, reads a 0 for the queue maximum.
A bucket without a replication configuration (a one-way *target*) answers the first call with 404
`ReplicationConfigurationNotFoundError`: mc fails there; this returns `configured=False` so the caller can
say the bucket has no outbound rule. The MRF endpoint (`replication/mrf`) is **never** called: reading it
deletes the node's saved failure list (§21). No Textual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Optional

from .errors import NotFound
from .models import Latency, RemoteTarget, ReplicationConfig, TimedCounts
from .parsers import _float, _int, _timed, load_json, parse_remote_target, parse_replication_config

if TYPE_CHECKING:
    from .client import RecoveryService

NOT_CONFIGURED = "ReplicationConfigurationNotFoundError"


@dataclass(frozen=True)
class Rates:
    """Transfer rate in bytes/s: current, average, peak (`tgtTransferStats[arn].Total`, summed over nodes)."""

    curr: float = 0.0
    avg: float = 0.0
    peak: float = 0.0


@dataclass(frozen=True)
class Queue:
    """`currStats.queued` (`InQueueMetric`): objects and bytes waiting, now / average / max."""

    count: float = 0.0
    bytes: float = 0.0
    avg_count: float = 0.0
    avg_bytes: float = 0.0
    max_count: float = 0.0
    max_bytes: float = 0.0


@dataclass(frozen=True)
class Workers:
    """Replication workers: current and average per node, max over nodes (minio-go `ReplQueueStats.Workers`)."""

    curr: int = 0
    avg: float = 0.0
    max: int = 0


@dataclass(frozen=True)
class TargetStatus:
    """One replication target as `mc replicate status` shows it."""

    arn: str
    endpoint: str = ""
    """host:port from list-remote-targets; "" when the ARN has no remote target."""
    online: Optional[bool] = None
    """None when list-remote-targets does not list the ARN."""
    current_downtime_seconds: float = 0.0
    total_downtime_seconds: float = 0.0
    latency: Latency = field(default_factory=Latency)
    replicated_count: int = 0
    replicated_size: int = 0
    failed: TimedCounts = field(default_factory=TimedCounts)
    transfer: Rates = field(default_factory=Rates)
    bandwidth_limit: int = 0
    """bytes/s (`limitInBits`, bytes despite the name); 0 = none."""
    current_bandwidth: float = 0.0


@dataclass(frozen=True)
class ReplicationStatus:
    """The bucket's replication status on one site (`configured=False`: no outbound rule)."""

    url: str
    configured: bool
    uptime_seconds: int = 0
    targets: tuple[TargetStatus, ...] = ()
    queued: Queue = field(default_factory=Queue)
    workers: Workers = field(default_factory=Workers)
    transfer: Rates = field(default_factory=Rates)
    replicated_count: int = 0
    replicated_size: int = 0
    replica_count: int = 0
    """Replicas received from the other side since this site booted (`replicaCount`)."""
    replica_size: int = 0
    failed: TimedCounts = field(default_factory=TimedCounts)
    metrics_doc: dict[str, Any] = field(default_factory=dict)
    """The raw V2 document (for `--json`)."""
    targets_doc: list[Any] = field(default_factory=list)
    """The raw list-remote-targets array (for `--json`; secrets are masked by the server)."""

    @property
    def unhealthy(self) -> bool:
        """A target link is offline, or replication failed in the last minute."""
        return any(t.online is False or t.failed.last_minute for t in self.targets)


def _queue(d: Any) -> Queue:
    d = d if isinstance(d, dict) else {}
    c, a, m = (d.get(k) or {} for k in ("curr", "avg", "max"))
    m = m or d.get("peak") or {}  # minio-go's key, in case a server sends it
    return Queue(_float(c.get("count")), _float(c.get("bytes")), _float(a.get("count")), _float(a.get("bytes")),
                 _float(m.get("count")), _float(m.get("bytes")))


def _rates(nodes: list[dict[str, Any]], pick: Any) -> Rates:
    curr = avg = peak = 0.0
    for node in nodes:
        total = (pick(node) or {}).get("Total") or {}
        curr += _float(total.get("currRate"))
        avg += _float(total.get("avgRate"))
        peak = max(peak, _float(total.get("peakRate")))
    return Rates(curr, avg, peak)


def _workers(nodes: list[dict[str, Any]]) -> Workers:
    if not nodes:
        return Workers()
    ws = [n.get("activeWorkers") or n.get("workers") or {} for n in nodes]
    return Workers(curr=sum(_int(w.get("curr")) for w in ws) // len(ws),
                   avg=sum(_float(w.get("avg")) for w in ws) / len(ws), max=max(_int(w.get("max")) for w in ws))


def _downtime(t: Optional[RemoteTarget], now: datetime) -> tuple[float, float]:
    """(current, total) downtime in seconds, as mc normalises them."""
    if t is None:
        return 0.0, 0.0
    current = (now - t.last_online).total_seconds() if not t.online and t.last_online else 0.0
    return current, max(current, t.total_downtime_seconds)


def build_status(url: str, metrics: dict[str, Any], targets_doc: list[Any], config: Optional[ReplicationConfig],
                 now: Optional[datetime] = None) -> ReplicationStatus:
    """The figures from the three answers (pure; `now` for the current downtime)."""
    now = now or datetime.now(timezone.utc)
    cs = metrics.get("currStats") or {}
    nodes = [n for n in ((metrics.get("queueStats") or {}).get("nodes") or []) if isinstance(n, dict)]
    stats = {a: s for a, s in (cs.get("Stats") or {}).items() if isinstance(s, dict)}
    remotes = {t.arn: t for t in (parse_remote_target(d) for d in targets_doc if isinstance(d, dict))}
    in_config = [r.destination_arn for r in (config.rules if config else ())]
    if config is not None and config.role:
        in_config.append(config.role)
    arns = sorted(set(in_config))  # stale ARNs (in Stats, in no rule) are hidden, as mc does
    rows = []
    for arn in arns:
        s, t = stats.get(arn, {}), remotes.get(arn)
        current, total = _downtime(t, now)
        rows.append(TargetStatus(
            arn=arn, endpoint=t.endpoint if t else "", online=t.online if t else None,
            current_downtime_seconds=current, total_downtime_seconds=total,
            latency=t.latency if t else Latency(), replicated_count=_int(s.get("replicationCount")),
            replicated_size=_int(s.get("completedReplicationSize")), failed=_timed(s.get("failed")),
            transfer=_rates(nodes, lambda n, a=arn: (n.get("tgtTransferStats") or {}).get(a)),
            bandwidth_limit=_int(s.get("limitInBits")), current_bandwidth=_float(s.get("currentBandwidth"))))
    stale = [s for a, s in stats.items() if a not in arns]
    return ReplicationStatus(
        url=url, configured=True, uptime_seconds=_int(metrics.get("uptime")), targets=tuple(rows),
        queued=_queue(cs.get("queued")), workers=_workers(nodes),
        transfer=_rates(nodes, lambda n: n.get("transferSummary")),
        replicated_count=max(0, _int(cs.get("replicationCount")) - sum(_int(s.get("replicationCount")) for s in stale)),
        replicated_size=max(0, _int(cs.get("completedReplicationSize"))
                            - sum(_int(s.get("completedReplicationSize")) for s in stale)),
        replica_count=_int(cs.get("replicaCount")), replica_size=_int(cs.get("replicaSize")),
        failed=_timed(cs.get("failed")), metrics_doc=metrics, targets_doc=list(targets_doc))


def replication_status(service: "RecoveryService", alias: str, bucket: str) -> ReplicationStatus:
    """The three calls of `mc replicate status ALIAS/BUCKET`, in mc's order (READ_POLICY each)."""
    s = service.site(alias)
    url = f"{alias}/{bucket}"
    try:
        resp = s.raw(s.ctx("read replication metrics", "s3:GetReplicationConfiguration", bucket), "GET",
                     f"/{bucket}", [("replication-metrics", "2")])
    except NotFound as exc:
        if exc.code == NOT_CONFIGURED:
            return ReplicationStatus(url=url, configured=False)
        raise
    metrics = load_json(resp.body, "replication metrics") or {}
    targets = load_json(s.admin(s.ctx("list remote targets", "admin:GetBucketTarget", bucket), "GET",
                                "list-remote-targets", [("bucket", bucket), ("type", "")]).body,
                        "remote target list") or []
    try:
        raw = s.raw(s.ctx("read the replication configuration", "s3:GetReplicationConfiguration", bucket), "GET",
                    f"/{bucket}", [("replication", "")])
        config: Optional[ReplicationConfig] = parse_replication_config(raw.body)
    except NotFound as exc:
        if exc.code != NOT_CONFIGURED:
            raise
        config = None  # removed between the calls
    return build_status(url, metrics if isinstance(metrics, dict) else {},
                        targets if isinstance(targets, list) else [], config)


__all__ = ["Queue", "Rates", "ReplicationStatus", "TargetStatus", "Workers", "build_status", "replication_status"]
