"""The stand-ins screens are tested with must be callable exactly like `RecoveryService`: a method renamed or
re-shaped on the service fails here, not silently in a screen test that still passes against a stale fake."""

from __future__ import annotations

from typing import Any, Iterator, Optional

from helpers.fakes import FakeService
from helpers.signatures import mismatches
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.models import ObjectVersion


def test_fake_service_matches_recovery_service() -> None:
    assert mismatches(FakeService, RecoveryService) == {}
    assert len([n for n in vars(FakeService) if not n.startswith("_")]) >= 8  # the check saw the methods


def test_snapshot_stable_service_matches_recovery_service() -> None:
    from snapshots.snap_helpers import StableService

    assert mismatches(StableService, RecoveryService) == {}


class _Stale:
    """A fake the way it goes stale: a method the service lost, renamed and newly required parameters,
    a parameter the service made optional, another return type."""

    def start_resync_now(self, alias: str) -> None: ...

    def resync_status(self, alias: str, bucket: str, target_arn: Optional[str] = None) -> Any: ...

    def remote_targets(self, alias: str, bucket: str, deep: bool) -> list[Any]: ...

    def list_object_versions(self, alias: str, bucket: str, prefix: str) -> Iterator[ObjectVersion]: ...

    def replication_metrics(self, alias: str, bucket: str) -> int: ...


def test_the_check_catches_a_stale_fake() -> None:
    found = mismatches(_Stale, RecoveryService)
    assert found["start_resync_now"] == ["RecoveryService has no such method"]
    assert any("'target_arn', the service's is 'arn'" in p for p in found["resync_status"])
    assert any("requires 'deep'" in p for p in found["remote_targets"])
    assert any("'prefix' is optional on the service" in p for p in found["list_object_versions"])
    assert any("positional parameter 4 (delimiter)" in p for p in found["list_object_versions"])
    assert any("returns int" in p for p in found["replication_metrics"])
