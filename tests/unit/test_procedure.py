"""The procedure's logic, without an app: the preflight checks against a real lab, the backlog grouping, the
version counts. (The monitor arithmetic is in test_procedure_monitor_math.py; `compare` is in
tests/app/test_next_steps.py.) Nothing here starts Textual."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import pytest

from recovery_tui.lab.scenarios import arn_for
from recovery_tui.lab.server import Lab
from recovery_tui.procedure import preflight_checks as checks
from recovery_tui.procedure.backlog_groups import BacklogGroups, group_backlog
from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.models import DiffEntry
from recovery_tui.state import WizardState

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def service_and_state(lab: Lab, tmp_path: Path) -> tuple[RecoveryService, WizardState]:
    (tmp_path / "mc").mkdir(exist_ok=True)
    service = RecoveryService(AliasBook(env={**lab.env(), "MC_CONFIG_DIR": str(tmp_path / "mc")}))
    state = WizardState(source_alias="source", source_bucket="data", arn=arn_for(lab.target),
                        target_alias="target", target_bucket="data")
    return service, state


def test_preflight_checks_pass_on_a_partial_loss_and_count_the_missing_versions(
        lab_factory: Callable[..., Lab], tmp_path: Path) -> None:
    lab = lab_factory("partial-loss")
    service, state = service_and_state(lab, tmp_path)
    findings = checks.Findings()
    for check in (checks.check_health, checks.check_rule, checks.check_versioning, checks.check_target_bucket,
                  checks.check_running):
        item = check(service, state, findings)
        assert item.status == "pass", item
    direction = checks.check_direction(service, state, findings)
    src_count = lab.call(lambda: sum(1 for _ in lab.source.site.buckets["data"].iter_versions()))
    tgt_count = lab.call(lambda: sum(1 for _ in lab.target.site.buckets["data"].iter_versions()))
    assert (findings.source_versions, findings.target_versions) == (src_count, tgt_count)
    assert src_count > tgt_count
    assert direction.status == "pass" and f"({src_count - tgt_count:,} missing on the target)" in direction.detail
    assert checks.check_permissions(findings).status == "pass"


def test_preflight_blocks_when_the_target_is_offline(lab_factory: Callable[..., Lab], tmp_path: Path) -> None:
    lab = lab_factory("partial-loss")
    service, state = service_and_state(lab, tmp_path)
    lab.faults.set_offline("target", True)
    item = checks.check_health(service, state, checks.Findings())
    assert item.status == "block" and "target" in item.detail


def test_a_missing_target_bucket_blocks_with_the_command_to_recreate_it(
        lab_factory: Callable[..., Lab], tmp_path: Path) -> None:
    lab = lab_factory("partial-loss")
    service, state = service_and_state(lab, tmp_path)
    state.target_bucket = "gone"
    item = checks.check_target_bucket(service, state, checks.Findings())
    assert item.status == "block" and item.hint.startswith("mc mb --with-versioning target/gone")


def test_the_bandwidth_item_reads_the_limit() -> None:
    assert checks.info_bandwidth(WizardState(bandwidth_limit=10 * 1024 * 1024)).detail == "10.0 MiB/s"
    assert checks.info_bandwidth(WizardState()).detail == "unlimited"


def entry(status: str, age: timedelta, *, arn_status: str = "", dm: bool = False, error: bool = False) -> DiffEntry:
    return DiffEntry(object="k", version_id="v", status=status, targets=(("arn:a", arn_status),) if arn_status else (),
                     delete_marker=dm, last_modified=NOW - age, error=error)


def test_group_backlog_counts_by_status_and_age() -> None:
    entries = [
        entry("FAILED", timedelta(minutes=5)),
        entry("PENDING", timedelta(hours=3)),
        entry("PENDING", timedelta(days=2), dm=True),
        entry("", timedelta(days=9)),
        entry("PENDING", timedelta(0), error=True),
    ]
    groups = group_backlog(entries, NOW)
    assert groups.total == 4 and groups.errors == 1 and groups.delete_markers == 1
    assert groups.by_status["FAILED"] == {"<1h": 1, "1-24h": 0, ">1d": 0}
    assert groups.by_status["PENDING"] == {"<1h": 0, "1-24h": 1, ">1d": 1}
    assert groups.count("unreplicated") == 1 and groups.count("COMPLETED") == 0


def test_group_backlog_reads_the_status_for_the_chosen_arn() -> None:
    groups = group_backlog([entry("PENDING", timedelta(minutes=1), arn_status="FAILED")], NOW, arn="arn:a")
    assert groups.by_status == {"FAILED": {"<1h": 1, "1-24h": 0, ">1d": 0}}
    assert group_backlog([], NOW) == BacklogGroups()


@pytest.mark.parametrize("limit, text", [(0, "unlimited"), (512, "512 B/s"), (1536, "1.5 KiB/s")])
def test_human_rate(limit: int, text: str) -> None:
    from recovery_tui.procedure.units import human_rate

    assert human_rate(limit) == text
