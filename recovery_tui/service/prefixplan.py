"""Prefix-parallel validation's plan: a prefix split into ordered, disjoint units, discovered and listed as a pipeline.

A unit is ("tree", prefix, [], []), everything under the prefix, listed by one page stream per side, or
("flat", first key, src entries, dst entries), a run of direct keys that discovery has already listed.
Concatenated in key order the units cover the same keys, in the same order, as one listing of the prefix, so
the merge over them counts and finds the same as one paginator per side.

Discovery lists a tree prefix one level down on both sides, with a delimiter (`_level`), reads the two
answers' entries together once both are in (`_read_level`: a target page without common prefixes takes the
source page's entries where their bytes agree, as a unit's pages do, `Page.share`), and `_split` turns them
into tree units for the sub-prefixes and flat units for the direct keys between them. There
is no barrier between levels: once both sides of a prefix have answered, its children exist, and each child
tree is at once either split further (its two delimiter listings are queued) or final (its two listings are
queued), while other subtrees are still being discovered. The merge walks the tree in key order and waits
only for the node or the unit it has reached.

A tree is final at depth `max_depth`, when either side has more than `cap` direct entries under it (it is
listed whole), when neither side has anything under it, or when its budget is spent. The budget bounds
discovery without a level-wide count (which would need every node of a level, a barrier): the root starts
with `most` (default 8 × `want`), a node shares its budget out equally among its tree children (a chain of
single sub-prefixes keeps all of it), and a child is split further only with a budget of at least one. The
units depend on the listings only, never on timing.

Threads: `workers` threads run discovery listings and unit listings, the ready one nearest the merge in key
order first (`_KeyOrderPool`; one request each at a time), except that a level which can split again (a budget
above one) goes before all of them: it may unlock a whole level of units, where a leaf level unlocks none.
A unit's listing blocks on its bounded page queue (or at the page gate) until the merge reaches it, so all
those threads may be held by units ahead of the merge; whatever the merge waits for (the node it is at, the
unit it is at) is therefore also handed to a reserve pair of threads, and runs once, on whichever thread
takes it first. The merge never waits for a job queued behind blocked ones.

Memory: the pages listed ahead of the merge are bounded all together, not per stream (a unit whose listing
has ended holds no thread, so per-stream bounds alone let the threads list the whole bucket while the merge
is at an earlier unit): `LOOKAHEAD` × `workers` pages, plus the one page each listing has in flight; the
streams of the unit the merge is at are never held back (`pagegate.PageGate`). Flat units hold the entries
discovery listed for them until the merge reaches them: at most the budget's nodes × `cap` entries a side.

With a checkpoint, units wholly before the key compared last are dropped as they appear (never split or
listed), and the unit holding that key starts after it (`resume_unit`).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import operator
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator, Optional, Union

from .listing import KEY, Cancelled, Entry, Page, PageStream, VersionLister
from .pagegate import PageGate

Unit = tuple[str, str, list[Entry], list[Entry]]
"""("tree", prefix, [], []) = everything under prefix; ("flat", first key, src entries, dst entries)."""
Streams = tuple[PageStream, PageStream]

Listed = tuple[list[str], list[Page]]
"""One side of a discovery level as listed: its common prefixes and its pages, entries unread (`_level`)."""
Level = tuple[list[str], list[Entry]]
"""One side of a discovery level read: its common prefixes and its direct entries (`_read_level`)."""

_KEY_OF = operator.itemgetter(KEY)
LOOKAHEAD = 8
"""Pages the units' listings may hold ahead of the merge, all together, per worker thread (`PageGate`)."""


