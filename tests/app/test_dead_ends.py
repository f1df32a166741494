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

from recovery_tui.journal import read_run
from recovery_tui.lab.server import Lab
from recovery_tui.screens.dialogs import ConfirmModal, TypeToConfirmModal
from recovery_tui.screens.next_steps import NextStepsScreen

from test_late_steps_lab import state_for, text, wait_for


def versions(app: Any, alias: str) -> set[tuple[str, str, str, bool]]:
    return {(v.key, v.version_id, v.etag, v.delete_marker) for v in app.service.list_object_versions(alias, "data")}


def journal_records(app: Any) -> list[dict[str, Any]]:
    return read_run(app._journal.path) if app._journal is not None else []


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
        assert "press a to recreate" in text(screen, "#ns-plan")  # lab: the printed commands cannot reach it
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

