"""Constants and helpers of the snapshot tests (imported by conftest.py and the test modules); the clock and
`settle` are the shared ones in tests/helpers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from recovery_tui.service.client import RecoveryService
from recovery_tui.service.models import Latency, RemoteTarget, TargetView

SNAP_KEYS = {
    "source": ("LABSNAPSOURCE0000001", "snapSecretSource0000000000000000000000001"),
    "target": ("LABSNAPTARGET0000002", "snapSecretTarget0000000000000000000000002"),
}
"""Fixed lab credentials (access key, secret key) per site."""
SNAP_SECRETS = tuple(secret for _, secret in SNAP_KEYS.values())
"""Values that must never appear in any SVG."""
SNAP_SEED = 7
"""Seed of the lab scenarios."""


class StableService:
    """Delegates to a real `RecoveryService`, zeroing the measured link latency (it varies per run)."""

    def __init__(self, inner: RecoveryService) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def remote_targets(self, alias: str, bucket: str) -> list[RemoteTarget]:
        return [replace(t, latency=Latency()) for t in self._inner.remote_targets(alias, bucket)]

    def targets(self, alias: str, bucket: str) -> list[TargetView]:
        views = self._inner.targets(alias, bucket)
        return [replace(v, target=replace(v.target, latency=Latency())) if v.target else v for v in views]

