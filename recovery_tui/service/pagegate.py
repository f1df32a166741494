"""The bound on the pages a prefix-parallel validation's listings hold ahead of its merge (see `PageGate`)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .listing import PageStream


class PageGate:
    """How many listed pages the streams of a prefix-parallel validation may hold, all together, ahead of the merge.

    Each stream's queue is bounded, but a unit's listing that has ended no longer holds a thread, so without a
    common bound the threads list unit after unit while the merge is still at an earlier one, and every page
    of a bucket can end up waiting in memory (`validate --parallel 16` at 1,000,000 versions a side peaked at
    781 MB RSS without this gate, 150-223 MB with it; one paginator: 126 MB).
    A producer is admitted a page while fewer than `limit` pages are held, or at once when the merge has
    reached its stream's unit (`PageStream.current`: the unit the merge waits for is never held back, so
    the gate cannot deadlock); the merge gives the page back as it takes it (`done`)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._cond = threading.Condition()

    def admit(self, stream: PageStream) -> bool:
        """Wait for room for one more page of `stream`; False when the validation stopped meanwhile."""
        with self._cond:
            while self.held >= self.limit and not stream.current:
                if stream.stop.is_set():
                    return False
                self._cond.wait(0.2)
            self.held += 1
            return True

    def done(self) -> None:
        with self._cond:
            self.held -= 1
            self._cond.notify()

    def wake(self) -> None:
        """A stream became current, or the validation stops: every waiting producer looks again."""
        with self._cond:
            self._cond.notify_all()
