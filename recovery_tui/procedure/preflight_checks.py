"""The preflight checks as plain functions: each asks the service and returns a `CheckItem` (no widgets).

They run in the Preflight screen's thread workers. A check never raises for an
expected failure: a `RecoveryError` becomes a blocking item that says what
failed, and an `AccessDenied` is also remembered for the permissions item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional

from recovery_tui.service.errors import AccessDenied, RecoveryError
from recovery_tui.service.models import ResyncTargetStatus
from recovery_tui.procedure.checklist import CheckItem
from recovery_tui.procedure.units import human_rate

if TYPE_CHECKING:
    from recovery_tui.service.client import RecoveryService
    from recovery_tui.state import WizardState

COUNT_LIMIT = 1_000_000
"""Stop counting versions beyond this many (the count is then shown as "≥ N")."""

LABELS: dict[str, str] = {
    "health": "Both sites healthy",
    "rule": "Rule + existing objects",
    "versioning": "Versioning on both",
    "target-bucket": "Target bucket exists",
    "permissions": "Permissions",
    "running": "No resync running",
    "direction": "Direction (versions)",
    "bandwidth": "Bandwidth limit",
    "traffic": "Client traffic",
}
"""Checklist items in display order, exactly the items of the preflight."""


@dataclass
class Findings:
    """What the checks learned besides the items themselves (shared across one preflight run)."""

    denied: list[str] = field(default_factory=list)
    """`site: action` of every AccessDenied met."""
    running: Optional[ResyncTargetStatus] = None
    """The resync already Pending/Ongoing for the ARN, if any."""
    source_versions: Optional[int] = None
    """Versions counted on the source bucket."""
    target_versions: Optional[int] = None
    """Versions counted on the target bucket."""


def _fail(key: str, exc: RecoveryError, findings: Findings, site: str) -> CheckItem:
    if isinstance(exc, AccessDenied):
        findings.denied.append(f"{site}: {exc.action or 'an action'}")
    return CheckItem(key, LABELS[key], "block", exc.message, exc.hint)


def check_health(service: "RecoveryService", state: "WizardState", findings: Findings) -> CheckItem:
    """Both sites answer their cluster health check, and the source sees the remote target online."""
    problems, seen = [], []
    src = service.health(state.source_alias)
    seen.append(f"{state.source_alias} {src.status_code or 'unreachable'}")
    if not src.healthy:
        problems.append(f"{state.source_alias}: {src.detail or 'not healthy'}")
    if state.target_alias:
        tgt = service.health(state.target_alias)
        seen.append(f"{state.target_alias} {tgt.status_code or 'unreachable'}")
        if not tgt.healthy:
            problems.append(f"{state.target_alias}: {tgt.detail or 'not healthy'}")
    try:
        remote = next((t for t in service.remote_targets(state.source_alias, state.source_bucket)
                       if t.arn == state.arn), None)
    except RecoveryError as exc:
        return _fail("health", exc, findings, state.source_alias)
    if remote is not None and not remote.online:
        problems.append(f"{state.source_alias} reports the remote target {remote.endpoint} offline")
    if problems:
        return CheckItem("health", LABELS["health"], "block", "; ".join(problems),
                         "Resync needs both sites online and the source able to reach the target. "
                         "Bring the site back (network, service), then press r to re-check.")
    if not state.target_alias:
        return CheckItem("health", LABELS["health"], "warn", " · ".join(seen) + " · target online (seen by source)",
                         f"No mc alias points at {state.target_endpoint}: add one to check the target directly.")
    return CheckItem("health", LABELS["health"], "pass", " · ".join(seen) + " · target online (seen by source)")


def check_rule(service: "RecoveryService", state: "WizardState", findings: Findings) -> CheckItem:
    """The source's rule for the ARN is Enabled and replicates existing objects."""
    try:
        config = service.replication_config(state.source_alias, state.source_bucket)
    except RecoveryError as exc:
        return _fail("rule", exc, findings, state.source_alias)
    rules = config.rules_for(state.arn) if config else ()
    if not rules:
        return CheckItem("rule", LABELS["rule"], "block", "no rule on the source sends to this ARN",
                         "Go back (escape) and pick another ARN, or recreate the rule with `mc replicate add`.")
    rule = rules[0]
    src = state.source
    if not rule.enabled:
        return CheckItem("rule", LABELS["rule"], "block", f"rule {rule.id} is {rule.status}",
                         f"mc replicate update {src} --id {rule.id} --state enable")
    if not rule.existing_objects_enabled:
        wanted = ["existing-objects"]
        if rule.delete_replication == "Enabled":
            wanted.append("delete")
        if rule.delete_marker_replication == "Enabled":
            wanted.append("delete-marker")
        return CheckItem("rule", LABELS["rule"], "block",
                         f"rule {rule.id}: existing-object replication {rule.existing_object_replication or 'not set'}",
                         f'mc replicate update {src} --id {rule.id} --replicate "{",".join(wanted)}"')
    return CheckItem("rule", LABELS["rule"], "pass", f"rule {rule.id} Enabled · existing objects Enabled")


