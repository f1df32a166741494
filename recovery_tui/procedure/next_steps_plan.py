"""What replication configuration the recovered target must get back, and the `mc` commands to do it.

Pure (no Textual, no I/O). In an active-active pair the target replicates back
to the source with rules that mirror the source's (same flags, filter and
priority, the ARN pointing the other way). When the damage reached the
target's configuration (`total-loss`) those rules, and the remote target they
name, are gone and must be recreated. Commands never hold a secret: the
credentials are the placeholders `SOURCE_ACCESS_KEY` / `SOURCE_SECRET_KEY`. The command lines
come from `recovery_tui.mccmd` (prefix in the path, every flag listed, §20).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from recovery_tui import mccmd
from recovery_tui.service.models import RemoteTarget, ReplicationConfig, ReplicationRule

ACCESS_PLACEHOLDER = "SOURCE_ACCESS_KEY"
SECRET_PLACEHOLDER = "SOURCE_SECRET_KEY"
"""Placeholders for a replication user's credentials on the source (never real values)."""

FLAGS = mccmd.WORDS
"""`mc replicate add|update --replicate` words, with what they mean."""


@dataclass(frozen=True)
class RulePlan:
    """One source rule and the state of its mirror on the target."""

    source_rule: ReplicationRule
    status: str
    """`ok` (a matching rule exists), `missing` (recreate it) or `differs` (update it)."""
    target_rule: Optional[ReplicationRule] = None
    differences: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The comparison's outcome."""

    rules: tuple[RulePlan, ...]
    target_has_config: bool
    remote_target_present: bool
    site_replication: str = ""
    """The target's site-replication group ("" when none was seen): the group manages bucket targets and rules
    itself and refuses `mc replicate add` (XMinioAdminRemoteTargetDenyAdd / XMinioReplicationDenyEdit, §15.1)."""
    target_alias: str = ""

    @property
    def to_fix(self) -> tuple[RulePlan, ...]:
        return tuple(r for r in self.rules if r.status != "ok")

    @property
    def restored(self) -> bool:
        """True when every source rule has a matching rule on the target."""
        return bool(self.rules) and not self.to_fix

    @property
    def status_command(self) -> str:
        """Under site replication, the one command that shows whether the group has the rules back (§15.2)."""
        return f"mc admin replicate status {self.target_alias or 'TARGET'}" if self.site_replication else ""

    def commands(self) -> list[str]:
        """Every command, in order (the remote target first when it is missing); under site replication only
        the group's status, since the server refuses to add targets or rules itself."""
        if self.site_replication:
            return [self.status_command] if self.to_fix else []
        out: list[str] = []
        for r in self.to_fix:
            out.extend(c for c in r.commands if c not in out)
        return out


def flags_of(rule: ReplicationRule) -> tuple[str, ...]:
    """The `--replicate` words a rule has enabled."""
    return mccmd.words_of(rule)


def _same_filter(a: ReplicationRule, b: ReplicationRule) -> bool:
    return a.filter.prefix == b.filter.prefix and set(a.filter.tags) == set(b.filter.tags)


def compare(
    source: Optional[ReplicationConfig],
    target: Optional[ReplicationConfig],
    arn: str,
    *,
    target_path: str,
    source_url: str,
    source_bucket: str,
    target_remotes: Optional[list[RemoteTarget]] = None,
) -> Plan:
    """Mirror each source rule that points at `arn` onto the target (`target_path` = `ALIAS/BUCKET`).

    `source_url` (`scheme://host:port`, no credentials) is where the target must replicate to.
    """
    src_rules = source.rules_for(arn) if source is not None else ()
    tgt_rules = target.rules if target is not None else ()
    remote_present = bool(target_remotes)
    scheme, _, hostport = source_url.partition("://")
    credentials = f"{ACCESS_PLACEHOLDER}:{SECRET_PLACEHOLDER}"
    remote_url = f"{scheme or 'https'}://{credentials}@{hostport or 'SOURCE_HOST:PORT'}/{source_bucket}"
    plans: list[RulePlan] = []
    for rule in src_rules:
        match = next((t for t in tgt_rules if _same_filter(rule, t)), None)
        if match is None:
            cmds = mccmd.add_mirror(target_path, remote_url, rule, rule.id)
            plans.append(RulePlan(rule, "missing", commands=tuple(cmds)))
            continue
        diffs = []
        for word, meaning in FLAGS:
            want, have = word in flags_of(rule), word in flags_of(match)
            if want != have:
                diffs.append(f"{meaning}: {'Enabled' if have else 'Disabled'} "
                             f"(source: {'Enabled' if want else 'Disabled'})")
        if not match.enabled:
            diffs.append("rule is Disabled")
        if match.priority != rule.priority:
            diffs.append(f"priority {match.priority} (source: {rule.priority})")
        if diffs:
            cmd = mccmd.update_mirror(target_path, match.id, rule, enable_state=not match.enabled)
            plans.append(RulePlan(rule, "differs", match, tuple(diffs), (cmd,)))
        else:
            plans.append(RulePlan(rule, "ok", match))
    return Plan(rules=tuple(plans), target_has_config=target is not None and bool(tgt_rules),
                remote_target_present=remote_present)


__all__ = ["ACCESS_PLACEHOLDER", "FLAGS", "Plan", "RulePlan", "SECRET_PLACEHOLDER", "compare", "flags_of"]
