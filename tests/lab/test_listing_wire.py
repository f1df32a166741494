"""The lab's ListObjectVersions in the real server's bytes (facts §16), and its markers taken back.

The facts file's literal sample is rebuilt from the same data and compared byte for byte; a truncated
page carries `NextKeyMarker` with MinIO's `[minio_cache:v2,id:…,p:0,s:0]` tag, which the lab strips
when it is sent back; boto3's and the minio SDK's paginators list a bucket through those markers
(plain and url-encoded) and get every version exactly once.
"""

from __future__ import annotations

import re
import urllib.parse
from datetime import datetime, timezone
from typing import Any

import pytest

from recovery_tui.lab import listing
from recovery_tui.lab.errors import LabError
from recovery_tui.lab.store import Bucket, Version

SAMPLE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>src</Name><Prefix>docs/</Prefix>'
    "<KeyMarker></KeyMarker><NextVersionIdMarker></NextVersionIdMarker><VersionIdMarker></VersionIdMarker>"
    "<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><DeleteMarker><Key>docs/a.txt</Key>"
    "<LastModified>2025-05-02T08:15:30.250Z</LastModified><ETag></ETag><Size>0</Size><Owner>"
    "<ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID><DisplayName>minio</DisplayName>"
    "</Owner><StorageClass>STANDARD</StorageClass><IsLatest>true</IsLatest>"
    "<VersionId>9c2d5e1a-7b3f-4e8a-a1d2-3f4b5c6d7e8f</VersionId></DeleteMarker><Version><Key>docs/a.txt</Key>"
    "<LastModified>2025-05-01T10:00:00.123Z</LastModified><ETag>&#34;0cc175b9c0f1b6a831c399e269772661&#34;</ETag>"
    "<Size>1</Size><Owner><ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID>"
    "<DisplayName>minio</DisplayName></Owner><StorageClass>STANDARD</StorageClass><IsLatest>false</IsLatest>"
    "<VersionId>478efe49-aa9d-46ab-8268-45b70cc4c341</VersionId></Version></ListVersionsResult>"
)
"""Facts §16's literal sample, verbatim (two lines, no trailing newline)."""

TAG = re.compile(r"\[minio_cache:v2,id:[0-9a-f-]{36},p:0,s:0\]")


def _sample_bucket(extra_key: bool = False) -> Bucket:
    b = Bucket("src", versioning="Enabled")
    b.add_version(Version("docs/a.txt", "478efe49-aa9d-46ab-8268-45b70cc4c341", b"a",
                          last_modified=datetime(2025, 5, 1, 10, 0, 0, 123000, tzinfo=timezone.utc)))
    b.add_version(Version("docs/a.txt", "9c2d5e1a-7b3f-4e8a-a1d2-3f4b5c6d7e8f", delete_marker=True,
                          last_modified=datetime(2025, 5, 2, 8, 15, 30, 250000, tzinfo=timezone.utc)))
    if extra_key:
        b.add_version(Version("docs/b.txt", "1b7c0e55-5d2e-4c7e-9a51-0d4a3f1e2b3c", b"b",
                              last_modified=datetime(2025, 5, 3, tzinfo=timezone.utc)))
    return b


def _page(b: Bucket, **kw: Any) -> str:
    args = {"prefix": "docs/", "delimiter": "", "key_marker": "", "vid_marker": "", "max_keys": 1000, **kw}
    return listing.list_versions(b, **args)


def test_the_facts_sample_byte_for_byte() -> None:
    body = _page(_sample_bucket())
    assert body == SAMPLE
    assert body.count("\n") == 1 and not body.endswith("\n")


def test_a_truncated_page_differs_only_in_its_markers() -> None:
    body = _page(_sample_bucket(extra_key=True), max_keys=2)
    tag = TAG.search(body)
    assert tag is not None
    want = SAMPLE.replace(
        "<KeyMarker></KeyMarker><NextVersionIdMarker></NextVersionIdMarker>",
        f"<KeyMarker></KeyMarker><NextKeyMarker>docs/a.txt{tag.group(0)}</NextKeyMarker>"
        "<NextVersionIdMarker>478efe49-aa9d-46ab-8268-45b70cc4c341</NextVersionIdMarker>",
    ).replace("<MaxKeys>1000</MaxKeys><IsTruncated>false", "<MaxKeys>2</MaxKeys><IsTruncated>true")
    assert body == want


def test_the_tagged_marker_is_taken_back_verbatim() -> None:
    b = _sample_bucket(extra_key=True)
    first = _page(b, max_keys=2)
    marker = re.search(r"<NextKeyMarker>([^<]*)</NextKeyMarker>", first).group(1)  # type: ignore[union-attr]
    vid = re.search(r"<NextVersionIdMarker>([^<]*)</NextVersionIdMarker>", first).group(1)  # type: ignore[union-attr]
    second = _page(b, key_marker=marker, vid_marker=vid, max_keys=2)
    assert f"<KeyMarker>{marker}</KeyMarker>" in second  # echoed as sent, tag included
    assert re.findall(r"<Key>([^<]*)</Key>", second) == ["docs/b.txt"]
    assert "<IsTruncated>false</IsTruncated><Version>" in second
    # without a version-id-marker the whole key is skipped, as the server's forwardPast does
    assert re.findall(r"<Key>([^<]*)</Key>", _page(b, key_marker=marker)) == ["docs/b.txt"]
    # the listing id is carried on from the marker into the next one
    third = _page(b, key_marker=marker, vid_marker="9c2d5e1a-7b3f-4e8a-a1d2-3f4b5c6d7e8f", max_keys=1)
    assert re.findall(r"<VersionId>([^<]*)</VersionId>", third) == ["478efe49-aa9d-46ab-8268-45b70cc4c341"]
    assert "<IsTruncated>true" in third and TAG.search(marker).group(0) in third  # type: ignore[union-attr]