def check_versioning(service: "RecoveryService", state: "WizardState", findings: Findings) -> CheckItem:
    """Versioning is Enabled on the source bucket and, when reachable by alias, on the target bucket."""
    sides = [(state.source_alias, state.source_bucket)]
    if state.target_alias:
        sides.append((state.target_alias, state.target_bucket))
    seen, bad = [], []
    for alias, bucket in sides:
        try:
            status = service.versioning(alias, bucket).status or "never enabled"
        except RecoveryError as exc:
            return _fail("versioning", exc, findings, alias)
        seen.append(f"{alias} {status}")
        if status != "Enabled":
            bad.append(f"{alias}/{bucket}")
    if bad:
        return CheckItem("versioning", LABELS["versioning"], "block", " · ".join(seen),
                         " ; ".join(f"mc version enable {b}" for b in bad))
    if not state.target_alias:
        return CheckItem("versioning", LABELS["versioning"], "warn", " · ".join(seen) + " · target not checked",
                         f"No mc alias points at {state.target_endpoint}; check it there: mc version info …")
    return CheckItem("versioning", LABELS["versioning"], "pass", " · ".join(seen))


def check_target_bucket(service: "RecoveryService", state: "WizardState", findings: Findings) -> CheckItem:
    """The damaged site still has the bucket (the resync does not create it)."""
    if not state.target_alias:
        return CheckItem("target-bucket", LABELS["target-bucket"], "warn", "not checked",
                         f"No mc alias points at {state.target_endpoint}; add one to check the bucket.")
    try:
        exists = service.bucket_exists(state.target_alias, state.target_bucket)
    except RecoveryError as exc:
        return _fail("target-bucket", exc, findings, state.target_alias)
    if not exists:
        return CheckItem("target-bucket", LABELS["target-bucket"], "block", f"{state.target_label} is missing",
                         f"mc mb --with-versioning {state.target_label}   (then re-check with r)")
    return CheckItem("target-bucket", LABELS["target-bucket"], "pass", f"{state.target_label} exists")


def check_running(service: "RecoveryService", state: "WizardState", findings: Findings) -> CheckItem:
    """No resync is Pending/Ongoing for the ARN (else the operator watches it instead)."""
    try:
        status = service.resync_status(state.source_alias, state.source_bucket, state.arn).for_arn(state.arn)
    except RecoveryError as exc:
        return _fail("running", exc, findings, state.source_alias)
    if status is not None and status.running:
        findings.running = status
        return CheckItem("running", LABELS["running"], "block",
                         f"{status.status} · ResetID {status.reset_id} · {status.replicated_count} replicated",
                         "Do not start a second one: press m to monitor the running resync.")
    if status is not None and status.status:
        return CheckItem("running", LABELS["running"], "pass", f"last resync {status.status} (ResetID {status.reset_id})")
    return CheckItem("running", LABELS["running"], "pass", "none has run for this ARN")


