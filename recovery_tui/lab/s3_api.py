"""The lab's S3 API: request routing and the bucket-level handlers.

`handle_s3(rt, request)` is called by the dispatcher after authentication. It routes on the
decoded path (`/bucket/key`, percent-decoded so unicode keys round-trip) and the query keys
the way MinIO's router does, hands the MinIO extensions to `lab/extensions.py`, and sends
object requests to `lab/s3_objects.py`. Every handler declares its IAM action via `authorize`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import unquote

from aiohttp import web

from recovery_tui.lab import listing, s3_objects, store
from recovery_tui.lab.auth import access_key, authorize, request_body
from recovery_tui.lab.errors import XML_DECL, LabError
from recovery_tui.lab.xmlfmt import OWNER_ID, OWNER_NAME, S3_NS, esc, iso

if TYPE_CHECKING:
    from recovery_tui.lab.server import SiteRuntime

EXTENSION_KEYS = ("replication-reset", "replication-reset-status", "replication-metrics",
                  "replication-reset-cancel")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# GET subresources MinIO answers with a "not configured" 404 on a fresh bucket.
_NOT_CONFIGURED = {"policy": "NoSuchBucketPolicy", "tagging": "NoSuchTagSet",
                   "lifecycle": "NoSuchLifecycleConfiguration",
                   "encryption": "ServerSideEncryptionConfigurationNotFoundError",
                   "object-lock": "ObjectLockConfigurationNotFoundError"}
_UNSUPPORTED = frozenset({"uploads", "acl", "cors", "website", "notification", "logging", "policyStatus",
                          "requestPayment", "accelerate", "uploadId", "tagging", "retention", "legal-hold",
                          "select", "restore", "attributes", "policy", "lifecycle", "encryption",
                          "object-lock", "events"})


def split_path(raw_path: str) -> tuple[str, str]:
    """`/bucket/some/key` (raw, percent-encoded) → ("bucket", "some/key")."""
    path = unquote(raw_path.split("?", 1)[0])
    path = path[1:] if path.startswith("/") else path
    bucket, _, key = path.partition("/")
    return bucket, key


async def handle_s3(rt: "SiteRuntime", request: web.Request) -> web.StreamResponse:
    bucket, key = split_path(request.raw_path)
    method = request.method
    if not bucket:
        if method == "GET":
            return list_buckets(rt, request)
        raise LabError("MethodNotAllowed")
    if key:
        return await _object(rt, request, bucket, key)
    q = request.query
    if "minio-inventory" in q and rt.site.flavor == "aistor":  # community: no route, falls through (§23.4)
        from recovery_tui.lab import inventory

        return await inventory.handle(rt, request, bucket)
    if any(k in q for k in EXTENSION_KEYS):
        ext = _extension_module()
        cancel_only = "replication-reset-cancel" in q and not any(k in q for k in EXTENSION_KEYS[:3])
        if ext is not None and not (cancel_only and rt.site.flavor != "aistor"):
            resp = await ext.handle_bucket_extension(rt, request, bucket)
            if resp is not None:
                return resp
    if method == "HEAD":
        authorize(rt, request, "s3:ListBucket", bucket=bucket)
        _bucket(rt, bucket)
        return web.Response(status=200, headers={"X-Amz-Bucket-Region": rt.site.region})
    if method == "GET":
        return _get_bucket(rt, request, bucket)
    if method == "PUT":
        if "versioning" in q:
            return put_versioning(rt, request, bucket)
        if "replication" in q:
            return put_replication(rt, request, bucket)
        if any(k in q for k in _UNSUPPORTED):
            raise LabError("NotImplemented", bucket=bucket)
        return put_bucket(rt, request, bucket)
    if method == "DELETE":
        if "replication" in q:
            authorize(rt, request, "s3:PutReplicationConfiguration", bucket=bucket)
            b = _bucket(rt, bucket)
            if rt.site.site_repl is not None:  # refused for everyone, root included (§15.1)
                raise LabError("XMinioReplicationDenyEdit", bucket=bucket)
            b.replication_xml = None
            return web.Response(status=204)
        if any(k in q for k in _UNSUPPORTED):
            raise LabError("NotImplemented", bucket=bucket)
        return delete_bucket(rt, request, bucket)
    if method == "POST" and "delete" in q:
        return await s3_objects.delete_objects(rt, request, bucket)
    raise LabError("MethodNotAllowed", bucket=bucket)


async def _object(rt: "SiteRuntime", request: web.Request, bucket: str, key: str) -> web.StreamResponse:
    q, method = request.query, request.method
    if any(k in q for k in _UNSUPPORTED):
        raise LabError("NotImplemented", bucket=bucket, key=key)
    if method in ("GET", "HEAD"):
        return await s3_objects.get_object(rt, request, bucket, key)
    if method == "PUT":
        if "x-amz-copy-source" in request.headers:
            return await s3_objects.copy_object(rt, request, bucket, key)
        return await s3_objects.put_object(rt, request, bucket, key)
    if method == "DELETE":
        return await s3_objects.delete_object(rt, request, bucket, key)
    raise LabError("MethodNotAllowed", bucket=bucket, key=key)


def _extension_module() -> Optional[Any]:
    try:
        from recovery_tui.lab import extensions
    except ImportError:
        return None
    return extensions


def _replconfig_module() -> Optional[Any]:
    try:
        from recovery_tui.lab import replconfig
    except ImportError:
        return None
    return replconfig


def _bucket(rt: "SiteRuntime", name: str) -> store.Bucket:
    b = rt.site.buckets.get(name)
    if b is None:
        raise LabError("NoSuchBucket", bucket=name)
    return b


def _xml(body: str, status: int = 200) -> web.Response:
    return web.Response(status=status, body=body.encode(), content_type="application/xml")


def list_buckets(rt: "SiteRuntime", request: web.Request) -> web.Response:
    authorize(rt, request, "s3:ListAllMyBuckets")
    items = "".join(f"<Bucket><Name>{esc(b.name)}</Name><CreationDate>{iso(b.created)}</CreationDate></Bucket>"
                    for b in sorted(rt.site.buckets.values(), key=lambda b: b.name))
    return _xml(f'{XML_DECL}<ListAllMyBucketsResult xmlns="{S3_NS}"><Owner><ID>{OWNER_ID}</ID>'
                f"<DisplayName>{OWNER_NAME}</DisplayName></Owner><Buckets>{items}</Buckets>"
                "</ListAllMyBucketsResult>")


def put_bucket(rt: "SiteRuntime", request: web.Request, bucket: str) -> web.Response:
    authorize(rt, request, "s3:CreateBucket", bucket=bucket)
    body = request_body(request)
    if body:  # a CreateBucketConfiguration, parsed before the bucket is looked at (§23.4)
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise LabError("MalformedXML", bucket=bucket) from None
        if root.tag.rsplit("}", 1)[-1] != "CreateBucketConfiguration":
            raise LabError("MalformedXML", bucket=bucket)
    if bucket in rt.site.buckets:
        raise LabError("BucketAlreadyOwnedByYou", bucket=bucket)
    if not _BUCKET_NAME.match(bucket) or ".." in bucket:
        raise LabError("InvalidBucketName", bucket=bucket)
    rt.site.buckets[bucket] = store.Bucket(bucket)
    return web.Response(status=200, headers={"Location": f"/{bucket}"})


def delete_bucket(rt: "SiteRuntime", request: web.Request, bucket: str) -> web.Response:
    authorize(rt, request, "s3:DeleteBucket", bucket=bucket)
    b = _bucket(rt, bucket)
    if b.keys:
        raise LabError("BucketNotEmpty", bucket=bucket)
    del rt.site.buckets[bucket]
    rt.site.targets.pop(bucket, None)
    return web.Response(status=204)


def _get_bucket(rt: "SiteRuntime", request: web.Request, bucket: str) -> web.Response:
    q = request.query
    if "versioning" in q:
        authorize(rt, request, "s3:GetBucketVersioning", bucket=bucket)
        status = _bucket(rt, bucket).versioning
        inner = f"<Status>{status}</Status>" if status else ""
        return _xml(f'{XML_DECL}<VersioningConfiguration xmlns="{S3_NS}">{inner}</VersioningConfiguration>')
    if "replication" in q:
        authorize(rt, request, "s3:GetReplicationConfiguration", bucket=bucket)
        b = _bucket(rt, bucket)
        if b.replication_xml is None:
            raise LabError("ReplicationConfigurationNotFoundError", bucket=bucket)
        return web.Response(status=200, body=b.replication_xml, content_type="application/xml")
    if "location" in q:
        authorize(rt, request, "s3:GetBucketLocation", bucket=bucket)
        _bucket(rt, bucket)
        return _xml(f'{XML_DECL}<LocationConstraint xmlns="{S3_NS}">{esc(rt.site.region)}</LocationConstraint>')
    for sub, code in _NOT_CONFIGURED.items():
        if sub in q:
            _bucket(rt, bucket)
            raise LabError(code, bucket=bucket)
    if any(k in q for k in _UNSUPPORTED):
        raise LabError("NotImplemented", bucket=bucket)
    encode = q.get("encoding-type", "").lower() == "url"
    if encode is False and q.get("encoding-type"):
        raise LabError("InvalidArgument", "Invalid Encoding Method specified in Request", bucket=bucket)
    prefix, delimiter = q.get("prefix", ""), q.get("delimiter", "")
    max_keys = listing.parse_max_keys(q.get("max-keys"))
    if "versions" in q:
        authorize(rt, request, "s3:ListBucketVersions", bucket=bucket)
        b = _bucket(rt, bucket)
        return _xml(listing.list_versions(b, prefix=prefix, delimiter=delimiter, key_marker=q.get("key-marker", ""),
                                          vid_marker=q.get("version-id-marker", ""), max_keys=max_keys,
                                          encoding_type=q.get("encoding-type", "")))
    authorize(rt, request, "s3:ListBucket", bucket=bucket)
    b = _bucket(rt, bucket)
    if q.get("list-type") == "2":
        token = q.get("continuation-token", "")
        start_after = q.get("start-after", "")
        after = listing.decode_token(token) if token else start_after
        opage = listing.list_objects_page(b, prefix, delimiter, after, max_keys)
        return _xml(listing.render_objects_v2(b, opage, prefix=prefix, delimiter=delimiter, token=token,
                                              start_after=start_after, max_keys=max_keys, encode=encode,
                                              fetch_owner=q.get("fetch-owner") == "true"))
    marker = q.get("marker", "")
    opage = listing.list_objects_page(b, prefix, delimiter, marker, max_keys)
    return _xml(listing.render_objects_v1(b, opage, prefix=prefix, delimiter=delimiter, marker=marker,
                                          max_keys=max_keys, encode=encode))


def _xml_status(body: bytes, root_name: str, bucket: str) -> str:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise LabError("MalformedXML", bucket=bucket) from None
    if root.tag.rsplit("}", 1)[-1] != root_name:
        raise LabError("MalformedXML", bucket=bucket)
    for child in root:
        if child.tag.rsplit("}", 1)[-1] == "Status":
            return (child.text or "").strip()
    return ""


def put_versioning(rt: "SiteRuntime", request: web.Request, bucket: str) -> web.Response:
    authorize(rt, request, "s3:PutBucketVersioning", bucket=bucket)
    b = _bucket(rt, bucket)
    status = _xml_status(request_body(request), "VersioningConfiguration", bucket)
    if status not in ("Enabled", "Suspended"):
        raise LabError("IllegalVersioningConfigurationException", bucket=bucket)
    if status == "Suspended" and b.replication_xml is not None:
        raise LabError("InvalidBucketState", "The request is not valid with the current state of the bucket. "
                       "(A replication configuration is present on this bucket, bucket wide versioning "
                       "cannot be suspended.)", bucket=bucket)
    b.versioning = status
    return web.Response(status=200)


def put_replication(rt: "SiteRuntime", request: web.Request, bucket: str) -> web.Response:
    """PutBucketReplication: validated and normalised by `replconfig` when available (§1)."""
    authorize(rt, request, "s3:PutReplicationConfiguration", bucket=bucket)
    b = _bucket(rt, bucket)
    if rt.site.site_repl is not None and access_key(request) != rt.site.access_key:
        # MinIO lets only the root credential (site replication's own peer calls) edit the rules here (§15.1)
        raise LabError("XMinioReplicationDenyEdit", bucket=bucket)
    if b.versioning != "Enabled":
        raise LabError("InvalidRequest", "Versioning must be 'Enabled' on the bucket to apply a replication "
                       "configuration", bucket=bucket)
    body = request_body(request)
    rc = _replconfig_module()
    fn = getattr(rc, "validate_and_normalise", None) if rc is not None else None
    if rc is not None and fn is not None:
        invalid = rc.ConfigInvalid
        try:
            body = fn(body, rt.site, bucket)
        except invalid as exc:
            raise LabError(exc.code, exc.message, status=exc.status, bucket=bucket) from None
    b.replication_xml = bytes(body)
    return web.Response(status=200)
