"""Issue 14 item 5, dead ends the wizard now walks through itself (pilot tests against a real lab).

* total-loss: "Rules restored" could never be ticked in the lab and the canary failed target→source. Now
  `a` recreates the rule after a typed yes; the tick comes from reading the configuration back, and the
  canary is then seen both ways. No object is changed; each write is journaled without a secret.
* checksum-failures: Validate's only way forward named a command the embedded lab cannot be reached by.
  Now the wizard runs resync-backlog itself: dry run, HEAD re-trigger, then --clear-checksum with its
  validate-one proof first; refused versions are listed with their reason; no green tick while versions
  stay FAILED.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from test_late_steps_lab import state_for, text, wait_for

from recovery_tui.journal import read_run
from recovery_tui.lab.server import Lab
from recovery_tui.report import build_report, render_markdown
from recovery_tui.screens.dialogs import ConfirmModal, TypeToConfirmModal
from recovery_tui.screens.next_steps import NextStepsScreen
from recovery_tui.screens.validate import ValidateScreen


def versions(app: Any, alias: str) -> set[tuple[str, str, str, bool]]:
    return {(v.key, v.version_id, v.etag, v.delete_marker) for v in app.service.list_object_versions(alias, "data")}


def journal_records(app: Any) -> list[dict[str, Any]]:
    return read_run(app._journal.path) if app._journal is not None else []


@pytest.mark.slow  # Validate or Next steps through to the proof/canary on a lab
async def test_total_loss_rules_recreated_from_next_steps_then_canary_both_ways(
        lab_factory: Callable[..., Lab], wizard: Callable[..., Any]) -> None:
    lab = lab_factory("total-loss")
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        st = state_for(app, lab, step=6)
        before = {side: versions(app, side) for side in ("source", "target")}
        screen = NextStepsScreen(app.service, st, canary_timeout=20)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.plan is not None)
        assert "cannot reach the lab" in text(screen, "#ns-plan")  # lab: the printed commands cannot reach it
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmModal))
        await pilot.press("escape")  # no: nothing written
        await pilot.pause()
        assert app.service.replication_config("target", "data") is None
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmModal))
        await pilot.press("d", "a", "t", "a", "enter")
        rules = next(i for i in st.checklist if i.key == "rules-restored")
        await wait_for(pilot, lambda: rules.done, timeout=30)
        assert "rule(s) match" in rules.note  # ticked by the read-back, not by the write
        cfg = app.service.replication_config("target", "data")
        assert cfg is not None and len(cfg.rules) == 1
        arn = cfg.rules[0].destination_arn
        assert [t.arn for t in app.service.remote_targets("target", "data")] == [arn]
        assert "✔" in text(screen, "#ns-plan")
        assert {side: versions(app, side) for side in ("source", "target")} == before  # no object touched
        recs = [r for r in journal_records(app) if r["action"] == "rules.recreate"]
        assert [r["result"] for r in recs] == ["ok"] and recs[0]["detail"]["arn"] == arn
        assert recs[0]["mc"].startswith("mc replicate add target/data --remote-bucket source/data --replicate")
        journal_text = app._journal.path.read_text()
        for site in (lab.source.site, lab.target.site):
            assert site.secret_key not in journal_text
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), timeout=60)
        assert [c["seen_on_peer"] for c in st.extra["canaries"]] == [True, True]  # target→source seen too
        assert next(i for i in st.checklist if i.key == "replication-verified").done
        await pilot.press("y")
        await wait_for(pilot, lambda: all(c.get("removed") for c in st.extra["canaries"]))


async def test_add_rules_is_refused_when_nothing_is_missing(lab: Lab, wizard: Callable[..., Any]) -> None:
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        st = state_for(app, lab, step=6)
        screen = NextStepsScreen(app.service, st)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.plan is not None)
        before = app.service.replication_config("target", "data")
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, TypeToConfirmModal)
        assert app.service.replication_config("target", "data") == before
        assert not [r for r in journal_records(app) if r["action"] == "rules.recreate"]



def latest_by_key(app: Any, alias: str) -> dict[str, tuple[str, bool]]:
    """What a client reads per key: the latest version's ETag and delete-marker flag."""
    return {v.key: (v.etag, v.delete_marker) for v in app.service.list_object_versions(alias, "data") if v.is_latest}


