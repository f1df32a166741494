"""Whether a resync can recover one bucket, and if not, why and what fixes it (mc syntax, facts §20).

Pure functions over what discovery read; no I/O. A bucket of the healthy site SRC enters the plan
when one of its rules sends to the damaged site DST (a remote target whose endpoint is DST's, or whose
deployment ID is DST's), or, without such a rule, when DST has a bucket of the same name. Anything
else (a bucket that replicates to a third deployment only, or nowhere, and does not exist on DST) has
nothing to do with this recovery and is left out.

A bucket with a rule to DST is recoverable when the source is versioned, the rule is Enabled with
ExistingObjectReplication Enabled (else the server refuses the resync, §3 step 4), and the target
bucket exists on DST with versioning Enabled (§3 step 6).
"""

from __future__ import annotations

import shlex
from typing import Any, Optional

from .models import RemoteTarget, ReplicationConfig, ReplicationRule
from .sitemodels import BucketPlan

REPLICATE_ALL = "delete-marker,delete,existing-objects,metadata-sync"
"""`mc replicate add`'s default set plus existing-objects (§20)."""


_MATCHES: dict[tuple[str, str, bool], bool] = {}


def points_at(t: RemoteTarget, dst_alias: Any, dst_deployment: str) -> bool:
    """A remote target is the damaged site's when its endpoint is DST's, or its deployment ID is DST's."""
    if dst_deployment and t.deployment_id and t.deployment_id == dst_deployment:
        return True
    key = (str(dst_alias.url), t.endpoint, t.secure)
    hit = _MATCHES.get(key)
    if hit is None:
        if len(_MATCHES) > 4096:
            _MATCHES.clear()
        hit = _MATCHES[key] = bool(dst_alias.matches_endpoint(t.endpoint, t.secure))
    return hit


def _q(text: str) -> str:
    return shlex.quote(text)


def _path(alias: str, bucket: str, rule: Optional[ReplicationRule] = None) -> str:
    """`ALIAS/BUCKET[/PREFIX]`: `mc replicate update` clears a rule's prefix unless the path repeats it (§20)."""
    prefix = rule.filter.prefix if rule is not None else ""
    return f"{alias}/{bucket}" + (f"/{prefix}" if prefix else "")


def replicate_tokens(rule: ReplicationRule) -> str:
    """The `--replicate` list that keeps what the rule has today and adds existing-objects."""
    tokens = []
    if rule.delete_marker_replication == "Enabled":
        tokens.append("delete-marker")
    if rule.delete_replication == "Enabled":
        tokens.append("delete")
    tokens.append("existing-objects")
    if rule.replica_modifications == "Enabled":
        tokens.append("metadata-sync")
    return ",".join(tokens)


def _rank(rule: ReplicationRule) -> tuple[int, int, int]:
    return (int(rule.enabled and rule.existing_objects_enabled), int(rule.enabled), rule.priority)


def best_rule(config: Optional[ReplicationConfig], targets: dict[str, RemoteTarget], dst_alias: Any,
              dst_deployment: str) -> Optional[tuple[ReplicationRule, RemoteTarget]]:
    """The rule (and its target) a resync to DST would use: enabled with existing objects first."""
    if config is None:
        return None
    found = [(r, targets[r.destination_arn]) for r in config.rules
             if r.destination_arn in targets and points_at(targets[r.destination_arn], dst_alias, dst_deployment)]
    if not found:
        return None
    return max(found, key=lambda rt: _rank(rt[0]))


def verdict(bucket: str, src: str, dst: str, *, src_versioning: str, config: Optional[ReplicationConfig],
            targets: dict[str, RemoteTarget], dst_alias: Any, dst_deployment: str, dst_buckets: set[str],
            dst_versioning: dict[str, str]) -> Optional[BucketPlan]:
    """The plan row of one healthy-site bucket, or None when it is not part of this recovery."""
    chosen = best_rule(config, targets, dst_alias, dst_deployment)
    if chosen is None:
        if bucket not in dst_buckets:
            return None
        add = (f"mc replicate add {_q(f'{src}/{bucket}')} --remote-bucket {_q(f'{dst}/{bucket}')} "
               f"--replicate {_q(REPLICATE_ALL)}")
        if src_versioning != "Enabled":
            return BucketPlan(bucket, reason=f"not versioned on {src}, and no replication rule sends it to {dst}",
                              fix=f"mc version enable {_q(f'{src}/{bucket}')} && {add}")
        return BucketPlan(bucket, reason=f"no replication rule sends it to {dst}", fix=add)
    rule, tgt = chosen
    row = BucketPlan(bucket, arn=rule.destination_arn, target_bucket=tgt.target_bucket, rule_id=rule.id)
    tb = tgt.target_bucket
    if src_versioning != "Enabled":
        return _no(row, f"the bucket is not versioned on {src}", f"mc version enable {_q(f'{src}/{bucket}')}")
    if not rule.enabled:
        return _no(row, f"replication rule {rule.id} to {dst} is disabled",
                   f"mc replicate update {_q(_path(src, bucket, rule))} --id {_q(rule.id)} --state enable")
    if not rule.existing_objects_enabled:
        return _no(row, f"rule {rule.id} has no existing-object replication: the server refuses a resync",
                   f"mc replicate update {_q(_path(src, bucket, rule))} --id {_q(rule.id)} "
                   f"--replicate {_q(replicate_tokens(rule))}")
    if tb not in dst_buckets:
        return _no(row, f"the target bucket {tb} does not exist on {dst}",
                   f"mc mb --with-versioning {_q(f'{dst}/{tb}')}")
    if dst_versioning.get(tb, "") != "Enabled":
        return _no(row, f"the target bucket {tb} on {dst} is not versioned", f"mc version enable {_q(f'{dst}/{tb}')}")
    return BucketPlan(bucket, arn=row.arn, target_bucket=tb, rule_id=rule.id, recoverable=True)


def _no(row: BucketPlan, reason: str, fix: str) -> BucketPlan:
    return BucketPlan(row.bucket, arn=row.arn, target_bucket=row.target_bucket, rule_id=row.rule_id,
                      recoverable=False, reason=reason, fix=fix)


__all__ = ["verdict", "points_at", "best_rule", "replicate_tokens", "REPLICATE_ALL"]
