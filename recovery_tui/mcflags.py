"""mc's real subcommands and flags, and a checker for every `mc` command line the tool prints.

The table is read from minio/mc at 77f82e18 (2025-11-06; facts §18–§21): each command's `cli.*Flag`
declarations plus mc's global flags (cmd/flags.go). Flags are parsed as Go's flag package does:
`-name` and `--name` are the same flag, a value is `--name value` or `--name=value`, and urfave/cli
moves flags in front of the positional arguments, so they may follow the path.
`mc replicate resync-backlog` exists only in AIStor mc; it is checked against its documented flags (§8).

`recovery_tui.mccheck` checks printed command lines against this table. Pure: no I/O, no Textual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from recovery_tui.mcduration import mc_duration_ns

Check = Callable[[str], Optional[str]]
"""A value check: the problem with the value, or None when mc accepts it."""

PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*(/[A-Z][A-Z0-9_]*)*$")
"""An upper-case word the operator replaces (ALIAS/BUCKET, RULE_ID, SOURCE_ACCESS_KEY): never a literal `...`."""

ALIAS = re.compile(r"^[a-zA-Z][a-zA-Z0-9-_]*$")
"""mc's alias names (cmd/config.go isValidAlias); anything else in ALIAS/BUCKET is read as a local path."""

REPLICATE_WORDS = ("delete-marker", "delete", "existing-objects", "metadata-sync", "replica-metadata-sync")
"""`--replicate` tokens of `mc replicate add|update` (replicate-add.go:316-331, replicate-update.go:337-356)."""



def _is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.match(value))


def _one_of(*choices: str, case: bool = False) -> Check:
    def check(value: str) -> Optional[str]:
        v = value if case else value.lower()
        return None if v in choices or _is_placeholder(value) else f"'{value}' is not one of {', '.join(choices)}"
    return check


def _int(value: str) -> Optional[str]:
    return None if re.fullmatch(r"-?\d+", value) or _is_placeholder(value) else f"'{value}' is not a whole number"


def _non_empty(value: str) -> Optional[str]:
    return None if value.strip() else "an empty value"


def _replicate_words(allow_empty: bool) -> Check:
    def check(value: str) -> Optional[str]:
        if value == "":
            return None if allow_empty else "`mc replicate add --replicate \"\"` is fatal (no empty token in add)"
        bad = [w for w in value.split(",") if w.strip().lower() not in REPLICATE_WORDS and not _is_placeholder(w)]
        return f"unknown --replicate word(s) {bad}" if bad else None
    return check


def _arn(value: str) -> Optional[str]:
    if value.startswith("arn:minio:replication:") or value == "ARN":
        return None
    return f"'{value}' is not a replication target ARN (arn:minio:replication:…)"


def _remote_bucket_url(value: str) -> Optional[str]:
    """`add --remote-bucket`: `http(s)://AK:SK@host[:port]/bucket` or `ALIAS/bucket`; never an ARN (§20)."""
    if value.lower().startswith("arn:") or value == "ARN":
        return "an ARN is not accepted by `mc replicate add|update --remote-bucket` (a URL or ALIAS/BUCKET is)"
    if re.fullmatch(r"https?://[^:@/\s]+:[^@/\s]+@[^/\s]+/[^/\s]+/?", value):
        return None
    if re.fullmatch(r"[^/:\s]+/[^/\s]+/?", value):
        return None
    return f"'{value}' is neither http(s)://ACCESS:SECRET@HOST/BUCKET nor ALIAS/BUCKET"


def _duration(value: str) -> Optional[str]:
    if _is_placeholder(value):
        return None
    try:
        mc_duration_ns(value)
    except ValueError as exc:
        return f"--older-than '{value}': {exc}"
    return None


def _bucket_path(value: str) -> Optional[str]:
    """ALIAS/BUCKET[/PREFIX] (replication commands need the bucket)."""
    if "…" in value or "..." in value:
        return f"'{value}' holds a literal ellipsis"
    m = re.fullmatch(r"([^/\s]+)/[^/\s]+(/.*)?", value)
    if m is None:
        return f"'{value}' is not ALIAS/BUCKET"
    if not ALIAS.match(m.group(1)):
        return f"'{m.group(1)}' is not an mc alias name (^[a-zA-Z][a-zA-Z0-9-_]*$, cmd/config.go isValidAlias)"
    return None


def _any_path(value: str) -> Optional[str]:
    if "…" in value or "..." in value:
        return f"'{value}' holds a literal ellipsis"
    return None if value.strip() else "an empty path"


@dataclass(frozen=True)
class Flag:
    """One flag: its names (long and short, no dashes), whether it takes a value, and how mc checks it."""

    names: tuple[str, ...]
    value: bool = False
    check: Optional[Check] = None


