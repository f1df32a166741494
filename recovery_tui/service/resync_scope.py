"""Which versions a bucket resync re-sends, as the server chooses them (facts §3; cmd/bucket-replication.go
`resyncBucket` → `getHealReplicateObjectInfo` → `replicationConfig.Resync`).

For one target ARN, the Enabled rules whose prefix (and tags) select the key and whose existing-object
replication is not Disabled are candidates; the highest priority decides. A delete marker is re-sent when
that rule has DeleteReplication (versioned deletes) Enabled; an object version always, **replicas included**
(the server drops the stored replication status before deciding, so in active-active the versions received
from the peer are re-sent too). Only versions older than resetBeforeDate count. The monitor uses this for
its total, so its counts and ETA match what the server reports. Tags are not in a listing: a rule with a tag
filter is assumed to select every key under its prefix (the total is then an upper bound, `exact=False`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Iterable, Optional

from .models import ObjectVersion, ReplicationConfig, ReplicationRule

if TYPE_CHECKING:
    from .client import RecoveryService


def candidate_rules(config: ReplicationConfig, arn: str) -> list[ReplicationRule]:
    """Enabled rules for `arn` (or the legacy Role) that existing-object replication does not exclude."""
    return [r for r in config.rules
            if r.enabled and (r.destination_arn == arn or (config.role and config.role == arn))
            and r.existing_object_replication != "Disabled"]


def deciding_rule(rules: Iterable[ReplicationRule], key: str) -> Optional[ReplicationRule]:
    """The highest-priority candidate whose prefix selects `key` (`FilterActionableRules`, sorted)."""
    matching = [r for r in rules if key.startswith(r.filter.prefix)]
    return max(matching, key=lambda r: r.priority) if matching else None


def selects(rules: Iterable[ReplicationRule], key: str, delete_marker: bool) -> bool:
    """Whether the resync re-sends this version (age aside)."""
    rule = deciding_rule(rules, key)
    if rule is None:
        return False
    return rule.delete_replication == "Enabled" if delete_marker else True


def scope_prefixes(rules: Iterable[ReplicationRule]) -> list[str]:
    """The fewest prefixes whose listings hold every key a candidate rule can select ("" = whole bucket)."""
    prefixes = sorted({r.filter.prefix for r in rules})
    out: list[str] = []
    for p in prefixes:
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return out


@dataclass(frozen=True)
class Scope:
    """The resync's expected total."""

    count: int
    exact: bool
    """False when a tag-filtered rule is involved (tags are not listed)."""
    prefixes: tuple[str, ...]


def count_scope(service: "RecoveryService", alias: str, bucket: str, arn: str, *,
                before: Optional[datetime] = None, progress: Optional[Callable[[int], None]] = None,
                cancelled: Callable[[], bool] = lambda: False) -> Optional[Scope]:
    """Count the versions a resync of `arn` re-sends; None when cancelled or the bucket has no rule for `arn`."""
    config = service.replication_config(alias, bucket)
    rules = candidate_rules(config, arn) if config is not None else []
    if not rules:
        return None
    prefixes = scope_prefixes(rules)
    n = seen = 0
    for prefix in prefixes:
        v: ObjectVersion
        for v in service.list_object_versions(alias, bucket, prefix=prefix):
            seen += 1
            if (before is None or (v.last_modified is not None and v.last_modified < before)) \
                    and selects(rules, v.key, v.delete_marker):
                n += 1
            if seen % 5000 == 0:
                if cancelled():
                    return None
                if progress is not None:
                    progress(n)
    return Scope(n, exact=not any(r.filter.tags for r in rules), prefixes=tuple(prefixes))


__all__ = ["Scope", "candidate_rules", "count_scope", "deciding_rule", "scope_prefixes", "selects"]
