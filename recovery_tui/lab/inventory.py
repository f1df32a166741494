"""AIStor's bucket inventory API on the lab's S3 port (facts §23.1, §23.2): `?minio-inventory`.

Served only by the `aistor` flavour; the `community` flavour has no such route, so its requests
fall through to the ordinary bucket handlers exactly as on community MinIO (§23.4: GET → a
ListObjectsV1 XML listing, PUT → PutBucket → 400 MalformedXML, DELETE → DeleteBucket).

Routes (every one carries `minio-inventory=`, path-style `/{bucket}/`):

* `GET ?generate=&id=` — a YAML template (destination bucket `mybucket`).
* `PUT ?id=` with a YAML body — create or replace a job; a `schedule: once` job starts at once
  (`lab/inventory_run.py`); 200, empty body.
* `GET ?id=` — `{"bucket","id","user","yamlDef"}`; `GET ?continuation-token=` — `{"items": [...]}`
  (`{"items": null}` when there are none; `nextContinuationToken` past 100 items).
* `GET ?id=&status=` — the `InventoryJobStatus` document (`InventoryJob.status_doc`).
* `DELETE ?id=` — stop the job (output files stay) and forget it; 200.

IAM (§23.2): `s3:GetInventoryConfiguration` for every GET, `s3:PutInventoryConfiguration` for PUT
and DELETE; a PUT also needs the destination bucket to exist and the caller to hold `s3:PutObject`
(the job writes as its creator). Server error codes for inventory are undocumented (§23.1): the lab
answers `NoSuchConfiguration` (AWS's code) for an unknown job and `InvalidArgument` for a bad YAML.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from aiohttp import web

from recovery_tui.lab import store
from recovery_tui.lab.auth import access_key, allowed, authorize, request_body
from recovery_tui.lab.errors import LabError
from recovery_tui.lab.gofmt import ZERO_TIME, dumps, go_time

if TYPE_CHECKING:
    from recovery_tui.lab.server import SiteRuntime

QUERY_KEY = "minio-inventory"
PAGE = 100
SCHEDULES = ("once", "hourly", "daily", "weekly", "monthly", "yearly")
FORMATS = ("csv", "json", "parquet")
FIELDS = ("ETag", "StorageClass", "IsMultipart", "EncryptionStatus", "IsBucketKeyEnabled", "KmsKeyArn",
          "ChecksumAlgorithm", "Tags", "UserMetadata", "ReplicationStatus", "ObjectLockRetainUntilDate",
          "ObjectLockMode", "ObjectLockLegalHoldStatus", "Tier", "TieringStatus", "AccessTime",
          "IsDeleteMarker", "IsLatest")
"""`includeFields` spellings (RS1 types.rs:167-222, plus the three the KB examples list)."""

TEMPLATE = """apiVersion: v1
id: {id}
destination:
  bucket: mybucket
  prefix: inventory/
  format: csv
  compression: "on"
schedule: once
mode: fast
versions: current
includeFields:
  - ETag
  - StorageClass
"""


@dataclass
class InventoryJob:
    """One configured job and the state of its current (or last) run."""

    bucket: str
    id: str
    user: str
    yaml_def: str
    config: dict[str, Any]
    state: str = "Pending"
    start_time: Optional[datetime] = None
    end_time: Optional[datetime] = None
    last_update: Optional[datetime] = None
    scanned: str = ""
    matched: str = ""
    scanned_count: int = 0
    matched_count: int = 0
    records_written: int = 0
    output_files: int = 0
    num_starts: int = 0
    num_errors: int = 0
    manifest_path: str = ""
    last_fail_time: Optional[datetime] = None
    last_fail_errors: list[str] = field(default_factory=list)
    task: Optional["asyncio.Task[None]"] = None

    @property
    def schedule(self) -> str:
        return str(self.config.get("schedule", "once"))

    def status_doc(self) -> dict[str, Any]:
        """`InventoryJobStatus` in GO's field order (api-inventory-ext.go:272-300); zero counts omitted."""
        doc: dict[str, Any] = {"bucket": self.bucket, "id": self.id, "user": self.user, "accessKey": self.user,
                               "schedule": self.schedule, "state": self.state, "nextScheduledTime": ZERO_TIME}
        for name, value in (("startTime", self.start_time), ("endTime", self.end_time),
                            ("lastUpdate", self.last_update)):
            if value is not None:
                doc[name] = go_time(value)
        if self.scanned:
            doc["scanned"] = self.scanned
        if self.matched:
            doc["matched"] = self.matched
        for name, count in (("scannedCount", self.scanned_count), ("matchedCount", self.matched_count),
                            ("recordsWritten", self.records_written), ("outputFilesCount", self.output_files)):
            if count:
                doc[name] = count
        if self.start_time is not None:
            end = self.end_time or store.utcnow()
            doc["executionTime"] = f"{max(0.0, (end - self.start_time).total_seconds()):.3f}s"
        if self.num_starts:
            doc["numStarts"] = self.num_starts
        if self.num_errors:
            doc["numErrors"] = self.num_errors
        if self.manifest_path:
            doc["manifestPath"] = self.manifest_path
        if self.last_fail_time is not None:
            doc["lastFailTime"] = go_time(self.last_fail_time)
        if self.last_fail_errors:
            doc["lastFailErrors"] = self.last_fail_errors[-5:]
        return doc