@dataclass(frozen=True)
class Command:
    """One runnable mc command (a leaf of mc's command tree)."""

    path: tuple[str, ...]
    flags: tuple[Flag, ...] = ()
    args: tuple[int, Optional[int]] = (1, 1)
    """Positional arguments: (min, max); max None = any number."""
    arg_check: Check = _any_path
    required: tuple[str, ...] = ()
    """Flags the command exits without (`--remote-bucket flag needs to be specified.`)."""
    needs: dict[str, str] = field(default_factory=dict)
    """flag → the flag it requires (`update --sync` needs `--remote-bucket`)."""
    edition: str = "mc"
    """`mc` (community, github.com/minio/mc) or `aistor` (AIStor mc only, §8)."""
    aliases: tuple[tuple[str, ...], ...] = ()
    """Other spellings of the path (`replicate ls` = `replicate list`; hidden `edit`, `reset`, `diff`)."""


GLOBAL_FLAGS: tuple[Flag, ...] = (
    Flag(("config-dir", "C"), True), Flag(("quiet", "q")), Flag(("disable-pager", "dp")), Flag(("no-color",)),
    Flag(("json",)), Flag(("debug",)), Flag(("resolve",), True), Flag(("insecure",)),
    Flag(("limit-upload",), True), Flag(("limit-download",), True), Flag(("conn-read-deadline",), True),
    Flag(("conn-write-deadline",), True), Flag(("custom-header", "H"), True), Flag(("help", "h")),
)
"""mc's `globalFlags` (cmd/flags.go:34), accepted by every command; `--help` by urfave/cli itself."""

_REPL: dict[str, Any] = dict(arg_check=_bucket_path)

