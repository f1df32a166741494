"""Where the tool keeps its files (one state directory for sessions, the journal, checkpoints and
reports) and how it writes them: atomically, readable by the owner only."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from recovery_tui.settings import current


def state_dir() -> Path:
    """The run's state directory (`Settings.state_dir`: `$RECOVERY_TUI_STATE_DIR` when set, else the XDG state
    directory `~/.local/state/recovery-tui`)."""
    return current().state_dir


def write_private(path: Path, text: str) -> Path:
    """Write `text` to `path` atomically (temporary file, fsync, rename) with mode 0600; returns `path`.

    A crash mid-write leaves the previous file intact, never a torn one; the folder is created if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path
