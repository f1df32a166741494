"""Progress on a terminal (issue 9): counts, rate and ETA on stderr; with --json nothing but the JSON document on
stdout, even when stderr is a terminal."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from rich.console import Console

from recovery_tui.headless.output import Output
from recovery_tui.headless.watch_eta import WatchEta
from recovery_tui.lab.server import Lab


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    lab = Lab(scenario="partial-loss").start()
    try:
        yield lab
    finally:
        lab.stop()


def _run_with_terminal_stderr(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """The CLI with stdout piped and stderr on a pseudo-terminal (a progress bar would be drawn there)."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "recovery_tui", *argv], stdout=subprocess.PIPE, stderr=slave,
                            env={**os.environ, **env, "TERM": "xterm-256color"})
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    out = proc.stdout.read().decode() if proc.stdout else ""
    proc.wait(timeout=60)
    os.close(master)
    return proc.returncode, out, err.decode("utf-8", "replace")


@pytest.mark.parametrize("argv", [["validate", "source/data", "target/data", "--json"],
                                  ["resync-backlog", "source/data", "--dry-run", "--json"]])
def test_json_stdout_is_only_json_with_a_terminal_on_stderr(lab: Lab, argv: list[str], tmp_path: Any) -> None:
    code, out, err = _run_with_terminal_stderr(argv, {**lab.env(), "MC_CONFIG_DIR": str(tmp_path),
                                                      "RECOVERY_TUI_STATE_DIR": str(tmp_path / "state")})
    assert code in (0, 1), err
    json.loads(out)  # the whole of stdout is one JSON document
    assert "/s" not in err and "ETA" not in err  # no progress bar anywhere in --json mode


def test_the_bar_shows_counts_rate_and_eta() -> None:
    out = Output(False)
    buf = io.StringIO()
    out.err = Console(file=buf, force_terminal=True, width=160)
    with out.progress("Re-triggering replication") as bar:
        for done in range(0, 5001, 1000):
            bar.update(completed=done, total=10_000, info=f"{done:,}/10,000")
            time.sleep(0.05)
        bar._progress.refresh()  # type: ignore[union-attr]
        screen = buf.getvalue()
    assert "versions/s" in screen and "ETA" in screen and "5,000/10,000" in screen
    assert "-:--:--" not in screen.rsplit("ETA", 1)[1][:12]  # a total and a rate: a real ETA


def _last_line(width: int, total: Any, info: str, description: str = "Comparing versions") -> str:
    """The progress line as last drawn on a terminal `width` columns wide (escape codes removed)."""
    out = Output(False)
    buf = io.StringIO()
    out.err = Console(file=buf, force_terminal=True, width=width, color_system=None)
    with out.progress(description) as bar:
        for done in range(0, 5001, 1000):
            bar.update(completed=done, total=total, info=info)
            time.sleep(0.04)
        bar._progress.refresh()  # type: ignore[union-attr]
        screen = buf.getvalue()
    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", x) for x in re.split(r"[\r\n]", screen)]
    return [x for x in lines if x.strip()][-1]


@pytest.mark.parametrize("width", [80, 50])
def test_at_80_columns_the_rate_and_eta_show_and_the_counts_give_way(width: int) -> None:
    """Rich's own columns shrank all at once: at 80 columns validate's rate and elapsed time were `31,234 …`
    and `0:0…`. Now the description goes first, then the elapsed time, then the counts are cut."""
    info = "source 12,345,678 · target 12,345,001 · 677 differences"
    line = _last_line(width, None, info)
    assert len(line) < width and re.search(r"· [\d,]+ versions/s", line), line
    assert "Comparing" not in line and line.split(" · ")[0].endswith(("12,345,678", "…")), line
    line = _last_line(width, 10_000, info, "Re-triggering replication")
    assert len(line) < width and re.search(r"· [\d,]+ versions/s ETA \d+:\d\d:\d\d$", line), line
    line = _last_line(160, 10_000, info, "Re-triggering replication")
    assert re.search(r"^. Re-triggering replication ━+ " + re.escape(info) + r" · [\d,]+ versions/s \d:\d\d:\d\d "
                     r"ETA \d:\d\d:\d\d$", line), line  # room for everything: all of it, in this order


def _status(count: int, size: int) -> Any:
    target = SimpleNamespace(running=True, replicated_count=count, replicated_size=size, failed_count=0,
                             status="Ongoing")
    return SimpleNamespace(targets=[target])


def test_the_watch_line_has_rate_and_eta_once_the_source_is_counted() -> None:
    eta = WatchEta(None, "source", "data", count=False)
    eta.add(_status(100, 1 << 20))
    assert "rate after two samples" in eta.line()
    time.sleep(0.2)
    eta.add(_status(300, 3 << 20))
    assert "versions/s" in eta.line() and "ETA once the source is counted" in eta.line()
    eta.tracker.source_total = 1300
    line = eta.line()
    assert line.startswith("300/1,300 versions") and "ETA " in line and "—" not in line
