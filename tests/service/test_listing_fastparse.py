"""service/listing.py's readers agree: strict (MinIO bytes), general regex, and ElementTree."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from recovery_tui.lab import listing as lab_listing
from recovery_tui.lab.store import Bucket, Version
from recovery_tui.service import listing
from recovery_tui.service.pagexml import _first_entry


def _page_bytes() -> bytes:
    b = Bucket("data", versioning="Enabled")
    t = datetime(2024, 5, 1, tzinfo=timezone.utc)
    for i, key in enumerate(["a&b", "c<d>'\"", "plain", "ü/ñ", "x y"]):
        b.add_version(Version(key, f"v{i}a", b"1" * i, last_modified=t))
        b.add_version(Version(key, f"v{i}b", delete_marker=True, last_modified=t + timedelta(seconds=1)))
        b.add_version(Version(key, f"v{i}c", b"abc", last_modified=t + timedelta(seconds=2)))
    return lab_listing.list_versions(b, prefix="", delimiter="", key_marker="", vid_marker="", max_keys=7).encode()


def test_strict_reader_matches_elementtree() -> None:
    body = _page_bytes()
    fast, slow = listing.parse_page(body), listing._parse_page_etree(body)
    assert len(fast.entries) == 7 and fast.truncated
    assert fast == slow
    found = listing._STRICT.findall(body.decode())
    assert len(found) == 7 and not any(e[6] for e in found)  # MinIO's bytes take the strict path whole


def test_other_servers_bytes_take_the_general_reader() -> None:
    body = _page_bytes().replace(b"&#34;", b"&quot;")  # another server's quoting: strict misses, general reads
    found = listing._STRICT.findall(body.decode())
    assert [e[6] != "" for e in found].count(True) == 5  # the versions (the delete markers have no quotes)
    assert listing.parse_page(body) == listing._parse_page_etree(body)


def test_an_entry_neither_regex_reads_falls_back_to_elementtree() -> None:
    body = _page_bytes().replace(b"<StorageClass>STANDARD</StorageClass><IsLatest>true",
                                 b"<IsLatest>true</IsLatest><StorageClass>STANDARD</StorageClass><X>true", 1)
    body = body.replace(b"<X>true</IsLatest>", b"", 1)
    page = listing.parse_page(body)
    assert page == listing._parse_page_etree(body) and len(page.entries) == 7


@pytest.mark.parametrize("body", ["<H/>", "<H/><Version>1</Version>", "<H/><DeleteMarker>1</DeleteMarker>",
                                  "<H/><Version>1</Version><DeleteMarker>2</DeleteMarker>",
                                  "<H/><DeleteMarker>1</DeleteMarker><Version>2</Version>"])
def test_first_entry_is_the_earlier_of_both_kinds(body: str) -> None:
    """A delete marker is looked for only before the first version; the answer is the naive one's."""
    naive = min((i for i in (body.find("<Version>"), body.find("<DeleteMarker>")) if i >= 0), default=len(body))
    assert _first_entry(body, "<Version>", "<DeleteMarker>") == naive
    assert _first_entry(body.encode(), b"<Version>", b"<DeleteMarker>") == naive
