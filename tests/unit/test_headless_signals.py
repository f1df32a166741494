"""`exits.headless_signals`: during a headless command SIGHUP and SIGTERM unwind exactly as Ctrl+C does (a
KeyboardInterrupt, so every handler that saves a checkpoint on Ctrl+C runs for them too), carrying the shell's
exit code; the previous handlers come back afterwards. A signal whose KeyboardInterrupt Python dropped (raised
inside a finalizer) is delivered again, without disturbing the cleanup of one that was not."""

from __future__ import annotations

import io
import os
import signal
import time

import pytest

from recovery_tui.exits import REDELIVER_EVERY, SignalInterrupt, headless_signals


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_signal_is_a_keyboard_interrupt_with_its_code(sig: int) -> None:
    before = signal.getsignal(sig)
    saved: list[str] = []
    with pytest.raises(SignalInterrupt) as info:
        with headless_signals():
            try:
                os.kill(os.getpid(), sig)  # the handler runs before the next line
                pytest.fail("the signal did not interrupt")
            except KeyboardInterrupt:  # what validate/backlog catch to save their checkpoint
                saved.append("checkpoint")
                raise
    assert saved == ["checkpoint"] and info.value.code == 128 + sig
    assert signal.getsignal(sig) == before


class _Unclosed(io.RawIOBase):
    """An object left for the garbage collector to close, as an HTTP response nobody closed: `io.IOBase`'s
    finalizer calls close() and drops whatever it raises. The signal's handler runs in there."""

    def __init__(self, sig: int, raised: list[str]) -> None:
        super().__init__()
        self.sig, self.raised = sig, raised

    def close(self) -> None:
        if not self.closed:
            try:
                signal.raise_signal(self.sig)  # the handler runs before this returns
            except BaseException:
                self.raised.append(type(self).__name__)
                raise
            finally:
                super().close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGHUP])
def test_a_signal_lost_in_a_finalizer_still_ends_the_command(sig: int) -> None:
    """The KeyboardInterrupt raised inside a finalizer goes nowhere; the signal is delivered again (within
    REDELIVER_EVERY s), so the command still ends with the signal's code instead of going on."""
    before = signal.getsignal(sig)
    raised: list[str] = []
    with pytest.raises(SignalInterrupt) as info:
        with headless_signals():
            _Unclosed(sig, raised)  # dropped at once: closed by the finalizer, which swallows the interrupt
            assert raised == ["_Unclosed"]  # it was raised, and went nowhere
            deadline = time.monotonic() + 2 * REDELIVER_EVERY + 1
            while time.monotonic() < deadline:
                time.sleep(0.01)
            pytest.fail("the signal was lost: the command went on")
    assert info.value.code == 128 + sig and signal.getsignal(sig) == before


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_the_cleanup_after_a_signal_is_not_interrupted_again(sig: int) -> None:
    """While the first interrupt's cleanup runs (an `except KeyboardInterrupt` saving a checkpoint, a journal
    record), the deliveries again (and a second signal) raise nothing; after the block none arrives."""
    cleaned: list[str] = []
    with pytest.raises(SignalInterrupt) as info:
        with headless_signals():
            try:
                os.kill(os.getpid(), sig)
                pytest.fail("the signal did not interrupt")
            except KeyboardInterrupt:
                deadline = time.monotonic() + 3 * REDELIVER_EVERY  # several deliveries again fall in here
                while time.monotonic() < deadline:
                    time.sleep(0.01)
                os.kill(os.getpid(), sig)  # a second signal during the cleanup
                time.sleep(0.01)
                cleaned.append("checkpoint")
                raise
    assert cleaned == ["checkpoint"] and info.value.code == 128 + sig
    time.sleep(2 * REDELIVER_EVERY)  # nothing is delivered after the block: the test process goes on


def test_the_cleanup_may_handle_errors_of_its_own() -> None:
    """The cleanup after a signal may itself catch an error (rich asks the terminal its size and catches the
    OSError of a pipe; a journal write retries): while that inner `except` runs, the exception being handled is
    the inner one, not the interrupt -- a delivery again then must still raise nothing, or the rest of the
    cleanup (a checkpoint's save, the "run the same command again" notice) would be cut short."""
    cleaned: list[str] = []
    with pytest.raises(SignalInterrupt) as info:
        with headless_signals():
            try:
                os.kill(os.getpid(), signal.SIGINT)
                pytest.fail("the signal did not interrupt")
            except KeyboardInterrupt:
                try:
                    raise OSError("not a terminal")
                except OSError:
                    deadline = time.monotonic() + 3 * REDELIVER_EVERY  # deliveries again fall in here
                    while time.monotonic() < deadline:
                        time.sleep(0.01)
                cleaned.append("notice")
                raise
    assert cleaned == ["notice"] and info.value.code == 130
