"""Prefix-parallel validation with pipelined discovery (`service/prefixplan.py`) against one paginator per side.

Two in-memory sites answer with the lab's own listing bytes (`helpers.listingsites`), so every request can be
watched, held or failed. Shown here: the parallel engine reports exactly what the sequential one does on trees
of varied shape; a unit's listing starts while another subtree is still being discovered (no level barrier);
resuming after any key lists exactly the rest and never touches a subtree wholly before that key; a failure in
discovery or in a unit's listing makes the report incomplete, with nothing after it called missing; while the
merge waits for one unit, the other units' listings stop once the plan's lookahead of pages is held.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest

from helpers.listingsites import bucket, random_pair, sites
from recovery_tui.service.aliases import BucketPath
from recovery_tui.service.errors import ConnectionFailure
from recovery_tui.service.listing import VersionLister
from recovery_tui.service.prefixplan import LOOKAHEAD, UnitPlan
from recovery_tui.service.validate import validate

SRC, DST = BucketPath("src", "data"), BucketPath("dst", "data")
HANG = 60.0
"""Bound on a run that should take well under a second: past it the engine is taken to hang."""


def _bounded(fn: Callable[[], Any]) -> Any:
    """Run `fn` in a thread; fail (not hang the suite) if it does not end within HANG seconds."""
    out: list[Any] = []
    th = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    th.start()
    th.join(HANG)
    assert not th.is_alive(), "the validation did not end"
    assert out, "the validation raised (see the thread's traceback)"
    return out[0]


def _result(r: Any) -> tuple[Any, ...]:
    return (r.source_counts, r.target_counts, r.missing_on_target, r.extra_on_target, r.mismatched,
            [(d.kind, d.key, d.version_id, d.source, d.target) for d in r.samples], r.compared_up_to,
            r.incomplete, r.error)


def _run(service: Any, **kw: Any) -> Any:
    return _bounded(lambda: validate(service, SRC, DST, sample_limit=100_000, **kw))


@pytest.mark.parametrize("shape", ["deep", "wide", "mixed"])
@pytest.mark.parametrize("seed", range(4))
def test_parallel_reports_what_one_paginator_reports(shape: str, seed: int) -> None:
    service = sites(*random_pair(seed, shape))
    want = _run(service)
    assert not want.incomplete and want.source_counts.versions > 0
    assert want.missing_on_target  # the trees differ: samples are compared too
    for parallel, page_size in ((2, 1000), (3, 4), (16, 1000), (16, 2)):
        got = _run(service, parallel=parallel, page_size=page_size)
        assert _result(got) == _result(want), (parallel, page_size)


def test_a_prefix_over_the_cap_and_one_on_one_side_only() -> None:
    """1,100 direct keys under big/ (over discovery's cap of 1,000: listed whole), a prefix the target lacks."""
    specs = [(f"big/{i:05d}", f"v{i}", 1, False) for i in range(1100)]
    specs += [("small/a/k", "s1", 1, False), ("small/b", "s2", 1, True), ("t/x/y/z/k", "t1", 2, False)]
    target = [s for s in specs if s[0] != "big/00500" and not s[0].startswith("small/a/")]
    service = sites(bucket(specs), bucket(target))
    want = _run(service)
    assert (want.missing_on_target, want.source_counts.versions) == (2, 1103)
    for parallel, page_size in ((2, 1000), (4, 300)):
        assert _result(_run(service, parallel=parallel, page_size=page_size)) == _result(want)


@pytest.mark.parametrize("cap,units", [
    (5, [("tree", "big/"), ("flat", "small/k")]),  # big/'s one page holds 8 entries: over the cap, listed whole
    (8, [("flat", "big/00"), ("tree", "big/sub/"), ("flat", "small/k")]),  # at the cap: split
])
def test_a_level_of_one_page_is_held_to_the_cap_once_read(cap: int, units: list[tuple[str, str]]) -> None:
    """A one-page level's entries are read after both sides answered (`_read_level`), and only then held to the
    cap; the plan is the one a count while listing would give. small/'s level (no common prefixes) gives
    the target the source's own entry objects (its page shared the source's); big/'s holds a prefix, so each
    side reads its own."""
    specs = [(f"big/{i:02d}", f"v{i}", 1, False) for i in range(8)]
    specs += [("big/sub/k", "s", 1, False), ("small/k", "x", 1, False)]
    target = [(k, v, 2, dm) if k == "big/03" else (k, v, n, dm) for k, v, n, dm in specs]  # (dated by position)
    listers = [VersionLister(sites(bucket(specs), bucket(target)), a, "data") for a in ("src", "dst")]
    plan = UnitPlan(*listers, "", stop=threading.Event(), workers=4, want=4, max_depth=2, cap=cap)
    try:
        got = _bounded(lambda: [(u[0], u[1], u[2], u[3]) for u, _ in plan.units()])
    finally:
        plan.close()
    assert [(kind, name) for kind, name, _, _ in got] == units
    flat = {name: (src, dst) for kind, name, src, dst in got if kind == "flat"}
    src, dst = flat["small/k"]
    assert src == dst and dst[0] is src[0]
    if "big/00" in flat:
        src, dst = flat["big/00"]
        assert [e[0] for e in src] == [e[0] for e in dst] == [f"big/{i:02d}" for i in range(8)]
        assert [e[2] for e in dst] == ["2" if i == 3 else "1" for i in range(8)]
        assert not any(e is o for e in dst for o in src)


def test_a_unit_is_listed_while_another_subtree_is_still_discovered() -> None:
    """b/'s discovery listing is held until a/x/y/ (a unit found two levels under a/) is being listed. With a
    barrier between discovery levels that listing could only start after b/'s: the hold would run out."""
    specs = [("a/x/y/k1", "1", 1, False), ("a/x/y/k2", "2", 1, False), ("b/k3", "3", 1, False),
             ("b/c/k4", "4", 1, False)]
    unit_listed = threading.Event()
    held: list[bool] = []

    def hook(alias: str, prefix: str, delimiter: str, marker: str) -> None:
        if prefix == "a/x/y/" and not delimiter:
            unit_listed.set()
        if prefix == "b/" and delimiter:
            held.append(unit_listed.wait(HANG / 4))

    service = sites(bucket(specs), bucket(specs[1:]), hook)
    got = _run(service, parallel=2)
    assert held and all(held), "the unit's listing did not start before b/'s discovery ended"
    assert _result(got) == _result(_run(sites(bucket(specs), bucket(specs[1:]))))


def test_a_level_that_can_split_again_goes_before_leaf_levels_ahead_of_it_in_key_order() -> None:
    """logs/2024/ (a chain: all of logs/'s budget) unlocks a level of units; each docs/bNN/ (a budget of one)
    unlocks none. Every docs/ leaf level is held until logs/2024/ is being listed: in key order alone each
    thread took a docs/ leaf first, and logs/2024/ (with every unit under it) waited behind all of them, so the
    holds ran out (V3 showed it as a drain: the unit listings began only once discovery had emptied the slots)."""
    specs = ([(f"docs/b{i:02d}/k", str(i), 1, False) for i in range(16)]
             + [(f"logs/2024/b{i:02d}/k", str(100 + i), 1, False) for i in range(4)])
    chain_listed = threading.Event()
    held: list[bool] = []

    def hook(alias: str, prefix: str, delimiter: str, marker: str) -> None:
        if prefix == "logs/2024/" and delimiter:
            chain_listed.set()
        if prefix.startswith("docs/b") and delimiter:
            held.append(chain_listed.wait(HANG / 12))

    service = sites(bucket(specs), bucket(specs[3:]), hook)
    got = _run(service, parallel=2)  # want 4: docs/ and logs/ get 16 each, each docs/bNN/ one
    assert len(held) == 32 and all(held), f"{held.count(False)} docs/ leaf levels listed before logs/2024/"
    assert _result(got) == _result(_run(sites(bucket(specs), bucket(specs[3:])))) and got.missing_on_target == 3


def _drain(plan: UnitPlan) -> tuple[list[Any], list[Any]]:
    """Every entry the plan's units cover, per side, in the order the merge gets them."""
    sides: tuple[list[Any], list[Any]] = ([], [])
    for unit, streams in plan.units():
        if streams is None:
            sides[0].extend(unit[2])
            sides[1].extend(unit[3])
            continue
        for side, stream in zip(sides, streams, strict=True):
            while (page := stream.next_page()) is not None:
                side.extend(page.entries)
    return sides


@pytest.mark.parametrize("seed", range(3))
def test_resume_after_any_key_lists_exactly_the_rest(seed: int) -> None:
    src_b, dst_b = random_pair(seed, "mixed")
    requested: list[str] = []
    service = sites(src_b, dst_b, lambda alias, prefix, delimiter, marker: requested.append(prefix))
    listers = [VersionLister(service, alias, "data", page_size=3) for alias in ("src", "dst")]
    full = [list(lister.entries()) for lister in listers]
    keys = sorted({e[0] for side in full for e in side})
    for after in ["", keys[0], keys[len(keys) // 3], keys[len(keys) // 2] + "\x00", keys[-1], "b/", "b/x"]:
        requested.clear()
        stop = threading.Event()
        plan = UnitPlan(*listers, "", stop=stop, workers=4, after=after, want=4)
        try:
            got = _bounded(lambda plan=plan: _drain(plan))  # type: ignore[misc]
        finally:
            plan.close()
        assert [list(side) for side in got] == [[e for e in side if e[0] > after] for side in full], after
        before = [p for p in requested if p and p < after and not after.startswith(p)]
        assert not before, f"subtrees wholly before {after!r} were listed: {before}"


def _failing(prefix: str, delimited: bool, specs: list[Any]) -> Any:
    def hook(alias: str, p: str, delimiter: str, marker: str) -> None:
        if alias == "dst" and p == prefix and bool(delimiter) == delimited:
            raise ConnectionFailure(f"dst is down (asked for {p})")

    return sites(bucket(specs), bucket(specs), hook)


@pytest.mark.parametrize("prefix,delimited", [("m/", True), ("m/n/o/", False)])
def test_a_failure_in_discovery_or_in_a_listing_is_incomplete(prefix: str, delimited: bool) -> None:
    """m/ fails in discovery; m/n/o/ is a unit (three levels down) whose listing fails."""
    specs = [(f"{p}k{i}", f"v{p}{i}", 1, False) for p in ("a/", "a/b/", "m/", "m/n/o/", "z/") for i in range(3)]
    r = _run(_failing(prefix, delimited, specs), parallel=2)
    assert r.incomplete and "dst is down" in r.error and r.error_exit_code
    assert r.compared_up_to and r.compared_up_to < prefix
    assert r.source_counts.versions == r.target_counts.versions == sum(s[0] < prefix for s in specs)
    assert (r.missing_on_target, r.extra_on_target, r.mismatched) == (0, 0, 0)


def test_a_failure_before_anything_compared_raises() -> None:
    specs = [("a/k", "1", 1, False), ("b/k", "2", 1, False)]
    with pytest.raises(ConnectionFailure):
        validate(_failing("", True, specs), SRC, DST, parallel=4)


def test_cancel_while_discovery_waits() -> None:
    specs = [("a/k", "1", 1, False), ("b/k", "2", 1, False)]
    release, cancel = threading.Event(), threading.Event()

    def hook(alias: str, prefix: str, delimiter: str, marker: str) -> None:
        if prefix == "b/":
            cancel.set()
            release.wait(HANG)

    try:
        r = _run(sites(bucket(specs), bucket(specs), hook), parallel=2, cancel=cancel)
    finally:
        release.set()
    assert r.incomplete and "cancelled" in r.error


def test_listings_stop_at_the_lookahead_while_the_merge_waits() -> None:
    """300 one-page units. The source's listing of the first one is held, so the merge waits there; the other
    units' listings may hold LOOKAHEAD x workers pages between them (plus one each thread has in hand), not
    the whole bucket (599 pages: what they listed before `PageGate`). Released, the result is the sequential
    one's."""
    specs = [(f"p{i:03d}/k{j}", f"v{i}-{j}", 1, False) for i in range(300) for j in range(2)]
    release = threading.Event()
    served: list[str] = []
    lock = threading.Lock()

    def hook(alias: str, prefix: str, delimiter: str, marker: str) -> None:
        if delimiter:
            return
        if alias == "src" and prefix == "p000/":
            release.wait(HANG)
            return
        with lock:
            served.append(prefix)

    service = sites(bucket(specs), bucket(specs[1:]), hook)
    result: list[Any] = []
    th = threading.Thread(target=lambda: result.append(_run(service, parallel=4)), daemon=True)
    th.start()
    try:
        last, stable = -1, 0
        for _ in range(100):  # until nothing more is listed for 0.3 s (at most 5 s)
            threading.Event().wait(0.05)
            stable = stable + 1 if len(served) == last else 0
            last = len(served)
            if stable >= 6:
                break
        workers = 2 * 4  # validate's threads for parallel=4
        assert len(served) <= LOOKAHEAD * workers + workers + 2, f"{len(served)} unit pages listed ahead"
    finally:
        release.set()
        th.join(HANG)
    assert result and _result(result[0]) == _result(_run(sites(bucket(specs), bucket(specs[1:]))))
    assert result[0].missing_on_target == 1 and not result[0].incomplete


def test_workers_take_the_ready_job_nearest_the_merge_first() -> None:
    """Jobs queued while the one thread is busy run in key order (then source before target), not in the order
    they were found: with the lookahead bounded, a subtree found early but far ahead must not take the pages.
    Jobs submitted `first` run before all of them."""
    from recovery_tui.service.prefixplan import _KeyOrderPool, _Once

    pool = _KeyOrderPool()
    busy, done = threading.Event(), threading.Event()
    ran: list[tuple[str, int]] = []

    def hold() -> None:
        busy.wait(HANG)

    try:
        pool.start(1)
        pool.submit("", 0, _Once(hold))
        for key, side in (("reports/", 1), ("logs/2024/", 0), ("reports/", 0), ("docs/b/", 1), ("docs/a/", 0)):
            pool.submit(key, side, _Once(ran.append, (key, side)))
        for key in ("z/", "x/"):  # levels that can split again: before all, in key order among them
            pool.submit(key, 1, _Once(ran.append, (key, 1)), first=True)
        pool.submit("~", 0, _Once(done.set))
        busy.set()
        assert done.wait(HANG)
    finally:
        busy.set()
        pool.close()
    assert ran == [("x/", 1), ("z/", 1), ("docs/a/", 0), ("docs/b/", 1), ("logs/2024/", 0), ("reports/", 0),
                   ("reports/", 1)]