COMMANDS: tuple[Command, ...] = (
    Command(("ls",), (Flag(("rewind",), True), Flag(("versions",)), Flag(("recursive", "r")),
                      Flag(("incomplete", "I")), Flag(("summarize",)), Flag(("storage-class", "sc"), True),
                      Flag(("zip",))), args=(0, None)),
    Command(("stat",), (Flag(("rewind",), True), Flag(("versions",)), Flag(("version-id", "vid"), True, _non_empty),
                        Flag(("recursive", "r")), Flag(("verbose", "v")), Flag(("no-list",)),
                        Flag(("enc-c",), True)), args=(1, None), arg_check=_bucket_path),
    Command(("cp",), (Flag(("rewind",), True), Flag(("version-id", "vid"), True, _non_empty), Flag(("recursive", "r")),
                      Flag(("older-than",), True), Flag(("newer-than",), True), Flag(("storage-class", "sc"), True),
                      Flag(("attr",), True), Flag(("preserve", "a")), Flag(("disable-multipart",)),
                      Flag(("md5",)), Flag(("tags",), True), Flag(("retention-mode",), True),
                      Flag(("retention-duration",), True), Flag(("legal-hold",), True), Flag(("zip",)),
                      Flag(("max-workers",), True, _int), Flag(("enc-c",), True), Flag(("enc-kms",), True),
                      Flag(("enc-s3",), True), Flag(("checksum",), True)), args=(2, None), arg_check=_bucket_path),
    Command(("rm",), (Flag(("versions",)), Flag(("recursive", "r")), Flag(("force",)), Flag(("dangerous",)),
                      Flag(("rewind",), True), Flag(("version-id", "vid"), True, _non_empty),
                      Flag(("incomplete", "I")), Flag(("dry-run",)), Flag(("fake",)), Flag(("stdin",)),
                      Flag(("older-than",), True), Flag(("newer-than",), True), Flag(("bypass",)),
                      Flag(("non-current",)), Flag(("purge",))), args=(1, None), arg_check=_bucket_path),
    Command(("mb",), (Flag(("region",), True), Flag(("ignore-existing", "p")), Flag(("with-lock", "l")),
                      Flag(("with-versioning",))), args=(1, None), arg_check=_bucket_path),
    Command(("pipe",), (Flag(("storage-class", "sc"), True), Flag(("attr",), True), Flag(("tags",), True),
                        Flag(("concurrent",), True, _int), Flag(("part-size",), True),
                        Flag(("pipe-max-size",), True, _int)), args=(0, 1), arg_check=_bucket_path),
    Command(("version", "enable"), (Flag(("excluded-prefixes",), True), Flag(("exclude-folders",))), **_REPL),
    Command(("version", "suspend"), **_REPL),
    Command(("version", "info"), **_REPL),
    Command(("alias", "list"), args=(0, 1), aliases=(("alias", "ls"),)),
    Command(("alias", "set"), (Flag(("path",), True, _one_of("auto", "on", "off")), Flag(("api",), True)),
            args=(1, 4), aliases=(("alias", "s"),)),
    Command(("admin", "info"), (Flag(("offline",)),)),
    Command(("admin", "policy", "attach"), (Flag(("user", "u"), True), Flag(("group", "g"), True)),
            args=(2, None)),
    Command(("admin", "replicate", "info"), args=(1, 1)),  # facts: M cmd/admin-replicate-info.go
    Command(("admin", "replicate", "status"), args=(1, 1)),  # facts §15.2 (printed without flags)
    Command(("admin", "replicate", "resync", "start"), args=(2, 2)),
    Command(("admin", "replicate", "resync", "cancel"), args=(2, 2)),
    Command(("admin", "replicate", "resync", "status"), args=(2, 2)),
    # mc cmd/admin-service.go: `service` groups `restart` and `status`; the site-resync hints (facts §15.4:
    # a canceled or all-failed site resync reads Ongoing until the server restarts) print `restart ALIAS`.
    Command(("admin", "service", "restart"), args=(1, 1)),
    Command(("replicate", "add"),
            (Flag(("arn",), True), Flag(("id",), True, _non_empty), Flag(("tags",), True),
             Flag(("storage-class",), True, _one_of("STANDARD", "REDUCED_REDUNDANCY", case=True)),
             Flag(("disable",)), Flag(("priority",), True, _int),
             Flag(("remote-bucket",), True, _remote_bucket_url), Flag(("replicate",), True, _replicate_words(False)),
             Flag(("path",), True, _one_of("auto", "on", "off")), Flag(("region",), True), Flag(("bandwidth",), True),
             Flag(("sync",)), Flag(("healthcheck-seconds",), True, _int), Flag(("disable-proxy",))),
            required=("remote-bucket",), **_REPL),
    Command(("replicate", "update"),
            (Flag(("id",), True, _non_empty), Flag(("tags",), True),
             Flag(("storage-class",), True, _one_of("STANDARD", "REDUCED_REDUNDANCY", case=True)),
             Flag(("state",), True, _one_of("enable", "disable")), Flag(("priority",), True, _int),
             Flag(("remote-bucket",), True, _remote_bucket_url), Flag(("replicate",), True, _replicate_words(True)),
             Flag(("sync",), True, _one_of("enable", "disable")), Flag(("proxy",), True, _one_of("enable", "disable")),
             Flag(("bandwidth",), True), Flag(("healthcheck-seconds",), True, _int),
             Flag(("path",), True, _one_of("auto", "on", "off"))),
            required=("id",), needs={"sync": "remote-bucket", "proxy": "remote-bucket", "bandwidth": "remote-bucket",
                                     "healthcheck-seconds": "remote-bucket", "path": "remote-bucket"},
            aliases=(("replicate", "edit"),), **_REPL),
    Command(("replicate", "list"), (Flag(("status",), True, _one_of("enabled", "disabled")),),
            aliases=(("replicate", "ls"),), **_REPL),
    Command(("replicate", "status"), (Flag(("backlog", "b"), True), Flag(("nodes", "n"))), **_REPL),
    Command(("replicate", "resync", "start"),
            (Flag(("older-than",), True, _duration), Flag(("remote-bucket",), True, _arn)),
            required=("remote-bucket",), aliases=(("replicate", "reset", "start"),), **_REPL),
    Command(("replicate", "resync", "status"), (Flag(("remote-bucket",), True, _arn),),
            aliases=(("replicate", "reset", "status"),), **_REPL),
    Command(("replicate", "export"), **_REPL),
    Command(("replicate", "import"), **_REPL),
    Command(("replicate", "remove"), (Flag(("id",), True), Flag(("force",)), Flag(("all",))),
            aliases=(("replicate", "rm"),), **_REPL),
    Command(("replicate", "backlog"), (Flag(("arn",), True, _arn), Flag(("verbose", "v")), Flag(("nodes", "n"), True),
                                       Flag(("full", "a"))), aliases=(("replicate", "diff"),), **_REPL),
    Command(("replicate", "resync-backlog"),
            (Flag(("arn",), True, _arn), Flag(("clear-checksum",)), Flag(("concurrent", "c"), True, _int),
             Flag(("rate-limit",), True), Flag(("validate",)), Flag(("dry-run",))),
            edition="aistor", **_REPL),
)
"""Every mc command the tool may print, with its real flags."""

GROUPS: frozenset[tuple[str, ...]] = frozenset({
    ("replicate",), ("replicate", "resync"), ("replicate", "reset"), ("admin",), ("admin", "replicate"),
    ("admin", "replicate", "resync"), ("admin", "policy"), ("admin", "bucket"), ("admin", "bucket", "remote"),
    ("admin", "service"), ("version",), ("alias",),
})
"""Command groups: running one alone only prints its help, so a printed command never stops at a group."""

TOP_LEVEL: frozenset[str] = frozenset({
    "alias", "admin", "anonymous", "batch", "cp", "cat", "cors", "diff", "du", "encrypt", "event", "find",
    "get", "head", "ilm", "idp", "license", "legalhold", "ls", "mb", "mv", "mirror", "od", "ping", "policy", "pipe",
    "put", "quota", "rm", "retention", "rb", "replicate", "ready", "sql", "stat", "support", "share", "tree", "tag",
    "undo", "update", "version", "watch", "config",
})
"""mc's top-level commands (cmd/main.go appCmds): what makes `mc WORD` in prose a command to check."""



__all__ = ["ALIAS", "COMMANDS", "Command", "Flag", "GLOBAL_FLAGS", "GROUPS", "PLACEHOLDER", "REPLICATE_WORDS",
           "TOP_LEVEL"]
