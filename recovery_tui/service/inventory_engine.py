"""The inventory engine: validation from the servers' own inventory reports (issue 12, facts §23).

Same result type as the listing engine (`validate.validate` → `ValidationReport`), for buckets too large
to list from one machine. Per side, unless a report is given (`source_manifest` / `target_manifest`):

1. probe with a GET (`InventoryApi.probe`): a server without inventory (community MinIO) is never sent
   a PUT or DELETE; the validation says so in one line and runs the listing engine instead. Both sides
   are probed before any job is created, so nothing is half-run;
2. check the reports bucket: it must exist (exit 2 otherwise) and take a write (`s3:PutObject`, checked
   with a small marker object under the tool's prefix); a reports bucket that *is* the validated bucket
   works, its `recovery-tui-inventory/` prefix is then left out of the comparison;
3. create one job (`recovery-tui-<bucket>-<UTC timestamp>`, `versions: all`, the needed fields, Parquet,
   strict, `schedule: once`) and poll its status (scanned, matched, written) at a pace that follows the
   job's age (`next_poll`: a tenth of a second at first, then 15 % of the time it has run, at most every
   `poll_interval`); Failed/Canceled, or no progress for `stall_timeout`, ends that side's job with its errors;
4. as soon as one side's job is Completed, read its report in a worker thread while the other side's job
   still runs (one thread per side): accept the run only when it is Completed, its manifest says completed
   without partial results and every file matches the manifest's size and MD5 (`inventory_files`); once
   both sides are read, compare (`inventory_compare`);
5. delete the jobs (unless `keep_jobs`) and, on consent (`delete_reports`), the report files.

A side whose job failed or whose report is incomplete leaves the parts that depend on it UNKNOWN (never
"missing"), and the report is `incomplete` with the reason; with `fallback_listing` a failed job makes
the whole validation run on the listing engine instead.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

from .aliases import BucketPath
from .errors import AccessDenied, InputError, RecoveryError
from .inventory_api import InventoryApi, JobSpec, JobStatus
from .inventory_files import ReportReader, SideReport
from .inventory_options import (  # noqa: F401  (re-exported: the engine's API)
    DEFAULT_REPORTS_BUCKET,
    REPORTS_PREFIX,
    InventoryOptions,
    InventoryProgress,
    job_id,
    next_poll,
    require_scale,
    save_yaml,
)
from .listing import Cancelled
from .validation_report import CLASSES, EXTRA, MISSING, SOURCE_COUNTS, TARGET_COUNTS, SideCounts, ValidationReport

WRITE_CHECK_KEY = REPORTS_PREFIX + ".write-check"


@dataclass
class _Side:
    label: str
    path: BucketPath
    manifest: Optional[str]
    job_id: str = ""
    job_created: bool = False
    created_at: float = 0.0
    status: Optional[JobStatus] = None
    failure: str = ""
    report: Optional[SideReport] = None
    manifest_key: str = ""
    report_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What reading this side's report has to say (merged into the report's notes in side order)."""


