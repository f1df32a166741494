"""The one step model: `Step`, its table, and how a saved session stores it (an int, as before)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recovery_tui.state import WizardState
from recovery_tui.steps import STEPS, Step


def test_the_table_lists_every_step_in_order() -> None:
    assert list(STEPS) == list(Step)
    assert [s.number for s in Step] == list(range(1, 8))
    assert Step.PREFLIGHT.heading == "Step 3 of 7 · Preflight checks"
    assert Step.MONITOR.mc == "mc replicate resync status" and Step.START.mc == "mc replicate resync start"
    assert Step.CONNECT.next is Step.TARGETS and Step.NEXT_STEPS.next is None


@pytest.mark.parametrize("value, expected", [(4, Step.MONITOR), (Step.START, Step.START), ("validate", Step.VALIDATE)])
def test_coerce_accepts_ints_steps_and_names(value: object, expected: Step) -> None:
    assert Step.coerce(value) is expected


@pytest.mark.parametrize("value", [7, -1, True, "nowhere", None, 2.0])
def test_coerce_refuses_anything_else(value: object) -> None:
    with pytest.raises(ValueError):
        Step.coerce(value)


def test_a_session_saves_its_step_as_an_int_and_reads_it_back(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    WizardState(step=Step.MONITOR, source_alias="source", source_bucket="data").save(path)
    assert json.loads(path.read_text())["step"] == 4
    loaded = WizardState.load(path)
    assert loaded is not None and loaded.step is Step.MONITOR


def test_an_older_session_file_with_an_int_step_still_loads(tmp_path: Path) -> None:
    """A file written before the enum existed (step as a bare int) resumes at the same step."""
    path = tmp_path / "session.json"
    path.write_text(json.dumps({"version": 1, "step": 2, "source_alias": "source", "source_bucket": "data",
                                "arn": "arn:minio:replication::x:data"}))
    loaded = WizardState.load(path)
    assert loaded is not None and loaded.step is Step.PREFLIGHT and loaded.resumable


def test_a_session_file_with_a_step_out_of_range_is_not_offered(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    path.write_text(json.dumps({"version": 1, "step": 9, "source_alias": "source", "source_bucket": "data"}))
    assert WizardState.load(path) is None


def test_a_state_built_with_an_int_holds_a_step() -> None:
    assert WizardState(step=5).step is Step.VALIDATE
