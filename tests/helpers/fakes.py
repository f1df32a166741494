"""A scripted stand-in for `RecoveryService` used by the Monitor/Validate/Next-steps tests and snapshots.

Every method has the service's own signature: tests/unit/test_fakes_match_service.py checks it.

It returns the service's real model dataclasses with fixed IDs and times, so
screens render deterministically; the lab-backed tests use the real service.
Each method can be scripted to raise a `RecoveryError` to exercise error paths.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any, Iterator, Optional

from helpers.clock import T0
from recovery_tui.service.errors import RecoveryError
from recovery_tui.service.models import (
    DiffEntry,
    Latency,
    ObjectVersion,
    RemoteTarget,
    ReplicationConfig,
    ReplicationMetrics,
    ReplicationRule,
    ResyncStatus,
    ResyncTargetStatus,
    TimedCounts,
)
from recovery_tui.service.replstatus import ReplicationStatus
from recovery_tui.state import WizardState

ARN = "arn:minio:replication::11111111-2222-4333-8444-555555555555:data"
REVERSE_ARN = "arn:minio:replication::66666666-7777-4888-8999-000000000000:data"
RESET_ID = "7c3e91d2-0b4f-4a61-9f1e-2d5c8a7b6e01"


def make_state(**kw: Any) -> WizardState:
    """The state a run has when it reaches the Monitor: source, target, ARN and ResetID chosen."""
    st = WizardState(
        step=4, lab=True, source_alias="source", source_bucket="data", arn=ARN, target_alias="target",
        target_bucket="data", target_endpoint="127.0.0.1:PORT", rule_id="d0ct0r5rul3id0000001",
        reset_id=RESET_ID, resync_started_at=T0.isoformat(), resync_status="Pending",
    )
    for k, v in kw.items():
        setattr(st, k, v)
    return st


def status(state: str = "Ongoing", count: int = 1234, size: int = 5_000_000, failed: int = 0,
           last_object: str = "docs/agenda-12.txt",
           updated: datetime = T0 - timedelta(seconds=35)) -> ResyncTargetStatus:
    return ResyncTargetStatus(arn=ARN, reset_id=RESET_ID, status=state, start_time=T0 - timedelta(minutes=5),
                              last_update=updated, replicated_count=count, replicated_size=size, failed_count=failed,
                              failed_size=0, bucket="data", last_object=last_object)


def link(online: bool = True) -> RemoteTarget:
    return RemoteTarget(arn=ARN, source_bucket="data", endpoint="target.example:9000", target_bucket="data",
                        online=online, latency=Latency(curr=0.002, avg=0.003, max=0.01))


def metrics(queued: float = 3, errors_1m: int = 0) -> ReplicationMetrics:
    return ReplicationMetrics(uptime_seconds=3600, replicated_count=1234, replicated_size=5_000_000, replica_count=0,
                              replica_size=0, queued_count=queued, queued_bytes=queued * 1024,
                              failed=TimedCounts(last_minute=errors_1m, last_hour=errors_1m, total=errors_1m))


def rule(arn: str = ARN, rule_id: str = "d0ct0r5rul3id0000001", priority: int = 1) -> ReplicationRule:
    return ReplicationRule(id=rule_id, status="Enabled", priority=priority, destination_arn=arn,
                           delete_marker_replication="Enabled", delete_replication="Enabled",
                           existing_object_replication="Enabled")


class FakeService:
    """Scripted answers: set `statuses` (consumed in order, the last repeats), `fail[method] = error`."""

    def __init__(self, *, versions: int = 4000) -> None:
        self.statuses: list[ResyncTargetStatus | None] = [status()]
        self.link: Optional[RemoteTarget] = link()
        self.metrics = metrics()
        self.versions = versions
        self.fail: dict[str, RecoveryError] = {}
        self.configs: dict[str, Optional[ReplicationConfig]] = {
            "source": ReplicationConfig(rules=(rule(),)),
            "target": ReplicationConfig(rules=(rule(REVERSE_ARN, "t4rg3tru1e1d00000002"),)),
        }
        self.diff: list[DiffEntry] = []
        self.site_groups: dict[str, str] = {}
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def _maybe_fail(self, name: str) -> None:
        with self._lock:
            self.calls.append(name)
        err = self.fail.get(name)
        if err is not None:
            raise err

    def list_buckets(self, alias: str) -> list[str]:
        """For the Connect screen underneath (the App always starts there)."""
        return ["data"]

    def bucket_exists(self, alias: str, bucket: str) -> bool:
        return bucket == "data"

    def resync_status(self, alias: str, bucket: str, arn: Optional[str] = None) -> ResyncStatus:
        self._maybe_fail("resync_status")
        with self._lock:
            st = self.statuses[0] if len(self.statuses) == 1 else self.statuses.pop(0)
        return ResyncStatus(targets=() if st is None else (st,))

    def remote_targets(self, alias: str, bucket: str) -> list[RemoteTarget]:
        self._maybe_fail("remote_targets")
        return [self.link] if self.link else []

    def site_replication_group(self, alias: str) -> str:
        self._maybe_fail("site_replication_group")
        return self.site_groups.get(alias, "")

    def replication_metrics(self, alias: str, bucket: str) -> ReplicationMetrics:
        self._maybe_fail("replication_metrics")
        return self.metrics

    def replication_status(self, alias: str, bucket: str) -> ReplicationStatus:
        """`mc replicate status` of one side, built from the scripted metrics and link (the real builder)."""
        from recovery_tui.service.replstatus import build_status

        self._maybe_fail("replication_status")
        cfg = self.configs.get(alias)
        if cfg is None:
            return ReplicationStatus(url=f"{alias}/{bucket}", configured=False)
        m, arn = self.metrics, cfg.rules[0].destination_arn
        doc = {"uptime": m.uptime_seconds, "currStats": {
            "Stats": {t.arn: {"replicationCount": t.replicated_count, "failed": {"lastMinute": {
                "count": t.failed.last_minute}, "lastHour": {"count": t.failed.last_hour}}} for t in m.targets},
            "replicaCount": m.replica_count, "queued": {"curr": {"count": m.queued_count, "bytes": m.queued_bytes}},
            "failed": {"lastMinute": {"count": m.failed.last_minute}, "lastHour": {"count": m.failed.last_hour}}}}
        link = {"arn": arn, "endpoint": "sitea.example.net:9000" if alias == "target" else "siteb.example.net:9000",
                "isOnline": self.link.online if self.link else False}
        return build_status(f"{alias}/{bucket}", doc, [link], cfg, now=T0)

    def list_object_versions(self, alias: str, bucket: str, prefix: str = "", delimiter: str = "",
                             page_size: int = 1000) -> Iterator[ObjectVersion]:
        self._maybe_fail("list_object_versions")
        for i in range(self.versions):
            yield ObjectVersion(key=f"k{i:05d}", version_id=f"v{i}", is_latest=True, last_modified=T0)

    def replication_config(self, alias: str, bucket: str) -> Optional[ReplicationConfig]:
        self._maybe_fail("replication_config")
        return self.configs.get(alias)

    def replication_diff(self, alias: str, bucket: str, arn: Optional[str] = None, prefix: str = "",
                         verbose: bool = False) -> Iterator[DiffEntry]:
        self._maybe_fail("replication_diff")
        yield from self.diff


def make_report(*, missing: int = 0, extra: int = 0, mismatched: int = 0, incomplete: bool = False,
                error: str = "", src_versions: int = 160) -> Any:
    """A `ValidationReport` with fixed counts and version IDs (samples: up to 6 of each class)."""
    from recovery_tui.service.validate import SideCounts, ValidationReport, VersionDiff

    def ov(key: str, vid: str, size: int = 512, dm: bool = False) -> ObjectVersion:
        return ObjectVersion(key=key, version_id=vid, is_latest=True, last_modified=None, size=size,
                             etag="" if dm else "9b2cf535f27731c974343645a3985328", delete_marker=dm)

    samples = []
    for i in range(min(missing, 6)):
        vid = f"0000000{i}-aaaa-4bbb-8ccc-dddddddddddd"
        samples.append(VersionDiff("missing_on_target", f"docs/agenda-{i}.txt", vid, ov(f"docs/agenda-{i}.txt", vid,
                                   dm=i == 2), None))
    for i in range(min(extra, 6)):
        vid = f"1111111{i}-aaaa-4bbb-8ccc-dddddddddddd"
        samples.append(VersionDiff("extra_on_target", f"images/photo-{i}.png", vid, None,
                                   ov(f"images/photo-{i}.png", vid)))
    for i in range(min(mismatched, 6)):
        vid = f"2222222{i}-aaaa-4bbb-8ccc-dddddddddddd"
        samples.append(VersionDiff("mismatched", f"logs/2024/notes-{i}.csv", vid, ov("k", vid, 17), ov("k", vid, 3000)))
    dst_versions = src_versions - missing + extra
    return ValidationReport(
        source="source/data", target="target/data", prefix="",
        source_counts=SideCounts(src_versions, 60, src_versions - 70, 10),
        target_counts=SideCounts(dst_versions, 60 - min(missing, 20), dst_versions - 70 + min(missing, 20), 10),
        missing_on_target=missing, extra_on_target=extra, mismatched=mismatched, samples=tuple(samples),
        incomplete=incomplete, error=error, compared_up_to="logs/2024/plan-7.json" if incomplete else "ünïcødé/x",
    )


def fixed_validator(report: Any) -> Any:
    """A validator that reports progress once, then returns `report`."""
    from recovery_tui.service.validate import ValidationProgress

    def run(service: Any, src: Any, dst: Any, *, progress: Any = None, **_: Any) -> Any:
        if progress is not None:
            progress(ValidationProgress(80, 60, 20, 0, 0, "docs/", 0.1))
        return report

    return run


def diff_entry(key: str, status: str, age_seconds: float, dm: bool = False, n: int = 0) -> DiffEntry:
    return DiffEntry(object=key, version_id=f"3333333{n}-aaaa-4bbb-8ccc-dddddddddddd", status=status,
                     targets=((ARN, status),) if status else (), delete_marker=dm,
                     last_modified=T0 - timedelta(seconds=age_seconds))
