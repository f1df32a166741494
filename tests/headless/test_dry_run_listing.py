"""`resync-backlog --dry-run` lists every version while the engine's result keeps only the first few (issue 9,
B3): the versions go to disk as they are listed and are written out from there, byte for byte as before."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

import pytest

import recovery_tui.headless.resync_backlog as command
from helpers.labkit import use_lab_env
from recovery_tui.cli import main
from recovery_tui.headless.item_spool import ItemSpool
from recovery_tui.headless.output import Output
from recovery_tui.lab.server import Lab
from recovery_tui.service.backlog import BacklogItem, run_backlog


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    lab = Lab(scenario="checksum-failures").start()
    try:
        yield lab
    finally:
        lab.stop()


def _dry_run(capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    assert main(["resync-backlog", "source/data", "--dry-run", *flags]) == 0
    return capsys.readouterr().out


def test_every_version_is_listed_though_the_result_keeps_two(lab: Lab, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    use_lab_env(lab, monkeypatch)
    want_text, want_json = _dry_run(capsys), json.loads(_dry_run(capsys, "--json"))
    kept: list[Any] = []

    def keeping_two(*a: Any, **kw: Any) -> Any:
        r = run_backlog(*a, failure_limit=2, **kw)
        kept.append(r)
        return r

    monkeypatch.setattr(command, "run_backlog", keeping_two)
    got_text, got_json = _dry_run(capsys), json.loads(_dry_run(capsys, "--json"))
    assert len(want_json["items"]) >= 4 and all(len(r.items) == 2 for r in kept)
    assert got_text == want_text
    for doc in (want_json, got_json):
        doc.pop("elapsed_seconds")
    assert got_json == want_json
    assert [p.name for p in Path(os.environ["RECOVERY_TUI_STATE_DIR"]).glob("dry-run-*")] == []


@pytest.mark.parametrize("rows", [[], [{"key": "a"}], [{"key": "é/ü", "n": [1, {"x": None}]}, {"key": "b"}, {}]])
def test_a_list_written_row_by_row_is_the_same_json(rows: list[Any], capsys: pytest.CaptureFixture[str]) -> None:
    doc = {"total": 3, "items": [{"key": "sample"}], "nested": {"items": []}, "after": None}
    out = Output(json_mode=True)
    out.json({**doc, "items": rows})
    want = capsys.readouterr().out
    out.json_with_list(doc, "items", iter(rows))
    assert capsys.readouterr().out == want


def test_the_spool_reads_back_what_it_was_given_and_leaves_no_file() -> None:
    items = [BacklogItem("a b/ü\udc80", "v1", False, "FAILED"), BacklogItem("dm", "v2", True, "PENDING"),
             BacklogItem("gone", "v3", False, "FAILED", purge_status="PENDING")]
    with ItemSpool() as spool:
        for i in items:
            spool.add(i)
        assert list(spool) == items and list(spool) == items and spool.count == 3
        assert [p for p in Path(os.environ["RECOVERY_TUI_STATE_DIR"]).rglob("*") if p.is_file()] == []
