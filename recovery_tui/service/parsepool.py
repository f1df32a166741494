"""A small process pool that parses listing pages outside the client's GIL (see `VersionLister`).

Parsing a 1000-entry page costs ~3-5 ms of pure-Python CPU; in one process every listing thread
shares one GIL, so two sides (or sixteen prefixes) listed "at once" still parse one page at a time.
The pool ("spawn" context: never forks a process that has threads) starts lazily on the first large
listing, has `Settings.parse_processes` (`RECOVERY_TUI_PARSE_PROCESSES`) workers importing only `pagexml`,
and is shut down at exit. If it cannot start or breaks, pages are parsed in-process.

Default: 2 workers on hosts with at least 4 cores, none (in-process) below that. Measured on a 2-core
host with both lab servers local (benchmark V1): in-process 2.02 s floor / 2.28 s validate, 2 workers
2.43 / 2.58 s, 1 worker 2.72 / 2.79 s -- with no spare core the extra processes and the pickling
cost more than the GIL they avoid.

Only a listing's pages after its first go to the pool (the first is parsed in-process). A prefix-parallel
validation's listings are mostly one page each (benchmark V3: 100 flat units listed during discovery, 100
one-page trees), so even with workers it parses nearly everything in-process. Sending a page costs the
client ~0.2 ms (pickling the 420 KB body) and reading the result back ~0.12 ms, against ~0.6 ms to parse it.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Optional

from recovery_tui.settings import current

from .pagexml import parse_compact

_lock = threading.Lock()
_pool: Optional[ProcessPoolExecutor] = None
_disabled = False


def workers() -> int:
    """How many parse processes to use (0 = parse in-process): the run's `Settings.parse_processes`."""
    return current().parse_processes


def get() -> Optional[ProcessPoolExecutor]:
    """The shared pool, started on first use; None when turned off or unavailable."""
    global _pool, _disabled
    if _pool is not None or _disabled:
        return _pool
    with _lock:
        if _pool is None and not _disabled:
            n = workers()
            if n <= 0:
                _disabled = True
                return None
            try:
                _pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))
                _pool.submit(int, 0).result(timeout=60)  # the workers really start (or we stay in-process)
            except Exception:
                _pool, _disabled = None, True
    return _pool


def submit(body: bytes, delimited: bool = True) -> Optional["Future[tuple[str, object]]"]:
    """Queue one page body; None when there is no pool (the caller parses in-process)."""
    global _pool, _disabled
    pool = get()
    if pool is None:
        return None
    try:
        return pool.submit(parse_compact, body, delimited)
    except Exception:  # broken or shut down: parse in-process from now on
        with _lock:
            _pool, _disabled = None, True
        return None


def shutdown() -> None:
    """Stop the workers (registered at exit; safe to call more than once)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)
