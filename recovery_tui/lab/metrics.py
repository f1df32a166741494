"""Replication counters of one lab site and the §6 metrics documents (V2 `BucketStats`, V1).

Counters are "since uptime" like MinIO's in-memory stats: scenario seeding does not count,
only replication that happens while the lab runs. Keys are the raw server keys (§6).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

DEPRECATED_ZERO = ("pendingReplicationSize", "failedReplicationSize", "pendingReplicationCount",
                   "failedReplicationCount")


class TimedErrors:
    """`madmin.TimedErrStats`: failures in the last minute / hour and since uptime."""

    def __init__(self) -> None:
        self._events: deque[tuple[float, int]] = deque()
        self.total_count = 0
        self.total_bytes = 0

    def add(self, size: int) -> None:
        now = time.monotonic()
        self._events.append((now, size))
        self.total_count += 1
        self.total_bytes += size
        while self._events and self._events[0][0] < now - 3600:
            self._events.popleft()

    def _window(self, seconds: float) -> dict[str, Any]:
        cutoff = time.monotonic() - seconds
        n = b = 0
        for t, size in self._events:
            if t >= cutoff:
                n += 1
                b += size
        return {"count": float(n), "bytes": b}

    def doc(self) -> dict[str, Any]:
        return {"lastMinute": self._window(60), "lastHour": self._window(3600),
                "totals": {"count": float(self.total_count), "bytes": self.total_bytes}}


@dataclass
class TargetCounters:
    """Per-ARN figures (`BucketReplicationStat`)."""

    replicated_count: int = 0
    replicated_size: int = 0
    failed: TimedErrors = field(default_factory=TimedErrors)
    bandwidth_limit: int = 0


@dataclass
class QueueGauge:
    """`InQueueMetric`: current, average (over 1 s samples) and max of the queue."""

    count: int = 0
    bytes: int = 0
    max_count: int = 0
    max_bytes: int = 0
    sum_count: float = 0.0
    sum_bytes: float = 0.0
    samples: int = 0

    def change(self, dcount: int, dbytes: int) -> None:
        self.count = max(0, self.count + dcount)
        self.bytes = max(0, self.bytes + dbytes)
        self.max_count = max(self.max_count, self.count)
        self.max_bytes = max(self.max_bytes, self.bytes)

    def sample(self) -> None:
        self.samples += 1
        self.sum_count += self.count
        self.sum_bytes += self.bytes

    def doc(self) -> dict[str, Any]:
        n = self.samples or 1
        return {"curr": {"count": float(self.count), "bytes": float(self.bytes)},
                "avg": {"count": self.sum_count / n, "bytes": self.sum_bytes / n},
                "max": {"count": float(self.max_count), "bytes": float(self.max_bytes)}}


@dataclass
class BucketCounters:
    """One bucket's replication stats on this site."""

    targets: dict[str, TargetCounters] = field(default_factory=dict)
    replica_count: int = 0
    replica_size: int = 0
    queued: QueueGauge = field(default_factory=QueueGauge)

    def target(self, arn: str) -> TargetCounters:
        t = self.targets.get(arn)
        if t is None:
            t = self.targets[arn] = TargetCounters()
        return t


class SiteMetrics:
    """All buckets' counters plus node-level worker and transfer figures."""

    def __init__(self, node_name: str) -> None:
        self.node_name = node_name
        self.started = time.monotonic()
        self.buckets: dict[str, BucketCounters] = {}
        self.active_workers = 0
        self.max_workers = 0
        self._workers_sum = 0.0
        self._workers_samples = 0
        self.transferred_bytes = 0

    def bucket(self, name: str) -> BucketCounters:
        b = self.buckets.get(name)
        if b is None:
            b = self.buckets[name] = BucketCounters()
        return b

    def worker_busy(self, delta: int) -> None:
        self.active_workers += delta
        self.max_workers = max(self.max_workers, self.active_workers)

    def sample(self) -> None:
        """Called about once a second: feeds the averages."""
        self._workers_sum += self.active_workers
        self._workers_samples += 1
        for b in self.buckets.values():
            b.queued.sample()

    def uptime(self) -> int:
        return int(time.monotonic() - self.started)

    # -- documents ------------------------------------------------------------------------------
    @staticmethod
    def _zero_deprecated(doc: dict[str, Any]) -> dict[str, Any]:
        for k in DEPRECATED_ZERO:
            doc[k] = 0
        return doc

    def _target_doc(self, t: TargetCounters) -> dict[str, Any]:
        doc: dict[str, Any] = {"completedReplicationSize": t.replicated_size, "replicaSize": 0,
                               "failed": t.failed.doc(), "replicationCount": t.replicated_count,
                               "replicationLatency": {"UploadHistogram": [
                                   {"Totals": [], "LastSec": {"Total": 0, "Size": 0, "N": 0}}
                                   for _ in range(6)]},
                               "limitInBits": t.bandwidth_limit, "currentBandwidth": 0.0}
        return self._zero_deprecated(doc)

    def current_stats(self, bucket: str, arns: list[str]) -> dict[str, Any]:
        """`BucketReplicationStats` — also the whole V1 body."""
        b = self.bucket(bucket)
        for arn in arns:
            b.target(arn)
        doc: dict[str, Any] = {}
        if b.targets:
            doc["Stats"] = {arn: self._target_doc(t) for arn, t in sorted(b.targets.items())}
        failed = TimedErrors()
        for t in b.targets.values():
            failed._events.extend(t.failed._events)
            failed.total_count += t.failed.total_count
            failed.total_bytes += t.failed.total_bytes
        failed._events = deque(sorted(failed._events))
        doc.update({
            "completedReplicationSize": sum(t.replicated_size for t in b.targets.values()),
            "replicaSize": b.replica_size,
            "failed": failed.doc(),
            "replicationCount": sum(t.replicated_count for t in b.targets.values()),
            "replicaCount": b.replica_count,
            "queued": b.queued.doc(),
        })
        return self._zero_deprecated(doc)

    def _rate(self) -> dict[str, Any]:
        up = max(1, self.uptime())
        avg = self.transferred_bytes / up
        return {"currRate": 0.0, "avgRate": avg, "peakRate": avg, "n": 0}

    def v2(self, bucket: str, arns: list[str]) -> dict[str, Any]:
        """`BucketStats` (`?replication-metrics=2`)."""
        n = self._workers_samples or 1
        node = {
            "nodeName": self.node_name, "uptime": self.uptime(),
            "activeWorkers": {"curr": self.active_workers, "avg": self._workers_sum / n,
                              "max": self.max_workers},
            "transferSummary": {"Large": self._rate(), "Small": self._rate(), "Total": self._rate()},
            "tgtTransferStats": {arn: {"Large": self._rate(), "Small": self._rate(), "Total": self._rate()}
                                 for arn in sorted(arns)},
            "queueStats": self.bucket(bucket).queued.doc(),
            "mrfStats": {"failedCount_last5min": 0, "droppedCount_since_uptime": 0,
                         "droppedBytes_since_uptime": 0},
        }
        proxy = {k: 0 for k in ("putTaggingProxyTotal", "getTaggingProxyTotal", "removeTaggingProxyTotal",
                                "getProxyTotal", "headProxyTotal", "putTaggingProxyFailed",
                                "getTaggingProxyFailed", "removeTaggingProxyFailed", "getProxyFailed",
                                "headProxyFailed")}
        return {"uptime": self.uptime(), "currStats": self.current_stats(bucket, arns),
                "queueStats": {"nodes": [node], "uptime": self.uptime()}, "proxyStats": proxy}
