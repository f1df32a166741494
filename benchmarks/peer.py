"""Benchmark P1 (issue 9): `validate` against what a Python user would write instead.

The peer: boto3's `list_object_versions` paginator, one side after the other, each into a set of
(key, version id, size, ETag, delete marker); missing / extra / mismatched follow from set differences.
`validate` runs on the same two lab processes (`labproc.pair`: identical seeded data, ~1 % lost on the
target). Results must be identical: versions per side and the three difference counts. The peer runs once
(minutes at 200,000 versions a side); `validate` runs once before it and twice after it, best of three (as
V1: on a shared host the minimum is the signal; the peer's one long run averages the host's load out).
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from botocore.config import Config

from benchmarks import labproc
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.validate import validate

Row = tuple[str, str, str, str, bool]
SRC, DST = BucketPath("source", "data"), BucketPath("target", "data")


def _client(book: AliasBook, alias: str) -> Any:
    a = book.get(alias)
    return boto3.client("s3", endpoint_url=a.url, region_name="us-east-1", aws_access_key_id=a.access_key,
                        aws_secret_access_key=a.secret_key.reveal(), config=Config(s3={"addressing_style": "path"}))


def boto3_sets(book: AliasBook) -> dict[str, Any]:
    """What a Python user writes: paginate each side into a set, then compare the sets."""
    sides = []
    for alias in ("source", "target"):
        s3, found = _client(book, alias), set()
        for page in s3.get_paginator("list_object_versions").paginate(Bucket="data"):
            for v in page.get("Versions", []):
                found.add((v["Key"], v["VersionId"], v["Size"], v["ETag"].strip('"'), False))
            for d in page.get("DeleteMarkers", []):
                found.add((d["Key"], d["VersionId"], 0, "", True))
        sides.append(found)
    src = {(e[0], e[1]): e for e in sides[0]}
    dst = {(e[0], e[1]): e for e in sides[1]}
    return {"versions": (len(src), len(dst)), "missing": sum(1 for k in src if k not in dst),
            "extra": sum(1 for k in dst if k not in src),
            "mismatched": sum(1 for k, e in src.items() if k in dst and dst[k][2:] != e[2:])}


def _ours(service: RecoveryService) -> tuple[float, dict[str, Any]]:
    t = time.perf_counter()
    r = validate(service, SRC, DST)
    took = time.perf_counter() - t
    return took, {"versions": (r.source_counts.versions, r.target_counts.versions), "missing": r.missing_on_target,
                  "extra": r.extra_on_target, "mismatched": r.mismatched}


def bench_p1(objects: int = 200_000, target: float = 20.0) -> list[Row]:
    a, b, env = labproc.pair(objects)
    try:
        book = AliasBook(env)
        service = RecoveryService(book)
        validate(service, SRC, DST)  # warm-up: connections, the labs' per-version XML caches
        ours = [_ours(service)]
        t = time.perf_counter()
        theirs = boto3_sets(book)
        t_boto = time.perf_counter() - t
        ours += [_ours(service), _ours(service)]
    finally:
        a.stop()
        b.stop()
    t_ours = min(t for t, _ in ours)
    same = all(r == theirs for _, r in ours)
    speed = t_boto / t_ours
    return [("P1", f"validate vs boto3's paginator into sets, {theirs['versions'][0]:,}+{theirs['versions'][1]:,} "
             f"versions ({theirs['missing']:,} missing, results {'identical' if same else 'DIFFER'})",
             f"{t_boto:.1f}s / {t_ours:.2f}s = {speed:.1f}x", f">= {target:g}x", same and speed >= target)]