def _level(lister: VersionLister, prefix: str, delimiter: str, cap: int) -> Optional[Listed]:
    """Common prefixes and the pages of direct entries one level under `prefix`, their entries still unread
    (`_read_level` reads both sides' together); None when more than `cap` entries. A level of one page is
    checked against `cap` once read (counting its entries would scan it), a longer one while it is listed."""
    prefixes: list[str] = []
    pages: list[Page] = []
    n = 0
    for page in lister.pages(prefix, delimiter=delimiter):
        prefixes.extend(page.prefixes)
        pages.append(page)
        if page.truncated or len(pages) > 1:
            n += page.count()
            if n > cap:
                return None
    return prefixes, pages


def _read_level(s: Listed, d: Listed, cap: int) -> tuple[Optional[Level], Optional[Level]]:
    """Both sides of a level with their entries read: the source's pages parsed, each target page taking the
    entries of the source's page at its place where their bytes agree (`Page.share`: a replica lists the
    same bytes) and reading the rest; a side with more than `cap` entries is None, as `_level` gives."""
    for mine, theirs in zip(d[1], s[1], strict=False):  # (the target's pages beyond the source's: read alone)
        if theirs.entries:  # (read first: a page shares from a page read already)
            mine.share(theirs)
    out = []
    for prefixes, pages in (s, d):
        entries = pages[0].entries if len(pages) == 1 else list(itertools.chain.from_iterable(p.entries for p in pages))
        out.append((prefixes, entries) if len(entries) <= cap else None)
    return out[0], out[1]


def _split(prefix: str, s: Level, d: Level) -> list[Unit]:
    """One expanded level: tree units for sub-prefixes, flat units for the direct keys between them.

    Each side's direct entries are in key order, and no direct key lies inside a sub-prefix (the listing
    rolled those up), so the entries between two consecutive sub-prefixes are one slice of each side,
    found by bisection (no per-entry Python work)."""
    trees = sorted(set(s[0]) | set(d[0]))
    cuts = [[bisect.bisect_left(side, name, key=_KEY_OF) for name in trees] + [len(side)] for side in (s[1], d[1])]
    units: list[Unit] = []
    i = j = 0
    for n, (ie, je) in enumerate(zip(*cuts, strict=True)):
        if i < ie or j < je:
            src, dst = s[1][i:ie], d[1][j:je]
            first = min(x[0][KEY] for x in (src, dst) if x)
            units.append(("flat", first, src, dst))
        if n < len(trees):
            units.append(("tree", trees[n], [], []))
        i, j = ie, je
    return units


def resume_unit(u: Unit, after: str) -> Optional[tuple[Unit, str]]:
    """What of unit `u` is still to compare after key `after`, with the key its listing starts after ("" = from
    its start); None when all of it lies before `after`. A tree whose prefix `after` does not start with lies
    wholly on one side of `after` (they differ at a character inside the prefix)."""
    if not after:
        return u, ""
    kind, name = u[0], u[1]
    if kind == "tree":
        if after.startswith(name):
            return u, after
        return (u, "") if after < name else None
    s = [e for e in u[2] if e[KEY] > after]
    d = [e for e in u[3] if e[KEY] > after]
    return (("flat", name, s, d), "") if s or d else None


def resume_units(units: list[Unit], after: str) -> list[tuple[Unit, str]]:
    """The units still to compare after key `after`, each with the key to start after ("" = from its start)."""
    return [r for r in (resume_unit(u, after) for u in units) if r is not None]


class _Once:
    """A job that runs at most once, on whichever thread takes it first."""

    __slots__ = ("fn", "args", "_claim")

    def __init__(self, fn: Callable[..., None], *args: Any) -> None:
        self.fn, self.args, self._claim = fn, args, threading.Lock()

    @property
    def taken(self) -> bool:
        return self._claim.locked()

    def __call__(self) -> None:
        if self._claim.acquire(blocking=False):
            self.fn(*self.args)


