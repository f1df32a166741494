"""The inventory engine against the listing engine on the lab (aistor flavour): same verdict and counts on
every scenario and on crafted buckets; community servers are only ever probed with a GET."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from recovery_tui.lab import sitescen, store
from recovery_tui.lab.scenarios import NAMES
from recovery_tui.service.aliases import BucketPath
from recovery_tui.service.engine_choice import choose_engine, run_validation
from recovery_tui.service.errors import ConnectionFailure, NotSupported
from recovery_tui.service.inventory_api import InventoryApi, JobSpec
from recovery_tui.service.inventory_engine import InventoryProgress, job_id, validate_inventory
from recovery_tui.service.validate import validate

from .conftest import DST, SRC, diff_lines, inventory_requests, jobs, objects_under, options, service_for

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def same_result(a: Any, b: Any) -> None:
    """Verdict, per-side counts, classes and the sampled differences agree."""
    assert (a.in_sync, a.incomplete) == (b.in_sync, b.incomplete)
    assert (a.source_counts, a.target_counts) == (b.source_counts, b.target_counts)
    assert (a.missing_on_target, a.extra_on_target, a.mismatched) == (b.missing_on_target, b.extra_on_target,
                                                                      b.mismatched)
    key = lambda d: (d.kind, d.key, d.version_id, d.detail)  # noqa: E731
    assert sorted(map(key, a.samples)) == sorted(map(key, b.samples))


@pytest.mark.parametrize("scenario", [n for n in NAMES if n != "target-offline"])
def test_same_verdict_and_counts_as_listing_on_every_scenario(aistor: Any, tmp_path: Path, scenario: str) -> None:
    # the whole-site scenarios: their damaged one-bucket pick, at a size a test can afford
    sized = {"large": 3000, "site-loss": 500, "site-many": 20}
    lab = aistor(scenario, objects=sized.get(scenario))
    src, dst = SRC, DST
    if scenario in sitescen.NAMES:
        bucket = sitescen.default_bucket(scenario)
        src, dst = BucketPath(SRC.alias, bucket), BucketPath(DST.alias, bucket)
    service = service_for(lab)
    listing = validate(service, src, dst, sample_limit=500)
    seen: list[Any] = []
    inv = validate_inventory(service, src, dst, options=options(tmp_path), sample_limit=500, progress=seen.append)
    assert inv.engine == "inventory" and not inv.unknown
    same_result(listing, inv)
    lines = diff_lines(tmp_path / "differences.jsonl")
    assert len(lines) == inv.missing_on_target + inv.extra_on_target + inv.mismatched
    assert {(d["kind"], d["key"], d["version_id"]) for d in lines} >= {(d.kind, d.key, d.version_id)
                                                                       for d in inv.samples}
    jobs_seen = [p for p in seen if isinstance(p, InventoryProgress) and p.phase == "jobs"]
    assert jobs_seen and jobs_seen[-1].source.state == "Completed"
    assert jobs_seen[-1].source.scanned_count == listing.source_counts.versions
    assert not jobs(lab, "source") and not jobs(lab, "target")  # the tool's jobs are deleted afterwards


def test_target_offline_fails_the_same_way(aistor: Any, tmp_path: Path) -> None:
    lab = aistor("target-offline")
    service = service_for(lab)
    with pytest.raises(ConnectionFailure):
        validate(service, SRC, DST)
    with pytest.raises(ConnectionFailure):
        validate_inventory(service, SRC, DST, options=options(tmp_path))
    assert not jobs(lab, "source")  # both sides are probed before any job is created: nothing half-run
    assert [m for m, _ in inventory_requests(lab, "source")] == ["GET"]


def _crafted(lab: Any) -> None:
    def v(key: str, vid: str, data: bytes, dm: bool = False, age: int = 1) -> store.Version:
        from datetime import timedelta

        return store.Version(key, vid, data, last_modified=T0 - timedelta(minutes=age), delete_marker=dm)

    common = [v(f"bulk/k{i:04d}", f"b{i}", b"x" * (i % 5)) for i in range(300)]
    common += [v("ünïcødé/файл ✓.txt", "u1", b"u"), v("sp ace/a+b=c&d<e>'q\".txt", "s1", b"s"),
               v("nullkey", "null", b"old", age=9), v("nullkey", "n2", b"new")]
    common += [v("multi/a", f"m{i}", b"%d" % i, dm=i == 4, age=10 - i) for i in range(1, 5)]
    src = common + [v("only/source", "o1", b"o"), v("mismatch/etag", "e1", b"aaaa"),
                    v("mismatch/dm", "d1", b"", dm=True)]
    dst = [x for x in common if (x.key, x.version_id) != ("multi/a", "m2")]
    dst += [v("extra/target", "t1", b"t"), v("mismatch/etag", "e1", b"bbbb"), v("mismatch/dm", "d1", b"zz")]

    def load() -> None:
        for site, versions in (("source", src), ("target", dst)):
            b = lab.site(site).site.buckets.setdefault("craft", store.Bucket("craft", versioning="Enabled"))
            for x in versions:
                b.add_version(x)

    lab.call(load)


def test_crafted_buckets_every_class_and_many_files_and_windows(aistor: Any, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    lab = aistor("healthy")
    _crafted(lab)
    for site in ("source", "target"):
        lab.faults.set_inventory(site, rows_per_file=37)  # many report files per side
    from recovery_tui.service import inventory_compare

    monkeypatch.setattr(inventory_compare, "WINDOW_ROWS", 50)  # many key windows
    service = service_for(lab)
    s, t = BucketPath("source", "craft"), BucketPath("target", "craft")
    listing = validate(service, s, t, sample_limit=50)
    inv = validate_inventory(service, s, t, options=options(tmp_path), sample_limit=50)
    assert (inv.missing_on_target, inv.extra_on_target, inv.mismatched) == (2, 1, 2)
    same_result(listing, inv)
    detail = {d.key: d.detail for d in inv.samples_of("mismatched")}
    assert "ETag" in detail["mismatch/etag"] and "delete marker on source only" in detail["mismatch/dm"]
    with_prefix = validate_inventory(service, BucketPath("source", "craft", "mismatch/"),
                                     BucketPath("target", "craft", "mismatch/"), options=options(tmp_path))
    same_result(validate(service, BucketPath("source", "craft", "mismatch/"),
                         BucketPath("target", "craft", "mismatch/")), with_prefix)
    assert with_prefix.source_counts.versions == 2


def test_community_probe_never_sends_put_or_delete(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory("healthy")  # community: no inventory route
    lab.call(lambda: [rt.site.buckets.setdefault("empty", store.Bucket("empty", versioning="Enabled"))
                      for rt in (lab.source, lab.target)])
    service = service_for(lab)
    for bucket in ("data", "empty"):
        r = validate_inventory(service, BucketPath("source", bucket), BucketPath("target", bucket),
                               options=options(tmp_path))
        assert r.engine == "listing" and "has no bucket inventory" in r.notes[0]
        same_result(validate(service, BucketPath("source", bucket), BucketPath("target", bucket)), r)
    assert [m for m, _ in inventory_requests(lab, "source")] == ["GET", "GET"]  # one probe per validation
    for site in ("source", "target"):
        assert {m for m, _ in inventory_requests(lab, site)} <= {"GET"}
        assert not [p for m, p in lab.site(site).request_log if m in ("PUT", "DELETE", "POST")]
        assert "empty" in lab.site(site).site.buckets  # a DELETE ?minio-inventory would have deleted it
    with pytest.raises(NotSupported):  # the API refuses a write for a bucket it has not probed
        InventoryApi(service).put_job("source", JobSpec("j", "empty", "recovery-tui-reports", "p/"))
    with pytest.raises(NotSupported):
        InventoryApi(service).delete_job("source", "empty", "j")
    assert not [p for m, p in lab.source.request_log if m != "GET"]


def test_one_side_without_inventory_creates_no_job_on_the_other(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory("partial-loss", flavor="aistor")
    lab.target.site.flavor = "community"
    r = validate_inventory(service_for(lab), SRC, DST, options=options(tmp_path))
    assert r.engine == "listing" and r.notes[0].startswith("target has no bucket inventory")
    assert [m for m, _ in inventory_requests(lab, "source")] == ["GET"] and not jobs(lab, "source")


def test_keep_jobs_and_delete_reports(aistor: Any, tmp_path: Path) -> None:
    lab = aistor("healthy")
    service = service_for(lab)
    r = validate_inventory(service, SRC, DST, options=options(tmp_path, keep_jobs=True))
    assert r.in_sync and len(jobs(lab, "source")) == 1 and any("--keep-jobs" in n for n in r.notes)
    assert objects_under(lab, "source", "recovery-tui-reports", "recovery-tui-inventory/data/")
    later = datetime(2030, 1, 1, tzinfo=timezone.utc)
    r2 = validate_inventory(service, SRC, DST, options=options(tmp_path, delete_reports=True, now=later))
    assert r2.in_sync and len(jobs(lab, "source")) == 1  # only the kept one
    stamp = job_id("data", later.strftime("%Y%m%dT%H%M%SZ"))
    for site in ("source", "target"):
        assert not objects_under(lab, site, "recovery-tui-reports", f"recovery-tui-inventory/data/{stamp}/")
    assert any("report deleted" in n for n in r2.notes)


def test_reports_bucket_inside_the_validated_bucket_is_left_out(aistor: Any, tmp_path: Path) -> None:
    lab = aistor("healthy")
    service = service_for(lab)
    before = validate(service, SRC, DST)  # the reports and the write check land under the tool's prefix of `data`
    r = validate_inventory(service, SRC, DST, options=options(tmp_path, reports_bucket="data"))
    assert any("left out of the comparison" in n for n in r.notes)
    assert objects_under(lab, "source", "data", "recovery-tui-inventory/")
    same_result(before, r)


def test_job_ids_follow_mc_rules() -> None:
    assert job_id("data", "20260301T120000Z") == "recovery-tui-data-20260301T120000Z"
    long = job_id("my.bucket." + "x" * 60, "20260301T120000Z")
    assert len(long) <= 63 and all(c.isalnum() or c == "-" for c in long) and "my-bucket" in long


def test_auto_engine_choice(aistor: Any, lab_factory: Any, tmp_path: Path) -> None:
    community = lab_factory("healthy")
    c = choose_engine(service_for(community), SRC, DST)
    assert c.engine == "listing" and "no bucket inventory" in c.reason
    lab = aistor("partial-loss")
    service = service_for(lab)
    small = choose_engine(service, SRC, DST)
    assert small.engine == "listing" and "fewer than" in small.reason
    assert choose_engine(service, SRC, DST, threshold=100).engine == "inventory"
    r = run_validation(service, SRC, DST, engine="auto", threshold=100, options=options(tmp_path))
    assert r.engine == "inventory" and r.notes[0].startswith("engine inventory:")
    again = choose_engine(service, SRC, DST, threshold=100)
    assert "recorded by a previous validation" in again.reason
