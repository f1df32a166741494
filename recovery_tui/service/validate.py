"""The validation engine: a version-aware diff of SRC/BUCKET[/PREFIX] against DST/BUCKET[/PREFIX].

Both listings are streamed at once (pool threads, bounded page queues) and merged in
key order, so memory stays flat however large the bucket. S3 lists by key, then newest
version first; within a key the engine compares *sets* of versions, never positions.
Versions are matched by (key, versionId) (MinIO replication keeps version IDs) and then
compared by size, ETag and the delete-marker flag. Classes: missing on target, extra on
target, mismatched. Per side it counts current versions, noncurrent versions and delete
markers; their sum is what `mc ls -r --versions | wc -l` prints (facts §12). A version deleted by
versionId whose delete still waits to replicate is hidden from the source's listing (§17, which
corrects §12), so until that delete replicates the target's copy of it counts as extra on target.

How the merge stays exact and cheap: each page takes the other side's last page's entries wherever their bytes
agree (a replica lists the same bytes as its source for every version it holds) and reads only the rest
(`listing.Page.share`), so both sides hold the same entry objects there. A chunk is every buffered
entry whose key is below the smaller of the two sides' last buffered keys (a key may continue on the
next page, so the last key waits). If the two chunks are equal as lists (C speed, the common case of a
healthy pair) they are counted once for both sides; otherwise a lazy C-level scan finds the
few key ranges that differ, set differences within them isolate the entries that need a closer
look, and the target's counts follow from the source's and those ranges.

A listing that fails or is cut short makes the report `incomplete`: what was compared
before the failure is reported, nothing after it is ever called "missing". A checkpoint
(last fully compared key, counts, samples) lets an interrupted validation resume.
"""

from __future__ import annotations

import bisect
import operator
import threading
import time
from typing import Any, Callable, Optional

from . import gcpace
from .aliases import BucketPath
from .checkpoint import Checkpoint
from .errors import InputError, RecoveryError
from .listing import (
    DM,
    ENTRY_FORMAT,
    ETAG,
    KEY,
    LATEST,
    SIZE,
    VID,
    Cancelled,
    Entry,
    Page,
    PageStream,
    VersionLister,
    is_dm,
    is_latest,
    size_of,
)
from .models import ObjectVersion
from .prefixplan import UnitPlan
from .validation_report import (
    CLASSES,
    EXTRA,
    MISMATCHED,
    MISSING,
    SideCounts,
    ValidationProgress,
    ValidationReport,
    VersionDiff,
)

_latest, _kind, _key = operator.itemgetter(LATEST), operator.itemgetter(DM), operator.itemgetter(KEY)
_ONLY_T = bytes(int(i == ord("t")) for i in range(256))  # byte translation tables: 1 where "t" / "D", else 0
_ONLY_D = bytes(int(i == ord("D")) for i in range(256))
ne, indexOf = operator.ne, operator.indexOf


def _counts(chunk: list[Entry]) -> tuple[int, int, int]:
    """(versions, current versions, delete markers) of a chunk, in C loops: an entry's `latest` ("t"/"f") and
    `kind` ("V"/"D") are one character each, so a chunk's flags join into two strings, one character per
    entry; the latest delete markers are the positions where both say so (an AND of two byte masks)."""
    kinds = "".join(map(_kind, chunk))
    latest = "".join(map(_latest, chunk))
    dms = kinds.count("D")
    current = latest.count("t")
    if dms:
        both = (int.from_bytes(latest.encode().translate(_ONLY_T), "little")
                & int.from_bytes(kinds.encode().translate(_ONLY_D), "little"))
        current -= both.bit_count()
    return len(chunk), current, dms


def _add(acc: list[int], counts: tuple[int, int, int], sign: int = 1) -> None:
    acc[0] += sign * counts[0]
    acc[1] += sign * counts[1]
    acc[2] += sign * counts[2]


def _ov(e: Optional[Entry]) -> Optional[ObjectVersion]:
    if e is None:
        return None
    return ObjectVersion(key=e[KEY], version_id=e[VID], is_latest=is_latest(e), last_modified=None, size=size_of(e),
                         etag=e[ETAG], delete_marker=is_dm(e))


