"""The validation engine on crafted buckets: exact classes and counts, pagination, unicode keys,
prefix filter, empty buckets, prefix-parallel mode, a listing fault mid-way, checkpoint resume."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from recovery_tui.service.aliases import BucketPath
from recovery_tui.service.checkpoint import Checkpoint
from recovery_tui.service.validate import ValidationProgress, merge, validate

from .conftest import FAST_FAIL, make_bucket, put_versions, remove_version, service_for

SPECIAL = ["ünïcødé/файл ✓.txt", "sp ace/a+b=c&d<e>f\"g'h.txt", "emoji/🚀🚀.bin", "pct/100%25 & more?.txt",
           "x/&amp;literal"]
ONLY_SOURCE = "ünïcødé/only-source ✓ &amp; <x>.txt"
MISSING = {("multi/a", "v3"), ("bulk/k00500", "b500"), (ONLY_SOURCE, "s1")}
EXTRA = {("extra/only-target", "t1")}
MISMATCHED = {("mismatch/etag", "m1"), ("mismatch/dm", "m2")}


def _common() -> list[tuple[str, str, bytes, bool, int]]:
    specs = [(f"bulk/k{i:05d}", f"b{i}", b"x" * (i % 7), False, 1) for i in range(1200)]
    specs += [(k, f"sp{i}", k.encode(), False, 1) for i, k in enumerate(SPECIAL)]
    specs += [("multi/a", f"v{i}", b"v%d" % i, i in (2, 5), 10 - i) for i in range(1, 6)]  # v5 (newest) is a DM
    specs += [("nullkey", "null", b"old", False, 9), ("nullkey", "n2", b"new", False, 1)]
    return specs


@pytest.fixture(scope="module")
def crafted(lab: Any) -> str:
    make_bucket(lab, "craft")
    put_versions(lab, "source", "craft", _common() + [(ONLY_SOURCE, "s1", b"s", False, 1),
                                                      ("mismatch/etag", "m1", b"aaaa", False, 1),
                                                      ("mismatch/dm", "m2", b"", True, 1)])
    put_versions(lab, "target", "craft", _common() + [("extra/only-target", "t1", b"t", False, 1),
                                                      ("mismatch/etag", "m1", b"bbbb", False, 1),
                                                      ("mismatch/dm", "m2", b"zz", False, 1)])
    remove_version(lab, "target", "craft", "multi/a", "v3")
    remove_version(lab, "target", "craft", "bulk/k00500", "b500")
    make_bucket(lab, "empty")
    return "craft"


def _independent_counts(service: Any, alias: str, bucket: str, prefix: str = "") -> tuple[int, int, int, int]:
    """versions, current, noncurrent, delete markers through boto3's paginator (another code path)."""
    total = cur = dm = 0
    for v in service.list_object_versions(alias, bucket, prefix=prefix):
        total += 1
        dm += v.delete_marker
        cur += v.is_latest and not v.delete_marker
    return total, cur, total - cur - dm, dm


@pytest.fixture(scope="module")
def expected_counts(lab: Any, crafted: str) -> dict[str, tuple[int, int, int, int]]:
    service = service_for(lab)
    return {side: _independent_counts(service, side, crafted) for side in ("source", "target")}


@pytest.mark.parametrize("parallel,page_size", [(None, 1000), (None, 7), (4, 1000), (3, 9)])
def test_crafted_diff_is_exact(lab: Any, crafted: str, expected_counts: Any, parallel: Any, page_size: int) -> None:
    service = service_for(lab)
    r = validate(service, BucketPath("source", crafted), BucketPath("target", crafted), parallel=parallel,
                 page_size=page_size, sample_limit=10)
    assert not r.incomplete and not r.in_sync
    assert (r.missing_on_target, r.extra_on_target, r.mismatched) == (3, 1, 2)
    assert {(d.key, d.version_id) for d in r.samples_of("missing_on_target")} == MISSING
    assert {(d.key, d.version_id) for d in r.samples_of("extra_on_target")} == EXTRA
    assert {(d.key, d.version_id) for d in r.samples_of("mismatched")} == MISMATCHED
    for side, counts in (("source", r.source_counts), ("target", r.target_counts)):
        assert (counts.versions, counts.current, counts.noncurrent, counts.delete_markers) == expected_counts[side]
    assert r.source_counts.versions == 1200 + 5 + 5 + 2 + 3
    assert r.target_counts.versions == 1200 + 5 + 5 + 2 + 3 - 2
    detail = {d.key: d.detail for d in r.samples_of("mismatched")}
    assert "ETag" in detail["mismatch/etag"] and "size" not in detail["mismatch/etag"]
    assert "delete marker on source only" in detail["mismatch/dm"]


