"""Pilot tests of the Next-steps screen with the scripted service: rule comparison, checklist ticks with
timestamps, ticking an evidence item by hand, report export, finishing with open items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from helpers.clock import FixedClock
from helpers.fakes import FakeService, make_state, rule
from helpers.pilot import wait_for
from recovery_tui.app import make_app
from recovery_tui.messages import StepDone
from recovery_tui.procedure.next_steps_plan import compare
from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.screens.next_steps import NextStepsScreen
from recovery_tui.service.models import ReplicationConfig


def _setup(svc: FakeService, **kw: Any) -> tuple[Any, Any, list[Any]]:
    st = make_state(step=6, **kw)
    seen: list[Any] = []
    app = make_app(svc, aliases=["source", "target"], lab=True, state=st, clock=FixedClock(), persist=False)
    return app, st, seen


@pytest.mark.slow
async def test_checklist_ticks_with_timestamps_and_export() -> None:
    svc = FakeService()
    app, st, seen = _setup(svc, validation={"in_sync": True, "incomplete": False, "source": {"versions": 160}})
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = NextStepsScreen(svc, st)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.plan is not None)
        items = {i.key: i for i in st.checklist}
        assert items["validation-passed"].done and items["validation-passed"].at == "2026-05-01T10:00:00+00:00"
        assert items["rules-restored"].done
        assert not items["replication-verified"].done and not items["lb-restored"].done
        screen.query_one("#ns-checklist").highlighted = 3
        await pilot.press("enter")  # replication not verified yet: sending clients back asks first (issue 14)
        assert isinstance(app.screen, ConfirmModal) and not items["lb-restored"].done
        await pilot.press("y")
        await pilot.pause()
        assert items["lb-restored"].done and items["lb-restored"].at and "override" in items["lb-restored"].note
        # the highlight moved to the first item still open, so a second enter cannot undo the tick
        assert screen.query_one("#ns-checklist").highlighted == 2
        screen.query_one("#ns-checklist").highlighted = 3
        await pilot.press("enter")  # a ticked item: reopening asks first
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert items["lb-restored"].done
        await pilot.press("enter", "y")
        await pilot.pause()
        assert not items["lb-restored"].done and items["lb-restored"].at is None
        screen.query_one("#ns-checklist").highlighted = 2
        await pilot.press("enter")  # evidence item: asks first
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert items["replication-verified"].done and items["replication-verified"].note == "ticked by hand"
        await pilot.press("x")
        await pilot.pause()
        md = Path(st.extra["report"]["markdown"])
        assert md.exists() and "Report written" in str(screen.query_one("#ns-report", Static).render())
        assert json.loads(Path(st.extra["report"]["json"]).read_text())["checklist"][2]["note"] == "ticked by hand"
        await pilot.press("d")  # lb still open: asks
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert any(isinstance(m, StepDone) and m.step == 6 for m in seen)


async def test_missing_target_config_lists_commands_without_secrets() -> None:
    svc = FakeService()
    svc.configs["target"] = None
    svc.link = None
    app, st, _ = _setup(svc)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = NextStepsScreen(svc, st)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.plan is not None)
        text = str(screen.query_one("#ns-plan", Static).render())
        assert "has no replication configuration" in text and "remote target is gone too" in text
        assert "mc replicate add target/data --remote-bucket https://SOURCE_ACCESS_KEY:SOURCE_SECRET_KEY@" in text
        assert "--replicate existing-objects,delete,delete-marker,metadata-sync --priority 1" in text
        assert not next(i for i in st.checklist if i.key == "rules-restored").done


def test_compare_differs_gives_update_command() -> None:
    from dataclasses import replace

    src = ReplicationConfig(rules=(rule(),))
    tgt = ReplicationConfig(rules=(replace(rule("arn:other", "tgtrule"), delete_replication="Disabled",
                                           priority=2),))
    plan = compare(src, tgt, rule().destination_arn, target_path="target/data", source_url="http://h:9000",
                   source_bucket="data", target_remotes=[])
    (rp,) = plan.to_fix
    assert rp.status == "differs"
    assert "delete replication: Disabled (source: Enabled)" in rp.differences
    assert rp.commands[0].startswith("mc replicate update target/data --id tgtrule --replicate")
    same = compare(src, ReplicationConfig(rules=(rule("arn:other"),)), rule().destination_arn,
                   target_path="t/d", source_url="http://h:9000", source_bucket="data")
    assert same.restored and same.commands() == []


async def test_site_replication_target_gets_no_mc_replicate_add() -> None:
    """A target in a site-replication group refuses `mc replicate add` (XMinioAdminRemoteTargetDenyAdd, §15.1):
    the plan says the group manages the rules, prints the group's status command, and `a` writes nothing."""
    svc = FakeService()
    svc.configs["target"] = None
    svc.link = None
    svc.site_groups["target"] = "dr-group"
    app, st, _ = _setup(svc)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = NextStepsScreen(svc, st)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.plan is not None)
        text = str(screen.query_one("#ns-plan", Static).render())
        assert "site-replication group 'dr-group'" in text and "$ mc replicate add" not in text
        assert "$ mc admin replicate status target" in text
        assert st.extra["rules_to_recreate"] == ["mc admin replicate status target"]
        await pilot.press("a")
        await pilot.pause()
        said = " ".join(str(n.message) for n in app._notifications)
        assert "site replication manages the rules" in said
        assert "add_replication_rule" not in svc.calls and not isinstance(app.screen, ConfirmModal)