class Tally:
    """Running counts and samples; also the checkpoint's state."""

    def __init__(self, sample_limit: int = 20) -> None:
        self.sample_limit = sample_limit
        self.src = [0, 0, 0]  # versions, latest non-DM, delete markers
        self.dst = [0, 0, 0]
        self.diffs = {MISSING: 0, EXTRA: 0, MISMATCHED: 0}
        self.samples: dict[str, list[tuple[str, str, Optional[Entry], Optional[Entry]]]] = {c: [] for c in CLASSES}
        self.last_key = ""

    def compare(self, s: list[Entry], d: list[Entry]) -> None:
        """Compare two chunks covering the same key range on each side.

        The source's chunk is counted once. Equal chunks (C-speed list comparison, the common case) give
        the target the same counts. Otherwise `_unequal_ranges` isolates the few key ranges that differ;
        everything outside them is identical position by position, so the target's counts are the
        source's minus the source's side of those ranges plus the target's side.
        """
        counts = _counts(s)
        _add(self.src, counts)
        _add(self.dst, counts)
        if s == d:
            return
        ranges = _unequal_ranges(s, d)
        _add(self.dst, _counts([e for ls, _ in ranges for e in ls]), -1)
        _add(self.dst, _counts([e for _, ld in ranges for e in ld]))
        only_s: set[Entry] = set()
        only_d: set[Entry] = set()
        for ls, ld in ranges:
            ss, ds = set(ls), set(ld)
            only_s |= ss - ds
            only_d |= ds - ss
        if only_s or only_d:
            self._classify(only_s, only_d)

    def _classify(self, only_s: set[Entry], only_d: set[Entry]) -> None:
        """Entries on one side only, matched by (key, versionId), then compared by size/ETag/DM."""
        smap = {(e[KEY], e[VID]): e for e in only_s}
        dmap = {(e[KEY], e[VID]): e for e in only_d}
        found: list[tuple[str, str, str, Optional[Entry], Optional[Entry]]] = []
        for kv, e in smap.items():
            o = dmap.pop(kv, None)
            if o is None:
                found.append((MISSING, kv[0], kv[1], e, None))
            elif (e[SIZE], e[ETAG], e[DM]) != (o[SIZE], o[ETAG], o[DM]):
                found.append((MISMATCHED, kv[0], kv[1], e, o))
        for kv, o in dmap.items():
            found.append((EXTRA, kv[0], kv[1], None, o))
        for kind, *_ in found:
            self.diffs[kind] += 1
        if any(len(v) < self.sample_limit for v in self.samples.values()):
            for kind, key, vid, src, dst in sorted(found, key=lambda f: (f[1], f[2])):
                if len(self.samples[kind]) < self.sample_limit:
                    self.samples[kind].append((key, vid, src, dst))

    def side(self, acc: list[int]) -> SideCounts:
        return SideCounts(versions=acc[0], current=acc[1], noncurrent=acc[0] - acc[1] - acc[2], delete_markers=acc[2])

    def state(self) -> dict[str, Any]:
        return {"src": self.src, "dst": self.dst, "diffs": self.diffs, "last_key": self.last_key,
                "samples": {k: [list(x) for x in v] for k, v in self.samples.items()}, "entries": ENTRY_FORMAT}

    def restore(self, st: dict[str, Any]) -> None:
        self.src, self.dst = list(st["src"]), list(st["dst"])
        self.diffs = {c: int(st["diffs"].get(c, 0)) for c in CLASSES}
        self.last_key = str(st.get("last_key", ""))
        saved = st.get("samples", {}) if st.get("entries") == ENTRY_FORMAT else {}  # older layouts: counts only
        self.samples = {c: [(k, v, tuple(e) if e else None, tuple(o) if o else None)  # type: ignore[misc]
                            for k, v, e, o in saved.get(c, [])] for c in CLASSES}


