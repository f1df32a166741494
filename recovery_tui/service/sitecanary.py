"""The whole-site canary round (issue 11 item 5): one canary per side for every bucket, or for a chosen sample.

`sample(rows, how, size, marked, seed)` picks the buckets: every one ("all"), the `size` biggest ("biggest":
most versions, then bytes), `size` at random ("random", reproducible with `seed`), or the ones the operator
marked ("marked"). `canary_round(service, plan, buckets, run_id, one_way=…)` writes, for each bucket of the
sample (a few at a time), one small object under `.recovery-tui-canary/` on the healthy side and one on the
damaged side, and watches for each on the other side (`canary.run_round_trip`). A bucket in `one_way` (its
target has no rule back to the healthy site yet) gets only the healthy → damaged canary: the other could not
arrive before the rules are recreated, so that direction is "not tested".

The canary rule: the canary keys (`.recovery-tui-canary/<run>-<site>.txt`, new for every run) are the only keys
written, and only in the sampled buckets; no write changes any other key's latest version on either site.

`verdict(checks, one_way)` says what a bucket's round PROVED: "seen both ways" (each side's canary read back on
the other), "NOT seen" (a canary written and the peer answering "no such version" until the timeout), or
"unknown" (anything not proven: a write refused, a peer that did not answer, a direction not tested). Only the
first is ever shown as a tick. Never imports Textual.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Optional, Sequence

from .canary import CanaryCheck, CanaryWrite, canary_key, put_canary, run_round_trip, wait_for_replica
from .errors import InputError, RecoveryError
from .sitemodels import BucketPlan, SitePlan

HOW = ("all", "biggest", "random", "marked")
"""How a sample is chosen."""
SEEN, NOT_SEEN, UNKNOWN = "seen both ways", "NOT seen", "unknown"
PARALLEL = 4
"""Buckets whose canaries are written and watched at once."""


def by_size(rows: Iterable[BucketPlan]) -> list[BucketPlan]:
    """Biggest first: most versions, then most bytes (uncounted last), then by name."""
    return sorted(rows, key=lambda b: (b.source_versions is None, -(b.source_versions or 0),
                                       -(b.source_bytes or 0), b.bucket))


def sample(rows: Sequence[BucketPlan], how: str, size: Optional[int] = None, marked: Iterable[str] = (),
           seed: Optional[int] = None) -> list[str]:
    """The sampled buckets' names, biggest first (see the module docstring); InputError for a bad choice."""
    if how not in HOW:
        raise InputError(f"a canary sample is one of {', '.join(HOW)}, got '{how}'")
    ordered = by_size(rows)
    names = [b.bucket for b in ordered]
    if how == "all":
        return names
    if how == "marked":
        chosen = set(marked)
        unknown = sorted(chosen - set(names))
        if unknown:
            raise InputError(f"not in the canary round's buckets: {', '.join(unknown)}")
        return [n for n in names if n in chosen]
    if size is None or size < 1:
        raise InputError(f"a {how} sample needs a size of at least 1, got {size}")
    if how == "biggest":
        return names[:size]
    picked = set(random.Random(seed).sample(names, min(size, len(names))))
    return [n for n in names if n in picked]


def verdict(checks: Sequence[CanaryCheck], one_way: bool = False) -> str:
    """What one bucket's canaries proved (see the module docstring)."""
    if any(not c.seen and c.proven_absent for c in checks):
        return NOT_SEEN
    if not one_way and len(checks) == 2 and all(c.seen for c in checks):
        return SEEN
    return UNKNOWN


def why(checks: Sequence[CanaryCheck], one_way: bool = False, back: str = "damaged→healthy") -> str:
    """Each direction's outcome in a few words (`back`: the direction a one-way round could not try)."""
    parts = [f"{c.write.alias}→{c.peer_alias} " + (f"{c.seconds:g}s" if c.seen else c.error or "not seen")
             for c in checks]
    if one_way:
        parts.append(f"{back} not tested (rules back missing)")
    return " · ".join(parts)


def canary_round(service: Any, plan: SitePlan, buckets: Sequence[str], run_id: str, *,
                 one_way: Iterable[str] = (), timeout: float = 30.0, interval: float = 1.0,
                 parallel: int = PARALLEL,
                 on_done: Optional[Callable[[str, list[CanaryCheck]], None]] = None) -> dict[str, list[CanaryCheck]]:
    """The canaries of the sampled `buckets` (see the module docstring); `on_done(bucket, checks)` per bucket."""
    rows = [b for b in plan.buckets if b.bucket in set(buckets)]
    single = set(one_way)

    def one(row: BucketPlan) -> tuple[str, list[CanaryCheck]]:
        a, b = (plan.source, row.bucket), (plan.target, row.target_bucket or row.bucket)
        try:
            if row.bucket in single:
                body = f"recovery-tui canary {run_id} written on {plan.source}\n".encode()
                write = put_canary(service, a[0], a[1], canary_key(a[0], run_id), body)
                checks = [wait_for_replica(service, write, b[0], b[1], timeout=timeout, interval=interval)]
            else:
                checks = run_round_trip(service, a, b, run_id, timeout=timeout, interval=interval)
        except RecoveryError as exc:  # a write refused: nothing proven either way
            write = CanaryWrite(a[0], a[1], canary_key(a[0], run_id), "")
            checks = [CanaryCheck(write, b[0], False, 0.0, exc.one_line())]
        if on_done is not None:
            on_done(row.bucket, checks)
        return row.bucket, checks

    if not rows:
        return {}
    with ThreadPoolExecutor(max(1, min(parallel, len(rows)))) as pool:
        return dict(pool.map(one, rows))


def one_way_buckets(service: Any, plan: SitePlan, buckets: Sequence[str]) -> set[str]:
    """Of `buckets`, those whose target bucket has no replication configuration (no rule back to the healthy
    site): their round is one way only. A configuration that cannot be read counts as none."""
    rows = [b for b in plan.buckets if b.bucket in set(buckets)]

    def missing(row: BucketPlan) -> Optional[str]:
        try:
            cfg = service.replication_config(plan.target, row.target_bucket or row.bucket)
        except RecoveryError:
            return row.bucket
        return row.bucket if cfg is None or not cfg.rules else None

    if not rows:
        return set()
    with ThreadPoolExecutor(max(1, min(8, len(rows)))) as pool:
        return {b for b in pool.map(missing, rows) if b}


__all__ = ["HOW", "SEEN", "NOT_SEEN", "UNKNOWN", "by_size", "sample", "verdict", "why", "canary_round",
           "one_way_buckets"]
