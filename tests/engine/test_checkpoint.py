"""Checkpoint files: atomic save, resume only the same unfinished job, refuse another job's file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from recovery_tui.service import checkpoint as cp
from recovery_tui.service.errors import InputError


def test_save_and_resume_same_job(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "c.json"
    c = cp.Checkpoint.open(path, "validate", {"a": "x"})
    assert not c.resumed and c.state == {}
    c.save({"last_key": "k", "n": 3})
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    again = cp.Checkpoint.open(path, "validate", {"a": "x"})
    assert again.resumed and again.state == {"last_key": "k", "n": 3}
    again.save(again.state, done=True)
    assert not cp.Checkpoint.open(path, "validate", {"a": "x"}).resumed


def test_a_finished_checkpoint_is_read_back_only_when_saved_since(tmp_path: Path) -> None:
    """A reattach reads its run back even when the run finished meanwhile; an older finished run is not
    the reattached one (and every other opener still starts afresh)."""
    path = tmp_path / "c.json"
    c = cp.Checkpoint.open(path, "site-resync", {"a": "x"})
    c.save({"rows": [1]}, done=True)
    saved_at = json.loads(path.read_text())["saved_at"]
    back = cp.Checkpoint.open(path, "site-resync", {"a": "x"}, done_since=saved_at)
    assert back.resumed and back.done and back.state == {"rows": [1]}
    assert not cp.Checkpoint.open(path, "site-resync", {"a": "x"}, done_since=saved_at + 1).resumed
    assert not cp.Checkpoint.open(path, "site-resync", {"a": "x"}).resumed


def test_other_job_or_corrupt_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    cp.Checkpoint.open(path, "validate", {"a": "x"}).save({"n": 1})
    with pytest.raises(InputError, match="another job"):
        cp.Checkpoint.open(path, "validate", {"a": "y"})
    path.write_text("{not json")
    with pytest.raises(InputError, match="not a recovery-tui checkpoint"):
        cp.Checkpoint.open(path, "validate", {"a": "x"})


def test_maybe_save_throttles(tmp_path: Path) -> None:
    c = cp.Checkpoint.open(tmp_path / "c.json", "k", {}, interval=3600)
    assert c.maybe_save({"n": 1}) is True  # first save writes
    assert c.maybe_save({"n": 2}) is False and c.state == {"n": 2}
    assert cp.Checkpoint.open(tmp_path / "c.json", "k", {}).state == {"n": 1}


def test_on_disk_is_what_a_later_run_resumes_from(tmp_path: Path) -> None:
    """What the file holds, not what the object holds: `maybe_save` keeps a state it does not write yet."""
    path = tmp_path / "c.json"
    c = cp.Checkpoint.open(path, "validate", {"a": 1}, interval=3600)
    assert c.on_disk() == ({}, False)  # no file yet
    c.save({"last_key": "k1"})
    assert c.maybe_save({"last_key": "k2"}) is False and c.state == {"last_key": "k2"}
    assert c.on_disk() == ({"last_key": "k1"}, False)
    c.save(done=True)
    assert c.on_disk() == ({"last_key": "k2"}, True)
    other = cp.Checkpoint(path=path, kind="validate", params={"a": 2})
    assert other.on_disk() == ({}, False)  # another job's file says nothing about this one
    path.write_text("{not json", encoding="utf-8")
    assert c.on_disk() == ({}, False)


def test_markers_record_age_and_clear() -> None:
    params = {"path": "source/data", "arn": ""}
    assert cp.marker_age("m", params) is None
    cp.record_marker("m", params)
    age = cp.marker_age("m", params)
    assert age is not None and age < 5
    assert cp.marker_age("m", {"path": "other/data", "arn": ""}) is None
    cp.clear_marker("m", params)
    assert cp.marker_age("m", params) is None
