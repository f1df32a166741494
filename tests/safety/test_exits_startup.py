"""Clean exits at startup (issue 8): SIGHUP, SIGTERM and Ctrl+C from the first instruction to Preflight
end `recovery-tui --lab` within 2 s, its lab's ports closed and, once the App exists, the state saved by
the exit; without a terminal the wizard refuses in one line and exits 2. (The steps after: test_exits_steps.py;
how each way is delivered: tests/helpers/exitkit.py.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers.exitkit import POINTS, check_signals_at
from helpers.ptykit import pty_available

needs_pty = pytest.mark.skipif(pty_available() is not None or not Path("/proc/self/net/tcp").exists(),
                               reason="needs a pseudo-terminal and Linux /proc")


@pytest.mark.slow
@needs_pty
@pytest.mark.parametrize("point", POINTS[:6])
def test_signals_at_startup_end_the_wizard_promptly(point: str, tmp_path: Path) -> None:
    check_signals_at(point, tmp_path)


@pytest.mark.parametrize("argv", [[], ["--lab"]], ids=["deployment", "lab"])
def test_without_a_terminal_the_wizard_refuses_in_one_line(argv: list[str], tmp_path: Path) -> None:
    """`recovery-tui < /dev/null > file`: one line naming the headless commands, exit 2, nothing drawn."""
    out = tmp_path / "out.txt"
    with out.open("w") as stdout:
        p = subprocess.run([sys.executable, "-m", "recovery_tui", *argv], stdin=subprocess.DEVNULL, stdout=stdout,
                           stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    assert out.read_text() == ""  # no escape codes in the file
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("recovery-tui: the wizard needs a terminal"), p.stderr
    for command in ("targets", "resync start", "resync status", "validate", "resync-backlog", "journal"):
        assert command in lines[0]
    assert "Traceback" not in p.stderr
