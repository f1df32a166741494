"""Every bucket's versioning and replication configuration of one site, in one call when allowed.

`read_metadata(service, alias, buckets, parallel=…)` returns `{bucket: BucketMeta}` and how it read
them:

* "export": `GET /minio/admin/v3/export-bucket-metadata` (MinIO's `ExportBucketMetadataHandler`,
  permission `admin:ExportBucketMetadata`) answers one zip with `<bucket>/versioning.xml` (only when
  Enabled or Suspended) and `<bucket>/replication.xml` (only with a configuration) for every bucket.
  One request whatever the number of buckets. The zip also holds `bucket-targets.json`, which carries
  the targets' secret keys: it is never opened here (targets come from list-remote-targets, masked);
* "per-bucket": when the export is refused (AccessDenied, an older server's 426/404) the same facts
  are read bucket by bucket (`GET ?replication`, `GET ?versioning`), `parallel` at a time.
"""

from __future__ import annotations

import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from . import bulkread
from .errors import AccessDenied, NotFound, NotSupported, RecoveryError, ServerError
from .models import ReplicationConfig
from .parsers import parse_replication_config

A_EXPORT = "admin:ExportBucketMetadata"
WANTED = ("versioning.xml", "replication.xml")
_STATUS = re.compile(rb"<(?:\w+:)?Status>\s*([A-Za-z]+)\s*</(?:\w+:)?Status>")


@dataclass(frozen=True)
class BucketMeta:
    versioning: str = ""
    """"Enabled", "Suspended" or "" (never set)."""
    replication: Optional[ReplicationConfig] = None


def _zip_files(body: bytes, wanted: tuple[str, ...] = WANTED) -> dict[str, bytes]:
    found = bulkread.zip_entries(body, wanted)  # never bucket-targets.json: it holds the targets' secret keys
    if found is not None:
        return found
    try:
        zf = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile:
        raise ServerError("The bucket-metadata export is not a zip file", code="BadZip") from None
    with zf:
        return {name: zf.read(name) for name in zf.namelist() if name.rpartition("/")[2] in wanted}


def parse_export(body: bytes, buckets: Optional[Iterable[str]] = None, *,
                 replication: bool = True) -> dict[str, BucketMeta]:
    """The export zip → `{bucket: BucketMeta}` for `buckets` (a bucket with no file gets the defaults);
    every bucket named in the zip when `buckets` is None; versioning only unless `replication`."""
    found: dict[str, dict[str, bytes]] = {}
    for name, data in _zip_files(body, WANTED if replication else WANTED[:1]).items():
        bucket, _, file = name.partition("/")
        found.setdefault(bucket, {})[file] = data
    out: dict[str, BucketMeta] = {}
    for bucket in (found if buckets is None else buckets):
        files = found.get(bucket, {})
        status = ""
        if "versioning.xml" in files:
            m = _STATUS.search(files["versioning.xml"])
            status = m.group(1).decode() if m else ""
        repl = None
        if "replication.xml" in files:
            xml = files["replication.xml"]
            repl = bulkread.replication_config(xml) or parse_replication_config(xml)
        out[bucket] = BucketMeta(versioning=status, replication=repl)
    return out


def export_metadata(service: Any, alias: str, buckets: Optional[list[str]] = None, *,
                    replication: bool = True) -> Optional[dict[str, BucketMeta]]:
    """One export call; None when the server refuses or lacks it (the caller reads per bucket)."""
    s = service.site(alias)
    try:
        resp = s.admin(s.ctx("export the bucket configurations", A_EXPORT), "GET", "export-bucket-metadata")
    except (AccessDenied, NotSupported, NotFound):
        return None
    return parse_export(resp.body, buckets, replication=replication)


def _one(service: Any, alias: str, bucket: str, want_repl: bool) -> BucketMeta:
    versioning = service.versioning(alias, bucket).status
    repl = service.replication_config(alias, bucket) if want_repl else None
    return BucketMeta(versioning=versioning, replication=repl)


def per_bucket_metadata(service: Any, alias: str, buckets: list[str], *, parallel: int = 16,
                        replication: bool = True) -> dict[str, BucketMeta]:
    """Versioning (and the replication configuration) bucket by bucket, `parallel` at a time."""
    if not buckets:
        return {}
    with ThreadPoolExecutor(max(1, min(parallel, len(buckets)))) as pool:
        metas = list(pool.map(lambda b: _one(service, alias, b, replication), buckets))
    return dict(zip(buckets, metas, strict=True))


def read_metadata(service: Any, alias: str, buckets: list[str], *, parallel: int = 16,
                  replication: bool = True) -> tuple[dict[str, BucketMeta], str]:
    """`({bucket: BucketMeta}, "export" | "per-bucket")`; see the module docstring."""
    try:
        exported = export_metadata(service, alias, buckets)
    except RecoveryError as exc:
        if exc.exit_code == 3:
            raise
        exported = None  # e.g. an unreadable zip: read bucket by bucket instead
    if exported is not None:
        return exported, "export"
    return per_bucket_metadata(service, alias, buckets, parallel=parallel, replication=replication), "per-bucket"


__all__ = ["BucketMeta", "read_metadata", "export_metadata", "per_bucket_metadata", "parse_export"]
