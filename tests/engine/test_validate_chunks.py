"""The chunk comparison of the validation engine against a brute-force reference, on random differences.

Chunks mostly equal position by position, with missing, extra and mismatched versions, flipped
`is_latest` flags, versions of one key in another order on each side, and delete markers: the counts
and the classified differences must equal a per-key set comparison, whatever the chunking.
"""

from __future__ import annotations

import random

import pytest

from recovery_tui.service.validate import EXTRA, MISMATCHED, MISSING, Tally, merge


def _side(entries):
    cur = sum(1 for e in entries if e[5] and not e[4])
    dms = sum(1 for e in entries if e[4])
    return [len(entries), cur, dms]


def _reference(src, dst):
    s = {(e[0], e[1]): e for e in src}
    d = {(e[0], e[1]): e for e in dst}
    missing = sum(1 for k in s if k not in d)
    extra = sum(1 for k in d if k not in s)
    mism = sum(1 for k in s if k in d and (s[k][2], s[k][3], s[k][4]) != (d[k][2], d[k][3], d[k][4]))
    return {MISSING: missing, EXTRA: extra, MISMATCHED: mism}


def _bucket(rng: random.Random, keys: int):
    src = []
    for k in range(keys):
        key = f"p/{k:06d}-é"
        n = rng.choice((1, 1, 2, 3))
        for v in range(n):
            dm = rng.random() < 0.1
            src.append((key, f"v{k}-{v}", 0 if dm else rng.randrange(100), "" if dm else f"e{k}", dm, v == 0))
    return src


def _damage(rng: random.Random, src, rate: float):
    dst = []
    for e in src:
        r = rng.random()
        if r < rate:
            continue  # missing
        if r < 2 * rate:
            dst.append((e[0], e[1], e[2] + 1, e[3], e[4], e[5]))  # mismatched size
        elif r < 3 * rate:
            dst.append((e[0], e[1], e[2], e[3], e[4], not e[5]))  # only is_latest differs: not a difference
        else:
            dst.append(e)
        if rng.random() < rate:
            dst.append((e[0], e[1] + "x", 1, "e", rng.random() < 0.5, False))  # extra
    # swap the order of two versions of one key here and there (sets per key, never positions)
    for i in range(len(dst) - 1):
        if dst[i][0] == dst[i + 1][0] and rng.random() < rate:
            dst[i], dst[i + 1] = dst[i + 1], dst[i]
    return dst


class _Stream:
    def __init__(self, entries, size):
        self.pages = iter([entries[i:i + size] for i in range(0, len(entries), size)])

    def next_page(self):
        return next(self.pages, None)


@pytest.mark.parametrize("seed", range(12))
def test_chunk_compare_matches_reference(seed: int) -> None:
    rng = random.Random(seed)
    src = _bucket(rng, rng.choice((50, 400, 3000)))
    dst = _damage(rng, src, rng.choice((0.0, 0.002, 0.02, 0.3)))
    if seed % 4 == 3:
        src, dst = dst, src
    tally = Tally(sample_limit=5)
    merge(_Stream(src, rng.choice((7, 100, 1000))), _Stream(dst, rng.choice((13, 1000))),
          lambda s, d, last: tally.compare(s, d))
    assert tally.src == _side(src)
    assert tally.dst == _side(dst)
    assert tally.diffs == _reference(src, dst)
    for got in tally.samples.values():
        assert [(k, v) for k, v, *_ in got] == sorted((k, v) for k, v, *_ in got)


def test_tail_and_empty_sides() -> None:
    rng = random.Random(99)
    src = _bucket(rng, 200)
    for dst in ([], src[:10], src[:-10], src[5:]):
        tally = Tally()
        tally.compare(src, dst)
        assert tally.dst == _side(dst) and tally.diffs == _reference(src, dst)
        tally = Tally()
        tally.compare(dst, src)
        assert tally.src == _side(dst) and tally.diffs == _reference(dst, src)