def test_sample_limit_bounds_samples_not_counts(lab: Any, crafted: str) -> None:
    r = validate(service_for(lab), BucketPath("source", crafted), BucketPath("target", crafted), sample_limit=1)
    assert r.missing_on_target == 3 and len(r.samples_of("missing_on_target")) == 1
    assert r.samples_of("missing_on_target")[0].key == "bulk/k00500"  # first in key order


def test_prefix_filter(lab: Any, crafted: str) -> None:
    service = service_for(lab)
    r = validate(service, BucketPath("source", crafted), BucketPath("target", crafted), prefix="multi/")
    assert (r.missing_on_target, r.extra_on_target, r.mismatched) == (1, 0, 0)
    assert (r.source_counts.versions, r.source_counts.delete_markers, r.source_counts.current) == (5, 2, 0)
    assert r.target_counts.versions == 4 and r.source == "source/craft/multi/"


def test_same_side_is_in_sync_and_null_versions_match(lab: Any, crafted: str) -> None:
    r = validate(service_for(lab), BucketPath("source", crafted), BucketPath("source", crafted), prefix="nullkey")
    assert r.in_sync and r.source_counts.versions == 2 and r.source_counts.noncurrent == 1


def test_empty_buckets_are_in_sync(lab: Any, crafted: str) -> None:
    r = validate(service_for(lab), BucketPath("source", "empty"), BucketPath("target", "empty"), parallel=4)
    assert r.in_sync and not r.incomplete and r.source_counts.versions == 0 and r.target_counts.versions == 0


class _Pages:
    def __init__(self, pages: list[list[Any]]) -> None:
        self.pages = list(pages)

    def next_page(self) -> Any:
        return self.pages.pop(0) if self.pages else None


def test_merge_compares_version_sets_not_positions() -> None:
    """The same versions, in a different order within a key and cut at different page boundaries."""
    a = [("k1", "1", 1, "e", False, True), ("k1", "2", 1, "e", False, False), ("k2", "3", 1, "e", False, True),
         ("k2", "4", 1, "e", False, False), ("k3", "5", 1, "e", False, True)]
    b = [a[1], a[0], a[3], a[2], a[4]]
    chunks: list[tuple[list[Any], list[Any]]] = []
    merge(_Pages([a[:1], a[1:3], a[3:]]), _Pages([b[:3], b[3:4], b[4:]]), lambda s, d, last: chunks.append((s, d)))
    for s, d in chunks:
        assert set(s) == set(d), "a key was split across chunks"
    assert sorted(x for s, _ in chunks for x in s) == sorted(a)


def test_listing_fault_midway_is_incomplete_not_missing(lab: Any, crafted: str) -> None:
    service = service_for(lab, retry=FAST_FAIL)
    fired = threading.Event()

    def offline_once(p: ValidationProgress) -> None:
        if not fired.is_set():
            fired.set()
            lab.faults.set_offline("target", True)

    try:
        r = validate(service, BucketPath("source", crafted), BucketPath("target", crafted), page_size=50,
                     progress=offline_once, progress_interval=0)
    finally:
        lab.faults.set_offline("target", False)
    assert fired.is_set()
    assert r.incomplete and not r.in_sync and r.error and r.error_exit_code == 3
    assert r.source_counts.versions < 1215 and r.compared_up_to < "multi/a"
    assert {(d.key, d.version_id) for d in r.samples_of("missing_on_target")} <= MISSING
    assert r.extra_on_target == 0 and r.mismatched == 0


def test_checkpoint_resumes_an_interrupted_validation(lab: Any, crafted: str, tmp_path: Path) -> None:
    service = service_for(lab)
    src, dst = BucketPath("source", crafted), BucketPath("target", crafted)
    full = validate(service, src, dst)
    params = {"source": "source/craft", "target": "target/craft", "prefix": ""}
    path = tmp_path / "v.json"
    cancel = threading.Event()
    first = validate(service, src, dst, page_size=50, checkpoint=Checkpoint.open(path, "validate", params),
                     cancel=cancel, progress=lambda p: cancel.set(), progress_interval=0)
    assert first.incomplete and "cancelled" in first.error and first.compared_up_to
    cp = Checkpoint.open(path, "validate", params)
    assert cp.resumed and cp.state["last_key"] == first.compared_up_to
    second = validate(service, src, dst, page_size=50, checkpoint=cp)
    assert second.resumed and not second.incomplete
    assert (second.source_counts, second.target_counts) == (full.source_counts, full.target_counts)
    assert (second.missing_on_target, second.extra_on_target, second.mismatched) == (3, 1, 2)
    assert not Checkpoint.open(path, "validate", params).resumed  # finished: the next run starts afresh
