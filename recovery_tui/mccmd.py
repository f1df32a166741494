"""Builders of the `mc replicate add|update` command lines the tool prints (facts §20), checked by `mcflags`.

Two mc facts shape every line here:
* `mc replicate update --replicate LIST` resets all four rule flags (delete-marker, delete, existing-objects,
  metadata-sync) to Disabled and enables only those listed, so a line that turns one flag on must list
  every flag the rule has on today as well;
* mc has no `--prefix` flag: a rule's prefix is the object path of TARGET (`ALIAS/BUCKET/PREFIX`), and
  `update` on a prefixed rule without that path clears the prefix.
`mc replicate add` enables metadata-sync whatever `--replicate` says, so a rule without it takes an `add`
followed by an `update`. Pure: no I/O, no Textual; values are shell-quoted only when they need it.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from recovery_tui.service.models import ReplicationRule

WORDS: tuple[tuple[str, str], ...] = (
    ("existing-objects", "existing object replication"),
    ("delete", "delete replication"),
    ("delete-marker", "delete-marker replication"),
    ("metadata-sync", "replica modification sync"),
)
"""`--replicate` words (replicate-add.go:316-331), with what they mean; mc also reads `replica-metadata-sync`."""


def q(value: str) -> str:
    """`value` as one shell word (quoted only when it must be)."""
    return shlex.quote(value)


def words_of(rule: "ReplicationRule") -> tuple[str, ...]:
    """The `--replicate` words a rule has enabled today (metadata-sync = ReplicaModifications Enabled)."""
    on = {
        "existing-objects": rule.existing_objects_enabled,
        "delete": rule.delete_replication == "Enabled",
        "delete-marker": rule.delete_marker_replication == "Enabled",
        "metadata-sync": rule.replica_modifications == "Enabled",
    }
    return tuple(word for word, _ in WORDS if on[word])


def rule_path(bucket_path: str, rule: "ReplicationRule") -> str:
    """`ALIAS/BUCKET` plus the rule's prefix (mc takes the prefix from the path, §20)."""
    prefix = rule.filter.prefix
    return f"{bucket_path.rstrip('/')}/{prefix}" if prefix else bucket_path


def _replicate(words: Iterable[str]) -> str:
    return f"--replicate {q(','.join(words))}"


def update_flags(bucket_path: str, rule: "ReplicationRule", *, enable: Iterable[str] = ()) -> str:
    """`mc replicate update` that keeps every flag the rule has and turns `enable` on too."""
    want = set(words_of(rule)) | set(enable)
    words = [w for w, _ in WORDS if w in want]
    return f"mc replicate update {q(rule_path(bucket_path, rule))} --id {q(rule.id)} {_replicate(words)}"


def enable_rule(bucket_path: str, rule: "ReplicationRule") -> str:
    """`mc replicate update … --state enable` on the rule's own path (so its prefix stays)."""
    return f"mc replicate update {q(rule_path(bucket_path, rule))} --id {q(rule.id)} --state enable"


def _filter_options(rule: "ReplicationRule") -> list[str]:
    parts = [f"--priority {rule.priority}"]
    if rule.filter.tags:
        parts.append("--tags " + q("&".join(f"{t.key}={t.value}" for t in rule.filter.tags)))
    if rule.storage_class:
        parts.append(f"--storage-class {q(rule.storage_class)}")
    return parts


def add_mirror(target_path: str, remote: str, rule: "ReplicationRule", rule_id: str) -> list[str]:
    """The commands that create on `target_path` a rule with `rule`'s flags, filter and priority.

    `remote` is the `--remote-bucket` value (`https://AK:SK@HOST/BUCKET` or `ALIAS/BUCKET`). The rule gets
    `--id rule_id` so a follow-up `update` can name it (add prints no ID). When the rule has metadata-sync
    off (add always turns it on) or no flag at all (add refuses `--replicate ""`), an `update` follows.
    """
    words = list(words_of(rule))
    add_words = words or ["metadata-sync"]
    cmds = [" ".join([f"mc replicate add {q(rule_path(target_path, rule))} --remote-bucket {q(remote)}",
                      f"--id {q(rule_id)}", _replicate(add_words), *_filter_options(rule)])]
    if "metadata-sync" not in words:
        cmds.append(f"mc replicate update {q(rule_path(target_path, rule))} --id {q(rule_id)} {_replicate(words)}")
    return cmds


def update_mirror(target_path: str, rule_id: str, rule: "ReplicationRule", *, enable_state: bool) -> str:
    """`mc replicate update` that gives the target's rule `rule_id` the flags and priority of `rule`."""
    parts = [f"mc replicate update {q(rule_path(target_path, rule))} --id {q(rule_id)}",
             _replicate(words_of(rule)), *_filter_options(rule)]
    if enable_state:
        parts.append("--state enable")
    return " ".join(parts)


__all__ = ["WORDS", "add_mirror", "enable_rule", "q", "rule_path", "update_flags", "update_mirror", "words_of"]
