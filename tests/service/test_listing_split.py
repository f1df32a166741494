"""Prefix discovery's level split (`prefixplan._split`) against a per-key reference on random delimiter listings:
tree units for the sub-prefixes, flat units for the direct keys between them, in key order, with each side's
entries (several versions per key) kept in listing order."""

from __future__ import annotations

import random

import pytest

from recovery_tui.service.listing import KEY, make_entry
from recovery_tui.service.prefixplan import _split


def _reference(s, d):
    """The units as a per-key grouping builds them (one entry at a time)."""
    trees = set(s[0]) | set(d[0])
    by_key: dict = {}
    for side, entries in ((0, s[1]), (1, d[1])):
        for e in entries:
            by_key.setdefault(e[KEY], ([], []))[side].append(e)
    units, run = [], None
    for name in sorted(trees | set(by_key)):
        if name in trees:
            units.append(("tree", name, [], []))
            run = None
            continue
        if run is None:
            run = ("flat", name, [], [])
            units.append(run)
        run[2].extend(by_key[name][0])
        run[3].extend(by_key[name][1])
    return units


def _listing(rng: random.Random, prefix: str, names: list[str], share: float):
    """One side's delimiter listing of `prefix`: some of `names` (sub-prefixes end with "/"), versions newest first."""
    prefixes, entries = [], []
    for name in names:
        if rng.random() > share:
            continue
        if name.endswith("/"):
            prefixes.append(prefix + name)
            continue
        for v in range(rng.choice((1, 1, 3))):
            entries.append(make_entry(prefix + name, f"{name}-{v}", v, "e", v == 2, v == 0))
    return prefixes, entries


@pytest.mark.parametrize("seed", range(20))
def test_split_matches_per_key_grouping(seed: int) -> None:
    rng = random.Random(seed)
    pool = ["a", "a0", "a/", "b", "b-", "b/", "b.", "c/", "cc", "d é", "d/", "e", "z/", "zz", "ü/", "ü"]
    names = sorted(rng.sample(pool, rng.randrange(len(pool) + 1)))
    prefix = rng.choice(("", "p/"))
    s = _listing(rng, prefix, names, rng.choice((1.0, 0.8)))
    d = _listing(rng, prefix, names, rng.choice((1.0, 0.5)))
    assert _split(prefix, s, d) == _reference(s, d)


def test_split_of_only_keys_and_only_prefixes() -> None:
    keys = [make_entry(k, "v", 1, "e", False, True) for k in ("k1", "k2")]
    assert _split("", ([], keys), ([], keys[:1])) == [("flat", "k1", keys, keys[:1])]
    assert _split("", (["a/"], []), (["a/", "b/"], [])) == [("tree", "a/", [], []), ("tree", "b/", [], [])]
    assert _split("", ([], []), ([], [])) == []