def jobs_of(rt: "SiteRuntime") -> dict[tuple[str, str], InventoryJob]:
    """The site's jobs by (bucket, id)."""
    jobs: dict[tuple[str, str], InventoryJob] = rt.site.inventory_jobs
    return jobs


def _json(doc: Any) -> web.Response:
    return web.Response(status=200, body=dumps(doc).encode(), content_type="application/json")


def _bucket(rt: "SiteRuntime", name: str) -> store.Bucket:
    b = rt.site.buckets.get(name)
    if b is None:
        raise LabError("NoSuchBucket", bucket=name)
    return b


def _job(rt: "SiteRuntime", bucket: str, job_id: str) -> InventoryJob:
    job = jobs_of(rt).get((bucket, job_id))
    if job is None:
        raise LabError("NoSuchConfiguration", "The specified configuration does not exist.", status=404,
                       bucket=bucket)
    return job


async def handle(rt: "SiteRuntime", request: web.Request, bucket: str) -> web.StreamResponse:
    """Serve one `?minio-inventory` request on `/{bucket}/` (aistor flavour only)."""
    q, method = request.query, request.method
    job_id = q.get("id", "")
    if method == "GET":
        authorize(rt, request, "s3:GetInventoryConfiguration", bucket=bucket)
        _bucket(rt, bucket)
        if "generate" in q:
            if not job_id:
                raise LabError("InvalidArgument", "inventory id is required", bucket=bucket)
            return web.Response(status=200, text=TEMPLATE.format(id=job_id), content_type="application/yaml")
        if "status" in q:
            return _json(_job(rt, bucket, job_id).status_doc())
        if job_id:
            job = _job(rt, bucket, job_id)
            return _json({"bucket": job.bucket, "id": job.id, "user": job.user, "yamlDef": job.yaml_def})
        if "continuation-token" not in q:
            raise LabError("InvalidArgument", "continuation-token is required", bucket=bucket)
        return _json(_list(rt, bucket, q.get("continuation-token", "")))
    if method == "PUT":
        authorize(rt, request, "s3:PutInventoryConfiguration", bucket=bucket)
        _bucket(rt, bucket)
        return _put(rt, request, bucket, job_id)
    if method == "DELETE":
        authorize(rt, request, "s3:PutInventoryConfiguration", bucket=bucket)
        _bucket(rt, bucket)
        job = _job(rt, bucket, job_id)
        stop(job)
        del jobs_of(rt)[(bucket, job_id)]
        return web.Response(status=200)
    raise LabError("MethodNotAllowed", bucket=bucket)


def _list(rt: "SiteRuntime", bucket: str, token: str) -> dict[str, Any]:
    ids = sorted(jid for (b, jid) in jobs_of(rt) if b == bucket)
    start = int(token) if token.isdigit() else 0
    page = ids[start:start + PAGE]
    items = [{"bucket": bucket, "id": jid, "user": jobs_of(rt)[(bucket, jid)].user} for jid in page]
    doc: dict[str, Any] = {"items": items or None}
    if start + PAGE < len(ids):
        doc["nextContinuationToken"] = str(start + PAGE)
    return doc


