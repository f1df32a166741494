"""Every mc command the tool builds is valid for the mc it names (issue 13 item 4, facts §18–§21).

The checker (`recovery_tui.mccheck`) is tested on the commands the issue found wrong, then every builder is
run over rule shapes (prefix, tags, each flag on/off) and its output is checked against mc's flag table and
against mc's `update --replicate` semantics (all four flags reset, only the listed ones enabled, §20).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Optional

import pytest

from recovery_tui import mccmd
from recovery_tui.mccheck import check_command, extract_commands, problems_in_text, split_pipeline
from recovery_tui.service.errmap import _BAD_REQUEST_PATTERNS, _TABLE, CallContext, WireError, map_error
from recovery_tui.service.models import ReplicationConfig, ReplicationRule, RuleFilter, TagFilter

ARN = "arn:minio:replication::5a2f:data"
README = Path(__file__).resolve().parents[2] / "README.md"


def rule(*, existing: str = "Enabled", delete: str = "Enabled", dm: str = "Enabled", sync: str = "Enabled",
         prefix: str = "", tags: tuple[TagFilter, ...] = (), status: str = "Enabled", rid: str = "r1",
         priority: int = 1) -> ReplicationRule:
    return ReplicationRule(id=rid, status=status, priority=priority, destination_arn=ARN,
                           delete_marker_replication=dm, delete_replication=delete,
                           existing_object_replication=existing, replica_modifications=sync,
                           filter=RuleFilter(prefix=prefix, tags=tags))


ALL_SHAPES = [
    rule(existing=e, delete=d, dm=m, sync=s, prefix=p, tags=t)
    for e, d, m, s in itertools.product(("Enabled", "Disabled"), repeat=4)
    for p, t in (("", ()), ("docs/", ()), ("", (TagFilter("team", "a"),)),
                 ("logs/2024/", (TagFilter("k", "v"), TagFilter("k2", "v 2"))))
]


def _replicate_after_update(line: str, before: set[str]) -> set[str]:
    """mc's `replicate update` (replicate-update.go:333-358): with --replicate, all four reset, listed enabled."""
    [words] = [w for w in split_pipeline(line) if w[:3] == ["mc", "replicate", "update"]]
    for i, w in enumerate(words):
        if w == "--replicate":
            listed = {x.strip().lower() for x in words[i + 1].split(",") if x.strip()}
            return {"metadata-sync" if x == "replica-metadata-sync" else x for x in listed}
    return before


def _path_of(line: str) -> str:
    return [w for w in split_pipeline(line)[0][3:] if not w.startswith("-")][0]


# --- the checker ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("line, why", [
    ('mc replicate add source/data --remote-bucket ARN', "an ARN is not accepted"),
    ("mc replicate update source/data --id r1 --replicate existing-objects,...", "literal"),
    ('mc replicate add target/data --remote-bucket "https://A:S@h:9000/data" --prefix "docs/" --priority 1',
     "has no flag --prefix"),
    ("mc admin bucket remote ls source/data", "command group"),
    ("mc version info …", "ellipsis"),
    ("mc replicate update source/data --state enable", "needs --id"),
    ("mc replicate resync start source/data", "needs --remote-bucket"),
    ("mc replicate resync start source/data --remote-bucket arn:minio:replication::x:d --older-than 30x",
     "unknown unit x"),
    ("mc replicate update source/data --id r1 --sync enable", "needs --remote-bucket"),
    ("mc cp - source/data/<canary>", "shell syntax"),
    ("mc stat on the other side", "not ALIAS/BUCKET"),
    ("mc replicate resync-backlog source/data --yes", "has no flag --yes"),
    ("mc replicate ls 127.0.0.1:9000/data", "not an mc alias name"),
])
def test_checker_rejects_what_mc_would_refuse(line: str, why: str) -> None:
    problems = check_command(line)
    assert any(why in p for p in problems), (line, problems)


@pytest.mark.parametrize("line", [
    "mc replicate add siteb/bucket --remote-bucket 'https://SRC_AK:SRC_SK@sitea.example.com:9000/bucket' "
    '--priority 1 --replicate "delete-marker,delete,existing-objects,metadata-sync"',
    "mc replicate add siteb/bucket/docs/ --remote-bucket sitea/bucket --priority 2",
    "mc replicate ls siteb/bucket --json",
    'mc replicate update siteb/bucket --id ID_1 --replicate "delete-marker,delete,existing-objects,metadata-sync"',
    "mc replicate update siteb/bucket --id X --remote-bucket 'https://SRC_AK:NEW_SK@sitea:9000/bucket' "
    "--sync disable --proxy enable",
    "mc replicate resync start sitea/bucket --remote-bucket arn:minio:replication::5a2f:bucket --older-than 7d10h",
    "mc ls -r --versions source/data | wc -l; mc ls -r --versions target/data | wc -l",
    "mc replicate resync-backlog source/data/logs/ --arn arn:minio:replication::x:data -c 10 --rate-limit 50 "
    "--dry-run --clear-checksum --validate",
    "mc --insecure replicate status source/data --json",
    "mc replicate add --help",
])
def test_checker_accepts_mc_commands_from_the_facts(line: str) -> None:
    assert check_command(line) == []


def test_extract_finds_commands_in_prose() -> None:
    text = ("Check the ARN with `mc replicate ls src/data`; or (mc mb --with-versioning tgt/data), "
            "mc version info …, and [b]mc stat[/b] shows it.")
    assert extract_commands(text) == ["mc replicate ls src/data", "mc mb --with-versioning tgt/data",
                                      "mc version info …", "mc stat"]
    assert list(problems_in_text(text)) == ["mc version info …"]


