"""The client against MinIO-shaped pages (facts §16): the literal sample read by the fast reader, markers sent
back verbatim (tag included), and a checkpoint that resumes from a key, never from a tagged marker."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from recovery_tui.service.aliases import BucketPath
from recovery_tui.service.checkpoint import Checkpoint
from recovery_tui.service.listing import _STRICT, VersionLister, make_entry, markers, parse_page
from recovery_tui.service.validate import validate

from .conftest import make_bucket, put_versions, remove_version, service_for

SAMPLE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>src</Name><Prefix>docs/</Prefix>'
    b"<KeyMarker></KeyMarker><NextVersionIdMarker></NextVersionIdMarker><VersionIdMarker></VersionIdMarker>"
    b"<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><DeleteMarker><Key>docs/a.txt</Key>"
    b"<LastModified>2025-05-02T08:15:30.250Z</LastModified><ETag></ETag><Size>0</Size><Owner>"
    b"<ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID><DisplayName>minio</DisplayName>"
    b"</Owner><StorageClass>STANDARD</StorageClass><IsLatest>true</IsLatest>"
    b"<VersionId>9c2d5e1a-7b3f-4e8a-a1d2-3f4b5c6d7e8f</VersionId></DeleteMarker><Version><Key>docs/a.txt</Key>"
    b"<LastModified>2025-05-01T10:00:00.123Z</LastModified><ETag>&#34;0cc175b9c0f1b6a831c399e269772661&#34;</ETag>"
    b"<Size>1</Size><Owner><ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID>"
    b"<DisplayName>minio</DisplayName></Owner><StorageClass>STANDARD</StorageClass><IsLatest>false</IsLatest>"
    b"<VersionId>478efe49-aa9d-46ab-8268-45b70cc4c341</VersionId></Version></ListVersionsResult>"
)
"""Facts §16's literal sample, verbatim."""
TAGGED = b"docs/a.txt[minio_cache:v2,id:5b1f2e0c-3d4a-4f6b-8c7d-9e0f1a2b3c4d,p:0,s:0]"


def test_the_facts_sample_is_read_by_the_strict_reader() -> None:
    page = parse_page(SAMPLE)
    assert page.entries == [
        make_entry("docs/a.txt", "9c2d5e1a-7b3f-4e8a-a1d2-3f4b5c6d7e8f", 0, "", True, True),
        make_entry("docs/a.txt", "478efe49-aa9d-46ab-8268-45b70cc4c341", 1, "0cc175b9c0f1b6a831c399e269772661",
                   False, False),
    ]
    assert not page.truncated and page.next_key_marker == ""
    assert not any(e[6] for e in _STRICT.findall(SAMPLE.decode()))  # no element needed the general reader


def test_a_truncated_sample_keeps_its_tagged_marker_verbatim() -> None:
    body = SAMPLE.replace(b"<NextVersionIdMarker></NextVersionIdMarker>",
                          b"<NextKeyMarker>" + TAGGED + b"</NextKeyMarker>"
                          b"<NextVersionIdMarker>478efe49-aa9d-46ab-8268-45b70cc4c341</NextVersionIdMarker>")
    body = body.replace(b"<IsTruncated>false", b"<IsTruncated>true")
    page = parse_page(body)
    assert (page.truncated, page.next_key_marker) == (True, TAGGED.decode())
    assert markers(body) == (True, TAGGED.decode(), "478efe49-aa9d-46ab-8268-45b70cc4c341")
    assert len(page.entries) == 2


class _Spy:
    """Records the query of every listing request a site's signed HTTP sends."""

    def __init__(self, service: Any, alias: str) -> None:
        self.http = service.site(alias).http
        self.real = self.http.send
        self.queries: list[dict[str, str]] = []
        self.http.send = self.send

    def send(self, method: str, path: str, query: Any = (), **kw: Any) -> Any:
        if method == "GET" and any(k == "versions" for k, _ in query):
            self.queries.append(dict(query))
        return self.real(method, path, query, **kw)


def test_markers_go_back_verbatim(lab: Any) -> None:
    make_bucket(lab, "tagged-a", sites=("source",))
    put_versions(lab, "source", "tagged-a", [(f"k{i:02d}", f"v{i}{j}", b"x", j == 1, j) for i in range(5)
                                            for j in range(3)])
    service = service_for(lab)
    spy = _Spy(service, "source")
    pages = list(VersionLister(service, "source", "tagged-a", page_size=4, parse_processes=False).pages())
    assert sum(len(p.entries) for p in pages) == 15
    sent = [(q.get("key-marker", ""), q.get("version-id-marker", "")) for q in spy.queries]
    got = [("", "")] + [(p.next_key_marker, p.next_version_id_marker) for p in pages[:-1]]
    assert sent == got and all("[minio_cache:v2,id:" in k for k, _ in sent[1:])


def test_a_checkpoint_resumes_from_a_key_across_tagged_markers(lab: Any, tmp_path: Path) -> None:
    make_bucket(lab, "tagged-b")
    specs = [(f"p/{i:03d}", f"v{i}-{j}", b"d%d" % j, j == 2 and i % 4 == 0, 3 - j) for i in range(60) for j in range(3)]
    put_versions(lab, "source", "tagged-b", specs)
    put_versions(lab, "target", "tagged-b", specs)
    remove_version(lab, "target", "tagged-b", "p/050", "v50-1")
    service = service_for(lab)
    spy = _Spy(service, "source")
    src, dst = BucketPath("source", "tagged-b"), BucketPath("target", "tagged-b")
    params = {"source": str(src), "target": str(dst), "prefix": ""}
    path = tmp_path / "cp.json"
    cancel = threading.Event()
    first = validate(service, src, dst, page_size=7, checkpoint=Checkpoint.open(path, "validate", params),
                     cancel=cancel, progress=lambda p: cancel.set() if p.source_versions > 40 else None,
                     progress_interval=0)
    assert first.incomplete and any("[minio_cache:" in q.get("key-marker", "") for q in spy.queries)
    cp = Checkpoint.open(path, "validate", params)
    last = cp.state["last_key"]
    assert cp.resumed and last.startswith("p/") and "[" not in last  # a key, never a server's marker
    spy.queries.clear()
    second = validate(service, src, dst, page_size=7, checkpoint=cp)
    assert spy.queries[0]["key-marker"] == last  # resumed after that key
    assert not second.incomplete and second.source_counts.versions == 180 and second.target_counts.versions == 179
    assert second.missing_on_target == 1 and second.extra_on_target == 0
