"""SigV4 verification, IAM and the minio SDK against the lab."""

from __future__ import annotations

import io
import json
from typing import Any, Callable

import boto3
import botocore.exceptions
import pytest
import requests
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from minio import Minio
from minio.commonconfig import CopySource
from minio.error import S3Error
from minio.versioningconfig import ENABLED, VersioningConfig

from recovery_tui.lab.server import Lab, SiteRuntime


def _err(exc: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, int, str]:
    r = exc.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"].get("Message", "")


def test_wrong_secret_is_signature_mismatch(core_lab: Lab, core_make_client: Callable[..., Any]) -> None:
    s3 = core_make_client(core_lab.source, secret_key="not-the-secret-key-000000000000000000000")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        s3.list_buckets()
    assert _err(exc)[:2] == ("SignatureDoesNotMatch", 403)


def test_unknown_access_key(core_lab: Lab, core_make_client: Callable[..., Any]) -> None:
    s3 = core_make_client(core_lab.source, access_key="NOBODY", secret_key="whatever-secret")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        s3.list_buckets()
    assert _err(exc)[:2] == ("InvalidAccessKeyId", 403)


def test_other_sites_keys_are_unknown(core_lab: Lab, core_make_client: Callable[..., Any]) -> None:
    t = core_lab.target.site
    s3 = core_make_client(core_lab.source, access_key=t.access_key, secret_key=t.secret_key)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        s3.list_buckets()
    assert _err(exc)[0] == "InvalidAccessKeyId"


def test_wrong_region(core_lab: Lab, core_make_client: Callable[..., Any]) -> None:
    s3 = core_make_client(core_lab.source, region="eu-west-1")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        s3.list_buckets()
    code, status, msg = _err(exc)
    assert (code, status) == ("AuthorizationHeaderMalformed", 400)
    assert msg.endswith("expecting 'us-east-1'.")


def _raw(rt: SiteRuntime, method: str, path: str, *, service: str = "s3", region: str = "us-east-1",
         plain_sigv4: bool = False, secret: str = "") -> requests.Response:
    url = rt.url + path
    req = AWSRequest(method=method, url=url, data=b"")
    creds = Credentials(rt.site.access_key, secret or rt.site.secret_key)
    (SigV4Auth if plain_sigv4 else S3SigV4Auth)(creds, service, region).add_auth(req)
    return requests.request(method, url, headers=dict(req.headers.items()), timeout=5)


def test_wrong_service_and_no_auth(core_lab: Lab) -> None:
    r = _raw(core_lab.source, "GET", "/", service="iam")
    assert r.status_code == 400 and "<Code>AuthorizationParametersError</Code>" in r.text
    r = requests.get(core_lab.source.url + "/", timeout=5)
    assert r.status_code == 403 and "<Code>AccessDenied</Code>" in r.text


def test_admin_auth_rules(core_lab: Lab) -> None:
    rt = core_lab.source
    # plain SigV4Auth omits X-Amz-Content-Sha256: admin refuses it as JSON AccessDenied (§9.1)
    r = _raw(rt, "GET", "/minio/admin/v3/info", plain_sigv4=True)
    assert r.status_code == 403 and r.json()["Code"] == "AccessDenied"
    # any region is accepted for admin, but a bad secret is still refused
    r = _raw(rt, "GET", "/minio/admin/v3/info", region="mars-1", secret="bad-secret-value")
    assert r.status_code == 403 and r.json()["Code"] == "SignatureDoesNotMatch"
    r = _raw(rt, "GET", "/minio/admin/v3/info", region="mars-1")
    assert r.status_code not in (400, 403)


def test_restricted_user(core_lab: Lab, core_s3: Any, core_make_client: Callable[..., Any]) -> None:
    core_s3.create_bucket(Bucket="iam")
    core_s3.put_object(Bucket="iam", Key="k", Body=b"v")
    core_lab.call(lambda: core_lab.source.site.users.update(
        {"reader": ("reader-secret-123", frozenset({"s3:GetObject", "s3:ListBucket*"}))}))
    s3 = core_make_client(core_lab.source, access_key="reader", secret_key="reader-secret-123")
    assert s3.get_object(Bucket="iam", Key="k")["Body"].read() == b"v"
    assert s3.list_object_versions(Bucket="iam")["Versions"][0]["Key"] == "k"
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        s3.put_object(Bucket="iam", Key="k2", Body=b"v")
    assert _err(exc) == ("AccessDenied", 403, "Access Denied.")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        s3.get_bucket_versioning(Bucket="iam")
    assert _err(exc)[0] == "AccessDenied"


