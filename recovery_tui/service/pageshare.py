"""A listing page's entries read with the help of the other side's page, where their bytes agree.

A replica lists the same bytes as its source for every version it holds (same key, version ID, ETag, size,
owner, storage class and modification time: the replicator sends the source's, facts §11), so a target page
and the source page covering the same keys differ only around the versions missing, extra or changed on one
side. `entries_like(text, body, start, other, other_body, other_start, other_entries)` builds a page's entries from:

* runs of bytes equal to a run of the other page: those entries are the other page's own entry objects (which
  ones: the other page's entries that start where the run starts and ends are found by key, no parsing);
* the page's own bytes elsewhere, read by the same strict expression `pagexml.read_page` uses.

It returns exactly what `read_page` would (entry for entry; the test checks it against random pages), or
None, and the caller parses the page itself, when it cannot promise that: a page outside the strict shape
(any entry caught by the expression's catch-all), anything after the last entry that could be one, or a
page that agrees with the other one too little to be worth it.

Why an entry inside an equal run is the other page's entry: the strict expression's matches start at
`<Version>` or `<DeleteMarker>` and end at the element's closing tag, and nothing in between can be one of
those tags (a key's `<` is escaped), so an entry depends on its own bytes only (as `read_page` explains);
equal bytes, equal entry. Both texts must be ASCII (character offsets are then byte offsets) and the other
page must have been read by the strict expression alone (`RawPage.strict`).

Cost: a page that agrees with the other page from end to end costs a few C comparisons of it. Each place where
they disagree costs a search of the other page near it, a bisection of C comparisons, a few matches of one
entry and bisections by key (~10-20 µs; a 1,000-entry page with ten: ~0.2 of parsing it, measured). What lies
beyond the other page is parsed.
"""

from __future__ import annotations

import bisect
import operator
from typing import Optional

from .pagexml import _STRICT, KEY, VID, Entry, unescape_key, unescape_keys

_V, _D = "</Version>", "</DeleteMarker>"
_WINDOW = 8192
"""Characters of the other page searched for the next entry after a disagreement (about a dozen entries)."""
_MAX_OWN = 0.5
"""Give up (the caller parses the page whole) once more than this share of the entries were read one by one
after a search of the other page found nothing."""


_KEY_OF, _CATCH_ALL = operator.itemgetter(KEY), operator.itemgetter(6)


def _index(other: str, at: int, entries: list[Entry], lo: int) -> int:
    """The index in `entries` (the other page's, from `lo` on) of the entry that starts at `at` in its text;
    len(entries) when `at` is past its last entry; -1 when neither (the caller gives up). One match and a
    bisection by key, instead of counting the entries of a whole stretch."""
    m = _STRICT.match(other, at)
    if m is None or m.group(7):
        past = other.find("<Version>", at) < 0 and other.find("<DeleteMarker>", at) < 0
        return len(entries) if past else -1
    key, vid = unescape_key(m.groups(""))[KEY], m.group(VID + 1)  # type: ignore[arg-type]
    j = bisect.bisect_left(entries, key, lo, key=_KEY_OF)
    while j < len(entries) and entries[j][KEY] == key:
        if entries[j][VID] == vid:
            return j
        j += 1
    return -1


def _after_last_close(text: str, lo: int, hi: int) -> int:
    """Where the last element closed wholly inside text[lo:hi] ends (lo when none did)."""
    v, d = text.rfind(_V, lo, hi), text.rfind(_D, lo, hi)
    return max(v + len(_V) if v >= 0 else lo, d + len(_D) if d >= 0 else lo)


def _common(a: bytes, i: int, b: memoryview, j: int) -> int:
    """Length of the common prefix of a[i:] and b[j:], by bisection of C comparisons (memoryview slices: no
    copies; each step compares only the part not yet known to be equal)."""
    hi = min(len(a) - i, len(b) - j)
    if a.startswith(b[j:j + hi], i):
        return hi
    lo = 0  # a[i:i+lo] == b[j:j+lo]; the prefix of length hi differs
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a.startswith(b[j + lo:j + mid], i + lo):
            lo = mid
        else:
            hi = mid
    return lo