def _unequal_ranges(s: list[Entry], d: list[Entry]) -> list[tuple[list[Entry], list[Entry]]]:
    """The sub-ranges of two key-ordered chunks that differ; outside them the chunks are equal entry by entry.

    A lazy `map(ne)` over both lists finds the next position where they disagree (C speed, stops there);
    the range is the rest of the smaller of the two keys found there, on each side (so a key's versions are
    compared as sets, never by position); then the scan goes on after it. The unmatched tails form the last
    range. Cost: one C-level comparison per entry plus a bisection per differing key. Each scan starts from
    a list iterator set to its position (`__setstate__`, O(1)): `islice(s, i, None)` would step over the
    first i entries again for every difference, quadratic in a chunk with many of them.
    """
    out: list[tuple[list[Entry], list[Entry]]] = []
    i = j = 0
    ns, nd = len(s), len(d)
    while i < ns and j < nd:
        its, itd = iter(s), iter(d)
        its.__setstate__(i)  # type: ignore[attr-defined]
        itd.__setstate__(j)  # type: ignore[attr-defined]
        try:
            k = indexOf(map(ne, its, itd), True)
        except ValueError:  # equal up to the end of the shorter one
            k = min(ns - i, nd - j)
            i, j = i + k, j + k
            break
        i, j = i + k, j + k
        key = min(s[i][KEY], d[j][KEY])
        ie = bisect.bisect_right(s, key, i, key=_key)
        je = bisect.bisect_right(d, key, j, key=_key)
        out.append((s[i:ie], d[j:je]))
        i, j = ie, je
    if i < ns or j < nd:
        out.append((s[i:], d[j:]))
    return out


def _entries(page: object, other: object) -> list[Entry]:
    """A pulled page's entries: a `Page` takes those of the other side's last page where their bytes agree
    (`Page.share`: parsed once for the pair, and equal stretches compare at once, entry by entry the same
    objects) and parses the rest. Lists are pages parsed already (from memory: benchmarks and tests)."""
    if isinstance(page, Page):
        if isinstance(other, Page):
            page.share(other)
        return page.entries
    return page  # type: ignore[return-value]


def merge(src: PageStream, dst: PageStream, on_chunk: Callable[[list[Entry], list[Entry], str], None]) -> None:
    """Merge two key-ordered page streams; `on_chunk(src_chunk, dst_chunk, last_key)` gets every key range
    once, complete on both sides. Raises the first listing failure (nothing after it is compared)."""
    sb: list[Entry] = []
    db: list[Entry] = []
    s_end = d_end = False
    s_page: object = None  # each side's last page, for the other side's next page to share (`_entries`)
    d_page: object = None
    while True:
        if not s_end and (not sb or d_end or (db and sb[-1][KEY] <= db[-1][KEY])):
            s_page = src.next_page()
            if s_page is None:
                s_end = True
            else:
                sb += _entries(s_page, d_page)
        if not d_end and (not db or s_end or (sb and db[-1][KEY] <= sb[-1][KEY])):
            d_page = dst.next_page()
            if d_page is None:
                d_end = True
            else:
                db += _entries(d_page, s_page)
        if s_end and d_end:
            if sb or db:
                on_chunk(sb, db, max(sb[-1][KEY] if sb else "", db[-1][KEY] if db else ""))
            return
        if (not s_end and not sb) or (not d_end and not db):
            continue
        bound = min(x[-1][KEY] for x, end in ((sb, s_end), (db, d_end)) if not end)
        i = bisect.bisect_left(sb, (bound,))
        j = bisect.bisect_left(db, (bound,))
        if i or j:
            last = max(sb[i - 1][KEY] if i else "", db[j - 1][KEY] if j else "")
            on_chunk(sb[:i], db[:j], last)
            del sb[:i]
            del db[:j]


def _effective_prefix(source: BucketPath, target: BucketPath, prefix: str) -> str:
    p = prefix or source.prefix or target.prefix
    for side in (source, target):
        if side.prefix and side.prefix != p:
            raise InputError(
                f"the prefixes differ ({source.prefix or '-'} vs {target.prefix or prefix or '-'})",
                hint="Validate the same prefix on both sides: give it once with --prefix.",
            )
    return p


