"""Clean exits along the steps (issue 8): SIGHUP, SIGTERM and Ctrl+C at Start, its confirmation, the Monitor
with a resync running, and after the report end `recovery-tui --lab` within 2 s, its lab's ports closed, the
state saved by the exit at the step reached. (Startup: test_exits_startup.py; how: tests/helpers/exitkit.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.exitkit import POINTS, check_signals_at
from helpers.ptykit import pty_available

needs_pty = pytest.mark.skipif(pty_available() is not None or not Path("/proc/self/net/tcp").exists(),
                               reason="needs a pseudo-terminal and Linux /proc")


@pytest.mark.slow
@needs_pty
@pytest.mark.parametrize("point", POINTS[6:])
def test_signals_along_the_steps_end_the_wizard_promptly(point: str, tmp_path: Path) -> None:
    check_signals_at(point, tmp_path)