# --- the builders --------------------------------------------------------------------------------------


@pytest.mark.parametrize("r", ALL_SHAPES, ids=lambda r: f"{mccmd.words_of(r)}-{r.filter.describe()}")
def test_enable_existing_objects_keeps_every_flag_and_the_prefix(r: ReplicationRule) -> None:
    """Preflight / targets hint (item 4a): after mc runs it, the rule has its flags plus existing-objects."""
    line = mccmd.update_flags("source/data", r, enable=("existing-objects",))
    assert check_command(line) == [], line
    after = _replicate_after_update(line, set())
    assert after == set(mccmd.words_of(r)) | {"existing-objects"}
    assert ("metadata-sync" in after) == (r.replica_modifications == "Enabled")
    assert _path_of(line) == "source/data" + (f"/{r.filter.prefix}" if r.filter.prefix else "")
    assert f"--id {r.id}" in line


def test_preflight_rule_hint_is_the_exact_update() -> None:
    from recovery_tui.procedure.preflight_checks import Findings, check_rule
    from recovery_tui.state import WizardState

    r = rule(existing="Disabled", delete="Disabled", prefix="docs/")

    class Svc:
        def replication_config(self, alias: str, bucket: str) -> ReplicationConfig:
            return ReplicationConfig(rules=(r,))

    state = WizardState(source_alias="source", source_bucket="data", arn=ARN)
    item = check_rule(Svc(), state, Findings())  # type: ignore[arg-type]
    assert item.status == "block"
    assert item.hint == "mc replicate update source/data/docs/ --id r1 --replicate " \
                        "existing-objects,delete-marker,metadata-sync"
    disabled = check_rule(type("S", (), {"replication_config": lambda self, a, b: ReplicationConfig(
        rules=(rule(status="Disabled", prefix="docs/"),))})(), state, Findings())  # type: ignore[arg-type]
    assert disabled.hint == "mc replicate update source/data/docs/ --id r1 --state enable"


@pytest.mark.parametrize("r", ALL_SHAPES, ids=lambda r: f"{mccmd.words_of(r)}-{r.filter.describe()}")
def test_next_steps_mirror_commands_are_valid_and_end_with_the_source_flags(r: ReplicationRule) -> None:
    """Item 4b: no `--prefix` (the prefix is in the path); `add` + `update` leave the source's flags."""
    from recovery_tui.procedure.next_steps_plan import compare

    src = ReplicationConfig(rules=(r,))
    missing = compare(src, None, ARN, target_path="target/data", source_url="http://127.0.0.1:9000",
                      source_bucket="data")
    cmds = missing.commands()
    assert cmds and all(check_command(c) == [] for c in cmds), cmds
    assert all("--prefix" not in c for c in cmds)
    assert cmds[0].startswith("mc replicate add ")
    # `add` enables metadata-sync whatever --replicate says (replicate-add.go:312-331)
    flags = {w.strip() for w in cmds[0].split("--replicate ")[1].split()[0].split(",")} | {"metadata-sync"}
    for c in cmds[1:]:
        flags = _replicate_after_update(c, flags)
    assert flags == set(mccmd.words_of(r))
    want_path = "target/data" + (f"/{r.filter.prefix}" if r.filter.prefix else "")
    assert {_path_of(c) for c in cmds} == {want_path}

    other = rule(existing="Disabled", delete="Disabled", dm="Disabled", sync="Disabled", prefix=r.filter.prefix,
                 tags=r.filter.tags, rid="tgt", status="Disabled", priority=9)
    differs = compare(src, ReplicationConfig(rules=(other,)), ARN, target_path="target/data",
                      source_url="http://127.0.0.1:9000", source_bucket="data")
    [line] = differs.commands()
    assert check_command(line) == [], line
    assert _replicate_after_update(line, set()) == set(mccmd.words_of(r))
    assert _path_of(line) == want_path and "--state enable" in line and "--id tgt" in line


def _ctx(bucket: str = "data") -> CallContext:
    return CallContext("start a resync", "s3:ResetBucketReplicationState", alias="source",
                       endpoint="127.0.0.1:9000", bucket=bucket, arn=ARN)


@pytest.mark.parametrize("bucket", ["data", ""])
def test_every_error_hint_is_runnable(bucket: str) -> None:
    """Item 4: hints of every mapped server error (errmap) hold only commands mc runs as printed."""
    hints: list[Optional[str]] = []
    for code in _TABLE:
        hints.append(map_error(WireError(code, "x"), 400, _ctx(bucket)).hint)
    for needle, *_ in _BAD_REQUEST_PATTERNS:
        hints.append(map_error(WireError("BadRequest", needle), 400, _ctx(bucket)).hint)
    bad = {h: problems_in_text(h or "") for h in hints if problems_in_text(h or "")}
    assert bad == {}


def test_headless_hints_are_runnable() -> None:
    from recovery_tui.headless.common import missing_bucket_is_input
    from recovery_tui.service.aliases import parse_bucket_path
    from recovery_tui.service.errors import NotFound

    path = parse_bucket_path("source/data")
    for code in ("NoSuchBucket", "XMinioAdminRemoteTargetNotFoundError"):
        err = missing_bucket_is_input(NotFound("x", code=code, status=404), path)
        assert err.hint and problems_in_text(err.hint) == {}, err.hint
        assert extract_commands(err.hint), err.hint


def test_readme_commands_are_runnable() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(extract_commands(text)) >= 8
    assert problems_in_text(text) == {}
