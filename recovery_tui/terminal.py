"""The terminal driver of the wizard: Textual's own, except that a terminal that goes away cannot hang the exit.

Textual writes the screen from a thread fed by a 30-entry queue. When the terminal is gone (the SSH session
dropped, the tmux window closed) a write raises EIO, that thread dies, the queue fills up, and the next write
— or the `put(None)` that stops the thread at exit — waits forever for a queue nobody drains: the process
stayed alive, its lab too. Here the driver's output swallows those errors, so the writer thread keeps
draining (into nothing) and the exit completes. A read that fails the same way ends the App as a hangup
would (exit 129) instead of a panic with a traceback nobody can see.
"""

from __future__ import annotations

import sys
from typing import IO, Any, Optional

HANGUP_EXIT = 129


class QuietOutput:
    """A text stream whose write/flush never raise OSError: once the terminal is gone, output is dropped."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.gone = False
        """The terminal stopped accepting output (a write or flush failed)."""

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                self._stream.write(text)
            except (OSError, ValueError):  # EIO/EPIPE on a gone terminal; ValueError on a closed stream
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self.gone = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def driver_class() -> Optional[type]:
    """The driver for `App(driver_class=...)`: a hardened LinuxDriver on POSIX, None (Textual's choice) elsewhere."""
    if sys.platform == "win32":
        return None
    from textual.drivers.linux_driver import LinuxDriver

    class WizardDriver(LinuxDriver):
        def __init__(self, *args: Any, **kw: Any) -> None:
            super().__init__(*args, **kw)
            self._file = QuietOutput(self._file)  # type: ignore[assignment, arg-type]  # stderr, never None here

        def _run_input_thread(self) -> None:  # Textual's (8.x) wrapper turns any error into a panic
            try:
                self.run_input_thread()
            except OSError:  # the terminal is gone: leave as on SIGHUP, state saved
                end = getattr(self._app, "end_now", None) or self._app.exit
                self._app.call_later(end, HANGUP_EXIT)
            except BaseException:  # anything else: Textual's own behaviour
                import rich.traceback

                self._app.call_later(self._app.panic, rich.traceback.Traceback())

    return WizardDriver
