"""Clean exits from the wizard: SIGHUP (an SSH session dropped, a tmux window closed), SIGTERM and SIGINT
end the process within two seconds at any moment, startup included, with the state saved and any `--lab`
servers stopped; and without a terminal the wizard refuses in one line instead of drawing into a pipe.

`ExitGuard` is installed by `run_wizard` before anything slow starts (the lab, the App):

* before the TUI runs, a signal raises `Interrupted` (a BaseException, like KeyboardInterrupt), which unwinds
  through `run_wizard`'s `finally` (the lab stops) to `cli.main`, which returns its exit code;
* while the TUI runs, the signal asks the App, on its own event loop, to save and exit (`RecoveryApp.end_now`);
* after the TUI has returned, the cleanup already under way is left to finish;
* in every case (and when the App leaves at once on Ctrl+C) a watchdog thread is armed: if the process is
  still alive after `GRACE_SECONDS` (a worker stuck in a request, a terminal that stopped reading), it runs
  the last words it was given (save the state, give the terminal back) and ends the process with `os._exit`.

Exit codes are the shell's: 128 + the signal number (SIGHUP 129, SIGINT 130, SIGTERM 143).
This module never imports Textual.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NoReturn, Optional

from recovery_tui.service.errors import InputError

GRACE_SECONDS = 1.5
"""How long a signalled exit may take before the watchdog ends the process (the promise is 2 s)."""

SIGNALS = tuple(getattr(signal, name) for name in ("SIGHUP", "SIGTERM", "SIGINT") if hasattr(signal, name))

REDELIVER_EVERY = 0.25
"""Seconds between two deliveries again of a signal whose KeyboardInterrupt went nowhere (`headless_signals`)."""

HEADLESS_COMMANDS = ("targets", "resync start", "resync status", "validate", "resync-backlog", "journal")
"""What works without a terminal (named by the refusal)."""


class Interrupted(BaseException):
    """A signal arrived before the TUI ran: unwind (running `finally` blocks) and exit with `code`."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def require_terminal() -> None:
    """InputError (one line, exit 2) unless stdin and stdout are both a terminal. (Not asked of a browser
    session of `recovery-tui serve`, `Settings.web_driver`: it draws through its web driver.)"""
    streams = (sys.stdin, sys.stdout)
    if all(s is not None and hasattr(s, "isatty") and s.isatty() for s in streams):
        return
    raise InputError(
        "the wizard needs a terminal (stdin and stdout must be one)",
        hint="run it in a terminal, or use the headless commands: recovery-tui "
        + " | ".join(HEADLESS_COMMANDS) + " (see recovery-tui --help)",
    )


class ExitGuard:
    """Turns SIGHUP/SIGTERM/SIGINT into a prompt exit (see the module docstring)."""

    def __init__(self, grace: float = GRACE_SECONDS) -> None:
        self.grace = grace
        self.code: Optional[int] = None
        """The exit code of the first signal, None while none arrived."""
        self._ask_app: Optional[Callable[[int], None]] = None
        self._closing = False
        self._last_words: list[Callable[[], Any]] = []
        self._previous: dict[int, Any] = {}
        self._watchdog: Optional[threading.Timer] = None

    # -- installation ------------------------------------------------------------------------------

    def install(self) -> "ExitGuard":
        """Handle the signals (main thread only; elsewhere, e.g. in a test's worker thread, it does nothing)."""
        if threading.current_thread() is not threading.main_thread():
            return self
        for sig in SIGNALS:
            self._previous[sig] = signal.signal(sig, self._on_signal)
        return self

    def uninstall(self) -> None:
        """Give the previous handlers back (in-process callers: tests)."""
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def last_words(self, fn: Callable[[], Any]) -> None:
        """Run `fn` (best effort, errors ignored) if the watchdog has to end the process."""
        self._last_words.append(fn)

    def tui_running(self, end_app: Callable[[int], None]) -> None:
        """From now on a signal calls `end_app(code)` on the event loop running the App."""
        self._ask_app = end_app

    def closing(self) -> None:
        """The TUI has returned: a signal now only arms the watchdog over the cleanup under way."""
        self._ask_app = None
        self._closing = True

    def ending(self, code: int) -> None:
        """The App is leaving at once (Ctrl+C, a signal, a gone terminal): the watchdog bounds it too."""
        if self.code is None:
            self.code = code
            self._arm_watchdog()

    # -- the handler ------------------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self.code is not None:
            return  # already ending; the watchdog bounds how long
        code = 128 + signum
        self.ending(code)
        if self._ask_app is not None:
            loop = asyncio._get_running_loop()  # the handler runs on the main thread, which runs the App
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(self._ask_app, code)
                return
        if self._closing:
            return
        raise Interrupted(code)

    def _arm_watchdog(self) -> None:
        self._watchdog = threading.Timer(self.grace, self._force_exit)
        self._watchdog.daemon = True
        self._watchdog.start()

    def _force_exit(self) -> None:
        for fn in self._last_words:
            try:
                fn()
            except BaseException:  # noqa: BLE001 - last words are best effort; the exit must happen
                pass
        os._exit(self.code if self.code is not None else 1)


