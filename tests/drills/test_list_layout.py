"""`recovery-tui drill list` at 80 columns (a bastion's SSH window) and wide: every drill's name, scenario and
description whole, nothing past the edge. At 80 columns the four-column table used to squeeze "what happens"
into 19 cells (one word a line)."""

from __future__ import annotations

import pytest

from helpers.labkit import run_main
from recovery_tui.drills import Catalog
from recovery_tui.lab.scenarios import NAMES


def _cells(out: str, column: int) -> str:
    return " ".join(line.split("│")[column].strip() for line in out.splitlines() if line.startswith("│"))


@pytest.mark.parametrize("width", [80, 120])
def test_drill_list_fits_and_keeps_every_description_whole(width: int, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    r = run_main(["drill", "list"], capsys)
    assert r.code == 0 and r.err == ""
    lines = r.out.splitlines()
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    drills = [Catalog(scenarios=NAMES).drills[n] for n in Catalog(scenarios=NAMES).names()]
    described = _cells(r.out, 2 if width == 80 else 3)
    named = _cells(r.out, 1)
    for d in drills:
        assert d.title in described, (d.title, described)
        assert d.name in named and d.scenario in (named if width == 80 else _cells(r.out, 2))
    rows = [line for line in lines if line.startswith("│")]
    assert len(rows) <= 2 * len(drills) if width == 80 else len(rows) == len(drills)
