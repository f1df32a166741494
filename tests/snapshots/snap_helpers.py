"""Constants and helpers of the snapshot tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from recovery_tui.service.client import RecoveryService
from recovery_tui.service.models import Latency

SNAP_KEYS = {
    "source": ("LABSNAPSOURCE0000001", "snapSecretSource0000000000000000000000001"),
    "target": ("LABSNAPTARGET0000002", "snapSecretTarget0000000000000000000000002"),
}
"""Fixed lab credentials (access key, secret key) per site."""
SNAP_SECRETS = tuple(secret for _, secret in SNAP_KEYS.values())
"""Values that must never appear in any SVG."""
SNAP_SEED = 7
"""Seed of the lab scenarios."""
SNAP_NOW = datetime(2026, 5, 1, 10, 0, 0, tzinfo=timezone.utc)
"""The fixed clock's time."""


class FixedClock:
    """An injectable clock that moves only when told to."""

    def __init__(self, start: datetime = SNAP_NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class StableService:
    """Delegates to a real `RecoveryService`, zeroing the measured link latency (it varies per run)."""

    def __init__(self, inner: RecoveryService) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def remote_targets(self, alias: str, bucket: str) -> list[Any]:
        return [replace(t, latency=Latency()) for t in self._inner.remote_targets(alias, bucket)]

    def targets(self, alias: str, bucket: str) -> list[Any]:
        views = self._inner.targets(alias, bucket)
        return [replace(v, target=replace(v.target, latency=Latency())) if v.target else v for v in views]


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Wait for workers and their messages (several rounds), then for the screen to refresh."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