def test_encoding_type_comes_last_and_encodes_like_the_server() -> None:
    b = Bucket("src", versioning="Enabled")
    for key in ("docs/a b+c~d*e.txt", "docs/ü&<x>"):
        b.add_version(Version(key, "null", b"z", last_modified=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    body = _page(b, max_keys=1, encoding_type="URL", delimiter="/")
    assert body.endswith("<EncodingType>URL</EncodingType></ListVersionsResult>")
    assert "<Key>docs/a+b%2Bc%7Ed*e.txt</Key>" in body
    marker = re.search(r"<NextKeyMarker>([^<]*)</NextKeyMarker>", body).group(1)  # type: ignore[union-attr]
    assert marker.startswith("docs/a+b%2Bc%7Ed*e.txt%5Bminio_cache%3Av2%2Cid%3A")  # the tag is encoded too
    order = [m.group(1) for m in re.finditer(r"<(\w+)>", body.split("<Version>")[0])]
    assert order == ["Name", "Prefix", "KeyMarker", "NextKeyMarker", "NextVersionIdMarker", "VersionIdMarker",
                     "MaxKeys", "Delimiter", "IsTruncated"]


def test_markers_the_server_refuses() -> None:
    b = _sample_bucket()
    with pytest.raises(LabError) as err:
        _page(b, vid_marker="478efe49-aa9d-46ab-8268-45b70cc4c341")
    assert err.value.code == "NotImplemented"
    with pytest.raises(LabError) as err:
        _page(b, key_marker="elsewhere/x")
    assert err.value.code == "NotImplemented"


def _fill(s3: Any, bucket: str) -> set[tuple[str, str]]:
    keys = [f"k/{i:03d} é+&~.txt" for i in range(9)]
    for i, key in enumerate(keys):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * i)
        s3.put_object(Bucket=bucket, Key=key, Body=b"y")
        if i % 3 == 0:
            s3.delete_object(Bucket=bucket, Key=key)
    got = s3.list_object_versions(Bucket=bucket)
    return {(v["Key"], v["VersionId"]) for v in got.get("Versions", []) + got.get("DeleteMarkers", [])}


def test_boto3_pages_through_tagged_markers(core_s3: Any, core_bucket: str) -> None:
    everything = _fill(core_s3, core_bucket)
    assert len(everything) == 21
    seen: list[tuple[str, str]] = []
    markers = []
    for page in core_s3.get_paginator("list_object_versions").paginate(Bucket=core_bucket,
                                                                        PaginationConfig={"PageSize": 4}):
        seen += [(v["Key"], v["VersionId"]) for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if page.get("IsTruncated"):
            markers.append(page["NextKeyMarker"])
    assert len(seen) == len(set(seen)) and set(seen) == everything
    assert markers and all(TAG.search(m) for m in markers)  # boto3 url-decodes the tag and sends it back


def test_minio_sdk_pages_through_tagged_markers(core_lab: Any, core_s3: Any, core_bucket: str) -> None:
    minio = pytest.importorskip("minio")
    everything = _fill(core_s3, core_bucket)
    rt = core_lab.source
    host = urllib.parse.urlsplit(rt.url).netloc
    client = minio.Minio(host, access_key=rt.site.access_key, secret_key=rt.site.secret_key, secure=False,
                         region="us-east-1")
    for encoding in ("url", None):  # the SDK's own paginator, four entries a page (its public call asks 1000)
        got = list(client._list_objects(core_bucket, include_version=True, max_keys=4, encoding_type=encoding))
        seen = [(o.object_name, o.version_id) for o in got]
        assert len(seen) == len(set(seen)) and set(seen) == everything, encoding
        assert sum(1 for o in got if o.is_delete_marker) == 3


def test_a_delete_marker_head_sends_no_last_modified(core_s3: Any, core_bucket: str) -> None:
    import botocore.exceptions

    core_s3.put_object(Bucket=core_bucket, Key="gone", Body=b"x")
    dm = core_s3.delete_object(Bucket=core_bucket, Key="gone")["VersionId"]
    for kw, status in (({"VersionId": dm}, 405), ({}, 404)):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            core_s3.head_object(Bucket=core_bucket, Key="gone", **kw)
        meta = err.value.response["ResponseMetadata"]
        assert meta["HTTPStatusCode"] == status
        assert meta["HTTPHeaders"]["x-amz-delete-marker"] == "true" and "last-modified" not in meta["HTTPHeaders"]