class SignalInterrupt(KeyboardInterrupt):
    """SIGHUP or SIGTERM during a headless command: a KeyboardInterrupt (so every `except KeyboardInterrupt` that
    saves a checkpoint runs for it too) that carries the shell's exit code (129, 143)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@contextmanager
def headless_signals() -> Iterator[None]:
    """For a headless command: SIGINT, SIGHUP and SIGTERM raise `SignalInterrupt(128 + signum)` in the main thread
    (a KeyboardInterrupt: SIGHUP and SIGTERM unwind exactly as Ctrl+C does), so its checkpoint saves, `finally`
    blocks and journal's "interrupted" record run instead of the process vanishing mid-line. Main thread only
    (elsewhere, e.g. a test's worker thread, a no-op).

    Python drops an exception raised inside a finalizer: when the handler happens to run while the garbage
    collector closes an object (an HTTP response left to `io.IOBase`'s finalizer, which clears it without a word;
    a `__del__`, which prints it and goes on), the signal would be lost and the command would go on as if none had
    come (measured: 1 signal in ~50 sent at a random point of a fleet run's CPU time). So from the first signal
    until the block is left, SIGALRM delivers it again every REDELIVER_EVERY s, raising again -- unless a
    KeyboardInterrupt is being handled at that moment: the cleanup under way (an `except KeyboardInterrupt` that
    saves a checkpoint, a `finally`, and any `except` of their own inside them) runs undisturbed, and a second
    signal during it is ignored too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    codes: list[int] = []

    def raise_interrupted(signum: int, frame: Any) -> None:
        if _handling_interrupt():
            return  # already on its way out
        if not codes:
            codes.append(128 + signum)
            if hasattr(signal, "setitimer"):
                signal.setitimer(signal.ITIMER_REAL, REDELIVER_EVERY, REDELIVER_EVERY)
        raise SignalInterrupt(codes[0])

    def deliver_again(signum: int, frame: Any) -> None:
        if codes:
            raise_interrupted(codes[0] - 128, frame)

    handlers = {sig: raise_interrupted for sig in (getattr(signal, n) for n in ("SIGINT", "SIGHUP", "SIGTERM")
                                                   if hasattr(signal, n))}
    if hasattr(signal, "setitimer"):
        handlers[signal.SIGALRM] = deliver_again
    previous = {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}
    try:
        yield
    finally:
        if codes and hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _handling_interrupt() -> bool:
    """Whether the code running now is the cleanup of a KeyboardInterrupt: the exception being handled is one,
    or was raised while one was being handled (its `__context__` chain holds one: the cleanup caught an error
    of its own, e.g. rich asking a pipe for its terminal size)."""
    exc: Optional[BaseException] = sys.exc_info()[1]
    seen = 0
    while exc is not None and seen < 50:  # a chain is short; the bound only guards against a cycle
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc, seen = exc.__context__, seen + 1
    return False


def terminal_restorer() -> Callable[[], None]:
    """Last words that give the terminal back as it is now (cooked mode, main screen, cursor shown)."""
    try:
        import termios

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except Exception:  # not a terminal, or no termios: nothing to restore
        return lambda: None

    def restore() -> None:
        try:
            os.write(sys.__stderr__.fileno() if sys.__stderr__ else 2, b"\x1b[?1049l\x1b[?25h")
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, saved)

    return restore


def end_process(code: int) -> NoReturn:
    """Leave now, after the wizard cleaned up: the atexit handlers (log flush, parse-pool shutdown) and a flush
    of stdout/stderr, then `os._exit` -- skipping the interpreter's teardown of Textual & co (~0.5 s of
    module cleanup nothing needs), which would otherwise eat a quarter of a signal's two seconds."""
    try:
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001 - exiting regardless
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a terminal or pipe that is gone
            pass
    os._exit(code)
