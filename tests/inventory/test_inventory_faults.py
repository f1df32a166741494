"""Faults of the inventory path: each ends UNKNOWN for the affected part with its reason (never "missing"),
or in a one-line error with the right exit code; reports given by the operator; columns mapped by name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.errors import AccessDenied, InputError
from recovery_tui.service.inventory_engine import validate_inventory
from recovery_tui.service.validate import validate
from recovery_tui.service.validation_report import EXTRA, MISMATCHED, MISSING, SOURCE_COUNTS, TARGET_COUNTS

from .conftest import DST, SRC, diff_lines, jobs, options, service_for

REASONS = {
    "fail": "the inventory job failed after scanning",
    "stall": "the inventory job stalled (no progress for 0.5s",
    "missing-file": "is listed in the manifest but missing",
    "truncate": "(truncated)",
    "schema": "has another schema (no ETag column)",
    "partial": "the manifest says the run was canceled",
}


@pytest.mark.parametrize("fault", sorted(REASONS))
def test_target_fault_leaves_missing_unknown(aistor: Any, tmp_path: Path, fault: str) -> None:
    lab = aistor("partial-loss")
    lab.faults.set_inventory("target", fault, rows_per_file=30)
    service = service_for(lab)
    listing = validate(service, SRC, DST)
    stall = {"stall_timeout": 0.5} if fault == "stall" else {}  # elsewhere a slow host must not look stalled
    r = validate_inventory(service, SRC, DST, options=options(tmp_path, **stall), sample_limit=500)
    assert r.incomplete and not r.in_sync and r.error_exit_code == 1
    assert REASONS[fault] in r.error and r.error.startswith("target: ")
    assert set(r.unknown) == {TARGET_COUNTS, MISSING}
    assert r.source_counts == listing.source_counts  # the source side is complete and exact
    assert not r.samples_of(MISSING) and MISSING not in {d["kind"] for d in diff_lines(tmp_path / "differences.jsonl")}
    doc = r.to_json()
    assert doc[MISSING] is None and doc["target"]["versions"] is None and doc["source"]["versions"] > 0
    if fault == "fail":
        assert "erasure write quorum lost (lab fault)" in r.error  # the job's own errors are shown
    assert not jobs(lab, "source") and not jobs(lab, "target")  # a stalled job is deleted too (it stops)


@pytest.mark.parametrize("fault", ["fail", "truncate"])
def test_source_fault_leaves_extras_unknown(aistor: Any, tmp_path: Path, fault: str) -> None:
    lab = aistor("partial-loss")
    lab.faults.set_inventory("source", fault, rows_per_file=30)
    service = service_for(lab)
    listing = validate(service, SRC, DST, sample_limit=500)
    r = validate_inventory(service, SRC, DST, options=options(tmp_path), sample_limit=500)
    assert r.incomplete and set(r.unknown) == {SOURCE_COUNTS, EXTRA} and r.error.startswith("source: ")
    assert r.target_counts == listing.target_counts
    found = {(d.key, d.version_id) for d in r.samples_of(MISSING)}
    assert found <= {(d.key, d.version_id) for d in listing.samples_of(MISSING)}  # what it reports is real
    assert r.is_known(MISMATCHED) and r.mismatched == 0


def test_failed_job_falls_back_to_listing_only_when_asked(aistor: Any, tmp_path: Path) -> None:
    lab = aistor("partial-loss")
    lab.faults.set_inventory("source", "fail")
    service = service_for(lab)
    r = validate_inventory(service, SRC, DST, options=options(tmp_path, fallback_listing=True))
    assert r.engine == "listing" and not r.incomplete and "(--fallback-listing)" in r.notes[0]
    assert "source job failed" in r.notes[0]
    assert r.missing_on_target == validate(service, SRC, DST).missing_on_target


def test_memory_limit_too_small_is_explained(aistor: Any, tmp_path: Path) -> None:
    lab = aistor("large", objects=20_000)
    with pytest.raises(InputError) as exc:
        validate_inventory(service_for(lab), SRC, DST, options=options(tmp_path, memory_limit="1MB"))
    assert exc.value.title == "Memory limit too small" and "--memory-limit 1MB" in exc.value.message
    assert "DuckDB said: Out of Memory" in exc.value.hint and "raise --memory-limit" in exc.value.hint
    assert not jobs(lab, "source") and not jobs(lab, "target")


def test_reports_bucket_missing_or_not_writable(aistor: Any, tmp_path: Path) -> None:
    lab = aistor("healthy")
    with pytest.raises(InputError) as exc:
        validate_inventory(service_for(lab), SRC, DST, options=options(tmp_path, reports_bucket="no-such-reports"))
    assert exc.value.exit_code == 2 and "mc mb source/no-such-reports" in exc.value.one_line()
    actions = frozenset({"s3:*InventoryConfiguration", "s3:ListBucket*", "s3:GetObject"})
    for rt in (lab.source, lab.target):
        lab.call(lambda rt=rt: rt.site.users.update({"NOWRITE": ("nowrite-secret-12", actions)}))
    env = {f"MC_HOST_{s}": f"http://NOWRITE:nowrite-secret-12@{rt.endpoint}" for s, rt in
           (("source", lab.source), ("target", lab.target))}
    with pytest.raises(AccessDenied) as denied:
        validate_inventory(RecoveryService(AliasBook(env)), SRC, DST, options=options(tmp_path))
    assert denied.value.action == "s3:PutObject" and "reports bucket 'recovery-tui-reports'" in denied.value.message
    assert not jobs(lab, "source")


def _kept_report(lab: Any, tmp_path: Path) -> dict[str, str]:
    """Run once with --keep-jobs semantics for the reports and return each side's manifest key."""
    r = validate_inventory(service_for(lab), SRC, DST, options=options(tmp_path))
    keys = {}
    for note in r.notes:
        if " report kept: " in note:
            side, _, where = note.partition(" report kept: ")
            keys[side] = where.split("/", 2)[2] + "manifest.json"
    return keys


