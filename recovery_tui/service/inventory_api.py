"""AIStor bucket inventory on the wire (facts §23.1, §23.2): the probe, a job's create / status / delete.

Every call is a signed request on the S3 port to `/{bucket}/` with `minio-inventory=` and its pairs,
keys sorted as minio-go sends them. Only HTTP 200 is success (§23.1).

Safety first (§23.4): community MinIO has no `?minio-inventory` route. There a GET falls through to a
bucket listing (200, XML), a PUT to PutBucket (400 MalformedXML) and a DELETE to DeleteBucket, which
deletes an empty bucket. `InventoryApi` therefore refuses to send any PUT or DELETE for a bucket until
its own `probe()` of that alias and bucket answered with inventory JSON; the probe is a GET.

Retry policies: the probe and status reads run under READ_POLICY; creating and deleting a job under
WRITE_ONCE (one attempt: a second create could start a second run).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Optional

from .errors import NotSupported, RecoveryError, ServerError
from .http import HttpStatusError, RawResponse, to_recovery_error
from .retry import READ_POLICY, WRITE_ONCE

A_GET = "s3:GetInventoryConfiguration"
A_PUT = "s3:PutInventoryConfiguration"
NEEDED_FIELDS = ("ETag", "IsDeleteMarker", "IsLatest", "ReplicationStatus")
"""`includeFields` the comparison needs (Size and VersionID are default columns with `versions: all`)."""
TERMINAL_OK = "Completed"
TERMINAL_BAD = ("Failed", "Canceled")


def _q(s: str) -> str:
    """A YAML scalar as a double-quoted JSON string (valid YAML, no on/off/yes surprises)."""
    return json.dumps(s, ensure_ascii=False)


@dataclass(frozen=True)
class JobSpec:
    """The job the tool creates on one side (facts §23.1 YAML, §23.5 example)."""

    id: str
    bucket: str
    reports_bucket: str
    prefix: str
    """Where the reports go inside `reports_bucket` (the server appends `{bucket}/{id}/{run-ts}/`)."""
    filter_prefix: str = ""
    """Only keys under this prefix (the validation's --prefix), "" for the whole bucket."""
    fmt: str = "parquet"
    fields: tuple[str, ...] = NEEDED_FIELDS

    def yaml(self) -> str:
        lines = ["apiVersion: v1", f"id: {_q(self.id)}", "destination:", f"  bucket: {_q(self.reports_bucket)}",
                 f"  prefix: {_q(self.prefix)}", f"  format: {self.fmt}", '  compression: "off"',
                 "schedule: once", "mode: strict", "versions: all", "includeFields:"]
        lines += [f"  - {f}" for f in self.fields]
        if self.filter_prefix:
            lines += ["filters:", "  prefix:", f"    - {_q(self.filter_prefix)}"]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class JobStatus:
    """A job's `InventoryJobStatus` (state normalised to PascalCase; absent counts are 0)."""

    state: str
    scanned_count: int = 0
    matched_count: int = 0
    records_written: int = 0
    output_files: int = 0
    manifest_path: str = ""
    scanned: str = ""
    last_update: str = ""
    num_errors: int = 0
    errors: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def finished(self) -> bool:
        return self.state == TERMINAL_OK or self.state in TERMINAL_BAD

    @property
    def progress_mark(self) -> tuple[Any, ...]:
        """What changes while a run makes progress (for stall detection)."""
        return (self.state, self.scanned_count, self.matched_count, self.records_written, self.output_files,
                self.scanned, self.last_update)


def parse_status(body: bytes, reports_bucket: str = "") -> JobStatus:
    """The status JSON → JobStatus; a `manifestPath` that starts with the reports bucket loses it (§23.1)."""
    try:
        doc = json.loads(body)
    except ValueError:
        raise ServerError("the inventory status answer is not JSON", hint="Check that the server is AIStor.") from None
    if not isinstance(doc, dict) or "state" not in doc:
        raise ServerError("the inventory status answer has no state", hint="Check that the server is AIStor.")

    def num(name: str) -> int:
        try:
            return int(doc.get(name) or 0)
        except (TypeError, ValueError):
            return 0

    state = str(doc.get("state", "")).strip()
    state = state[:1].upper() + state[1:].lower() if state else "Unknown"
    path = str(doc.get("manifestPath") or "").lstrip("/")
    if reports_bucket and path.startswith(reports_bucket + "/"):
        path = path[len(reports_bucket) + 1:]
    errors = doc.get("lastFailErrors") or []
    return JobStatus(state=state, scanned_count=num("scannedCount"), matched_count=num("matchedCount"),
                     records_written=num("recordsWritten"), output_files=num("outputFilesCount"),
                     manifest_path=path, scanned=str(doc.get("scanned") or ""),
                     last_update=str(doc.get("lastUpdate") or ""), num_errors=num("numErrors"),
                     errors=tuple(str(e) for e in errors if e) if isinstance(errors, list) else (), raw=doc)


@dataclass(frozen=True)
class Probe:
    """What a bucket's `?minio-inventory` GET answered."""

    supported: bool
    detail: str
    """One line for the operator."""


class InventoryApi:
    """The inventory calls on the sites of one RecoveryService (see the module docstring)."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self._confirmed: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.calls: list[tuple[str, str, str, str]] = []
        """(method, alias, bucket, query) of every inventory call sent, in order (for the journal/tests)."""

    def _send(self, alias: str, bucket: str, method: str, query: list[tuple[str, str]], operation: str,
              action: str, *, body: bytes = b"", headers: Optional[dict[str, str]] = None) -> RawResponse:
        site = self.service.site(alias)
        ctx = site.ctx(operation, action, bucket)
        q = sorted(query + [("minio-inventory", "")])
        with self._lock:
            self.calls.append((method, alias, bucket, "&".join(f"{k}={v}" for k, v in q)))
        policy = READ_POLICY if method == "GET" else WRITE_ONCE
        try:
            return site.http.send(method, f"/{bucket}/", q, ctx=ctx, policy=policy, body=body, headers=headers)
        except HttpStatusError as exc:
            raise to_recovery_error(exc, ctx) from None

    def probe(self, alias: str, bucket: str) -> Probe:
        """GET `?continuation-token=&minio-inventory=` (a list): JSON → inventory; XML → none (§23.4).

        Raises the mapped RecoveryError for an error answer (no such bucket, access denied, offline)."""
        try:
            resp = self._send(alias, bucket, "GET", [("continuation-token", "")], "probe bucket inventory", A_GET)
        except RecoveryError as exc:
            if exc.status == 501 or exc.code == "NotImplemented":
                return Probe(False, f"{alias} has no bucket inventory (it answered NotImplemented)")
            raise
        ctype = (resp.headers.get("Content-Type") or resp.headers.get("content-type") or "").lower()
        text = resp.body.lstrip()
        if "xml" in ctype or text.startswith(b"<"):
            what = "a bucket listing" if b"<ListBucketResult" in text[:400] else "XML"
            return Probe(False, f"{alias} has no bucket inventory (community MinIO: the inventory request was "
                                f"answered with {what})")
        try:
            doc = json.loads(resp.body)
        except ValueError:
            doc = None
        if not isinstance(doc, dict) or "items" not in doc:
            return Probe(False, f"{alias} has no bucket inventory (its answer is not an inventory list)")
        with self._lock:
            self._confirmed.add((alias, bucket))
        return Probe(True, f"{alias} supports bucket inventory")

    def _require_probe(self, alias: str, bucket: str) -> None:
        with self._lock:
            ok = (alias, bucket) in self._confirmed
        if not ok:
            raise NotSupported(f"refusing to send an inventory write to {alias}/{bucket} before the probe "
                               "confirmed the server has bucket inventory",
                               hint="On community MinIO that request would be a PutBucket or DeleteBucket.")

    def put_job(self, alias: str, spec: JobSpec) -> None:
        """Create (or replace) a job; with `schedule: once` the server runs it at once (§23.1)."""
        self._require_probe(alias, spec.bucket)
        body = spec.yaml().encode()
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        self._send(alias, spec.bucket, "PUT", [("id", spec.id)], "create an inventory job", A_PUT, body=body,
                   headers={"Content-MD5": md5, "Content-Type": "application/yaml"})

    def status(self, alias: str, bucket: str, job_id: str, reports_bucket: str = "") -> JobStatus:
        resp = self._send(alias, bucket, "GET", [("id", job_id), ("status", "")], "read an inventory job's status",
                          A_GET)
        return parse_status(resp.body, reports_bucket)

    def delete_job(self, alias: str, bucket: str, job_id: str) -> None:
        """Delete the job (a running one stops; its files stay, §23.1)."""
        self._require_probe(alias, bucket)
        self._send(alias, bucket, "DELETE", [("id", job_id)], "delete an inventory job", A_PUT)
