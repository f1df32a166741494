"""Checkpoint files: small JSON documents that let an interrupted validation or backlog run resume.

A checkpoint names the job it belongs to (`kind` plus `params`, e.g. the two bucket
paths and the prefix) so a file is never applied to a different job, and holds the
job's progress (`state`). Writes are atomic (temporary file + `os.replace`) and the
file is created with mode 0600. A finished job sets `done`, so the next run starts
afresh instead of "resuming" a completed one.

Default locations live under the tool's state directory
(`$RECOVERY_TUI_STATE_DIR`, else `platformdirs.user_state_dir("recovery-tui")`),
in `checkpoints/<kind>-<hash of params>.json`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from recovery_tui.paths import state_dir, write_private

from .errors import InputError

VERSION = 1


def default_path(kind: str, params: Mapping[str, Any]) -> Path:
    """`<state>/checkpoints/<kind>-<12 hex of the params>.json`."""
    digest = hashlib.sha256(json.dumps(dict(params), sort_keys=True).encode()).hexdigest()[:12]
    return state_dir() / "checkpoints" / f"{kind}-{digest}.json"


def stamp(path: Path) -> Optional[tuple[int, int]]:
    """(inode, st_mtime_ns) of `path`, None when there is no such file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


@dataclass
class Checkpoint:
    """A job's resumable progress, bound to one file."""

    path: Path
    kind: str
    params: dict[str, Any]
    state: dict[str, Any] = field(default_factory=dict)
    done: bool = False
    resumed: bool = False
    """True when `state` was read back from an unfinished earlier run."""
    interval: float = 1.0
    """Seconds between two saves made through `maybe_save`."""
    seen: Optional[tuple[int, int]] = None
    """The file (inode, st_mtime_ns) as this object last read or wrote it (None: no file; each save replaces
    the file, so the inode tells two saves apart within a clock tick): a later change is another writer's
    (`runlock.RunLock` refuses to drive a run from rows read before it)."""
    _last_save: float = 0.0

    @classmethod
    def open(cls, path: Path | str, kind: str, params: Mapping[str, Any], *, interval: float = 1.0,
             done_since: Optional[float] = None) -> Checkpoint:
        """Read `path` if it holds an unfinished checkpoint of the same job; otherwise start empty.

        `done_since` (wall-clock seconds): a finished checkpoint saved at or after that time is read back
        too (`done` and `resumed` both set). A reattach to a run uses it: a run that finished while nobody
        watched must come back as it ended, not start over; an older finished one is still ignored.
        A file for another job raises InputError (it is never overwritten silently); a corrupt file
        raises InputError too, naming the file to remove.
        """
        p = Path(path).expanduser()
        cp = cls(path=p, kind=kind, params=dict(params), interval=interval)
        try:
            cp.seen = stamp(p)
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            cp.seen = None
            return cp
        except OSError as exc:
            raise InputError(f"cannot read checkpoint {p}: {exc.strerror}", hint="Check its permissions.") from None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != VERSION:
                raise ValueError("unknown format")
        except ValueError:
            raise InputError(
                f"checkpoint {p} is not a recovery-tui checkpoint", hint="Remove the file or choose another path."
            ) from None
        if data.get("kind") != kind or data.get("params") != cp.params:
            raise InputError(
                f"checkpoint {p} belongs to another job ({data.get('kind')} {data.get('params')})",
                hint="Choose another --checkpoint file, or remove this one to start afresh.",
            )
        finished = bool(data.get("done"))
        if finished and (done_since is None or not _saved_since(data, done_since)):
            return cp
        cp.state, cp.done = dict(data.get("state") or {}), finished
        cp.resumed = bool(cp.state)
        return cp

    def save(self, state: Optional[Mapping[str, Any]] = None, *, done: bool = False) -> None:
        """Write the checkpoint now (atomically)."""
        if state is not None:
            self.state = dict(state)
        self.done = done
        doc = {
            "version": VERSION, "kind": self.kind, "params": self.params, "done": done,
            "saved_at": time.time(), "state": self.state,
        }
        write_private(self.path, json.dumps(doc, ensure_ascii=False))
        self.seen = stamp(self.path)
        self._last_save = time.monotonic()

    def on_disk(self) -> tuple[dict[str, Any], bool]:
        """(state, done) as the file holds them now (({}, False) when there is none, or it is another job's or
        unreadable): what a later run would resume from -- nothing when done, a finished job starts afresh.
        `state` may be ahead of it (`maybe_save` keeps a state it does not write), so whatever tells the
        operator what was kept reads this."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}, False
        if not isinstance(data, dict) or data.get("kind") != self.kind or data.get("params") != self.params:
            return {}, False
        return dict(data.get("state") or {}), bool(data.get("done"))

    def maybe_save(self, state: Mapping[str, Any]) -> bool:
        """Save when `interval` seconds have passed since the last save; True when it wrote."""
        if not self._last_save or time.monotonic() - self._last_save >= self.interval:
            self.save(state)
            return True
        self.state = dict(state)
        return False


def _saved_since(data: Mapping[str, Any], since: float) -> bool:
    try:
        return float(data.get("saved_at") or 0) >= since
    except (TypeError, ValueError):
        return False


def record_marker(name: str, params: Mapping[str, Any]) -> Path:
    """Write a small "this just succeeded" marker (e.g. a `--clear-checksum --validate` run)."""
    p = default_path(name, params)
    cp = Checkpoint(path=p, kind=name, params=dict(params))
    cp.save({"at": time.time()}, done=False)
    return p


def marker_age(name: str, params: Mapping[str, Any]) -> Optional[float]:
    """Seconds since `record_marker(name, params)`, or None when there is no such marker."""
    p = default_path(name, params)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        if data.get("params") != dict(params):
            return None
        return max(0.0, time.time() - float(data["state"]["at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_marker(name: str, params: Mapping[str, Any]) -> None:
    """Remove a marker (after it has been used)."""
    try:
        default_path(name, params).unlink()
    except OSError:
        pass


class CopyLedger:
    """Versions `--clear-checksum` already copied onto themselves, per alias and bucket.

    The original version keeps its FAILED status on the server (its copy is what replicates), so the
    diff API lists it again on every run; without this ledger each re-run would add one more version
    per object. Kept in a SQLite file (`<state>/checkpoints/clear-checksum-ledger-<hash>.sqlite`, mode
    0600): a lookup or an add costs one indexed statement and memory stays flat however many versions a
    run copies (a million copies never sit in a dict, and a run is never rewriting the whole ledger per
    copy). Each add is committed to the write-ahead log before the next copy starts: it survives the process
