"""One driver per site run: an advisory lock beside the run's checkpoint, held while a `FleetRunner` runs.

Two processes driving the same run (the wizard's fleet monitor in one SSH session, `site resync start` in
another) would each start queued buckets from the same checkpoint. The start-time re-check adopts a resync
that is running, but a bucket whose resync completed at once would be started again, and together they would
run up to twice `--max-running`. So the runner takes `<checkpoint>.lock` (`fcntl.flock`, exclusive, not
waiting; the kernel lets it go when the process ends, however it ends) and refuses to run when another holds
it, naming that process (pid, host, since when: written into the lock file by the holder). It also refuses
when the checkpoint changed after this runner read it, since its rows would then be stale: another process
drove the run in between. Where the file system cannot lock at all (some NFS mounts), the run goes on
unlocked, as it did before this lock existed.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Optional

from .checkpoint import stamp
from .errors import InputError


class RunBusy(InputError):
    """Another process drives this run (or did, after this runner read the checkpoint): nothing was started."""

    default_title = "Another recovery-tui drives this run"


class RunLock:
    """`acquire()` or RunBusy; `release()` (idempotent). One per run of a runner."""

    def __init__(self, checkpoint: Path, watch: str) -> None:
        self.checkpoint, self.path = checkpoint, Path(f"{checkpoint}.lock")
        self.watch = watch
        """The command that shows the run without driving it (for the refusal's hint)."""
        self._fd: Optional[int] = None

    def acquire(self, seen: Optional[tuple[int, int]]) -> None:
        """Take the lock; `seen`: the checkpoint file as the runner last read or wrote it (`Checkpoint.seen`)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise RunBusy(f"another recovery-tui process drives this site run ({holder}); nothing was started",
                          hint=f"Watch it with: {self.watch}. Or stop that process (its resyncs go on on the "
                               "server) and run this again: it continues from the checkpoint.") from None
        except OSError:  # a file system that cannot lock (some NFS mounts): the run goes on unlocked, as before
            os.close(fd)
            fd = -1
        self._fd = fd if fd >= 0 else None
        if stamp(self.checkpoint) != seen:
            self.release()
            raise RunBusy("the run's checkpoint changed after it was read: another process drove the run "
                          "meanwhile; nothing was started", hint="Run this again: it reads the run as it stands.")
        if fd < 0:
            return
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "since": time.strftime("%H:%M:%S UTC", time.gmtime())}).encode())

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _holder(fd: int) -> str:
    """`pid 1234 on host, since 00:41:07 UTC` from the lock file, or what can be said without it."""
    try:
        doc = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {int(doc['pid'])} on {doc['host']}, since {doc['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "it has not said which yet"
