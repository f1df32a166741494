"""The pieces of a clean exit (issue 8), without a terminal: the driver's output survives a gone terminal, and
the exit guard turns a signal into the right move for the moment it arrives. End to end on a pty:
tests/safety/test_exits_*.py."""

from __future__ import annotations

import errno
import io
import os
import signal
import threading

import pytest

from helpers.waiting import wait_until
from recovery_tui.exits import ExitGuard, Interrupted, require_terminal
from recovery_tui.service.errors import InputError
from recovery_tui.terminal import QuietOutput


class GoneTerminal(io.StringIO):
    """A terminal after the SSH session dropped: every write fails with EIO."""

    def write(self, text: str) -> int:
        raise OSError(errno.EIO, "Input/output error")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the raw writer's death
def test_textuals_writer_dies_on_a_gone_terminal_but_not_behind_quiet_output() -> None:
    from textual.drivers._writer_thread import MAX_QUEUED_WRITES, WriterThread

    raw = WriterThread(GoneTerminal())  # the cause: the thread dies, nobody drains its bounded queue any more
    raw.start()
    raw.write("frame")
    wait_until(lambda: not raw.is_alive(), what="the raw writer thread died")

    quiet = QuietOutput(GoneTerminal())
    writer = WriterThread(quiet)
    writer.start()
    for _ in range(MAX_QUEUED_WRITES * 3):  # more than the queue holds: only a live writer lets this return
        writer.write("frame")
    stopper = threading.Thread(target=writer.stop, daemon=True)
    stopper.start()
    stopper.join(30)
    assert not stopper.is_alive() and not writer.is_alive() and quiet.gone


def test_quiet_output_passes_through_while_the_terminal_is_there() -> None:
    out = QuietOutput(io.StringIO())
    out.write("abc")
    out.flush()
    assert out.getvalue() == "abc" and not out.gone  # other attributes are the stream's


def test_before_the_tui_a_signal_unwinds_with_its_exit_code() -> None:
    guard = ExitGuard(grace=60).install()
    try:
        with pytest.raises(Interrupted) as caught:
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs before the next bytecode
        assert caught.value.code == 143 and guard.code == 143
    finally:
        guard._watchdog.cancel() if guard._watchdog else None
        guard.uninstall()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_while_the_tui_runs_a_signal_asks_the_app_on_its_loop() -> None:
    import asyncio

    asked: list[int] = []
    guard = ExitGuard(grace=60).install()

    async def running_app() -> None:
        guard.tui_running(asked.append)
        os.kill(os.getpid(), signal.SIGHUP)
        await asyncio.sleep(0)  # the handler ran between bytecodes; the call lands on the loop
        await asyncio.sleep(0)

    try:
        asyncio.run(running_app())
        assert asked == [129]
        os.kill(os.getpid(), signal.SIGHUP)  # a second signal: already ending, nothing more
        assert asked == [129]
        guard.closing()
    finally:
        guard._watchdog.cancel() if guard._watchdog else None
        guard.uninstall()


def test_require_terminal_names_the_headless_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO())
    with pytest.raises(InputError) as caught:
        require_terminal()
    line = caught.value.one_line()
    assert "needs a terminal" in line and "validate" in line and "resync-backlog" in line and "\n" not in line
