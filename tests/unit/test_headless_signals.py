"""`exits.headless_signals`: during a headless command SIGHUP and SIGTERM unwind exactly as Ctrl+C does (a
KeyboardInterrupt, so every handler that saves a checkpoint on Ctrl+C runs for them too), carrying the shell's
exit code; the previous handlers come back afterwards."""

from __future__ import annotations

import os
import signal

import pytest

from recovery_tui.exits import SignalInterrupt, headless_signals


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
