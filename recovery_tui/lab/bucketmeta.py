"""`GET /minio/admin/v3/export-bucket-metadata[?bucket=B]`: every bucket's configuration in one zip.

As MinIO's `ExportBucketMetadataHandler` (cmd/admin-bucket-handlers.go; permission
`admin:ExportBucketMetadata`): one deflated entry per bucket and configuration file, named
`<bucket>/<file>`: `notification.xml` (always), `versioning.xml` (only when Enabled or Suspended),
`replication.xml` (only with a configuration) and `bucket-targets.json`, which, despite its name,
is `xml.Marshal(madmin.BucketTargets)` and carries each target's secret key. Buckets come from
ListBuckets, so a bucket with no configuration has a `notification.xml` entry only. A `bucket=` that
does not exist answers a JSON NoSuchBucket.

Deviations: `replication.xml` is the configuration as last PUT (MinIO re-marshals it), and the lab
has no policy, lifecycle, SSE, tagging, quota or object-lock files to export.
"""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

from aiohttp import web

from recovery_tui.lab import store
from recovery_tui.lab.auth import authorize
from recovery_tui.lab.errors import LabError
from recovery_tui.lab.gofmt import ZERO_TIME, go_time
from recovery_tui.lab.xmlfmt import esc

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _el(name: str, value: Any) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{name}>{esc(str(value))}</{name}>"


def targets_xml(targets: list[store.LabTarget]) -> bytes:
    """`xml.Marshal(madmin.BucketTargets{Targets: …})`: Go field names as elements (no xml tags)."""
    parts = ["<BucketTargets>"]
    for t in targets:
        parts += ["<Targets>", _el("SourceBucket", t.source_bucket), _el("Endpoint", t.endpoint),
                  "<Credentials>", _el("AccessKeyId", t.access_key), _el("SecretAccessKey", t.secret_key),
                  _el("SessionToken", ""), _el("Expiration", ZERO_TIME), "</Credentials>",
                  _el("TargetBucket", t.target_bucket), _el("Secure", t.secure), _el("Path", "auto"),
                  _el("API", "s3v4"), _el("Arn", t.arn), _el("Type", "replication"), _el("Region", t.region),
                  _el("BandwidthLimit", t.bandwidth_limit), _el("ReplicationSync", t.replication_sync),
                  _el("StorageClass", ""), _el("HealthCheckDuration", t.health_check_ns),
                  _el("DisableProxy", False), _el("ResetBeforeDate", go_time(t.reset_before)),
                  _el("ResetID", t.reset_id), _el("TotalDowntime", t.total_downtime_ns),
                  _el("LastOnline", go_time(t.last_online)), _el("Online", t.online),
                  "<Latency>", _el("Curr", t.latency_ns[0]), _el("Avg", t.latency_ns[1]),
                  _el("Max", t.latency_ns[2]), "</Latency>", _el("DeploymentID", t.deployment_id),
                  _el("Edge", False), _el("EdgeSyncBeforeExpiry", False), _el("OfflineCount", t.offline_count),
                  _el("DisableSSL", False), "</Targets>"]
    parts.append("</BucketTargets>")
    return "".join(parts).encode()


def build_zip(site: store.Site, names: list[str]) -> bytes:
    buf = io.BytesIO()
    stamp = time.localtime()[:6]
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)

        for name in names:
            b = site.buckets[name]
            add(f"{name}/notification.xml", f'<NotificationConfiguration xmlns="{S3_NS}"></NotificationConfiguration>'
                .encode())
            if b.versioning in ("Enabled", "Suspended"):
                add(f"{name}/versioning.xml", f'<VersioningConfiguration xmlns="{S3_NS}"><Status>{b.versioning}'
                    "</Status></VersioningConfiguration>".encode())
            if b.replication_xml is not None:
                add(f"{name}/replication.xml", b.replication_xml)
            add(f"{name}/bucket-targets.json", targets_xml(list(site.targets.get(name, ()))))
    return buf.getvalue()


def export(rt: Any, request: web.Request) -> web.Response:
    authorize(rt, request, "admin:ExportBucketMetadata", json=True)
    bucket = request.query.get("bucket", "").strip("/")
    site: store.Site = rt.site
    if bucket:
        if bucket not in site.buckets:
            raise LabError("NoSuchBucket", bucket=bucket, json=True)
        names = [bucket]
    else:
        names = sorted(site.buckets)
    return web.Response(status=200, body=build_zip(site, names), content_type="application/zip")
