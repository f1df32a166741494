"""Where the tool keeps its files: one state directory for sessions, the journal, checkpoints and reports."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """`$RECOVERY_TUI_STATE_DIR` when set, else the XDG state directory (`~/.local/state/recovery-tui`)."""
    override = os.environ.get("RECOVERY_TUI_STATE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_state_dir("recovery-tui"))
