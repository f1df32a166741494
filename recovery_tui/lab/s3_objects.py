"""Object handlers of the lab's S3 API: PUT, GET/HEAD, DELETE, CopyObject and DeleteObjects.

Replica writes from the peer (§11) keep the sender's version ID, mtime and ETag, are marked
REPLICA and are never reported to the replicator (no ping-pong). Every other write is reported
through `SiteRuntime.replicator` (`on_object_written`, `on_head`, `on_head_purge`); a versioned
delete that must replicate (`purge_arns`) keeps the version hidden until it has (`enqueue_purge`, §17).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import unquote

from aiohttp import web

from recovery_tui.lab import store
from recovery_tui.lab.auth import authorize, request_body
from recovery_tui.lab.checksums import checksum_headers, copy_keeps_broken_checksum
from recovery_tui.lab.errors import XML_DECL, LabError
from recovery_tui.lab.redact import redact
from recovery_tui.lab.xmlfmt import S3_NS, esc, http_date, iso

if TYPE_CHECKING:
    from recovery_tui.lab.server import SiteRuntime

log = logging.getLogger(__name__)
INVALID_COPY_DEST = ("This copy request is illegal because it is trying to copy an object to itself without "
                     "changing the object's metadata, storage class, website redirect location or encryption "
                     "attributes.")
_FRAC = re.compile(r"\.(\d+)")


def notify(rt: "SiteRuntime", method: str, *args: Any) -> None:
    """Call `rt.replicator.<method>(*args)` if a replicator is attached; never fails the request."""
    rep = rt.replicator
    fn = getattr(rep, method, None) if rep is not None else None
    if fn is None:
        return
    try:
        fn(*args)
    except Exception as exc:  # the write is stored; a replicator bug must not turn it into a 500
        log.warning("replicator.%s failed: %s", method, redact(repr(exc)))


def parse_rfc3339(value: str) -> datetime:
    """RFC3339Nano (Go) → aware datetime, nanoseconds truncated to microseconds."""
    s = value.strip().replace("Z", "+00:00")
    s = _FRAC.sub(lambda m: "." + (m.group(1) + "000000")[:6], s, count=1)
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise LabError("InvalidArgument", f"Invalid X-Minio-Source-Mtime {value!r}") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _bucket(rt: "SiteRuntime", name: str) -> store.Bucket:
    b = rt.site.buckets.get(name)
    if b is None:
        raise LabError("NoSuchBucket", bucket=name)
    return b


def _user_metadata(request: web.Request) -> dict[str, str]:
    return {k[11:].lower(): v for k, v in request.headers.items() if k.lower().startswith("x-amz-meta-")}


def _is_true(request: web.Request, header: str) -> bool:
    return request.headers.get(header, "").lower() == "true"


def _vid_headers(b: store.Bucket, v: store.Version) -> dict[str, str]:
    if v.version_id != store.NULL_VERSION or b.versioning:
        return {"x-amz-version-id": v.version_id}
    return {}


def object_headers(b: store.Bucket, v: store.Version) -> dict[str, str]:
    h = {"ETag": f'"{v.etag}"', "Last-Modified": http_date(v.last_modified), "Content-Type": v.content_type,
         "Accept-Ranges": "bytes"}
    h.update(_vid_headers(b, v))
    for k, val in v.metadata.items():
        h[f"x-amz-meta-{k}"] = val
    if v.replication_status:
        h["x-amz-replication-status"] = v.replication_status
    return h


def _new_vid(b: store.Bucket) -> str:
    return store.new_version_id() if b.versioning == "Enabled" else store.NULL_VERSION


def _replica_version(request: web.Request, key: str, data: bytes, *, delete_marker: bool) -> store.Version:
    vid = request.query.get("versionId") or store.NULL_VERSION
    mtime = request.headers.get("X-Minio-Source-Mtime")
    return store.Version(
        key, vid, data, delete_marker=delete_marker,
        last_modified=parse_rfc3339(mtime) if mtime else None,
        etag=request.headers.get("X-Minio-Source-Etag") or None,
        content_type=request.headers.get("Content-Type", "application/octet-stream"),
        metadata=_user_metadata(request), replication_status="REPLICA")


async def put_object(rt: "SiteRuntime", request: web.Request, bucket: str, key: str) -> web.Response:
    b = _bucket(rt, bucket)
    body = request_body(request)
    if _is_true(request, "X-Minio-Source-Replication-Request"):
        authorize(rt, request, "s3:ReplicateObject", bucket=bucket, key=key)
        dm = _is_true(request, "X-Minio-Source-DeleteMarker")
        v = _replica_version(request, key, b"" if dm else body, delete_marker=dm)
        b.add_version(v)
        headers = {"x-amz-version-id": v.version_id}
        if not dm:
            headers["ETag"] = f'"{v.etag}"'
        return web.Response(status=200, headers=headers)
    authorize(rt, request, "s3:PutObject", bucket=bucket, key=key)
    v = store.Version(key, _new_vid(b), body, content_type=request.headers.get(
        "Content-Type", "application/octet-stream"), metadata=_user_metadata(request))
    b.add_version(v)
    notify(rt, "on_object_written", bucket, v)
    headers = {"ETag": f'"{v.etag}"'}
    headers.update(_vid_headers(b, v))
    return web.Response(status=200, headers=headers)


async def get_object(rt: "SiteRuntime", request: web.Request, bucket: str, key: str) -> web.Response:
    """GET and HEAD (§8, §17): delete-marker latest → 404, delete-marker version → 405, a version whose
    versioned delete is pending replication → 405 with `X-Minio-Replication-Delete-Status`."""
    authorize(rt, request, "s3:GetObject", bucket=bucket, key=key)
    b = _bucket(rt, bucket)
    vid = request.query.get("versionId")
    purge: Optional[store.Purge] = None
    if vid:
        v = b.get_version(key, vid)
        if v is None:
            purge = b.get_purge(key, vid)
            if purge is None:
                raise LabError("NoSuchVersion" if key in b.versions else "NoSuchKey", bucket=bucket, key=key)
            v = purge.version
    else:
        purge = b.latest_purge(key)
        v = purge.version if purge is not None else b.latest(key)
        if v is None:
            raise LabError("NoSuchKey", bucket=bucket, key=key)
    if purge is not None or v.delete_marker:
        # The server's error path (object-handlers.go): no Last-Modified; the heal is queued first.
        headers = {"x-amz-delete-marker": "true", "x-amz-version-id": v.version_id}
        if purge is not None:
            headers["X-Minio-Replication-Delete-Status"] = purge.status
            notify(rt, "on_head_purge", bucket, purge)
        else:
            if v.replication_status:
                headers["X-Minio-Replication-DeleteMarker-Status"] = v.replication_status
            notify(rt, "on_head", bucket, v)
        if vid:
            raise LabError("MethodNotAllowed", bucket=bucket, key=key, headers=headers)
        raise LabError("NoSuchKey", bucket=bucket, key=key, headers=headers)
    headers = object_headers(b, v)
    notify(rt, "on_head", bucket, v)
    rng = request.headers.get("Range", "")
    if request.headers.get("x-amz-checksum-mode", "") == "ENABLED" and not rng:
        headers.update(checksum_headers(v))  # AWS and MinIO drop checksums on range requests
    if rng and request.method == "GET":
        start, end = _parse_range(rng, v.size)
        headers["Content-Range"] = f"bytes {start}-{end}/{v.size}"
        return web.Response(status=206, headers=headers, body=v.data[start:end + 1])
    # For HEAD aiohttp sends the Content-Length of the body but not the body itself.
    return web.Response(status=200, headers=headers, body=v.data)


def _parse_range(value: str, size: int) -> tuple[int, int]:
    """A single `bytes=a-b` / `bytes=a-` / `bytes=-n` range → inclusive (start, end)."""
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", value)
    if m is None or (not m.group(1) and not m.group(2)):
        raise LabError("InvalidRange", "The requested range is not satisfiable", status=416)
    if m.group(1):
        start = int(m.group(1))
        end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    else:
        start, end = max(size - int(m.group(2)), 0), size - 1
    if start >= size or start > end:
        raise LabError("InvalidRange", "The requested range is not satisfiable", status=416)
    return start, end


def _delete(rt: "SiteRuntime", b: store.Bucket, key: str, vid: str) -> tuple[Optional[store.Version], bool]:
    """Delete as S3 does; returns (affected version or new delete marker, whether it is a delete marker)."""
    if vid:
        rep = rt.replicator
        arns = rep.purge_arns(b.name, key) if hasattr(rep, "purge_arns") else ()
        if arns:  # DeleteReplication: the version stays, hidden, until the delete has replicated (§17)
            p = b.start_purge(key, vid, arns)
            if p is not None:
                notify(rt, "enqueue_purge", b.name, p)
                return p.version, p.version.delete_marker
            return None, False
        old = b.remove_version(key, vid)
        return (old, old.delete_marker) if old is not None else (None, False)
    if b.versioning:
        dm = store.Version(key, _new_vid(b), delete_marker=True)
        b.add_version(dm)
        notify(rt, "on_object_written", b.name, dm)
        return dm, True
    b.remove_version(key, store.NULL_VERSION)
    return None, False


async def delete_object(rt: "SiteRuntime", request: web.Request, bucket: str, key: str) -> web.Response:
    b = _bucket(rt, bucket)
    vid = request.query.get("versionId", "")
    if _is_true(request, "X-Minio-Source-Replication-Request"):
        authorize(rt, request, "s3:ReplicateDelete", bucket=bucket, key=key)
        if _is_true(request, "X-Minio-Source-DeleteMarker"):
            dm = _replica_version(request, key, b"", delete_marker=True)
            b.add_version(dm)
            return web.Response(status=204, headers={"x-amz-delete-marker": "true",
                                                     "x-amz-version-id": dm.version_id})
        if vid:
            old = b.remove_version(key, vid)
            headers = {"x-amz-version-id": vid}
            if old is not None and old.delete_marker:
                headers["x-amz-delete-marker"] = "true"
            return web.Response(status=204, headers=headers)
    authorize(rt, request, "s3:DeleteObject", bucket=bucket, key=key)
    v, is_dm = _delete(rt, b, key, vid)
    headers = {}
    if v is not None:
        headers["x-amz-version-id"] = v.version_id
    elif vid:
        headers["x-amz-version-id"] = vid
    if is_dm:
        headers["x-amz-delete-marker"] = "true"
    return web.Response(status=204, headers=headers)


def _copy_source(request: web.Request) -> tuple[str, str, str]:
    raw = request.headers.get("x-amz-copy-source", "")
    path, _, query = raw.partition("?")
    vid = ""
    for part in query.split("&"):
        k, _, val = part.partition("=")
        if k == "versionId":
            vid = unquote(val)
    path = unquote(path).lstrip("/")
    sb, _, sk = path.partition("/")
    if not sb or not sk:
        raise LabError("InvalidArgument", "Copy Source must mention the source bucket and key: "
                       "sourcebucket/sourcekey")
    return sb, sk, vid


async def copy_object(rt: "SiteRuntime", request: web.Request, bucket: str, key: str) -> web.Response:
    """CopyObject (§8): copy-to-self needs REPLACE, a source versionId or SSE; a new version results."""
    authorize(rt, request, "s3:PutObject", bucket=bucket, key=key)
    sb, sk, svid = _copy_source(request)
    authorize(rt, request, "s3:GetObject", bucket=sb, key=sk)
    src_b = _bucket(rt, sb)
    dst_b = _bucket(rt, bucket)
    if svid:
        src = src_b.get_version(sk, svid)
        if src is None:
            raise LabError("NoSuchVersion", bucket=sb, key=sk)
        if src.delete_marker:
            raise LabError("InvalidRequest", "The source of a copy request may not specifically refer to a "
                           "delete marker by version id.", bucket=sb, key=sk)
    else:
        src = src_b.latest(sk)
        if src is None or src.delete_marker:
            raise LabError("NoSuchKey", bucket=sb, key=sk)
    h = request.headers
    replace = h.get("x-amz-metadata-directive", "COPY").upper() == "REPLACE"
    tagging_replace = h.get("x-amz-tagging-directive", "").upper() == "REPLACE"
    sse = any(k.lower().startswith("x-amz-server-side-encryption") for k in h)
    if (sb, sk) == (bucket, key) and not (replace or tagging_replace or svid or sse):
        raise LabError("InvalidRequest", INVALID_COPY_DEST, bucket=bucket, key=key)
    meta, ctype = (_user_metadata(request), h.get("Content-Type", "application/octet-stream")) if replace \
        else (dict(src.metadata), src.content_type)
    replica = h.get("X-Amz-Replication-Status", "").upper() == "REPLICA"
    new = store.Version(key, _new_vid(dst_b), src.data, etag=src.etag, content_type=ctype, metadata=meta,
                        replication_status="REPLICA" if replica else "")
    if src.checksum_broken and copy_keeps_broken_checksum(rt.lab.copy_checksum):
        new.checksum_broken = True  # §22: a metadata-only copy carries the source checksum over
    dst_b.add_version(new)
    if not replica:
        notify(rt, "on_object_written", bucket, new)
    headers = _vid_headers(dst_b, new)
    if src.version_id != store.NULL_VERSION or src_b.versioning:
        headers["x-amz-copy-source-version-id"] = src.version_id
    body = (f'{XML_DECL}<CopyObjectResult xmlns="{S3_NS}"><LastModified>{iso(new.last_modified)}</LastModified>'
            f"<ETag>&#34;{new.etag}&#34;</ETag></CopyObjectResult>")
    return web.Response(status=200, headers=headers, content_type="application/xml", body=body.encode())


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


async def delete_objects(rt: "SiteRuntime", request: web.Request, bucket: str) -> web.Response:
    """POST /{bucket}?delete (multi-object delete)."""
    b = _bucket(rt, bucket)
    try:
        root = ET.fromstring(request_body(request))
    except ET.ParseError:
        raise LabError("MalformedXML", bucket=bucket) from None
    quiet = any(_local(c.tag) == "Quiet" and (c.text or "").strip().lower() == "true" for c in root)
    out = [XML_DECL, f'<DeleteResult xmlns="{S3_NS}">']
    for obj in (c for c in root if _local(c.tag) == "Object"):
        fields = {_local(c.tag): (c.text or "") for c in obj}
        key, vid = fields.get("Key", ""), fields.get("VersionId", "")
        try:
            authorize(rt, request, "s3:DeleteObject", bucket=bucket, key=key)
        except LabError as err:
            out.append(f"<Error><Key>{esc(key)}</Key><Code>{err.code}</Code><Message>{esc(err.message)}"
                       "</Message></Error>")
            continue
        v, is_dm = _delete(rt, b, key, vid)
        if quiet:
            continue
        part = f"<Deleted><Key>{esc(key)}</Key>"
        if vid:
            part += f"<VersionId>{esc(vid)}</VersionId>"
        if is_dm and v is not None:
            part += f"<DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>{v.version_id}</DeleteMarkerVersionId>"
        out.append(part + "</Deleted>")
    out.append("</DeleteResult>")
    return web.Response(status=200, content_type="application/xml", body="".join(out).encode())
