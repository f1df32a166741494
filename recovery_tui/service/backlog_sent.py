"""The versions a backlog run sent, kept on disk so that memory stays flat however many it sends (B3).

After a run the engine re-reads the diff and sorts every version it sent (HEADed, or the copy made of it)
into replicated / still PENDING / still FAILED (`backlog_check`). Held in a dict, a million sent versions
cost over a gigabyte; here they are rows of a private SQLite file in the state directory
(`<state>/checkpoints/backlog-sent-<host>-<pid>-<random>.sqlite`, mode 0600), created when the first rows
are written and removed when the run ends (`close`; a file left by a killed process is removed by the next
run on the same host). It holds one run's versions, as the dict did: a resumed run reads back what it sent
itself.

Rows are written in batches (`add`). Each re-read marks the rows still listed as backlogged, in one
transaction (`mark`): `seen` is the number of the re-read that last listed the row, `st` its status then
and `prev` its status in the re-read before, so the counts and "did anything change" are SQL over the
table; only a bounded sample of the still-FAILED versions is ever read back into memory. Keys and version
IDs are stored as UTF-8 bytes (`surrogatepass`), whose byte order is Python's string order.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from recovery_tui.paths import state_dir

from .backlog_model import BacklogItem

PREFIX = "backlog-sent-"
BATCH = 2000
"""Rows written (or marked) per statement batch."""


@dataclass(frozen=True)
class ReadCounts:
    """What one re-read found among the versions sent."""

    listed: int
    """Sent versions still listed as backlogged (PENDING or FAILED)."""
    failed: int
    """Of those, FAILED."""
    changed: bool
    """Whether the statuses differ from the re-read before (always True for the first)."""


def _b(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _s(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


class SentVersions:
    """The set of versions one run sent, on disk (see the module docstring). Thread-safe."""

    def __init__(self, directory: Optional[Path] = None, *, batch: int = BATCH) -> None:
        self._dir = directory
        self._batch = batch
        self._lock = threading.Lock()
        self._rows: list[tuple[bytes, bytes, int, str, str]] = []
        self._db: Optional[sqlite3.Connection] = None
        self._count: Optional[int] = 0
        self._reads = 0
        self._closed = False
        self.path: Optional[Path] = None
        """The SQLite file (None until rows are written, and again after `close`)."""
        self.first: Optional[BacklogItem] = None
        """The first version added (what --validate sent)."""

    def add(self, item: BacklogItem) -> None:
        with self._lock:
            if self._closed:
                return
            if self.first is None:
                self.first = item
            self._rows.append((_b(item.key), _b(item.version_id), int(item.delete_marker), item.status,
                               item.purge_status))
            self._count = None
            if len(self._rows) >= self._batch:
                self._flush()

    def __len__(self) -> int:
        with self._lock:
            if self._count is None:
                if self._db is None and self._rows:  # never spilled: a handful of rows (e.g. --validate)
                    self._count = len({r[:2] for r in self._rows})
                else:
                    self._flush()
                    db = self._db
                    self._count = int(db.execute("SELECT COUNT(*) FROM sent").fetchone()[0]) if db else 0
            return self._count

    def mark(self, listed: Iterable[tuple[str, str, str]]) -> ReadCounts:
        """One re-read: `listed` yields (key, version, PENDING/FAILED) for every version still backlogged,
        sent or not. All or nothing: when `listed` raises, the marks are rolled back and the error propagates."""
        with self._lock:
            self._flush()
            db = self._open()
            r = self._reads + 1
            update = ("UPDATE sent SET prev = CASE WHEN seen = ?1 THEN prev WHEN seen = ?1 - 1 THEN st ELSE NULL END,"
                      " st = ?2, seen = ?1 WHERE k = ?3 AND v = ?4")
            db.execute("BEGIN")
            try:
                marks: list[tuple[int, str, bytes, bytes]] = []
                for key, vid, status in listed:
                    marks.append((r, status, _b(key), _b(vid)))
                    if len(marks) >= self._batch:
                        db.executemany(update, marks)
                        marks.clear()
                db.executemany(update, marks)
                row = db.execute("SELECT TOTAL(seen = ?1), TOTAL(seen = ?1 AND st = 'FAILED'), TOTAL(seen = ?1 - 1),"
                                 " TOTAL(seen = ?1 AND prev IS NOT st) FROM sent", (r,)).fetchone()
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            self._reads = r
        listed_n, failed, gone, moved = (int(x) for x in row)
        return ReadCounts(listed_n, failed, r == 1 or bool(gone or moved))

    def still_failed(self, limit: int) -> tuple[BacklogItem, ...]:
        """The first `limit` versions (in key, version order) the last re-read listed as FAILED, as they were sent."""
        with self._lock:
            if self._db is None or not self._reads or limit <= 0:
                return ()
            rows = self._db.execute("SELECT k, v, dm, status, purge FROM sent WHERE seen = ? AND st = 'FAILED' "
                                    "ORDER BY k, v LIMIT ?", (self._reads, limit)).fetchall()
        return tuple(BacklogItem(_s(k), _s(v), bool(dm), status, purge) for k, v, dm, status, purge in rows)

    def close(self) -> None:
        """Close and remove the file (idempotent; later adds are ignored)."""
        with self._lock:
            self._closed = True
            self._rows.clear()
            if self._db is not None:
                self._db.close()
                self._db = None
            if self.path is not None:
                _remove(self.path)
                self.path = None

    def __enter__(self) -> SentVersions:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the file ---------------------------------------------------------------------------------------

    def _flush(self) -> None:
        if not self._rows:
            return
        db = self._open()
        db.execute("BEGIN")
        db.executemany("INSERT OR REPLACE INTO sent (k, v, dm, status, purge) VALUES (?, ?, ?, ?, ?)", self._rows)
        db.execute("COMMIT")
        self._rows.clear()

    def _open(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        folder = self._dir or state_dir() / "checkpoints"
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale(folder)
        host = socket.gethostname().replace(os.sep, "_").replace("-", "_") or "host"
        path = folder / f"{PREFIX}{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}.sqlite"
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # private before SQLite opens it
        self.path = path
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=TRUNCATE")  # its journal gets the file's mode (SQLite copies it)
        db.execute("PRAGMA synchronous=OFF")  # a scratch file: it is removed at the end, and on a crash
        db.execute("CREATE TABLE sent (k BLOB NOT NULL, v BLOB NOT NULL, dm INTEGER NOT NULL, status TEXT NOT NULL,"
                   " purge TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 0, st TEXT, prev TEXT,"
                   " PRIMARY KEY (k, v)) WITHOUT ROWID")
        self._db = db
        return db


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.unlink(f"{path}{suffix}")
        except OSError:
            pass


def _remove_stale(folder: Path) -> None:
    """Remove the files of runs on this host whose process is gone (killed before `close`)."""
    host = socket.gethostname().replace(os.sep, "_").replace("-", "_") or "host"
    for p in folder.glob(f"{PREFIX}{host}-*.sqlite"):
        try:
            pid = int(p.name[len(PREFIX) + len(host) + 1:].split("-", 1)[0])
        except ValueError:
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        _remove(p)


def _alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) is no probe there: treat every file as in use
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is not ours (PermissionError), or the check is not possible here
        return True
    return True