def _put(rt: "SiteRuntime", request: web.Request, bucket: str, job_id: str) -> web.Response:
    if not job_id:
        raise LabError("InvalidArgument", "inventory id is required", bucket=bucket)
    body = request_body(request)
    md5 = request.headers.get("Content-MD5")
    if md5 is not None and md5 != base64.b64encode(hashlib.md5(body).digest()).decode():
        raise LabError("BadDigest", "The Content-Md5 you specified did not match what we received.", status=400,
                       bucket=bucket)
    config = parse_config(body, bucket, job_id)
    dest = str(config["destination"]["bucket"])
    if dest not in rt.site.buckets:
        raise LabError("NoSuchBucket", f"The destination bucket {dest} does not exist", bucket=dest)
    if not allowed(rt, request, "s3:PutObject"):
        raise LabError("AccessDenied", f"Access Denied. (s3:PutObject on destination bucket {dest})", bucket=dest)
    old = jobs_of(rt).pop((bucket, job_id), None)
    if old is not None:
        stop(old)
    job = InventoryJob(bucket=bucket, id=job_id, user=access_key(request), yaml_def=body.decode(), config=config)
    jobs_of(rt)[(bucket, job_id)] = job
    if job.schedule == "once":
        from recovery_tui.lab import inventory_run

        job.task = asyncio.get_running_loop().create_task(inventory_run.run(rt, job))
    else:
        job.state = "Sleeping"
    return web.Response(status=200)


def stop(job: InventoryJob) -> None:
    """Stop a running job (DELETE, or a PUT that replaces it); files already written stay."""
    if job.task is not None and not job.task.done():
        job.task.cancel()
    if job.state in ("Pending", "Running"):
        job.state = "Canceled"


def parse_config(body: bytes, bucket: str, job_id: str) -> dict[str, Any]:
    """The job YAML, checked the way D-CFG documents it; a bad one is 400 InvalidArgument."""
    try:
        import yaml  # PyYAML, part of the `scale` extra

        doc = yaml.safe_load(body.decode())
    except UnicodeDecodeError:
        raise LabError("InvalidArgument", "inventory configuration is not UTF-8", bucket=bucket) from None
    except ImportError:
        raise LabError("NotImplemented", "the lab needs PyYAML for inventory (pip install "
                       "'recovery-tui[scale]')", bucket=bucket) from None
    except Exception as exc:  # yaml.YAMLError and friends
        raise LabError("InvalidArgument", f"invalid inventory YAML: {type(exc).__name__}", bucket=bucket) from None

    def bad(why: str) -> LabError:
        return LabError("InvalidArgument", f"invalid inventory configuration: {why}", bucket=bucket)

    if not isinstance(doc, dict):
        raise bad("not a mapping")
    if str(doc.get("apiVersion", "")) != "v1":
        raise bad("apiVersion must be v1")
    if str(doc.get("id", "")) != job_id:
        raise bad("id does not match the request")
    dest = doc.get("destination")
    if not isinstance(dest, dict) or not dest.get("bucket"):
        raise bad("destination.bucket is required")
    fmt = str(dest.get("format", "csv")).lower()
    if fmt not in FORMATS:
        raise bad(f"unknown destination.format {fmt}")
    dest["format"] = fmt
    compression = dest.get("compression", "on")
    if compression is True or compression is False:  # a YAML-1.1 bare on/off
        compression = "on" if compression else "off"
    if str(compression) not in ("on", "off"):
        raise bad("destination.compression must be \"on\" or \"off\"")
    dest["compression"] = str(compression)
    for key, choices, default in (("schedule", SCHEDULES, "once"), ("mode", ("fast", "strict"), "fast"),
                                  ("versions", ("all", "current"), "all")):
        value = str(doc.get(key, default)).lower()
        if value not in choices:
            raise bad(f"unknown {key} {value}")
        doc[key] = value
    fields = doc.get("includeFields") or []
    if not isinstance(fields, list) or any(str(f) not in FIELDS for f in fields):
        raise bad("unknown includeFields entry")
    doc["includeFields"] = [str(f) for f in fields]
    prefixes = (doc.get("filters") or {}).get("prefix") if isinstance(doc.get("filters"), dict) else None
    if prefixes is not None and not isinstance(prefixes, list):
        raise bad("filters.prefix must be a list")
    return doc
