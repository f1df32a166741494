"""Which alias and bucket is most likely the healthy source: the one whose bucket replicates to another alias.

Connect starts with the focus on that alias's buckets, so the first Enter picks the side a resync must start
from. The guess never decides anything: the operator still picks, and Preflight's direction check blocks a
source that holds fewer versions than its target.

A bucket scores one point per replication rule whose remote target is a bucket on another known alias (the
damaged side of a total loss has lost its rules and remote targets, so it scores nothing); ties keep the
alias order (MC_HOST_ aliases first, as `mc` lists them). Any error on an alias (offline, denied) leaves
that alias out: an unreachable site is no candidate for the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

from recovery_tui.service.errors import RecoveryError

if TYPE_CHECKING:
    from recovery_tui.service.client import RecoveryService

ALIAS_LIMIT = 6
"""Aliases probed (the rest are not guessed about)."""
BUCKET_LIMIT = 20
"""Buckets probed per alias."""


@dataclass(frozen=True)
class LikelySource:
    """The guess and why."""

    alias: str
    bucket: str
    peers: tuple[str, ...]
    """`alias/bucket` of each remote target the bucket replicates to."""

    @property
    def reason(self) -> str:
        return f"{self.alias}/{self.bucket} replicates to {', '.join(self.peers)}"


def likely_source(service: "RecoveryService", aliases: list[str],
                  cancelled: Callable[[], bool] = lambda: False) -> Optional[LikelySource]:
    """The best-scoring (alias, bucket), or None when no bucket replicates to another known alias."""
    best: Optional[LikelySource] = None
    for alias in aliases[:ALIAS_LIMIT]:
        try:
            buckets = sorted(service.list_buckets(alias))[:BUCKET_LIMIT]
        except RecoveryError:
            continue
        for bucket in buckets:
            if cancelled():
                return best
            try:
                views = service.targets(alias, bucket)
            except RecoveryError:
                continue
            peers = tuple(f"{v.alias}/{v.target.target_bucket}" for v in views
                          if v.target is not None and v.alias and v.alias != alias and v.rule.enabled)
            if peers and (best is None or len(peers) > len(best.peers)):
                best = LikelySource(alias, bucket, peers)
    return best


__all__ = ["ALIAS_LIMIT", "BUCKET_LIMIT", "LikelySource", "likely_source"]