def validate(
    service: object,
    source: BucketPath,
    target: BucketPath,
    *,
    prefix: str = "",
    parallel: Optional[int] = None,
    sample_limit: int = 20,
    progress: Optional[Callable[[ValidationProgress], None]] = None,
    checkpoint: Optional[Checkpoint] = None,
    cancel: Optional[threading.Event] = None,
    page_size: int = 1000,
    progress_interval: float = 0.2,
) -> ValidationReport:
    """Diff `source` against `target` (see the module docstring). Never raises for a listing failure
    mid-way (the report says `incomplete`); an unknown alias or bucket-path problem raises InputError.

    `parallel`: None or 1 lists each side with one paginator (both sides at once); N > 1 splits the
    prefix by delimiter listings and lists the parts found meanwhile, 2 × N requests at a time over both
    sides (`prefixplan`).
    `cancel`: set it from another thread to stop; the report comes back incomplete ("cancelled").
    """
    p = _effective_prefix(source, target, prefix)
    src = VersionLister(service, source.alias, source.bucket, page_size=page_size)
    dst = VersionLister(service, target.alias, target.bucket, page_size=page_size)
    tally = Tally(sample_limit)
    resumed = False
    if checkpoint is not None and checkpoint.state:
        tally.restore(checkpoint.state)
        resumed = True
    stop = cancel or threading.Event()
    started = time.monotonic()
    last_progress = 0.0
    width = max(1, parallel or 1)

    compared = False

    def on_chunk(s: list[Entry], d: list[Entry], last: str) -> None:
        nonlocal last_progress, compared
        compared = True
        tally.compare(s, d)
        tally.last_key = last
        if checkpoint is not None:
            checkpoint.maybe_save(tally.state())
        now = time.monotonic()
        if progress is not None and now - last_progress >= progress_interval:
            last_progress = now
            progress(_sample(tally, now - started))

    error, error_exit = "", 0
    # The whole run defers older garbage collections (`gcpace`): between two pages' bulk steps one would
    # otherwise fall due and walk every entry held, 50-70 ms at a time (measured on V3).
    with gcpace.bulk():
        # Prefix-parallel (width > 1): the prefix is split into units while they are listed, with no barrier
        # between discovery levels (`prefixplan`); each unit's two listings start as soon as the unit is known, up
        # to 2 × width requests at a time, and the merge takes the units in key order. One unit otherwise.
        plan = UnitPlan(src, dst, p, stop=stop, workers=2 * width, after=tally.last_key, want=2 * width,
                        max_depth=3 if width > 1 else 0)
        try:
            for unit, streams in plan.units():
                if stop.is_set():
                    raise Cancelled("the validation was cancelled")
                if streams is None:
                    on_chunk(unit[2], unit[3], max(x[-1][KEY] for x in unit[2:] if x))  # each side in key order
                else:
                    merge(streams[0], streams[1], on_chunk)
        except RecoveryError as exc:
            if not compared and not resumed and not isinstance(exc, Cancelled):
                stop.set()
                raise  # nothing compared yet: a plain failure (unknown bucket, bad credentials, site down)
            error, error_exit = exc.one_line(), exc.exit_code
        except KeyboardInterrupt:
            if checkpoint is not None:
                checkpoint.save(tally.state())  # Ctrl-C: keep what was compared, resume later
            raise
        finally:
            plan.close()
    incomplete = bool(error)
    if checkpoint is not None:
        checkpoint.save(tally.state(), done=not incomplete)
    if progress is not None:
        progress(_sample(tally, time.monotonic() - started))
    return ValidationReport(
        source=str(BucketPath(source.alias, source.bucket, p)), target=str(BucketPath(target.alias, target.bucket, p)),
        prefix=p, source_counts=tally.side(tally.src), target_counts=tally.side(tally.dst),
        missing_on_target=tally.diffs[MISSING], extra_on_target=tally.diffs[EXTRA], mismatched=tally.diffs[MISMATCHED],
        samples=tuple(VersionDiff(kind, k, v, _ov(e), _ov(o))
                      for kind in CLASSES for k, v, e, o in tally.samples[kind]),
        incomplete=incomplete, error=error, compared_up_to=tally.last_key, elapsed=time.monotonic() - started,
        resumed=resumed, error_exit_code=error_exit,
    )


def _sample(t: Tally, elapsed: float) -> ValidationProgress:
    return ValidationProgress(t.src[0], t.dst[0], t.diffs[MISSING], t.diffs[EXTRA], t.diffs[MISMATCHED],
                              t.last_key, elapsed)