def test_presigned_get(core_lab: Lab, core_s3: Any) -> None:
    core_s3.create_bucket(Bucket="presign")
    core_s3.put_object(Bucket="presign", Key="a b", Body=b"shared")
    rt = core_lab.source
    s3v4 = boto3.client("s3", endpoint_url=rt.url, region_name="us-east-1", aws_access_key_id=rt.site.access_key,
                        aws_secret_access_key=rt.site.secret_key,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    url = s3v4.generate_presigned_url("get_object", Params={"Bucket": "presign", "Key": "a b"}, ExpiresIn=60)
    assert requests.get(url, timeout=5).content == b"shared"
    tampered = url.replace("X-Amz-Expires=60", "X-Amz-Expires=61")
    assert requests.get(tampered, timeout=5).status_code == 403


def test_payload_hash_mismatch(core_lab: Lab) -> None:
    rt = core_lab.source
    url = rt.url + "/presign/forged"
    req = AWSRequest(method="PUT", url=url, data=b"original")
    S3SigV4Auth(Credentials(rt.site.access_key, rt.site.secret_key), "s3", "us-east-1").add_auth(req)
    r = requests.put(url, data=b"tampered", headers=dict(req.headers.items()), timeout=5)
    assert r.status_code == 400 and "XAmzContentSHA256Mismatch" in r.text


def test_minio_sdk(core_lab: Lab) -> None:
    rt = core_lab.target
    m = Minio(rt.endpoint, access_key=rt.site.access_key, secret_key=rt.site.secret_key, secure=False,
              region="us-east-1")
    m.make_bucket("sdk")
    m.set_bucket_versioning("sdk", VersioningConfig(ENABLED))
    assert m.get_bucket_versioning("sdk").status == "Enabled"
    key = "dir/ünï €.bin"
    v1 = m.put_object("sdk", key, io.BytesIO(b"abc"), 3).version_id
    v2 = m.put_object("sdk", key, io.BytesIO(b"defg"), 4).version_id
    for i in range(5):
        m.put_object("sdk", f"other/{i}", io.BytesIO(b"x"), 1)
    m.remove_object("sdk", key)
    st = m.stat_object("sdk", key, version_id=v1)
    assert (st.size, st.version_id) == (3, v1)
    listed = [(o.object_name, o.version_id, o.is_delete_marker)
              for o in m.list_objects("sdk", prefix="dir/", recursive=True, include_version=True)]
    assert [x[1] for x in listed if not x[2]] == [v2, v1] and sum(x[2] for x in listed) == 1
    assert [o.object_name for o in m.list_objects("sdk")] == ["other/"]
    assert len(list(m.list_objects("sdk", prefix="other/", recursive=True))) == 5
    dm_vid = next(x[1] for x in listed if x[2])
    with pytest.raises(S3Error) as exc:
        m.stat_object("sdk", key, version_id=dm_vid)
    assert exc.value.response.status == 405
    m.copy_object("sdk", "copy", CopySource("sdk", key, version_id=v2))
    assert m.get_object("sdk", "copy").read() == b"defg"
    with pytest.raises(S3Error) as exc2:
        m.stat_object("sdk", "nope")
    assert exc2.value.code == "NoSuchKey"


def test_minio_sdk_wrong_secret(core_lab: Lab) -> None:
    rt = core_lab.source
    m = Minio(rt.endpoint, access_key=rt.site.access_key, secret_key="wrong-secret-wrong-secret", secure=False,
              region="us-east-1")
    with pytest.raises(S3Error) as exc:
        m.list_buckets()
    assert exc.value.code == "SignatureDoesNotMatch"
    assert rt.site.secret_key not in str(exc.value) and "wrong-secret" not in json.dumps(str(exc.value))
