"""Defers Python's older-generation garbage collections while the listing engine allocates in bulk.

A listing page becomes 1,000 entry tuples; tuples are containers, so every ~700 of them start a young
("generation 0") collection, every 10 of those an older one, and now and then a full one that walks every
container object of the process. None of those older passes finds anything: a validation makes no
cyclic garbage (measured: `gc.collect()` after a 400,000-version run, with automatic collection off,
found 0 objects). Yet they cost: on benchmark V3 (400,000 versions at 20 ms/request) 0.11-0.12 s of the
client's ~0.88 CPU-s went to collections, and the client ran 0.61-0.71 CPU-s with the older ones
deferred (the young ones still run as before, 0.03 s).

`validate` holds one bulk step for its whole run: with steps per page only, the thresholds dropped back
between two pages, and a collection deferred meanwhile fell due at the next allocation outside a step (on V3
a generation-1 pass of 50-70 ms every second or third validation, walking every entry held).

`bulk()` keeps generation 0's threshold as it is (young garbage, the app's included, is collected as
often as before) and raises generations 1 and 2 to at least 1,000 while any bulk step runs; the last step
to finish puts the thresholds back. Nothing is turned off: deferred collections run when they are due
again. The scope is a `with` block that never spans a `yield`, so it always ends. A threshold changed by
other code while a bulk step runs is overwritten by the saved one when the last step ends.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator, Optional

OLDER_THRESHOLD = 1000
"""Generations 1 and 2's thresholds while a bulk step runs (CPython's defaults are 10 and 10)."""

_lock = threading.Lock()
_depth = 0
_saved: Optional[tuple[int, int, int]] = None


def _enter() -> None:
    global _depth, _saved
    with _lock:
        if _depth == 0:
            t0, t1, t2 = _saved = gc.get_threshold()
            gc.set_threshold(t0, max(t1, OLDER_THRESHOLD), max(t2, OLDER_THRESHOLD))
        _depth += 1


def _leave() -> None:
    global _depth, _saved
    with _lock:
        _depth -= 1
        if _depth == 0 and _saved is not None:
            gc.set_threshold(*_saved)
            _saved = None


@contextmanager
def bulk() -> Iterator[None]:
    """Older-generation collections deferred for the duration (nested and concurrent uses count)."""
    _enter()
    try:
        yield
    finally:
        _leave()


def active() -> bool:
    """Whether a bulk step is running (for tests)."""
    return _depth > 0