class _KeyOrderPool:
    """Worker threads that run the ready job nearest the merge first: the smallest key (a node's or a unit's
    prefix; the walk takes them in key order), the source's before the target's, then the first submitted.
    With the pages listed ahead bounded (`PageGate`), those pages are then the ones the merge needs next. In
    submission order (a plain thread pool) a subtree discovered early but far ahead in key order could fill the
    lookahead, every thread would wait at the gate, and the units the merge needs next would be listed by the
    two reserve threads only, a round trip at a time. A job submitted `first` (a level that can split again)
    goes before every other, in key order among them: behind the leaf levels ahead of it in key order it held
    back every unit under it until discovery had drained the slots (V3: 65 ms with both cores half idle). A
    job's failure is its own to report (`_level_job` and `PageStream.produce` hand theirs to the walk); a
    thread never ends because of one."""

    def __init__(self) -> None:
        self._heap: list[tuple[bool, str, int, int, _Once]] = []
        self._cond = threading.Condition()
        self._closed = False
        self._seq = itertools.count()
        self._threads = 0

    def start(self, n: int) -> None:
        for _ in range(n):
            self._threads += 1
            threading.Thread(target=self._run, name=f"validate-{self._threads}", daemon=True).start()

    def submit(self, key: str, side: int, job: _Once, *, first: bool = False) -> None:
        with self._cond:
            if not self._closed:
                heapq.heappush(self._heap, (not first, key, side, next(self._seq), job))
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job = heapq.heappop(self._heap)[4]
            try:
                job()
            except BaseException:  # noqa: BLE001,S110  (see the class: the job has reported it)
                pass

    def close(self) -> None:
        """Drop the queued jobs; each thread ends once its running job returns."""
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify_all()


class _Node:
    """A tree prefix being split: both sides' delimiter listings one level under it, then its children."""

    __slots__ = ("prefix", "depth", "budget", "after", "sides", "left", "lock", "done", "children", "error", "jobs")

    def __init__(self, prefix: str, depth: int, budget: int, after: str) -> None:
        self.prefix, self.depth, self.budget, self.after = prefix, depth, budget, after
        self.sides: list[Optional[Listed]] = [None, None]
        self.left = 2
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.children: list[Item] = []
        self.error: Optional[BaseException] = None
        self.jobs: tuple[_Once, ...] = ()


Ready = tuple[Unit, Optional[tuple[Streams, tuple[_Once, _Once]]]]
"""A final unit: a flat one (None) or a tree one with its two streams and the jobs that fill them."""
Item = Union[_Node, Ready]