def _first_entry_end(text: str, start: int) -> int:
    v, d = text.find(_V, start), text.find(_D, start)
    ends = [x + len(t) for x, t in ((v, _V), (d, _D)) if x >= 0]
    return min(ends) if ends else -1


def _find(other: str, entry: str, q: int, other_start: int, entries: list[Entry], key: str) -> int:
    """Where `entry` (this page's, as written) is in the other page, searched from `q`: within `_WINDOW` after a
    stretch already found; for the first one, first near where its key would put it (the other page's entries
    are about equally long), then the whole page."""
    if q > other_start:
        return other.find(entry, q, q + _WINDOW)
    if key:
        at = other_start + (len(other) - other_start) * bisect.bisect_left(entries, key, key=_KEY_OF) // len(entries)
        hit = other.find(entry, max(q, at - _WINDOW), at + _WINDOW)
        if hit >= 0:
            return hit
    return other.find(entry, q)


def _region(text: str, lo: int, hi: int = -1) -> Optional[list[Entry]]:
    """Every entry in text[lo:hi] (to the end when hi < 0), read here; None outside the strict shape."""
    found: list[Entry] = _STRICT.findall(text, lo) if hi < 0 else _STRICT.findall(text, lo, hi)
    if any(map(_CATCH_ALL, found)):
        return None
    return unescape_keys(found)


def entries_like(text: str, body: bytes, start: int, other: str, other_body: bytes, other_start: int,
                 other_entries: list[Entry]) -> Optional[list[Entry]]:
    """This page's entries (see the module docstring), or None: parse it yourself. Each page is given as its
    text (decoded), its bytes and where its first entry starts (`pagexml.entries_start`); only ASCII texts
    are read here (their character offsets are byte offsets)."""
    if not (text.isascii() and other.isascii()) or len(text) != len(body) or len(other) != len(other_body):
        return None
    other_mv = memoryview(other_body)
    first_end = _first_entry_end(other, other_start)
    if not other_entries or first_end < 0:
        return None
    out: list[Entry] = []
    misses = taken = 0
    p, end = start, len(text)
    q, i = other_start, 0  # where the other page is read from, and how many of its entries lie before q
    first_key, last_key = other_entries[0][KEY], other_entries[-1][KEY]
    while p < end:
        m = _STRICT.match(text, p)
        if m is None:  # no entry here: the entries have ended, unless one starts further on (not MinIO's shape)
            if text.find("<Version>", p) >= 0 or text.find("<DeleteMarker>", p) >= 0:
                return None
            break
        if m.group(7):
            return None  # outside the strict shape: read_page takes the general reader for the whole page
        raw_key = m.group(1)
        plain = "&" not in raw_key  # then the key as written is the key (the other page's keys are unescaped)
        if plain and raw_key > last_key:  # past the other page: the rest is this page's own
            if not taken:
                return None  # nothing in common: the page is parsed the usual way
            rest = _region(text, p)
            if rest is None:
                return None
            out += rest
            break
        if plain and raw_key < first_key and q == other_start:  # before the other page: read up to its first entry
            j = text.find(other[other_start:first_end], p)
            if j < 0:
                return None  # the other page's first entry is not on this one: too little in common
            head = _region(text, p, j)
            if head is None:
                return None
            out += head
            p = j
            continue
        hit = _find(other, text[p:m.end()], q, other_start, other_entries, raw_key if plain else "")
        if hit < 0:  # not in the other page near here: this entry is this page's own
            out.append(unescape_key(m.groups("")))  # type: ignore[arg-type]
            p = m.end()
            misses += 1
            if misses > 16 and misses > _MAX_OWN * len(out):
                return None
            continue
        i = _index(other, hit, other_entries, i)  # past the other page's entries not on this page
        if i < 0:
            return None
        q = hit
        stop = _after_last_close(text, p, p + _common(body, p, other_mv, q))
        q += stop - p
        j = _index(other, q, other_entries, i)  # the stretch's entries are the other page's i..j-1
        if j <= i:
            return None
        out += other_entries[i:j]
        taken += j - i
        i, p = j, stop
    return out if taken else None


__all__ = ["entries_like"]
