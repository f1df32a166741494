"""`pageshare.entries_like` against the parser, on random page pairs in the lab's bytes.

A source bucket and its replica (same versions with the same times, as replication keeps them), then on the
replica: versions removed, extra versions, a changed size; each side listed in pages of its own random size.
For every target page against every source page: the answer is None or exactly `read_page`'s entries, and
entries taken from the source page are the source page's own objects. The pairs that overlap must share.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from helpers.listingsites import T0
from recovery_tui.lab import listing as lab_listing
from recovery_tui.lab.store import Bucket, Version
from recovery_tui.service.pageshare import entries_like
from recovery_tui.service.pagexml import entries_start, markers, read_page


def _pages(b: Bucket, size: int) -> list[bytes]:
    out, key, vid = [], "", ""
    while True:
        body = lab_listing.list_versions(b, prefix="", delimiter="", key_marker=key, vid_marker=vid,
                                         max_keys=size).encode()
        out.append(body)
        truncated, key, vid = markers(body)
        if not truncated:
            return out


def _pair(seed: int, unicode: bool) -> tuple[Bucket, Bucket]:
    rng = random.Random(seed)
    stems = ["a", "a&b", "b/c", "d<e>", "f'g", "h/i/j", "k"] + (["é/x"] if unicode else [])
    src, dst = Bucket("data", versioning="Enabled"), Bucket("replica", versioning="Enabled")
    n = 0
    for i in range(rng.randrange(30, 90)):
        key = f"{rng.choice(stems)}{i:03d}"
        for _ in range(rng.choice((1, 1, 2, 3, 5))):
            n += 1
            dm = rng.random() < 0.15
            size = rng.randrange(5)
            when = T0 + timedelta(seconds=n)
            src.add_version(Version(key, f"v{n}", b"x" * size, last_modified=when, delete_marker=dm))
            roll = rng.random()
            if roll < 0.06:
                continue  # missing on the replica
            if roll < 0.09:
                size += 1  # a different size
            dst.add_version(Version(key, f"v{n}", b"x" * size, last_modified=when, delete_marker=dm))
            if rng.random() < 0.04:
                n += 1
                dst.add_version(Version(key, f"x{n}", b"y", last_modified=when + timedelta(milliseconds=5)))
    return src, dst


@pytest.mark.parametrize("seed", range(12))
def test_the_parser_s_entries_or_none(seed: int) -> None:
    rng = random.Random(seed)
    src, dst = _pair(seed, unicode=seed % 4 == 3)
    s_pages = _pages(src, rng.randrange(2, 40))
    d_pages = _pages(dst, rng.randrange(2, 40))
    parsed = [(read_page(b, False)[0], b) for b in s_pages]
    answered = taken = 0
    for t in d_pages:
        want = read_page(t, False)[0].entries
        for raw, s in parsed:
            got = entries_like(t.decode(), t, entries_start(t), s.decode(), s, entries_start(s), raw.entries)
            if not (t.isascii() and s.isascii()):
                assert got is None  # a non-ASCII page is never read this way
            if got is None:
                continue
            assert got == want
            answered += 1
            ids = {id(e) for e in raw.entries}
            mine = sum(id(e) in ids for e in got)
            assert mine > 0  # an answer takes something from the other page, or it is None
            taken += mine
    assert taken > 0
    if seed % 4 != 3:
        assert answered >= len(d_pages) // 2


def test_a_page_beyond_or_before_the_other_is_none() -> None:
    src, _ = _pair(1, unicode=False)
    pages = _pages(src, 10)
    first, last = pages[0], pages[-1]
    raw = read_page(first, False)[0]
    assert entries_like(last.decode(), last, entries_start(last), first.decode(), first, entries_start(first),
                        raw.entries) is None
    raw = read_page(last, False)[0]
    assert entries_like(first.decode(), first, entries_start(first), last.decode(), last, entries_start(last),
                        raw.entries) is None