class UnitPlan:
    """Discovers `prefix`'s units and lists them, pipelined (module docstring); `units()` hands them over in key
    order. `max_depth=0` makes the whole prefix one unit (one paginator per side). Close it when done."""

    def __init__(
        self, src: VersionLister, dst: VersionLister, prefix: str, *, stop: threading.Event, workers: int,
        after: str = "", want: int = 1, delimiter: str = "/", max_depth: int = 3, cap: int = 1000,
        most: Optional[int] = None,
    ) -> None:
        self.listers = (src, dst)
        self.stop = stop
        self.delimiter, self.max_depth, self.cap = delimiter, max_depth, cap
        self._pool = _KeyOrderPool()
        self._pool.start(2)  # the root's two listings go at once; the other threads start while they are in flight
        self._reserve = ThreadPoolExecutor(max_workers=2, thread_name_prefix="validate-next")
        self._gate = PageGate(LOOKAHEAD * workers)
        self._top = self._child(("tree", prefix, [], []), 0, most or 8 * want, after)
        if max_depth > 0:
            self._pool.start(workers - 2)  # all now: started one by one when the first wide level is found,
            # that level's requests would wait behind them

    def close(self) -> None:
        """Stop every listing (their threads end at their next page) and drop the queued jobs."""
        self.stop.set()
        self._gate.wake()
        self._pool.close()
        self._reserve.shutdown(wait=False, cancel_futures=True)

    def units(self) -> Iterator[tuple[Unit, Optional[Streams]]]:
        """Every unit in key order, a tree unit with its two page streams (its listing started, or started now);
        raises a discovery failure (RecoveryError) when the walk reaches it, Cancelled when stopped."""
        stack: list[Iterator[Item]] = [iter([self._top])] if self._top is not None else []
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
            elif isinstance(item, _Node):
                stack.append(iter(self._wait(item)))
            else:
                unit, listing = item
                if listing is None:
                    yield unit, None
                    continue
                for stream in listing[0]:
                    stream.current = True
                self._gate.wake()
                self._hurry(listing[1])
                yield unit, listing[0]

    # --- the walk's side ---

    def _hurry(self, jobs: tuple[_Once, ...]) -> None:
        """The merge waits for these: let the reserve threads run them unless a worker already took them."""
        if self.max_depth <= 0:
            return  # one unit, nothing else in the pool: its workers take it at once
        for job in jobs:
            if not job.taken:
                self._reserve.submit(job)

    def _wait(self, node: _Node) -> list[Item]:
        self._hurry(node.jobs)
        while not node.done.wait(0.2):
            if self.stop.is_set():
                raise Cancelled("the validation was cancelled")
        if node.error is not None:
            raise node.error
        children, node.children = node.children, []  # what the walk has passed is not kept
        return children

    # --- the workers' side ---

    def _child(self, u: Unit, depth: int, budget: int, after: str) -> Optional[Item]:
        """A unit found under a node (or the root) as the walk will see it: dropped when it lies wholly before
        `after`; a tree split further (a node, its listings queued) or final (its two listings queued)."""
        resumed = resume_unit(u, after)
        if resumed is None:
            return None
        u, start = resumed
        if u[0] != "tree":
            return u, None
        if depth < self.max_depth and budget >= 1:
            node = _Node(u[1], depth, budget, start)
            node.jobs = (_Once(self._level_job, node, 0), _Once(self._level_job, node, 1))
            for side, job in enumerate(node.jobs):
                self._pool.submit(u[1], side, job, first=budget > 1)
            return node
        streams = (PageStream(self.stop, gate=self._gate), PageStream(self.stop, gate=self._gate))
        jobs = (_Once(streams[0].produce, self.listers[0], u[1], start),
                _Once(streams[1].produce, self.listers[1], u[1], start))
        for side, job in enumerate(jobs):
            self._pool.submit(u[1], side, job)
        return u, (streams, jobs)

    def _level_job(self, node: _Node, side: int) -> None:
        try:
            if self.stop.is_set():
                raise Cancelled("the validation was cancelled")
            found = _level(self.listers[side], node.prefix, self.delimiter, self.cap)
        except BaseException as exc:  # noqa: BLE001  (handed to the walk, which raises it where it stands)
            found = None
            with node.lock:
                node.error = node.error or exc
        with node.lock:
            node.sides[side] = found
            node.left -= 1
            if node.left:
                return
        try:
            if node.error is None:
                node.children = self._expand(node)
        except BaseException as exc:  # noqa: BLE001  (a pool shut down by close(), or a bug: the walk raises it)
            node.error = exc
        finally:
            node.done.set()

    def _expand(self, node: _Node) -> list[Item]:
        """The node's children once both sides answered; the node itself, final, when it does not split."""
        listed_s, listed_d = node.sides
        node.sides = [None, None]  # the pages (bytes, text) are not kept once read: the walk may hold the node
        s, d = _read_level(listed_s, listed_d, self.cap) if listed_s and listed_d else (None, None)
        if s is None or d is None or not (s[0] or d[0] or s[1] or d[1]):
            stays = self._child(("tree", node.prefix, [], []), self.max_depth, 0, node.after)
            return [stays] if stays is not None else []
        units = _split(node.prefix, s, d)
        share = node.budget // max(1, sum(u[0] == "tree" for u in units))
        out = (self._child(u, node.depth + 1, share, node.after) for u in units)
        return [c for c in out if c is not None]
