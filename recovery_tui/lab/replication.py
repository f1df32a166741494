"""Active-active bucket replication between the lab's two sites (stub, being filled in)."""

from __future__ import annotations

from typing import Any

from recovery_tui.lab import store


class Replicator:
    """Replicates a site's non-replica writes to its buckets' remote targets over HTTP."""

    def __init__(self, rt: Any) -> None:
        self.rt = rt

    def on_object_written(self, bucket: str, version: store.Version) -> None:
        """Called after every non-replica PUT/CopyObject/delete-marker creation."""

    def on_version_deleted(self, bucket: str, key: str, version_id: str) -> None:
        """Called after a versioned DELETE."""

    def on_head(self, bucket: str, version: store.Version) -> None:
        """Called after HEAD/GET of a version: re-queues PENDING/FAILED versions (§8)."""

    async def start(self) -> None:
        """Start workers and the target health checker."""

    async def stop(self) -> None:
        """Stop workers and the health checker."""