async def _to_proof(pilot: Any, app: Any, screen: Any) -> None:
    """Validate → b (dry run) → y (HEADs) → y (offer: clear-checksum dry run) → y (copy one)."""
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), timeout=30)
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal)
                   and app.screen.title_text == "Try --clear-checksum?", timeout=60)
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal)
                   and app.screen.title_text == "Prove it on one version?", timeout=30)
    await pilot.press("y")


@pytest.mark.slow  # Validate or Next steps through to the proof/canary on a lab
async def test_checksum_failures_unproven_copy_stops_after_one_write(
        lab_factory: Callable[..., Lab], wizard: Callable[..., Any]) -> None:
    """Community MinIO keeps the checksum on a copy (§22): the one copy FAILS too, the rest is not offered."""
    lab = lab_factory("checksum-failures")
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        st = state_for(app, lab, step=5)
        screen = ValidateScreen(app.service, st)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None and screen.backlog_groups is not None)
        failed_before = screen.backlog_groups.count("FAILED")
        reads = {side: latest_by_key(app, side) for side in ("source", "target")}
        count = len(versions(app, "source"))
        await _to_proof(pilot, app, screen)
        await wait_for(pilot, lambda: "NOT proven" in text(screen, "#val-retrigger"), timeout=60)
        status = text(screen, "#val-retrigger")
        assert "✔" not in status and "FAILED" in status and "recovery-tui resync-backlog" not in status
        assert not isinstance(app.screen, TypeToConfirmModal)  # the full run is not offered
        proof = st.extra["clear_checksum"]["validate"]["proof"]
        assert proof["replication"] == "FAILED" and proof["proven"] is False and proof["checksum_changed"] is False
        assert len(versions(app, "source")) == count + 1  # exactly one write: the one copy
        assert {side: latest_by_key(app, side) for side in ("source", "target")} == reads  # clients read the same
        await wait_for(pilot, lambda: screen.backlog_groups is not None and screen.backlog_groups.count("FAILED")
                       >= failed_before, timeout=30)
        dry = st.extra["clear_checksum"]["dry_run"]
        assert dry["copyable"] >= 1 and dry["refused"] == len(dry["refusals"])
        assert all(r["reason"] for r in dry["refusals"])
        copies = [r for r in journal_records(app) if r["action"] == "resync-backlog.clear_checksum"]
        assert len(copies) == 1 and copies[0]["mc"].startswith("mc cp --version-id ")
        md = render_markdown(build_report(st))  # the report keeps the proof and every refusal with its reason
        assert "replication FAILED, checksum changed no, proven no" in md
        assert all(r["version_id"] in md for r in dry["refusals"])


@pytest.mark.slow  # Validate or Next steps through to the proof/canary on a lab
async def test_checksum_failures_proven_copy_then_the_rest_with_refusals_listed(
        lab_factory: Callable[..., Lab], wizard: Callable[..., Any]) -> None:
    """A server that recomputes the checksum: the proof passes, the rest is copied after the typed bucket
    name, refused versions are listed with their reason, and what clients read never changes."""
    from recovery_tui.screens.validate_clear import ListModal  # (imported here: main has no such module yet)

    lab = lab_factory("checksum-failures", copy_checksum="recompute")
    app = wizard(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        st = state_for(app, lab, step=5)
        screen = ValidateScreen(app.service, st)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None and screen.backlog_groups is not None)
        reads = {side: latest_by_key(app, side) for side in ("source", "target")}
        await _to_proof(pilot, app, screen)
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmModal), timeout=60)
        assert st.extra["clear_checksum"]["validate"]["proof"]["proven"] is True
        await pilot.press("d", "a", "t", "a", "enter")
        await wait_for(pilot, lambda: "run" in st.extra["clear_checksum"], timeout=90)
        run = st.extra["clear_checksum"]["run"]
        await pilot.pause()
        status = text(screen, "#val-retrigger")
        assert "✔" not in status and f"refused {run['refused']:,}" in status
        assert run["new_versions"] == st.extra["clear_checksum"]["dry_run"]["copyable"] - 1
        assert run["refused"] > 0  # the scenario has FAILED versions that are not their key's latest
        assert isinstance(app.screen, ListModal)  # listed on screen with their reasons (all in the report)
        for r in run["refusals"][:6]:
            assert f"{r['key']} (" in app.screen.body and r["reason"] in app.screen.body
        assert latest_by_key(app, "source") == reads["source"]  # what clients read on the source: unchanged
        target = latest_by_key(app, "target")  # the target only gained what the source serves
        changed = {k for k in target if target[k] != reads["target"].get(k)}
        assert changed and all(target[k] == reads["source"][k] for k in changed)
