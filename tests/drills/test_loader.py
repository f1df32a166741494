"""Drill files: the built-ins load, and every malformed file is refused with its line, key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from recovery_tui.drills import LIBRARY_DIR, Catalog, DrillError, excerpts, load_file
from recovery_tui.drills.loader import parse
from recovery_tui.drills.locate import format_path, line_of
from recovery_tui.lab.scenarios import NAMES

GOOD = '''\
name = "my-drill"
title = "Mine"
scenario = "partial-loss"
summary = "A drill."

[lab]
resync_delay = 0.2

[[timeline]]
id = "cut"
when = { resync_percent = 40, site = "source" }
action = "offline"
site = "target"

[[timeline]]
id = "heal"
when = { after = "cut", seconds = 30 }
action = "online"
site = "target"

[[objectives]]
id = "validated"
text = "Validated"
event = { action = "validate", result = "in sync" }
after_fault = "heal"
procedure = ["validate"]

[[mistakes]]
id = "twice"
text = "Started twice"
event = { action = "resync.start" }
count = 2
severity = "critical"
'''


def load(text: str):
    return parse(text, origin="my.toml", scenarios=NAMES, excerpts=tuple(excerpts()))


def broken(old: str, new: str) -> DrillError:
    assert old in GOOD, old
    with pytest.raises(DrillError) as info:
        load(GOOD.replace(old, new, 1))
    return info.value


def test_builtin_drills_all_load_with_their_file_names() -> None:
    cat = Catalog(scenarios=NAMES)
    assert cat.problems == []
    assert set(cat.names()) >= {"target-drops-mid-resync", "wrong-direction", "checksum-failures", "rules-lost",
                                "double-start"}
    for path in LIBRARY_DIR.glob("*.toml"):
        drill = load_file(path, scenarios=NAMES)
        assert drill.name == path.stem
        assert drill.objectives and all(c.text for c in drill.objectives + drill.mistakes)
        assert cat.get(drill.name).origin == "built-in"


def test_good_file_parses_into_the_model() -> None:
    d = load(GOOD)
    assert [e.id for e in d.timeline] == ["cut", "heal"]
    assert d.timeline[0].when.resync_percent == 40 and d.timeline[0].param("site") == "target"
    assert d.timeline[1].when.after == "cut" and d.timeline[1].when.seconds == 30
    assert d.objectives[0].after is not None and d.objectives[0].after.detail == (("id", "heal"),)
    assert d.mistakes[0].count == 2 and d.mistakes[0].severity == "critical"
    assert d.lab.resync_delay == 0.2


@pytest.mark.parametrize("old,new,line,key,words", [
    ('seconds = 30 }', 'seconds = "30s" }', 17, "timeline[2].when.seconds", 'number of seconds (0 or more), got "30s"'),
    ('resync_percent = 40', 'resync_percent = 140', 11, "timeline[1].when.resync_percent", "from 0 to 100"),
    ('action = "offline"', 'action = "explode"', 12, "timeline[1].action", "known: offline, online"),
    ('scenario = "partial-loss"', 'scenario = "partial"', 3, "scenario", "known: healthy, partial-loss"),
    ('after = "cut"', 'after = "heal"', 17, "timeline[2].when.after", "no earlier timeline event with id 'heal'"),
    ('after_fault = "heal"', 'after_fault = "nope"', 25, "objectives[1].after_fault", "timeline ids: cut, heal"),
    ('procedure = ["validate"]', 'procedure = ["validat"]', 26, "objectives[1].procedure[1]", "unknown procedure"),
    ('severity = "critical"', 'severity = "fatal"', 33, "mistakes[1].severity", "known: minor, critical"),
    ('count = 2', 'count = 1.5', 32, "mistakes[1].count", "whole number"),
    ('resync_delay = 0.2', 'resync_dealy = 0.2', 7, "lab.resync_dealy",
     "allowed here: objects, seed, resync_delay, flavor"),
    ('site = "target"\n\n[[timeline]]\nid = "heal"', 'sight = "target"\n\n[[timeline]]\nid = "heal"', 13,
     "timeline[1].sight", "unknown key"),
    ('event = { action = "resync.start" }', 'event = { acton = "resync.start" }', 31, "mistakes[1].event.acton",
     "allowed here: action, result, mc, detail"),
])
def test_malformed_files_name_line_key_and_problem(old: str, new: str, line: int, key: str, words: str) -> None:
    err = broken(old, new)
    assert err.line == line, str(err)
    assert err.key == key, str(err)
    assert words in str(err)
    assert str(err).startswith(f"my.toml:{line}: {key}: ")


def test_toml_syntax_error_gives_line_and_column() -> None:
    err = broken('title = "Mine"', 'title = "Mine')
    assert err.line == 2 and "not valid TOML" in str(err) and "column" in str(err)


def test_missing_required_parts() -> None:
    assert "missing required key 'summary'" in str(broken('summary = "A drill."\n', ""))
    text = GOOD[:GOOD.index("[[objectives]]")] + GOOD[GOOD.index("[[mistakes]]"):]
    with pytest.raises(DrillError, match=r"missing required key 'objectives'"):
        load(text)
    assert "missing required key 'when'" in str(broken('when = { after = "cut", seconds = 30 }\n', ""))
    assert "needs 'site'" in str(broken('action = "online"\nsite = "target"', 'action = "online"'))


def test_trigger_rules() -> None:
    err = broken('when = { after = "cut", seconds = 30 }', 'when = { at_start = true, seconds = 3 }')
    assert "cannot be combined" in str(err) and err.line == 17
    assert "say when the event fires" in str(broken('when = { after = "cut", seconds = 30 }', "when = {}"))
    err = broken('when = { after = "cut", seconds = 30 }', 'when = { site = "source", seconds = 3 }')
    assert "'site' only applies" in str(err)


def test_duplicate_ids_are_refused() -> None:
    assert "duplicate timeline id 'cut'" in str(broken('id = "heal"', 'id = "cut"'))
    assert "duplicate id 'validated'" in str(broken('id = "twice"', 'id = "validated"'))


def test_unknown_name_lists_the_known_ones_and_paths_load(tmp_path: Path) -> None:
    cat = Catalog(scenarios=NAMES)
    with pytest.raises(DrillError) as info:
        cat.get("target-drop")
    assert "unknown drill 'target-drop'" in str(info.value) and "target-drops-mid-resync" in str(info.value)
    path = tmp_path / "mine.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert cat.get(str(path)).name == "my-drill" and cat.get(str(path)).origin == str(path)
    with pytest.raises(DrillError, match="no such drill file"):
        cat.get(str(tmp_path / "missing.toml"))


def test_instructor_directory_adds_drills_and_reports_broken_files(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.toml").write_text(GOOD.replace('title = "Mine"', "title = 3"), encoding="utf-8")
    cat = Catalog([tmp_path], scenarios=NAMES)
    assert "my-drill" in cat.names() and "target-drops-mid-resync" in cat.names()
    assert len(cat.problems) == 1 and "bad.toml:2: title: must be a non-empty string, got a number 3" in str(
        cat.problems[0])
    with pytest.raises(DrillError, match="bad.toml:2"):
        cat.get("bad")


def test_line_locator_on_subtables() -> None:
    text = '[[timeline]]\nid = "a"\naction = "clear"\n[timeline.when]\nat_start = true\nseconds = 3\n'
    assert line_of(text, ["timeline", 0, "when", "seconds"]) == 6
    assert line_of(text, ["timeline", 0, "action"]) == 3
    assert format_path(["timeline", 0, "when", "seconds"]) == "timeline[1].when.seconds"
