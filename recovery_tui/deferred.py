"""`DeferredService`: the wizard's service, built after the first frame is on the screen.

Importing the service (boto3, botocore, urllib3) and, with `--lab`, starting the embedded lab (aiohttp,
the scenario's data) costs more than the whole first frame of the wizard. The wizard therefore hands the
App this stand-in: the App calls `open_after_first_frame()` once its first screen has been painted, which
builds the real service in a background thread; a worker that calls the service earlier waits for it
(workers run in threads, never on the UI thread, so the screen stays responsive). Every attribute is the
real service's. No Textual here: the App decides when the first frame has been painted.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional

FIRST_FRAME_WAIT = 5.0
"""Seconds a worker waits for the first frame before building the service itself."""


class DeferredService:
    """Builds `build()` once, on first use after `open_after_first_frame()` (or after FIRST_FRAME_WAIT)."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._real: Optional[Any] = None
        self._error: Optional[BaseException] = None
        self._lock = threading.Lock()
        self._gate = threading.Event()

    def open_after_first_frame(self) -> None:
        """The first frame is on the screen: build now, in the background."""
        self._gate.set()
        threading.Thread(target=self._build_quietly, name="recovery-tui-service", daemon=True).start()

    def _build_quietly(self) -> None:
        try:
            self.resolve()
        except BaseException:  # kept in `_error` and raised to the worker that asks next
            pass

    def settle(self) -> Optional[Any]:
        """Wait for a build in progress to finish (before cleaning up after it); the service or None."""
        with self._lock:
            return self._real

    @property
    def built(self) -> Optional[Any]:
        """The real service when it has been built, else None (never waits)."""
        return self._real

    def resolve(self) -> Any:
        """The real service, built on first call (raises what building raised, to every caller)."""
        if self._real is None:
            if threading.current_thread() is not threading.main_thread():
                self._gate.wait(FIRST_FRAME_WAIT)
            with self._lock:
                if self._real is None:
                    if self._error is not None:
                        raise self._error
                    try:
                        self._real = self._build()
                    except BaseException as exc:
                        self._error = exc
                        raise
        return self._real

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.resolve(), name)
