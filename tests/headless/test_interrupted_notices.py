"""A headless run with a checkpoint that a signal ends says, last, what its checkpoint kept and how to go on --
the operator at 3 a.m. who pressed Ctrl+C should not have to guess whether the work so far is lost. Then the
same command again picks it up. (`site resync start` says it too: tests/safety/test_fleet_signals.py.)

The signal is a real SIGINT, sent to this process while the command runs in it (`exits.headless_signals`
turns it into the KeyboardInterrupt the command unwinds with); each site answers slowly so the run is mid-way."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from helpers.labkit import journal_records, run_main, use_lab_env
from recovery_tui.lab.server import Lab
from recovery_tui.paths import state_dir


class _Interrupter:
    """SIGINT to this process as soon as `ready()` (checked every 5 ms, for at most 30 s) -- only while the
    command runs: once `ended()` is called no signal is sent (one sent after the command would reach pytest
    itself); the test then fails on the command's exit code instead."""

    def __init__(self, ready: Callable[[], bool]) -> None:
        self._ready, self._ended = ready, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not self._ended.is_set():
            try:
                if self._ready():
                    if not self._ended.is_set():
                        os.kill(os.getpid(), signal.SIGINT)
                    return
            except (OSError, ValueError):  # a file being written
                pass
            time.sleep(0.005)

    def ended(self) -> None:
        self._ended.set()
        self._thread.join()


def _ended() -> list[dict[str, Any]]:
    return [rec for rec in journal_records() if rec["action"] == "resync-backlog.head" and rec["result"] == "ok"]


def test_validate_with_a_checkpoint_says_where_it_stopped(lab_factory: Callable[..., Lab], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    lab = lab_factory("partial-loss", objects=3000)
    use_lab_env(lab, monkeypatch)
    for site in ("source", "target"):
        lab.faults.set_latency(site, 0.15)
    where = tmp_path / "v.json"
    argv = ["validate", "source/data", "target/data", "--checkpoint", str(where), "--json"]
    watcher = _Interrupter(where.exists)  # its first save: something was compared
    r = run_main(argv, capsys)
    watcher.ended()
    assert r.code == 130 and r.out == "" and "Traceback" not in r.err, r.err[-800:]
    key = json.loads(where.read_text())["state"].get("last_key", "")
    said = [line for line in r.err.splitlines() if line.startswith("interrupted: ")]
    assert said == [(f"interrupted: compared up to '{key}', kept in {where}" if key else
                     "interrupted: nothing compared yet") + "; run the same command again to continue from there."]
    assert r.err.splitlines()[-1] == "recovery-tui: interrupted"

    for site in ("source", "target"):
        lab.faults.set_latency(site, 0.0)
    again = run_main(argv, capsys)
    assert again.code == 1 and json.loads(again.out)["missing_on_target"] > 0  # partial-loss: not in sync
    assert (f"Resuming the validation from {where} (compared up to '{key}')" in again.err) == bool(key)


def test_resync_backlog_says_what_its_checkpoint_kept(lab_factory: Callable[..., Lab],
                                                      monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    lab = lab_factory("checksum-failures")
    use_lab_env(lab, monkeypatch)
    lab.faults.set_latency("source", 0.2)
    argv = ["resync-backlog", "source/data", "--concurrent", "1", "--wait", "0", "--json"]
    watcher = _Interrupter(lambda: len(_ended()) >= 4)  # 8 versions, one every 0.2 s: all handed out
    r = run_main(argv, capsys)
    watcher.ended()
    assert r.code == 130 and r.out == "" and "Traceback" not in r.err, r.err[-800:]
    saved = list((state_dir() / "checkpoints").glob("backlog-*"))
    assert len(saved) == 1
    doc = json.loads(saved[0].read_text())
    state = doc["state"]
    assert not doc["done"]  # interrupted while versions were being sent
    # every item that ended before the process did is in the checkpoint (the signal landed while the workers
    # ended their last items: the final save was skipped, the file kept an older count than the notice said)
    ended = _ended()
    assert ended and state["processed"] == len(ended), (state, len(ended))
    said = [line for line in r.err.splitlines() if line.startswith("interrupted: ")]
    assert said == [f"interrupted: {state.get('processed', 0)} processed, {state.get('failed', 0)} failed so far, "
                    f"kept in {saved[0]}; run the same command again to continue where it stopped."]

    lab.faults.set_latency("source", 0.0)
    again = run_main(argv, capsys)
    assert "Resuming an interrupted run" in again.err and json.loads(again.out)["resumed"]


def test_resync_backlog_interrupted_while_it_checks_what_it_achieved(lab_factory: Callable[..., Lab],
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: Any) -> None:
    """Every version was sent (the checkpoint is finished) and the read-back was under way: nothing to continue
    from, so the notice does not offer it; a run again starts from the backlog as it is then."""
    lab = lab_factory("checksum-failures")  # their replication keeps failing: the read-back waits all --wait
    use_lab_env(lab, monkeypatch)
    lab.faults.set_latency("source", 0.3)  # each read-back takes as long: the signal comes during the first

    def finished() -> bool:
        saved = list((state_dir() / "checkpoints").glob("backlog-*"))
        return bool(saved) and json.loads(saved[0].read_text())["done"]

    watcher = _Interrupter(finished)
    r = run_main(["resync-backlog", "source/data", "--wait", "20", "--json"], capsys)
    watcher.ended()
    assert r.code == 130 and r.out == "" and "Traceback" not in r.err, r.err[-800:]
    said = [line for line in r.err.splitlines() if line.startswith("interrupted: ")]
    assert said == ["interrupted: every version had been sent (8 processed, 0 failed); the check of what that "
                    "achieved was cut short: the same command again re-reads the backlog and sends what is still "
                    "in it."], r.err
