"""MinIO-shaped error responses for the lab: S3 XML (Common A), JSON (Common B), HEAD (Common C).

Handlers raise `LabError(code, ...)`; the dispatcher in `lab/server.py` renders it with
`error_response()`, picking XML, JSON (admin paths or `LabError(json=True)`) or headers only
(HEAD). Messages never contain a secret: they are fixed descriptions plus names the client sent.
"""

from __future__ import annotations

import hashlib
import json as _json
import os
from typing import Optional

from aiohttp import web

from recovery_tui.lab.xmlfmt import esc

XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'

# code -> (HTTP status, description), from MinIO's cmd/api-errors.go
DESCRIPTIONS: dict[str, tuple[int, str]] = {
    "AccessDenied": (403, "Access Denied."),
    "InvalidAccessKeyId": (403, "The Access Key Id you provided does not exist in our records."),
    "SignatureDoesNotMatch": (403, "The request signature we calculated does not match the signature you "
                                   "provided. Check your key and signing method."),
    "RequestTimeTooSkewed": (403, "The difference between the request time and the server's time is too large."),
    "ExpiredToken": (400, "The provided token has expired."),
    "SignatureVersionNotSupported": (400, "The authorization mechanism you have provided is not supported. "
                                          "Please use AWS4-HMAC-SHA256."),
    "AuthorizationParametersError": (400, "Error parsing the Credential/X-Amz-Credential parameter; incorrect "
                                          "service. This endpoint belongs to \"s3\"."),
    "AuthorizationHeaderMalformed": (400, "The authorization header is malformed; the region is wrong; "
                                          "expecting '{region}'."),
    "AuthorizationQueryParametersError": (400, "X-Amz-Expires should be a number"),
    "XAmzContentSHA256Mismatch": (400, "The provided 'x-amz-content-sha256' header does not match what was "
                                       "computed."),
    "IncompleteBody": (400, "You did not provide the number of bytes specified by the Content-Length HTTP "
                            "header."),
    "NoSuchBucket": (404, "The specified bucket does not exist"),
    "NoSuchKey": (404, "The specified key does not exist."),
    "NoSuchVersion": (404, "The specified version does not exist."),
    "BucketAlreadyOwnedByYou": (409, "Your previous request to create the named bucket succeeded and you "
                                     "already own it."),
    "BucketNotEmpty": (409, "The bucket you tried to delete is not empty"),
    "InvalidBucketName": (400, "The specified bucket is not valid."),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource."),
    "InvalidRequest": (400, "Invalid Request"),
    "InvalidArgument": (400, "Invalid Argument"),
    "MalformedXML": (400, "The XML you provided was not well-formed or did not validate against our "
                          "published schema."),
    "IllegalVersioningConfigurationException": (400, "Indicates that the versioning configuration specified "
                                                     "in the request is invalid."),
    "InvalidBucketState": (409, "The request is not valid with the current state of the bucket."),
    "ReplicationConfigurationNotFoundError": (404, "The replication configuration was not found"),
    # facts §2 / §15.1: a server in a site-replication group manages bucket targets and rules itself
    "XMinioReplicationDenyEdit": (400, "Cannot alter local replication config since this server is in a cluster "
                                       "replication setup"),
    "XMinioAdminRemoteTargetDenyAdd": (400, "Cannot add remote target endpoint since this server is in a cluster "
                                            "replication setup"),
    "NoSuchBucketPolicy": (404, "The bucket policy does not exist"),
    "NoSuchTagSet": (404, "The TagSet does not exist"),
    "NoSuchLifecycleConfiguration": (404, "The lifecycle configuration does not exist"),
    "ServerSideEncryptionConfigurationNotFoundError": (404, "The server side encryption configuration was "
                                                            "not found"),
    "ObjectLockConfigurationNotFoundError": (404, "Object Lock configuration does not exist for this bucket"),
    "NotImplemented": (501, "A header you provided implies functionality that is not implemented"),
    "XMinioAdminVersionMismatch": (426, "This 'admin' API is not supported by server in 'mode-server-xl'"),
    "XMinioServerNotInitialized": (503, "Server not initialized yet, please try again."),
    "InternalError": (500, "We encountered an internal error, please try again."),
}


class LabError(Exception):
    """An S3/admin error to send back. `message` defaults to MinIO's description of `code`."""

    def __init__(self, code: str, message: str = "", *, status: int = 0, bucket: str = "", key: str = "",
                 json: bool = False, headers: Optional[dict[str, str]] = None, region: str = "") -> None:
        default_status, desc = DESCRIPTIONS.get(code, (400, code))
        if not message:
            message = desc.replace("{region}", region) if "{region}" in desc else desc
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status or default_status
        self.bucket = bucket
        self.key = key
        self.json = json
        self.headers = dict(headers or {})


def new_request_id() -> str:
    """A MinIO-looking request ID (16 upper-case hex digits)."""
    return os.urandom(8).hex().upper()


def host_id(deployment_id: str) -> str:
    return hashlib.sha256(deployment_id.encode()).hexdigest()


def error_xml(err: LabError, resource: str, request_id: str, hostid: str, region: str = "") -> str:
    """The `<Error>` document in APIErrorResponse field order (Common A)."""
    parts = [XML_DECL, "<Error><Code>", esc(err.code), "</Code><Message>", esc(err.message), "</Message>"]
    if err.key:
        parts += ["<Key>", esc(err.key), "</Key>"]
    if err.bucket:
        parts += ["<BucketName>", esc(err.bucket), "</BucketName>"]
    parts += ["<Resource>", esc(resource), "</Resource>"]
    if region:
        parts += ["<Region>", esc(region), "</Region>"]
    parts += ["<RequestId>", request_id, "</RequestId><HostId>", hostid, "</HostId></Error>"]
    return "".join(parts)


def error_json(err: LabError, resource: str, request_id: str, hostid: str, region: str = "") -> str:
    """The JSON form (Common B), with the encoder's trailing newline."""
    doc: dict[str, str] = {"Code": err.code, "Message": err.message}
    if err.key:
        doc["Key"] = err.key
    if err.bucket:
        doc["BucketName"] = err.bucket
    doc["Resource"] = resource
    if region:
        doc["Region"] = region
    doc["RequestId"] = request_id
    doc["HostId"] = hostid
    return _json.dumps(doc, separators=(",", ":")) + "\n"


def error_response(err: LabError, *, method: str, resource: str, request_id: str, hostid: str,
                   region: str = "", as_json: bool = False) -> web.Response:
    """Render `err` for a request: headers only for HEAD, JSON when asked, else XML."""
    headers = {"x-amz-request-id": request_id, "x-amz-id-2": hostid, "Server": "MinIO"}
    headers.update(err.headers)
    if err.status in (503, 429) and not (as_json or err.json):
        headers["Retry-After"] = "60"
    if method == "HEAD":
        headers["x-minio-error-code"] = err.code
        headers["x-minio-error-desc"] = f'"{err.message}"'
        return web.Response(status=err.status, headers=headers)
    if as_json or err.json:
        return web.Response(status=err.status, headers=headers, content_type="application/json",
                            body=error_json(err, resource, request_id, hostid, region).encode())
    return web.Response(status=err.status, headers=headers, content_type="application/xml",
                        body=error_xml(err, resource, request_id, hostid, region).encode())
