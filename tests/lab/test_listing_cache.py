"""The per-version XML cache of lab/listing.py: same bytes as a fresh render, re-rendered on change."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from recovery_tui.lab import listing
from recovery_tui.lab.store import Bucket, Version


def _render(b: Bucket, encode: bool = False) -> str:
    return listing.list_versions(b, prefix="", delimiter="", key_marker="", vid_marker="", max_keys=1000,
                                 encoding_type="url" if encode else "")


def _uncached(b: Bucket) -> str:
    for lst in b.versions.values():
        for v in lst:
            v.listing_xml = None
    return _render(b)


def _bucket() -> Bucket:
    b = Bucket("data", versioning="Enabled")
    t = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
    b.add_version(Version("a&b<c>.txt", "v1", b"one", last_modified=t))
    b.add_version(Version("a&b<c>.txt", "v2", b"two!", last_modified=t + timedelta(seconds=1)))
    b.add_version(Version("a&b<c>.txt", "v3", delete_marker=True, last_modified=t + timedelta(seconds=2)))
    b.add_version(Version("ü/key", "null", b"x", last_modified=t))
    return b


def test_cached_render_equals_fresh_render() -> None:
    b = _bucket()
    first = _render(b)
    assert _render(b) == first == _uncached(b)
    assert first.count("<IsLatest>true</IsLatest>") == 2
    assert "<Key>a&amp;b&lt;c&gt;.txt</Key>" in first


def test_is_latest_follows_position_not_the_cache() -> None:
    b = _bucket()
    before = _render(b)
    assert '<VersionId>v3</VersionId></DeleteMarker>' in before
    b.remove_version("a&b<c>.txt", "v3")  # v2 becomes latest: its cached halves are reused, IsLatest flips
    after = _render(b)
    assert after == _uncached(b)
    assert "<IsLatest>true</IsLatest><VersionId>v2</VersionId>" in after


def test_a_changed_version_is_rendered_again() -> None:
    b = _bucket()
    _render(b)
    v = b.get_version("ü/key", "null")
    assert v is not None and v.listing_xml is not None
    v.etag, v.size = "0123456789abcdef0123456789abcdef", 42
    v.last_modified = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    out = _render(b)
    assert "<ETag>&#34;0123456789abcdef0123456789abcdef&#34;</ETag><Size>42</Size>" in out
    assert "2030-01-02T03:04:05.000Z" in out
    assert out == _uncached(b)


def test_versions_built_without_init_are_rendered() -> None:
    b = _bucket()
    v = Version.__new__(Version)  # bulk seeding builds versions like this: the cache slot is unset
    for name, value in (("key", "z"), ("version_id", "v9"), ("data", b"zz"), ("size", 2), ("etag", "e" * 32),
                        ("last_modified", datetime(2024, 1, 1, tzinfo=timezone.utc)), ("delete_marker", False)):
        setattr(v, name, value)
    b.bulk_load([v])
    assert _render(b) == _uncached(b)


def test_url_encoding_is_not_served_from_the_escaped_cache() -> None:
    b = _bucket()
    _render(b)
    out = _render(b, encode=True)
    assert "<Key>a%26b%3Cc%3E.txt</Key>" in out and "&amp;" not in out.split("<DeleteMarker>")[1]
