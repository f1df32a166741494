"""A scripted stand-in for `RecoveryService` used by the Monitor/Validate/Next-steps tests and snapshots.

It returns the service's real model dataclasses with fixed IDs and times, so
screens render deterministically; the lab-backed tests use the real service.
Each method can be scripted to raise a `RecoveryError` to exercise error paths.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator, Optional

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
from recovery_tui.state import WizardState

T0 = datetime(2026, 5, 1, 10, 0, 0, tzinfo=timezone.utc)
ARN = "arn:minio:replication::11111111-2222-4333-8444-555555555555:data"
REVERSE_ARN = "arn:minio:replication::66666666-7777-4888-8999-000000000000:data"
RESET_ID = "7c3e91d2-0b4f-4a61-9f1e-2d5c8a7b6e01"


class FixedClock:
    """An injectable clock that only moves when told to."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


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
           last_object: str = "docs/agenda-12.txt", updated: datetime = T0 - timedelta(seconds=35)) -> ResyncTargetStatus:
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
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def _maybe_fail(self, name: str) -> None:
        with self._lock:
            self.calls.append(name)
        err = self.fail.get(name)
        if err is not None:
            raise err

    def resync_status(self, alias: str, bucket: str, arn: Optional[str] = None) -> ResyncStatus:
        self._maybe_fail("resync_status")
        with self._lock:
            st = self.statuses[0] if len(self.statuses) == 1 else self.statuses.pop(0)
        return ResyncStatus(targets=() if st is None else (st,))

    def remote_targets(self, alias: str, bucket: str) -> list[RemoteTarget]:
        self._maybe_fail("remote_targets")
        return [self.link] if self.link else []

    def replication_metrics(self, alias: str, bucket: str) -> ReplicationMetrics:
        self._maybe_fail("replication_metrics")
        return self.metrics

    def list_object_versions(self, alias: str, bucket: str, prefix: str = "", **_: Any) -> Iterator[ObjectVersion]:
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