class InventoryValidation:
    """One run of the engine (see the module docstring); `run()` returns the ValidationReport."""

    def __init__(self, service: Any, source: BucketPath, target: BucketPath, prefix: str, options: InventoryOptions,
                 sample_limit: int, progress: Optional[Callable[[Any], None]], cancel: Optional[threading.Event],
                 listing: Callable[[list[str]], ValidationReport]) -> None:
        self.service, self.prefix, self.opts = service, prefix, options
        self.sample_limit, self.progress = sample_limit, progress
        self.cancel = cancel or threading.Event()
        self.listing = listing
        self.api = InventoryApi(service)
        self.sides = [_Side("source", source, options.source_manifest),
                      _Side("target", target, options.target_manifest)]
        self.notes: list[str] = []
        self.started = time.monotonic()
        self.fetched = 0
        self.cleaned = False
        self._lock = threading.Lock()
        """Serialises the progress callback and the fetched-bytes count (reader threads call them too)."""
        self._stop_reads = threading.Event()
        self._pool: Optional[ThreadPoolExecutor] = None
        self._reads: dict[str, Future[SideReport]] = {}
        stamp = (options.now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
        for s in self.sides:
            s.job_id = job_id(s.path.bucket, stamp)
        a, b = (service.aliases.get(s.path.alias).url for s in self.sides)
        if a == b and source.bucket == target.bucket:  # a bucket against itself: two jobs, two names
            self.sides[1].job_id = job_id(target.bucket, stamp + "-2")
        self.stamp = stamp

    # -- steps ---------------------------------------------------------------------------------------
    def run(self) -> ValidationReport:
        jobs = [s for s in self.sides if s.manifest is None]
        for s in jobs:
            probe = self.api.probe(s.path.alias, s.path.bucket)
            if not probe.supported:
                return self.listing([f"{probe.detail}: validated with the listing engine instead"])
        require_scale()
        for s in jobs:
            self._check_reports_bucket(s)
        workdir = Path(tempfile.mkdtemp(prefix="recovery-tui-inventory-", dir=self.opts.temp_dir))
        report: Optional[ValidationReport] = None
        fallback = ""
        reader = ReportReader(self.service, workdir, self._on_fetch, cancel=self._stop_reads)
        try:
            for s in jobs:
                self._create(s)
            for s in self.sides:  # a given report needs no job: read it while the other side's job runs
                if s.manifest is not None:
                    self._start_read(s, reader)
            self._wait([s for s in jobs if s.job_created], lambda s: self._start_read(s, reader))
            failed = [s for s in jobs if s.failure]
            if failed and self.opts.fallback_listing:
                why = "; ".join(f"{s.label} job {s.failure}" for s in failed)
                fallback = f"inventory: {why}: validated with the listing engine instead (--fallback-listing)"
            else:
                for s in self.sides:
                    future = self._reads.get(s.label)
                    s.report = future.result() if future is not None else self._read(s, reader)
                for s in self.sides:
                    self.notes += s.notes
                report = self._compare(workdir)
        except RecoveryError as exc:  # say which jobs could not be cleaned up, with the command that does it
            self._end_reads()
            self._cleanup()
            left = [n for n in self.notes if n.startswith("could not delete")]
            if left:
                exc.hint = "; ".join(([exc.hint] if exc.hint else []) + left)
            raise
        finally:
            self._end_reads()
            self._cleanup()
            shutil.rmtree(workdir, ignore_errors=True)
        if report is None:
            return self.listing([fallback] + self.notes)
        return replace(report, notes=tuple(self.notes), elapsed=time.monotonic() - self.started)

    def _start_read(self, s: _Side, reader: ReportReader) -> None:
        """Read `s`'s report in a worker thread (one per side), unless its job failed."""
        if s.failure:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=len(self.sides), thread_name_prefix="recovery-tui-report")
        self._reads[s.label] = self._pool.submit(self._read, s, reader)

    def _end_reads(self) -> None:
        """Stop the reads still running (at their next chunk) and wait for them: nothing may still write
        into the work folder, nor change the report keys `_cleanup` deletes, once this returns."""
        if self._pool is not None:
            self._stop_reads.set()
            self._pool.shutdown(wait=True)
            self._pool = None

    def _check_reports_bucket(self, s: _Side) -> None:
        alias, bucket = s.path.alias, self.opts.reports_bucket
        if not self.service.bucket_exists(alias, bucket):
            raise InputError(f"the reports bucket '{bucket}' does not exist on {alias}",
                             hint=f"Create it (mc mb {alias}/{bucket}) or name another with --reports-bucket.")
        site = self.service.site(alias)
        ctx = site.ctx("write to the reports bucket", "s3:PutObject", bucket)
        try:
            site.call(ctx, site.s3_write.put_object, Bucket=bucket, Key=WRITE_CHECK_KEY,
                      Body=b"recovery-tui writes inventory reports under this prefix\n")
        except AccessDenied as exc:
            raise AccessDenied(f"{alias} does not let this user write to the reports bucket '{bucket}'",
                               action="s3:PutObject", code=exc.code, status=exc.status) from None

    def _create(self, s: _Side) -> None:
        if self.cancel.is_set():
            raise Cancelled("the validation was cancelled")
        spec = JobSpec(id=s.job_id, bucket=s.path.bucket, reports_bucket=self.opts.reports_bucket,
                       prefix=REPORTS_PREFIX, filter_prefix=self.prefix)
        yaml_file = save_yaml(spec)
        mc = f"mc inventory put {s.path.alias}/{s.path.bucket} {yaml_file}" if yaml_file else ""
        try:
            self.api.put_job(s.path.alias, spec)
        except RecoveryError as exc:
            self._record("inventory.put", mc, "failed", s, error=exc.one_line())
            raise
        s.job_created, s.created_at = True, time.monotonic()
        self._record("inventory.put", mc, "ok", s)

    def _record(self, action: str, mc: str, result: str, s: _Side, **detail: Any) -> None:
        if self.opts.journal is not None:
            self.opts.journal.record(action, mc=mc, result=result, bucket=f"{s.path.alias}/{s.path.bucket}",
                                     job=s.job_id, **detail)

    def _wait(self, sides: list[_Side], on_completed: Callable[[_Side], None]) -> None:
        """Poll each job (`next_poll`) until it has ended; `on_completed(side)` as soon as one is Completed."""
        marks: dict[str, tuple[Any, float]] = {}
        due = {s.label: s.created_at + next_poll(0.0, self.opts.poll_interval) for s in sides}
        pending = list(sides)
        while pending:
            if self.cancel.is_set():
                raise Cancelled("the validation was cancelled")
            polled = [s for s in pending if due[s.label] <= time.monotonic()]
            for s in polled:
                st = self.api.status(s.path.alias, s.path.bucket, s.job_id, self.opts.reports_bucket)
                s.status = st
                now = time.monotonic()
                mark = marks.get(s.label)
                if mark is None or mark[0] != st.progress_mark:
                    marks[s.label] = (st.progress_mark, now)
                if st.state == "Completed":
                    pending.remove(s)
                    on_completed(s)
                elif st.finished:
                    s.failure = _failure(st.state.lower(), st)
                    pending.remove(s)
                elif now - marks[s.label][1] >= self.opts.stall_timeout:
                    s.failure = _failure(f"stalled (no progress for {self.opts.stall_timeout:g}s, state {st.state})",
                                         st)
                    pending.remove(s)
                else:
                    due[s.label] = now + next_poll(now - s.created_at, self.opts.poll_interval)
            if polled:
                self._emit("jobs")
            if pending:
                self.cancel.wait(max(0.0, min(due[s.label] for s in pending) - time.monotonic()))

    def _read(self, s: _Side, reader: ReportReader) -> SideReport:
        if s.failure:
            return SideReport(s.label, problems=[f"the inventory job {s.failure}"])
        if s.manifest is not None:
            report = self._given_manifest(s, reader)
        else:
            assert s.status is not None
            key = s.status.manifest_path
            if not key:
                return SideReport(s.label, problems=["the job completed without a manifestPath"])
            report = reader.from_bucket(s.label, s.path.alias, self.opts.reports_bucket, key)
            s.manifest_key = key  # only once read: a read stopped half-way leaves no key list to half-delete
        m = report.manifest
        if m is not None and m.source_bucket and m.source_bucket != s.path.bucket:
            raise InputError(f"the {s.label} report is an inventory of bucket '{m.source_bucket}', not "
                             f"'{s.path.bucket}'", hint=f"Give the manifest of {s.path} with --{s.label}-manifest.")
        if m is not None:
            s.report_keys = [f.key for f in m.files]
        return report

    def _given_manifest(self, s: _Side, reader: ReportReader) -> SideReport:
        text = s.manifest or ""
        local = Path(text).expanduser()
        if local.is_file():
            s.notes.append(f"{s.label}: report read from {local}")
            return reader.from_local(s.label, local)
        alias, _, rest = text.partition("/")
        if alias and rest and alias in self.service.aliases.names():
            bucket, _, key = rest.partition("/")
        else:
            alias, bucket, key = s.path.alias, self.opts.reports_bucket, text.lstrip("/")
        if not key:
            raise InputError(f"--{s.label}-manifest '{text}' is neither a local file nor ALIAS/BUCKET/KEY",
                             hint="Give the path of a manifest.json, or its S3 key.")
        s.notes.append(f"{s.label}: report {alias}/{bucket}/{key}")
        return reader.from_bucket(s.label, alias, bucket, key)

    def _compare(self, workdir: Path) -> ValidationReport:
        from .inventory_compare import Comparer

        src, dst = (s.report for s in self.sides)
        assert src is not None and dst is not None
        self._emit("compare")
        exclude = REPORTS_PREFIX if any(s.path.bucket == self.opts.reports_bucket for s in self.sides) else ""
        if exclude:
            self.notes.append(f"keys under {exclude} (the reports) are left out of the comparison")
        diffs = self.opts.diffs_path or _default_diffs_path(self.sides[0].path.bucket, self.stamp)
        comparer = Comparer(workdir, self.opts.memory_limit)
        try:
            r = comparer.compare(src, dst, diffs_path=diffs, prefix=self.prefix, exclude_prefix=exclude,
                                 sample_limit=self.sample_limit)
        finally:
            comparer.close()
        unknown = [p for p, c in ((SOURCE_COUNTS, r.source_counts), (TARGET_COUNTS, r.target_counts)) if c is None]
        unknown += [k for k in CLASSES if r.counts[k] is None]
        reasons = [x for x in (src.reason(), dst.reason()) if x]
        source, target = self.sides[0].path, self.sides[1].path
        return ValidationReport(
            source=str(BucketPath(source.alias, source.bucket, self.prefix)),
            target=str(BucketPath(target.alias, target.bucket, self.prefix)), prefix=self.prefix,
            source_counts=r.source_counts or SideCounts(), target_counts=r.target_counts or SideCounts(),
            missing_on_target=r.counts[MISSING] or 0, extra_on_target=r.counts[EXTRA] or 0,
            mismatched=r.counts["mismatched"] or 0, samples=tuple(r.samples), incomplete=bool(reasons),
            error="; ".join(reasons), elapsed=time.monotonic() - self.started, error_exit_code=1 if reasons else 0,
            engine="inventory", unknown=tuple(unknown), diffs_file=str(r.diffs_file or ""), notes=tuple(self.notes))

    def _cleanup(self) -> None:
        if self.cleaned:
            return
        self.cleaned = True
        for s in self.sides:
            if not s.job_created:
                continue
            where = f"{s.path.alias}/{s.path.bucket}"
            if self.opts.keep_jobs:
                self.notes.append(f"kept inventory job {s.job_id} on {where} (--keep-jobs)")
            else:
                mc = f"mc inventory delete {where} {s.job_id}"
                try:
                    self.api.delete_job(s.path.alias, s.path.bucket, s.job_id)
                except RecoveryError as exc:
                    self.notes.append(f"could not delete inventory job {s.job_id} on {where}: {exc.one_line()} "
                                      f"— delete it with: {mc}")
                    self._record("inventory.delete", mc, "failed", s, error=exc.one_line())
                else:
                    self._record("inventory.delete", mc, "ok", s)
            keys = s.report_keys + ([s.manifest_key] if s.manifest_key else [])
            if keys and self.opts.delete_reports:
                self._delete_reports(s, keys)
            elif keys:
                folder = s.manifest_key.rsplit("/", 1)[0]
                self.notes.append(f"{s.label} report kept: {s.path.alias}/{self.opts.reports_bucket}/{folder}/")

    def _delete_reports(self, s: _Side, keys: list[str]) -> None:
        site = self.service.site(s.path.alias)
        ctx = site.ctx("delete an inventory report", "s3:DeleteObject", self.opts.reports_bucket)
        try:
            for key in keys:
                site.call(ctx, site.s3_write.delete_object, Bucket=self.opts.reports_bucket, Key=key)
        except RecoveryError as exc:
            self.notes.append(f"could not delete the {s.label} report: {exc.one_line()}")
        else:
            self.notes.append(f"{s.label} report deleted ({len(keys)} objects)")

    # -- progress --------------------------------------------------------------------------------------
    def _on_fetch(self, _label: str, size: int) -> None:
        with self._lock:
            self.fetched += size
        self._emit("fetch")

    def _emit(self, phase: str) -> None:
        if self.progress is not None:
            with self._lock:
                self.progress(InventoryProgress(phase, self.sides[0].status, self.sides[1].status, self.fetched,
                                                time.monotonic() - self.started))


