"""An interrupt that lands inside one of rich's prints (CI, 2026-12-03: `site resync start` was interrupted mid-
fleet, exited 130, and never said "run the same command again").

rich's print is not signal-safe: a KeyboardInterrupt raised between `Console.__enter__` and the bookkeeping of
`__exit__` leaves the console's buffer open in that thread, and every later print is buffered and never written.
A signal lands there about once in 70 interrupts of a printing loop; these tests put it there every time, with
a trace function that raises KeyboardInterrupt where Python would run the signal's handler: at the call of the
buffer counter's setter from `Console._exit_buffer`, before the count goes down."""

from __future__ import annotations

import io
import sys
from contextlib import contextmanager
from types import FrameType
from typing import Any, Iterator, Optional

import pytest
from rich.console import Console

from helpers.labkit import run_main, site_loss_lab, use_lab_env
from recovery_tui.headless.output import Output

_SETTER = Console._buffer_index.fset.__code__  # type: ignore[attr-defined]
_EXIT = Console._exit_buffer.__code__


@contextmanager
def interrupt_in_print(nth: int = 1) -> Iterator[None]:
    """Raise KeyboardInterrupt inside the `nth` rich print (of any console) of this thread from here on."""
    seen = [0]

    def trace(frame: FrameType, event: str, arg: Any) -> Optional[Any]:
        if event == "call" and frame.f_code is _SETTER and frame.f_back is not None \
                and frame.f_back.f_code is _EXIT:
            seen[0] += 1
            if seen[0] == nth:
                sys.settrace(None)
                raise KeyboardInterrupt
        return None

    sys.settrace(trace)
    try:
        yield
    finally:
        sys.settrace(None)


def test_a_notice_after_an_interrupt_inside_a_print_is_written(capsys: pytest.CaptureFixture[str]) -> None:
    out = Output(json_mode=True)
    with pytest.raises(KeyboardInterrupt):
        with interrupt_in_print():
            out.notice("audit: Pending")
    out.notice("buffered")
    assert capsys.readouterr().err == "", "rich no longer keeps its buffer open after an interrupt mid-print"
    out.settle()
    out.notice("run the same command again")
    assert capsys.readouterr().err.splitlines() == ["audit: Pending", "buffered", "run the same command again"]


def test_a_live_view_interrupted_mid_print_gives_the_cursor_back() -> None:
    """On a terminal the live view hides the cursor; its stop shows it again. Interrupted inside a print within
    the view, the stop's escape was buffered for ever: the operator's shell was left without a cursor."""
    out = Output()
    screen = io.StringIO()
    out.err = Console(file=screen, force_terminal=True, width=80, soft_wrap=True, highlight=False)
    with pytest.raises(KeyboardInterrupt):
        with out.live("Site resync source → target") as view:
            assert view is not None
            with interrupt_in_print():
                out.notice("audit: Ongoing")
    written = screen.getvalue()
    hidden, shown = written.rfind("\x1b[?25l"), written.rfind("\x1b[?25h")
    assert 0 <= hidden < shown, repr(written[-200:])
    assert "audit: Ongoing" in written


def test_site_resync_start_interrupted_inside_a_notice_says_how_to_continue(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with site_loss_lab(40, hold=True) as lab:
        use_lab_env(lab, monkeypatch)
        with interrupt_in_print(nth=4):  # a bucket's status line, once the run is under way
            r = run_main(["site", "resync", "start", "source", "target", "--yes", "--json", "--interval", "0.05"],
                         capsys)
    assert r.code == 130 and "Traceback" not in r.err, r.err[-800:]
    lines = r.err.splitlines()
    assert lines[-2].startswith("interrupted: ") and "run the same command again" in lines[-2], r.err[-800:]
    assert lines[-1] == "recovery-tui: interrupted" and len(lines) >= 4
