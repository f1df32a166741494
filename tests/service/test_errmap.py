"""Error mapping: every §3 resync-start error in XML and JSON form, auth/region/access errors, HEAD headers."""

from __future__ import annotations

import pytest

from recovery_tui.service.errmap import CallContext, connection_failure, from_client_error, map_error, parse_wire_error
from recovery_tui.service.errors import (
    AccessDenied,
    AuthError,
    Conflict,
    ConnectionFailure,
    InputError,
    NotFound,
    RecoveryError,
    ServerError,
)
from recovery_tui.service.secrets import Secret

from . import samples as S

CTX = CallContext("start a resync", "s3:ResetBucketReplicationState", "source", "http://127.0.0.1:9000", "src", S.ARN)

# (code, status, message, exception class, words the hint must contain)
RESYNC_ERRORS = [
    ("InvalidArgument", 400, "Invalid arguments provided for src/: (invalid query parameter older-than 1x)",
     InputError, ""),
    ("XMinioServerNotInitialized", 503, "Server not initialized yet, please try again.", ServerError, "Wait"),
    ("AccessDenied", 403, "Access Denied.", AccessDenied, "s3:ResetBucketReplicationState"),
    ("NoSuchBucket", 404, "The specified bucket does not exist", NotFound, "bucket name"),
    ("ReplicationConfigurationNotFoundError", 404, "The replication configuration was not found", NotFound,
     "replication rules"),
    ("XMinioAdminRemoteTargetNotFoundError", 404, "The remote target does not exist", NotFound, "mc replicate ls"),
    ("XMinioReplicationNoExistingObjects", 400, "No matching ExistingObjects rule enabled", Conflict,
     "mc replicate update source/src --id RULE_ID --replicate existing-objects,RULE_FLAGS"),
    ("BadRequest", 400, "400 BadRequest (Remote target ARN %s missing or ineligible for replication resync)" % S.ARN,
     Conflict, "enable"),
    ("BadRequest", 400, "400 BadRequest (ARN should be specified for replication reset)", InputError, "ARN"),
    ("XMinioAdminReplicationRemoteConnectionError", 503,
     "Remote service connection error (Remote service endpoint offline, target bucket: dst or remote service "
     "credentials: repl invalid \n\t…)", ConnectionFailure, "source cannot reach the target"),
    ("ReplicationSourceNotVersionedError", 400, "The replication source does not have versioning enabled", Conflict,
     "mc version enable source/src"),
    ("RemoteTargetNotVersionedError", 400, "The remote target does not have versioning enabled", Conflict,
     "Enable versioning on the target bucket"),
    ("BadRequest", 400, "400 BadRequest (Invalid arguments provided for src/: (target ARN specified for resync is "
     "empty))", InputError, "ARN"),
    ("BadRequest", 400, "400 BadRequest (Invalid arguments provided for src/: (arn %s specified for resync not found "
     "in replication config))" % S.ARN, NotFound, "mc replicate ls"),
    ("BadRequest", 400, "400 BadRequest (Invalid arguments provided for src/: (Resync of bucket src is already in "
     "progress for remote bucket %s))" % S.ARN, Conflict, "Wait"),
]


@pytest.mark.parametrize("form", ["xml", "json"])
@pytest.mark.parametrize("code,status,message,cls,hint", RESYNC_ERRORS)
def test_every_resync_error_in_both_forms(form: str, code: str, status: int, message: str, cls: type,
                                          hint: str) -> None:
    body = (S.xml_error if form == "xml" else S.json_error)(code, message)
    wire = parse_wire_error(body)
    assert wire is not None and wire.code == code and wire.form == form and wire.bucket == "src"
    err = map_error(wire, status, CTX)
    assert type(err) is cls
    assert err.code == code and err.status == status
    assert hint in err.hint
    assert err.title and err.message.startswith(("Could not start a resync on source/src", "Access denied"))


def test_access_denied_names_action_and_s3_sample() -> None:
    wire = parse_wire_error(S.S3_ERROR.encode())
    assert wire is not None and wire.code == "AccessDenied" and wire.bucket == "bucketName"
    err = map_error(wire, 403, CallContext("list remote targets", "admin:GetBucketTarget", "source", "", "data"))
    assert isinstance(err, AccessDenied) and err.action == "admin:GetBucketTarget"
    assert "admin:GetBucketTarget" in err.message and "admin:GetBucketTarget" in err.hint
    assert err.exit_code == 3


@pytest.mark.parametrize("code", ["InvalidAccessKeyId", "SignatureDoesNotMatch"])
def test_bad_credentials_are_auth_errors(code: str) -> None:
    err = map_error(parse_wire_error(S.xml_error(code, "nope")), 403, CTX)
    assert isinstance(err, AuthError) and "mc alias set source" in err.hint


def test_wrong_region_names_the_expected_region() -> None:
    msg = "The authorization header is malformed; the region is wrong; expecting 'eu-west-1'."
    err = map_error(parse_wire_error(S.xml_error("AuthorizationHeaderMalformed", msg)), 400, CTX)
    assert isinstance(err, InputError) and err.title == "Wrong region" and "'eu-west-1'" in err.message


def test_json_remote_connection_sample_and_unknown_codes() -> None:
    wire = parse_wire_error(S.JSON_ERROR_REMOTE.encode())
    assert wire is not None and wire.form == "json" and wire.resource == "/src"
    assert isinstance(map_error(wire, 503, CTX), ConnectionFailure)
    odd = map_error(parse_wire_error(S.json_error("XMinioSomethingNew", "hm")), 400, CTX)
    assert type(odd) is ServerError and not odd.retryable and "hm" in odd.message
    assert map_error(None, 502, CTX).retryable
    assert isinstance(map_error(None, 404, CTX), NotFound)
    assert parse_wire_error(b"not an error") is None and parse_wire_error(b"{}") is None


def test_head_errors_from_headers() -> None:
    wire = parse_wire_error(b"", {"X-Minio-Error-Code": "NoSuchBucket", "X-Minio-Error-Desc": '"The bucket"'})
    assert wire is not None and wire.form == "headers" and wire.message == "The bucket"

    class FakeClientError(Exception):
        response = {"Error": {"Code": "404", "Message": "Not Found"},
                    "ResponseMetadata": {"HTTPStatusCode": 404, "HTTPHeaders": {"x-minio-error-code": "NoSuchBucket"}}}

    err = from_client_error(FakeClientError(), CTX)
    assert isinstance(err, NotFound) and err.code == "NoSuchBucket"


def test_secrets_never_reach_messages() -> None:
    secret = Secret("sUp3rS3cretValue")
    leaked = f"Remote service credentials: {secret.reveal()} invalid"
    err = map_error(parse_wire_error(S.json_error("XMinioAdminReplicationRemoteConnectionError", leaked)), 503, CTX)
    assert secret.reveal() not in err.message + err.hint + repr(err)
    conn = connection_failure(CTX, OSError(f"http://ak:{secret.reveal()}@host refused: Connection refused"))
    assert secret.reveal() not in conn.message and "source" in conn.message and "127.0.0.1:9000" in conn.message
    assert isinstance(conn, RecoveryError) and conn.exit_code == 3
