"""One driver per site run (`service/runlock.py`): a second runner of the same checkpoint is refused while the
first runs, and so is a runner whose rows were read before another one changed the checkpoint."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from recovery_tui.service.checkpoint import Checkpoint
from recovery_tui.service.runlock import RunBusy, RunLock

WATCH = "recovery-tui site resync status source target"


def _cp(path: Path) -> Checkpoint:
    return Checkpoint.open(path, "site-resync", {"source": "source", "target": "target"})


def test_a_second_driver_is_refused_and_told_who_drives(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    first = RunLock(path, WATCH)
    first.acquire(_cp(path).seen)
    try:
        with pytest.raises(RunBusy) as refused:  # (a second open of the file: as another process would)
            RunLock(path, WATCH).acquire(_cp(path).seen)
        assert f"pid {os.getpid()} on {socket.gethostname()}, since " in refused.value.message
        assert "nothing was started" in refused.value.message and WATCH in refused.value.hint
        assert refused.value.exit_code == 2
    finally:
        first.release()
    again = RunLock(path, WATCH)
    again.acquire(_cp(path).seen)  # released: the next one drives
    again.release()
    again.release()  # (idempotent)


def test_rows_read_before_another_driver_saved_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    mine, theirs = _cp(path), _cp(path)
    theirs.save({"rows": []})  # another driver ran (and ended) after `mine` was read
    with pytest.raises(RunBusy, match="changed after it was read"):
        RunLock(path, WATCH).acquire(mine.seen)
    lock = RunLock(path, WATCH)  # the refusal let the lock go
    lock.acquire(_cp(path).seen)  # read now: fine
    lock.release()
    for _ in range(3):  # its own saves (faster than the clock's tick: the inode tells them apart) keep it current
        mine = _cp(path)
        mine.save({"rows": [1]})
        mine.save({"rows": [2]})
        lock.acquire(mine.seen)
        lock.release()
        theirs.save({"rows": [3]})
        with pytest.raises(RunBusy):
            lock.acquire(mine.seen)


def test_a_file_system_that_cannot_lock_runs_unlocked_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    import errno

    from recovery_tui.service import runlock

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")  # (some NFS mounts)

    monkeypatch.setattr(runlock.fcntl, "flock", no_locks)
    path = tmp_path / "run.json"
    lock = RunLock(path, WATCH)
    lock.acquire(_cp(path).seen)  # no refusal, no crash: the run goes on
    lock.release()
    _cp(path).save({"rows": []})
    with pytest.raises(RunBusy, match="changed after it was read"):  # (the stale-read check still holds)
        RunLock(path, WATCH).acquire(None)
