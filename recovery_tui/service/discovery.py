"""Site discovery: every bucket of the healthy site SRC that replicates to the damaged site DST.

`discover(service, src, dst)` reads, all at once on a small pool (so the time hardly depends on the
number of buckets): both sites' bucket lists and admin `info` (deployment IDs), every remote target of
SRC in one `list-remote-targets?bucket=` call (§2), SRC's site-replication info (§15.1), and both
sites' bucket configurations in one `export-bucket-metadata` call each (`bucketmeta.py`; bucket by
bucket, `parallel` at a time, when the export is refused). The verdicts are `siteverdict.verdict`.

`count_versions(service, plan)` then lists each plan bucket on both sides (bounded parallel) for the
versions each side holds and the size estimate.

Errors: the same alias twice, or two aliases of one deployment → InputError (exit 2); no bucket of SRC
replicating to DST → InputError naming what the targets point at instead; a site that does not answer
→ ConnectionFailure (exit 3) that says which site and that nothing was started.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Callable, Optional

from . import bulkread
from .bucketmeta import BucketMeta, export_metadata, per_bucket_metadata
from .errors import AccessDenied, ConnectionFailure, InputError, NotFound, NotSupported, RecoveryError
from .models import RemoteTarget
from .sitemodels import BUCKET_MODE, SITE_MODE, BucketPlan, SitePlan, SiteReplicationInfo
from .siterepl import server_info, site_replication_info
from .siteverdict import points_at, verdict

DEFAULT_PARALLEL = 16
"""Buckets read at once when configurations are read one by one."""
COUNT_PARALLEL = 6
"""Buckets listed at once by `count_versions`."""
Progress = Callable[[int, int, str], None]


def _offline(exc: ConnectionFailure, alias: str, role: str) -> ConnectionFailure:
    return ConnectionFailure(
        f"The {role} site {alias} does not answer: {exc.message}",
        title=f"{role.capitalize()} site offline",
        hint=(f"Bring {alias} back (or check its alias URL), then run the plan again; nothing was started."
              if role == "damaged" else f"Check that {alias} is running and reachable; nothing was started."),
        code=exc.code, status=exc.status)


def _optional(fn: Callable[[], Any], notes: list[str], what: str) -> Any:
    """Run a read that discovery can do without (AccessDenied / not served): None plus a note."""
    try:
        return fn()
    except (AccessDenied, NotSupported, NotFound) as exc:
        notes.append(f"{what}: {exc.message}")
        return None


def _check_aliases(service: Any, src: str, dst: str) -> tuple[Any, Any]:
    if src == dst:
        raise InputError(f"the healthy and the damaged site are the same alias '{src}'",
                         hint="Give the healthy alias first and the damaged one second, e.g. "
                              "recovery-tui site plan source target")
    a, b = service.aliases.get(src), service.aliases.get(dst)
    if a.url.rstrip("/").lower() == b.url.rstrip("/").lower():
        raise InputError(f"'{src}' and '{dst}' point at the same server ({a.url})",
                         hint="The second alias must be the damaged deployment, not another name for the first.")
    return a, b


def bucket_list(service: Any, alias: str) -> list[str]:
    """ListBuckets through the signed raw path, read by `bulkread` (boto3's parser is slow on thousands)."""
    s = service.site(alias)
    names = bulkread.bucket_names(s.raw(s.ctx("list buckets", "s3:ListAllMyBuckets"), "GET", "/").body)
    return names if names is not None else service.list_buckets(alias)


def all_targets(service: Any, alias: str) -> list[RemoteTarget]:
    """Every remote target of every bucket in one `list-remote-targets?bucket=&type=` call (§2)."""
    s = service.site(alias)
    body = s.admin(s.ctx("list remote targets", "admin:GetBucketTarget"), "GET", "list-remote-targets",
                   [("bucket", ""), ("type", "")]).body
    found = bulkread.remote_targets(body)
    return found if found is not None else service.remote_targets(alias, "")


def discover(service: Any, src: str, dst: str, *, parallel: int = DEFAULT_PARALLEL,
             progress: Optional[Progress] = None) -> SitePlan:
    """The site plan without version counts (see the module docstring)."""
    t0 = time.perf_counter()
    _, dst_alias = _check_aliases(service, src, dst)
    notes: list[str] = []
    lock = threading.Lock()

    def note_safe(fn: Callable[[], Any], what: str) -> Callable[[], Any]:
        def run() -> Any:
            local: list[str] = []
            out = _optional(fn, local, what)
            with lock:
                notes.extend(local)
            return out
        return run

    with ThreadPoolExecutor(8) as pool:
        # sent in the order of what their answers cost to read, dearest first: a server that answers in the
        # order it was asked (the lab's one loop) lets the client read the big answers while it makes the rest
        jobs: dict[str, Future[Any]] = {
            "src_meta": pool.submit(note_safe(lambda: export_metadata(service, src), f"configurations of {src}")),
            "targets": pool.submit(all_targets, service, src),
            "dst_meta": pool.submit(note_safe(lambda: export_metadata(service, dst, replication=False),
                                                   f"configurations of {dst}")),
            "src_buckets": pool.submit(bucket_list, service, src),
            "dst_buckets": pool.submit(bucket_list, service, dst),
            "src_info": pool.submit(note_safe(lambda: server_info(service, src), f"deployment ID of {src}")),
            "dst_info": pool.submit(note_safe(lambda: server_info(service, dst), f"deployment ID of {dst}")),
            "sr": pool.submit(note_safe(lambda: site_replication_info(service, src), "site replication")),
        }
        results: dict[str, Any] = {}
        errors: dict[str, RecoveryError] = {}
        for name, fut in jobs.items():
            try:
                results[name] = fut.result()
            except RecoveryError as exc:
                errors[name] = exc
    for name in ("src_buckets", "targets", "src_info", "sr", "src_meta", "dst_buckets", "dst_info", "dst_meta"):
        err = errors.get(name)
        if err is None:
            continue
        if isinstance(err, ConnectionFailure):
            damaged = name.startswith("dst")
            raise _offline(err, dst if damaged else src, "damaged" if damaged else "healthy")
        raise err
    if progress:
        progress(1, 2, "discover")
    src_depl = str((results["src_info"] or {}).get("deployment_id", ""))
    dst_depl = str((results["dst_info"] or {}).get("deployment_id", ""))
    if src_depl and src_depl == dst_depl:
        raise InputError(f"'{src}' and '{dst}' are the same deployment ({src_depl})",
                         hint="The second alias must be the damaged deployment, not another name for the first.")
    src_buckets: list[str] = results["src_buckets"]
    dst_buckets = set(results["dst_buckets"])
    targets_by_bucket: dict[str, dict[str, RemoteTarget]] = {}
    for t in results["targets"]:
        targets_by_bucket.setdefault(t.source_bucket, {})[t.arn] = t
    src_meta, how = results["src_meta"], "export"
    if src_meta is None:
        src_meta, how = per_bucket_metadata(service, src, src_buckets, parallel=parallel), "per-bucket"
    rows = _rows(src, dst, src_buckets, src_meta, targets_by_bucket, dst_alias, dst_depl, dst_buckets,
                 results["dst_meta"], service, parallel)
    if results["dst_meta"] is None and how == "export":
        how = "export+per-bucket"
    sr: Optional[SiteReplicationInfo] = results["sr"]
    plan_rows = [r for r in rows if r is not None]
    if not any(r.arn for r in plan_rows):
        elsewhere = sorted({t.endpoint for ts in targets_by_bucket.values() for t in ts.values()})
        raise InputError(
            f"no bucket on {src} replicates to {dst} ({len(src_buckets)} buckets checked"
            + (f"; their remote targets point at {', '.join(elsewhere)}" if elsewhere else "; none has a remote target")
            + ")", title="Unrelated deployments",
            hint=f"Check the pair: the damaged site must be a replication target of {src} "
                 f"(mc replicate ls {src}/BUCKET).")
    mode, peer = BUCKET_MODE, None
    if sr is not None and sr.enabled:
        peer = sr.peer(dst_depl)
        if peer is not None:
            mode = SITE_MODE
        else:
            notes.append(f"{src} is in a site-replication group, but {dst} is not one of its peers")
    if progress:
        progress(2, 2, "discover")
    return SitePlan(source=src, target=dst, mode=mode, buckets=tuple(plan_rows), source_deployment=src_depl,
                    target_deployment=dst_depl, peer=peer, metadata=how, notes=tuple(notes),
                    elapsed=time.perf_counter() - t0, skipped=len(src_buckets) - len(plan_rows))


def _rows(src: str, dst: str, src_buckets: list[str], src_meta: dict[str, BucketMeta],
          targets_by_bucket: dict[str, dict[str, RemoteTarget]], dst_alias: Any, dst_depl: str,
          dst_buckets: set[str], dst_meta: Optional[dict[str, BucketMeta]], service: Any,
          parallel: int) -> list[Optional[BucketPlan]]:
    if dst_meta is None:  # the damaged site's versioning, read for the buckets the plan needs only
        needed = set()
        for b in src_buckets:
            for t in targets_by_bucket.get(b, {}).values():
                if points_at(t, dst_alias, dst_depl) and t.target_bucket in dst_buckets:
                    needed.add(t.target_bucket)
        dst_meta = per_bucket_metadata(service, dst, sorted(needed), parallel=parallel, replication=False)
    dst_versioning = {b: m.versioning for b, m in dst_meta.items()}
    empty = BucketMeta()
    return [verdict(b, src, dst, src_versioning=src_meta.get(b, empty).versioning,
                    config=src_meta.get(b, empty).replication, targets=targets_by_bucket.get(b, {}),
                    dst_alias=dst_alias, dst_deployment=dst_depl, dst_buckets=dst_buckets,
                    dst_versioning=dst_versioning) for b in src_buckets]


def count_bucket(service: Any, alias: str, bucket: str) -> tuple[int, int]:
    """(versions and delete markers, bytes of the versions) of one bucket, by listing it."""
    from .listing import SIZE, VersionLister

    n = size = 0
    for page in VersionLister(service, alias, bucket, parse_processes=False).pages():
        n += len(page.entries)
        size += sum(int(e[SIZE]) for e in page.entries)  # the page's own strings (`pagexml.Entry`)
    return n, size


def count_versions(service: Any, plan: SitePlan, *, parallel: int = COUNT_PARALLEL,
                   progress: Optional[Progress] = None) -> SitePlan:
    """The plan with each bucket's versions counted on both sides (None where a side has no such bucket)."""
    rows = list(plan.buckets)
    done = [0]
    lock = threading.Lock()

    def one(row: BucketPlan) -> BucketPlan:
        error = ""
        src_n = src_size = dst_n = None
        alias, role = plan.source, "healthy"
        try:
            src_n, src_size = count_bucket(service, plan.source, row.bucket)
            alias, role = plan.target, "damaged"
            try:
                dst_n = count_bucket(service, plan.target, row.target_bucket or row.bucket)[0]
            except NotFound:
                dst_n = None
        except ConnectionFailure as exc:
            raise _offline(exc, alias, role) from None
        except RecoveryError as exc:
            error = exc.message
        with lock:
            done[0] += 1
            if progress:
                progress(done[0], len(rows), "count")
        return replace(row, source_versions=src_n, target_versions=dst_n, source_bytes=src_size, count_error=error)

    if not rows:
        return plan
    with ThreadPoolExecutor(max(1, min(parallel, len(rows)))) as pool:
        counted = list(pool.map(one, rows))
    return plan.with_buckets(tuple(counted))


__all__ = ["discover", "count_versions", "count_bucket", "DEFAULT_PARALLEL"]
