"""The preflight checks as plain functions: each asks the service and returns a `CheckItem` (no widgets).

They run in the Preflight screen's thread workers. A check never raises for an
expected failure: a `RecoveryError` becomes a blocking item that says what
failed, and an `AccessDenied` is also remembered for the permissions item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional

from recovery_tui import mccmd
from recovery_tui.procedure.checklist import CheckItem
from recovery_tui.procedure.units import human_rate
from recovery_tui.service.errors import AccessDenied, RecoveryError
from recovery_tui.service.models import ResyncTargetStatus

if TYPE_CHECKING:
    from recovery_tui.service.client import RecoveryService
    from recovery_tui.state import WizardState

COUNT_LIMIT = 1_000_000
"""Stop counting versions beyond this many (the count is then shown as "≥ N")."""
COUNT_PROGRESS = 5_000
"""How often a running count reports how far it got."""

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
    unchecked: list[str] = field(default_factory=list)
    """`site: what failed` of every call that failed for another reason than AccessDenied (offline, ...):
    what it needed is neither allowed nor denied as far as the checks know."""
    reversed: bool = False
    """The source holds fewer versions than the target (the direction check blocks unless overridden)."""


OVERRIDE_WORD = "override"
"""What the operator types to start from the side holding fewer versions (journaled)."""


def _fail(key: str, exc: RecoveryError, findings: Findings, site: str) -> CheckItem:
    if isinstance(exc, AccessDenied):
        findings.denied.append(f"{site}: {exc.action or 'an action'}")
    else:
        findings.unchecked.append(f"{site}: {exc.title}")
    return CheckItem(key, LABELS[key], "block", exc.message, exc.hint)


def direction_override(state: "WizardState", findings: Findings) -> dict[str, object]:
    """The journal/report record of an operator override of the direction check, for this source and ARN."""
    return {"source": state.source, "arn": state.arn, "source_versions": findings.source_versions,
            "target_versions": findings.target_versions}


def _overridden(state: "WizardState", findings: Findings) -> bool:
    """The operator already overrode the direction check for exactly these counts, source and ARN."""
    saved = state.extra.get("direction_override") if isinstance(state.extra, dict) else None
    if not isinstance(saved, dict):
        return False
    now = direction_override(state, findings)
    return all(saved.get(k) == v for k, v in now.items())


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
                         f"No alias in mc's configuration points at {state.target_endpoint}: add one to check the "
                         "target directly.")
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
                         "Go back (escape) and pick another ARN, or recreate the rule "
                         f"(mc replicate add {src} --remote-bucket TARGET_ALIAS/BUCKET --priority 1).")
    rule = rules[0]
    src = state.source
    if not rule.enabled:
        return CheckItem("rule", LABELS["rule"], "block", f"rule {rule.id} is {rule.status}",
                         mccmd.enable_rule(src, rule))
    if not rule.existing_objects_enabled:
        # `update --replicate` disables every flag it does not list (§20): keep the rule's own flags.
        return CheckItem("rule", LABELS["rule"], "block",
                         f"rule {rule.id}: existing-object replication {rule.existing_object_replication or 'not set'}",
                         mccmd.update_flags(src, rule, enable=("existing-objects",)))
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
                         f"No alias in mc's configuration points at {state.target_endpoint}; check it there with "
                         "mc version info TARGET_ALIAS/BUCKET")
    return CheckItem("versioning", LABELS["versioning"], "pass", " · ".join(seen))


def check_target_bucket(service: "RecoveryService", state: "WizardState", findings: Findings) -> CheckItem:
    """The damaged site still has the bucket (the resync does not create it)."""
    if not state.target_alias:
        return CheckItem("target-bucket", LABELS["target-bucket"], "warn", "not checked",
                         f"No alias in mc's configuration points at {state.target_endpoint}; add one to check the "
                         "bucket.")
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
        return CheckItem("running", LABELS["running"], "pass",
                         f"last resync {status.status} (ResetID {status.reset_id})")
    return CheckItem("running", LABELS["running"], "pass", "none has run for this ARN")


def count_versions(service: "RecoveryService", alias: str, bucket: str,
                   cancelled: Callable[[], bool] = lambda: False,
                   counted: Callable[[int], None] = lambda n: None) -> Optional[int]:
    """Versions and delete markers in a bucket, up to COUNT_LIMIT; None when cancelled. `counted(n)` hears
    the count every `COUNT_PROGRESS` versions, so a long count is never silent."""
    n = 0
    for _ in service.list_object_versions(alias, bucket):
        n += 1
        if n >= COUNT_LIMIT:
            break
        if n % 1000 == 0 and cancelled():
            return None
        if n % COUNT_PROGRESS == 0:
            counted(n)
    return n


def _fmt(n: Optional[int]) -> str:
    return "?" if n is None else (f"≥ {n:,}" if n >= COUNT_LIMIT else f"{n:,}")


def check_direction(service: "RecoveryService", state: "WizardState", findings: Findings,
                    cancelled: Callable[[], bool] = lambda: False,
                    progress: Callable[[CheckItem], None] = lambda item: None) -> CheckItem:
    """Counts versions on both sides; BLOCKS when the source holds fewer than the target.

    Resyncing from the emptier side is how data is lost: only an explicit, journaled override (the operator
    types `OVERRIDE_WORD` on the Preflight screen, recorded in `state.extra["direction_override"]` for these
    exact counts) turns the block into a warning."""
    def counting(where: str) -> Callable[[int], None]:
        return lambda n: progress(CheckItem("direction", LABELS["direction"], "pending", f"counting… {where} {n:,}"))

    try:
        findings.source_versions = count_versions(service, state.source_alias, state.source_bucket, cancelled,
                                                  counting(state.source_alias))
    except RecoveryError as exc:
        return _fail("direction", exc, findings, state.source_alias)
    if not state.target_alias:
        return CheckItem("direction", LABELS["direction"], "warn",
                         f"source {_fmt(findings.source_versions)} · target not counted",
                         "No alias in mc's configuration points at the target: compare counts there with "
                         "mc ls -r --versions TARGET_ALIAS/BUCKET")
    try:
        findings.target_versions = count_versions(
            service, state.target_alias, state.target_bucket, cancelled,
            counting(f"{state.source_alias} {_fmt(findings.source_versions)} · {state.target_alias}"))
    except RecoveryError as exc:
        return _fail("direction", exc, findings, state.target_alias)
    src, tgt = findings.source_versions, findings.target_versions
    detail = f"{state.source_alias} {_fmt(src)} · {state.target_alias} {_fmt(tgt)}"
    if src is not None and tgt is not None and src < tgt:
        findings.reversed = True
        if _overridden(state, findings):
            return CheckItem("direction", LABELS["direction"], "warn",
                             detail + " — the source holds FEWER (start overridden by the operator)",
                             "You confirmed this source is the healthy site; the override is in the journal.")
        return CheckItem("direction", LABELS["direction"], "block", detail + " — the source holds FEWER",
                         "A resync copies source → target only: from the emptier side it rebuilds nothing. "
                         "Go back (escape) and pick the other site as the source, or, if this one really is "
                         f"the healthy side, press o and type {OVERRIDE_WORD}.")
    if src is not None and tgt is not None and src > tgt:
        detail += f" ({src - tgt:,} missing on the target)"
    return CheckItem("direction", LABELS["direction"], "pass", detail)


def check_permissions(findings: Findings) -> CheckItem:
    """Summarises the AccessDenied answers met by the other checks; UNKNOWN when some calls could not be made."""
    if findings.denied:
        return CheckItem("permissions", LABELS["permissions"], "block", "AccessDenied: " + "; ".join(findings.denied),
                         "Grant these actions to the alias's user (mc admin policy attach ALIAS POLICY --user USER), "
                         "or use an alias that has them.")
    if findings.unchecked:
        return CheckItem("permissions", LABELS["permissions"], "unknown",
                         "not checked where calls failed: " + "; ".join(dict.fromkeys(findings.unchecked)),
                         "Fix the items that failed, then press r: the permissions are checked again.")
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


def _target(state: "WizardState") -> str:
    """The target as an mc path: its alias when one points at it, else the placeholder TARGET_ALIAS."""
    return state.target_label if state.target_alias else f"TARGET_ALIAS/{state.target_bucket or 'BUCKET'}"


MC_COMMANDS: dict[str, Callable[["WizardState"], str]] = {
    "health": lambda s: f"mc admin info {s.source_alias}"
    + (f" && mc admin info {s.target_alias}" if s.target_alias else ""),
    "rule": lambda s: f"mc replicate ls {s.source} --json",
    "versioning": lambda s: f"mc version info {s.source}"
    + (f" && mc version info {_target(s)}" if s.target_alias else ""),
    "target-bucket": lambda s: f"mc stat {_target(s)}",
    "permissions": lambda s: f"mc replicate resync status {s.source} --remote-bucket {s.arn}",
    "running": lambda s: f"mc replicate resync status {s.source} --remote-bucket {s.arn}",
    "direction": lambda s: f"mc ls -r --versions {s.source} | wc -l",
    "bandwidth": lambda s: f"mc replicate status {s.source}",
    "traffic": lambda s: "",
}
"""The mc command that checks each item by hand."""