def _download(lab: Any, site: str, manifest_key: str, into: Path) -> Path:
    """Copy a run folder to disk the way `mc cp -r` would: manifest.json and files/part-*."""
    s = service_for(lab).site(site)
    get = lambda k: s.http.send("GET", f"/recovery-tui-reports/{k}", ctx=s.ctx("get")).body  # noqa: E731
    manifest = get(manifest_key)
    (into / "files").mkdir(parents=True)
    (into / "manifest.json").write_bytes(manifest)
    for f in json.loads(manifest)["files"]:
        (into / "files" / f["key"].rsplit("/", 1)[1]).write_bytes(get(f["key"]))
    return into / "manifest.json"


@pytest.mark.slow
def test_reports_given_as_local_file_and_as_s3_key(aistor: Any, tmp_path: Path) -> None:
    lab = aistor("partial-loss")
    keys = _kept_report(lab, tmp_path)
    local = _download(lab, "source", keys["source"], tmp_path / "src-run")
    service = service_for(lab)
    r = validate_inventory(service, SRC, DST, options=options(
        tmp_path, source_manifest=str(local), target_manifest=f"target/recovery-tui-reports/{keys['target']}"))
    listing = validate(service, SRC, DST)
    assert (r.source_counts, r.target_counts, r.missing_on_target) == (
        listing.source_counts, listing.target_counts, listing.missing_on_target)
    assert not r.incomplete and not jobs(lab, "source") and not jobs(lab, "target")
    (next((tmp_path / "src-run" / "files").iterdir())).unlink()
    gone = validate_inventory(service, SRC, DST, options=options(tmp_path, source_manifest=str(local),
                                                                 target_manifest=keys["target"]))
    assert gone.incomplete and "missing next to it" in gone.error and set(gone.unknown) == {SOURCE_COUNTS, EXTRA}
    doc = json.loads(local.read_text())
    local.write_text(json.dumps({**doc, "sourceBucket": "other"}))
    with pytest.raises(InputError) as exc:
        validate_inventory(service, SRC, DST, options=options(tmp_path, source_manifest=str(local)))
    assert "the source report is an inventory of bucket 'other', not 'data'" in exc.value.message
    with pytest.raises(InputError):
        validate_inventory(service, SRC, DST, options=options(tmp_path, source_manifest="source/recovery-tui-reports/"))


@pytest.mark.slow
def test_csv_report_columns_mapped_by_name(aistor: Any, tmp_path: Path) -> None:
    """A CSV report whose columns come in another order and spell VersionId AWS's way gives the same result."""
    lab = aistor("partial-loss")
    keys = _kept_report(lab, tmp_path)
    manifest = _download(lab, "target", keys["target"], tmp_path / "dst-run")
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    doc = json.loads(manifest.read_text())
    for f in doc["files"]:
        part = tmp_path / "dst-run" / "files" / f["key"].rsplit("/", 1)[1]
        table = pq.read_table(part)
        table = table.rename_columns([("VersionId" if n == "VersionID" else n) for n in table.column_names])
        table = table.select(list(reversed(table.column_names)))
        csv_path = part.with_suffix(".csv")
        pcsv.write_csv(table, csv_path)
        part.unlink()
        f["key"] = f["key"].rsplit(".", 1)[0] + ".csv"
        f["size"] = csv_path.stat().st_size
        import hashlib

        f["MD5checksum"] = hashlib.md5(csv_path.read_bytes()).hexdigest()
    doc["fileFormat"] = "CSV"
    manifest.write_text(json.dumps(doc))
    service = service_for(lab)
    r = validate_inventory(service, SRC, DST, options=options(tmp_path, target_manifest=str(manifest)))
    listing = validate(service, SRC, DST)
    assert not r.incomplete and (r.target_counts, r.missing_on_target) == (listing.target_counts,
                                                                          listing.missing_on_target)
    shutil.rmtree(tmp_path / "dst-run")


def test_site_lost_while_jobs_run_names_the_job_left_behind(aistor: Any, tmp_path: Path) -> None:
    """The target goes offline once both jobs exist: exit 3 (connection), and the hint says which job is left
    on the target and the command that deletes it; the source's job is deleted."""
    from recovery_tui.service.errors import ConnectionFailure
    from recovery_tui.service.retry import RetryPolicy

    lab = aistor("partial-loss")
    lab.faults.set_inventory("target", "stall")
    service = RecoveryService(AliasBook(dict(lab.env())), retry=RetryPolicy(name="TEST_FAST", attempts=1))
    taken = []

    def on_progress(p: Any) -> None:
        if not taken and p.phase == "jobs":
            taken.append(True)
            lab.faults.set_offline("target", True)

    with pytest.raises(ConnectionFailure) as exc:
        validate_inventory(service, SRC, DST, options=options(tmp_path), progress=on_progress)
    assert exc.value.exit_code == 3
    assert "could not delete inventory job recovery-tui-data-" in exc.value.hint
    assert "mc inventory delete target/data recovery-tui-data-" in exc.value.hint
    assert not jobs(lab, "source") and len(jobs(lab, "target")) == 1