being killed; a power cut may lose the last few, whose versions a re-run would copy once more (a second
copy of a key's latest version changes nothing clients read). Thread-safe.
    A ledger from an older version (JSON) is read into it once.
    """

    def __init__(self, alias: str, bucket: str) -> None:
        legacy = default_path("clear-checksum-ledger", {"alias": alias, "bucket": bucket})
        self.path = legacy.with_suffix(".sqlite")
        """Where the ledger lives (delete it to allow copying the same versions again)."""
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):  # private before SQLite opens them
            os.close(os.open(f"{self.path}{suffix}", os.O_WRONLY | os.O_CREAT, 0o600))
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS copies (key TEXT NOT NULL, version_id TEXT NOT NULL, "
                         "copy_id TEXT NOT NULL, PRIMARY KEY (key, version_id)) WITHOUT ROWID")
        self._db.execute("CREATE INDEX IF NOT EXISTS copies_made ON copies (key, copy_id)")
        self._import(legacy)

    def _import(self, legacy: Path) -> None:
        try:
            data = json.loads(legacy.read_text(encoding="utf-8"))
            rows = [(*str(k).split("\n", 1), str(v)) for k, v in data.get("copies", {}).items() if "\n" in str(k)]
        except (OSError, ValueError, AttributeError):
            return
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO copies VALUES (?, ?, ?)", rows)
            self._db.execute("COMMIT")
        legacy.unlink(missing_ok=True)

    def copy_of(self, key: str, version_id: str) -> Optional[str]:
        """The version ID of the copy already made of (key, version_id), or None."""
        with self._lock:
            row = self._db.execute("SELECT copy_id FROM copies WHERE key = ? AND version_id = ?",
                                   (key, version_id)).fetchone()
        return row[0] if row else None

    def is_copy(self, key: str, version_id: str) -> bool:
        """Whether (key, version_id) is a copy an earlier run made. A copy still backlogged means the copy
        did not clear the failure (§22): it is re-triggered, never copied again."""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM copies WHERE key = ? AND copy_id = ?", (key, version_id)).fetchone()
        return row is not None

    def add(self, key: str, version_id: str, copy_id: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO copies VALUES (?, ?, ?)", (key, version_id, copy_id))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM copies").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