def _failure(what: str, st: JobStatus) -> str:
    errors = "; ".join(st.errors) if st.errors else "no error message"
    return f"{what} after scanning {st.scanned_count:,} versions ({errors})"


def _default_diffs_path(bucket: str, stamp: str) -> Path:
    from recovery_tui.paths import state_dir

    return state_dir() / "validations" / f"{stamp}-{bucket}-differences.jsonl"


def validate_inventory(service: Any, source: BucketPath, target: BucketPath, *, prefix: str = "",
                       options: Optional[InventoryOptions] = None, sample_limit: int = 20,
                       progress: Optional[Callable[[Any], None]] = None, cancel: Optional[threading.Event] = None,
                       parallel: Optional[int] = None) -> ValidationReport:
    """Validate `source` against `target` from inventory reports (see the module docstring).

    `progress` receives `InventoryProgress` samples (or, after a fallback, the listing engine's
    `ValidationProgress`). Raises InputError for bad input (reports bucket missing, memory limit too
    small, a manifest of another bucket) and the mapped RecoveryError when a server cannot be reached."""
    from .validate import _effective_prefix, validate

    p = _effective_prefix(source, target, prefix)
    opts = options or InventoryOptions()
    if not opts.memory_limit or not opts.memory_limit.strip():
        raise InputError("--memory-limit is empty", hint="Give a size such as 1GB.")

    def listing(notes: list[str]) -> ValidationReport:
        r = validate(service, source, target, prefix=p, parallel=parallel, sample_limit=sample_limit,
                     progress=progress, cancel=cancel)
        return replace(r, notes=tuple(notes) + r.notes)

    return InventoryValidation(service, source, target, p, opts, sample_limit, progress, cancel, listing).run()