def count_versions(service: "RecoveryService", alias: str, bucket: str,
                   cancelled: Callable[[], bool] = lambda: False) -> Optional[int]:
    """Versions and delete markers in a bucket, up to COUNT_LIMIT; None when cancelled."""
    n = 0
    for _ in service.list_object_versions(alias, bucket):
        n += 1
        if n >= COUNT_LIMIT:
            break
        if n % 1000 == 0 and cancelled():
            return None
    return n


def _fmt(n: Optional[int]) -> str:
    return "?" if n is None else (f"≥ {n:,}" if n >= COUNT_LIMIT else f"{n:,}")


def check_direction(service: "RecoveryService", state: "WizardState", findings: Findings,
                    cancelled: Callable[[], bool] = lambda: False) -> CheckItem:
    """Counts versions on both sides; warns when the source holds fewer than the target."""
    try:
        findings.source_versions = count_versions(service, state.source_alias, state.source_bucket, cancelled)
    except RecoveryError as exc:
        return _fail("direction", exc, findings, state.source_alias)
    if not state.target_alias:
        return CheckItem("direction", LABELS["direction"], "warn",
                         f"source {_fmt(findings.source_versions)} · target not counted",
                         "No mc alias points at the target: compare counts there with mc ls -r --versions.")
    try:
        findings.target_versions = count_versions(service, state.target_alias, state.target_bucket, cancelled)
    except RecoveryError as exc:
        return _fail("direction", exc, findings, state.target_alias)
    src, tgt = findings.source_versions, findings.target_versions
    detail = f"{state.source_alias} {_fmt(src)} · {state.target_alias} {_fmt(tgt)}"
    if src is not None and tgt is not None and src < tgt:
        return CheckItem("direction", LABELS["direction"], "warn", detail + " — the source holds FEWER",
                         "Make sure the source is the healthy site: a resync copies source → target only.")
    if src is not None and tgt is not None and src > tgt:
        detail += f" ({src - tgt:,} missing on the target)"
    return CheckItem("direction", LABELS["direction"], "pass", detail)


def check_permissions(findings: Findings) -> CheckItem:
    """Summarises the AccessDenied answers met by the other checks."""
    if findings.denied:
        return CheckItem("permissions", LABELS["permissions"], "block", "AccessDenied: " + "; ".join(findings.denied),
                         "Grant these actions to the alias's user (mc admin policy), or use an alias that has them.")
    return CheckItem("permissions", LABELS["permissions"], "pass",
                     "all reads allowed; the start needs s3:ResetBucketReplicationState")


def info_bandwidth(state: "WizardState") -> CheckItem:
    """The remote target's bandwidth limit, which bounds the resync's speed."""
    limit = human_rate(state.bandwidth_limit)
    hint = "" if not state.bandwidth_limit else "The resync cannot go faster than this limit."
    return CheckItem("bandwidth", LABELS["bandwidth"], "info", limit, hint)


def info_traffic(state: "WizardState") -> CheckItem:
    """The reminder to keep clients on the healthy site until validation passes."""
    return CheckItem("traffic", LABELS["traffic"], "info", f"send it only to {state.source_alias} (healthy)",
                     "Point the load balancer or proxy at the healthy site until validation passes.")


MC_COMMANDS: dict[str, Callable[["WizardState"], str]] = {
    "health": lambda s: f"mc admin info {s.source_alias}" + (f" && mc admin info {s.target_alias}" if s.target_alias else ""),
    "rule": lambda s: f"mc replicate ls {s.source} --json",
    "versioning": lambda s: f"mc version info {s.source}" + (f" && mc version info {s.target_label}" if s.target_alias else ""),
    "target-bucket": lambda s: f"mc stat {s.target_label}",
    "permissions": lambda s: f"mc replicate resync status {s.source} --remote-bucket {s.arn}",
    "running": lambda s: f"mc replicate resync status {s.source} --remote-bucket {s.arn}",
    "direction": lambda s: f"mc ls -r --versions {s.source} | wc -l",
    "bandwidth": lambda s: f"mc admin bucket remote ls {s.source}",
    "traffic": lambda s: "",
}
"""The mc command that checks each item by hand."""
