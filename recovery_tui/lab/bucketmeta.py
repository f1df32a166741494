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

import struct
import time
import zlib
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


_STORED: dict[tuple[Any, ...], str] = {}
"""A target's stored XML by its stored fields: a thousand-bucket export rebuilds none of them."""


def _stored_xml(t: store.LabTarget) -> str:
    key = (t.source_bucket, t.endpoint, t.access_key, t.secret_key, t.target_bucket, t.secure, t.arn, t.region,
           t.bandwidth_limit, t.replication_sync, t.health_check_ns, t.reset_before, t.reset_id, t.deployment_id)
    xml = _STORED.get(key)
    if xml is None:
        if len(_STORED) > 50_000:
            _STORED.clear()
        xml = _STORED[key] = "".join([
            "<Targets>", _el("SourceBucket", t.source_bucket), _el("Endpoint", t.endpoint),
            "<Credentials>", _el("AccessKeyId", t.access_key), _el("SecretAccessKey", t.secret_key),
            _el("SessionToken", ""), _el("Expiration", ZERO_TIME), "</Credentials>",
            _el("TargetBucket", t.target_bucket), _el("Secure", t.secure), _el("Path", "auto"),
            _el("API", "s3v4"), _el("Arn", t.arn), _el("Type", "replication"), _el("Region", t.region),
            _el("BandwidthLimit", t.bandwidth_limit), _el("ReplicationSync", t.replication_sync),
            _el("StorageClass", ""), _el("HealthCheckDuration", t.health_check_ns),
            _el("DisableProxy", False), _el("ResetBeforeDate", go_time(t.reset_before)),
            _el("ResetID", t.reset_id), _el("TotalDowntime", 0), _el("LastOnline", ZERO_TIME),
            _el("Online", False), "<Latency><Curr>0</Curr><Avg>0</Avg><Max>0</Max></Latency>",
            _el("DeploymentID", t.deployment_id), _el("Edge", False), _el("EdgeSyncBeforeExpiry", False),
            _el("OfflineCount", 0), _el("DisableSSL", False), "</Targets>"])
    return xml


def targets_xml(targets: list[store.LabTarget]) -> bytes:
    """`xml.Marshal(madmin.BucketTargets{Targets: …})`: Go field names as elements (no xml tags).

    The targets as stored (`GetBucketTargetsConfig`: what set-remote-target saved, as the client sent it, with
    the ResetID a resync wrote), not as list-remote-targets shows them: the live health (online, last online,
    downtime, latency) is laid over the stored targets only by `ListTargets`, so here it is Go's zero values."""
    parts = ["<BucketTargets>", *map(_stored_xml, targets), "</BucketTargets>"]
    return "".join(parts).encode()


_PACKED: dict[bytes, tuple[int, bytes]] = {}
"""Deflated entries by content: most configurations do not change between two exports."""


class _Zip:
    """A minimal zip writer (deflated entries, no data descriptors): `zipfile` spends ~0.1 ms per entry,
    which a thousand-bucket export (four entries each) would turn into half a second per request."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.central: list[bytes] = []
        self.offset = 0
        t = time.localtime()
        self.dos_time = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
        self.dos_date = ((t.tm_year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday

    def add(self, name: str, data: bytes) -> None:
        raw = name.encode()
        hit = _PACKED.get(data)
        if hit is None:
            co = zlib.compressobj(6, zlib.DEFLATED, -15)
            if len(_PACKED) > 50_000:
                _PACKED.clear()
            hit = _PACKED[data] = (zlib.crc32(data), co.compress(data) + co.flush())
        crc, packed = hit
        fixed = struct.pack("<HHHHHIII", 20, 0x800, 8, self.dos_time, self.dos_date, crc, len(packed), len(data))
        local = b"PK\x03\x04" + fixed + struct.pack("<HH", len(raw), 0) + raw
        self.central.append(b"PK\x01\x02" + struct.pack("<H", 0x0314) + fixed
                            + struct.pack("<HHHHHII", len(raw), 0, 0, 0, 0, 0o600 << 16, self.offset) + raw)
        self.parts += [local, packed]
        self.offset += len(local) + len(packed)

    def finish(self) -> bytes:
        cd = b"".join(self.central)
        n = len(self.central)
        return b"".join(self.parts) + cd + b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, n, n, len(cd),
                                                                          self.offset, 0)


def build_zip(site: store.Site, names: list[str]) -> bytes:
    zf = _Zip()
    notification = f'<NotificationConfiguration xmlns="{S3_NS}"></NotificationConfiguration>'.encode()
    for name in names:
        b = site.buckets[name]
        zf.add(f"{name}/notification.xml", notification)
        if b.versioning in ("Enabled", "Suspended"):
            zf.add(f"{name}/versioning.xml", f'<VersioningConfiguration xmlns="{S3_NS}"><Status>{b.versioning}'
                   "</Status></VersioningConfiguration>".encode())
        if b.replication_xml is not None:
            zf.add(f"{name}/replication.xml", b.replication_xml)
        zf.add(f"{name}/bucket-targets.json", targets_xml(list(site.targets.get(name, ()))))
    return zf.finish()


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