async def test_unreadable_site_replication_info_keeps_the_per_bucket_commands() -> None:
    from recovery_tui.service.errors import AccessDenied

    svc = FakeService()
    svc.configs["target"] = None
    svc.fail["site_replication_group"] = AccessDenied("Access Denied", code="AccessDenied")
    app, st, _ = _setup(svc)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = NextStepsScreen(svc, st)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.plan is not None)
        assert "site_replication_group" in svc.calls
        assert st.extra["rules_to_recreate"][0].startswith("mc replicate add target/data")


async def test_canary_not_proven_is_unknown_never_not_seen() -> None:
    """A canary whose peer did not answer proves nothing: the line says unknown (?), the journal 'unknown', the
    report 'unknown'; only a peer that said "no such version" until the timeout makes it NOT seen (✘)."""
    from recovery_tui.report import build_report, render_markdown
    from recovery_tui.screens.next_steps_canary import CanaryDone
    from recovery_tui.service.canary import CanaryCheck, CanaryWrite

    svc = FakeService()
    app, st, _ = _setup(svc)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = NextStepsScreen(svc, st)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.plan is not None)
        w1 = CanaryWrite("source", "data", ".recovery-tui-canary/a", "v1")
        w2 = CanaryWrite("target", "data", ".recovery-tui-canary/b", "v2")
        unknown = [CanaryCheck(w1, "target", True, 1.0),
                   CanaryCheck(w2, "source", False, 3.0, "connection refused", proven_absent=False)]
        screen.post_message(CanaryDone(unknown))
        await wait_for(pilot, lambda: "? Canary" in str(screen.query_one("#ns-canary", Static).render()))
        line = str(screen.query_one("#ns-canary", Static).render())
        assert "target→source unknown" in line and "NOT seen" not in line
        assert not next(i for i in st.checklist if i.key == "replication-verified").done
        assert "| target | `.recovery-tui-canary/b` | unknown |" in render_markdown(build_report(st))
        await pilot.press("escape")  # the removal question
        await pilot.pause()
        absent = [CanaryCheck(w2, "source", False, 3.0, "not replicated within 3s", proven_absent=True)]
        screen.post_message(CanaryDone(absent))
        await wait_for(pilot, lambda: "✘ Canary" in str(screen.query_one("#ns-canary", Static).render()))
        assert "NOT seen" in str(screen.query_one("#ns-canary", Static).render())



async def test_the_report_line_fits_80_columns_with_a_long_state_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the report went is one line at 80x24: the path is shortened from the left ("…"), so its file name
    and "(and .json)" always show (a fixed 52-character path cut the line's end off at 80 columns)."""
    deep = tmp_path / "operators-home" / ".local" / "state" / "recovery-tui-for-the-incident-of-the-night"
    monkeypatch.setenv("RECOVERY_TUI_STATE_DIR", str(deep))
    svc = FakeService()
    app, st, _ = _setup(svc, validation={"in_sync": True, "incomplete": False, "source": {"versions": 160}})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = NextStepsScreen(svc, st)
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        line = screen.query_one("#ns-report", Static)
        text = str(line.render())
        md = Path(st.extra["report"]["markdown"])
        assert md.exists() and str(md).startswith(str(deep))
        assert text.startswith("Report written: …") and text.endswith(f"{md.name} (and .json)"), text
        assert len(text) <= line.content_size.width, (len(text), line.content_size.width)
