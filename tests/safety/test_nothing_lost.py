"""Nothing lost: a full wizard run on every lab scenario leaves every pre-existing version on both sites.

Both sites' (key, versionId) sets are read from the lab's stores before; the wizard is driven with the
keyboard as far as the scenario allows (resync, validation, backlog re-trigger, canaries written and
removed with consent, report); on checksum-failures the headless `--clear-checksum` copies run too.
Afterwards pre-existing ⊆ after on both sites, and the only new versions are replicas on the target
(versions the source already had), `--clear-checksum` copies on the source of keys that were FAILED,
and nothing under the canary prefix (removed with consent). The same run's printed mc commands must all run
as printed (test_printed_mc_commands.py's promise, checked here so that each scenario's wizard runs once).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.labkit import run_main, use_lab_env, versions_of, wizard_for
from helpers.printed import WIZARD_IN_NOTHING_LOST, Seen, collect_kept, collect_plan, hook_wizard
from helpers.wizard_drive import drive_full_wizard
from recovery_tui.lab.server import Lab

pytestmark = pytest.mark.slow  # a whole wizard run per scenario

CANARY = ".recovery-tui-canary/"

EXPECTED = WIZARD_IN_NOTHING_LOST
"""The furthest stage each scenario must reach."""


@pytest.mark.parametrize("scenario", list(EXPECTED))
async def test_full_wizard_run_loses_no_version(scenario: str, lab_factory, tmp_path: Path, capsys,
                                                monkeypatch) -> None:
    lab: Lab = lab_factory(scenario, objects=300 if scenario == "large" else 60)
    before = {site: versions_of(lab, site) for site in ("source", "target")}
    seen = Seen()
    hook_wizard(monkeypatch, seen)
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        reached = await drive_full_wizard(pilot, app, monitor_timeout=60)
        collect_plan(seen, app)
    collect_kept(seen, app)
    assert EXPECTED[scenario] in reached, reached
    assert seen.count() >= 5, (reached, seen.lines)
    assert seen.problems() == {}  # every mc command this run printed runs as printed
    if scenario == "target-offline":
        assert reached == ["preflight"] and not app.state.reset_id
    failed_keys: set[str] = set()
    if scenario == "checksum-failures":
        use_lab_env(lab, monkeypatch)
        dry = run_main(["resync-backlog", "source/data", "--dry-run"], capsys)
        failed_keys = {line.split(None, 3)[3] for line in dry.out.splitlines() if line.startswith("FAILED")}
        r = run_main(["resync-backlog", "source/data", "--clear-checksum", "--yes"], capsys)
        assert r.code in (0, 1), r.err
    after = {site: versions_of(lab, site) for site in ("source", "target")}
    for site in ("source", "target"):
        lost = before[site] - after[site]
        assert not lost, f"{scenario}: {len(lost)} pre-existing versions gone from {site}: {sorted(lost)[:5]}"
        new = after[site] - before[site]
        assert not any(k.startswith(CANARY) for k, _ in new), f"canary left on {site}"
        if site == "target":
            known = before["source"] | after["source"]
            stray = {kv for kv in new if kv not in known}
            assert not stray, f"{scenario}: target versions that are not replicas: {sorted(stray)[:5]}"
        else:
            stray = {kv for kv in new if kv[0] not in failed_keys}
            assert not stray, f"{scenario}: new source versions outside --clear-checksum: {sorted(stray)[:5]}"
