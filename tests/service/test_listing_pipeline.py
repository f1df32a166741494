"""VersionLister's pipelined pages (parse processes + markers read from the page head) equal in-process ones.

A fake site serves the lab's own ListVersionsResult bytes; a listing is compared with the pool on and
off, `markers` with `parse_page`, and a failure or a cut-short page mid-listing still yields every page
fetched before it and then raises (the validation reports it incomplete, never "missing").
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from recovery_tui import settings
from recovery_tui.lab import listing as lab_listing
from recovery_tui.lab.store import Bucket, Version
from recovery_tui.service import parsepool
from recovery_tui.service.errmap import CallContext
from recovery_tui.service.errors import ConnectionFailure, ServerError
from recovery_tui.service.http import RawResponse
from recovery_tui.service.listing import CutShort, VersionLister, markers, parse_page


def _bucket(keys: int = 60) -> Bucket:
    b = Bucket("data", versioning="Enabled")
    t = datetime(2024, 5, 1, tzinfo=timezone.utc)
    for i in range(keys):
        key = f"k{i:04d}" + ("&é" if i % 7 == 0 else "")
        b.add_version(Version(key, f"v{i}a", b"1" * (i % 5), last_modified=t))
        if i % 3 == 0:
            b.add_version(Version(key, f"v{i}b", delete_marker=True, last_modified=t + timedelta(seconds=1)))
    return b


class _Http:
    def __init__(self, b: Bucket, fail_at: int = -1, cut_at: int = -1) -> None:
        self.b, self.calls, self.fail_at, self.cut_at = b, 0, fail_at, cut_at

    def send(self, method, path, query, *, ctx, lean=False):  # noqa: ANN001
        q = dict(query)
        self.calls += 1
        if self.calls == self.fail_at:
            raise ConnectionFailure("site down")
        max_keys = int(q["max-keys"])
        body = lab_listing.list_versions(self.b, prefix=q.get("prefix", ""), delimiter="",
                                         key_marker=q.get("key-marker", ""),
                                         vid_marker=q.get("version-id-marker", ""), max_keys=max_keys)
        if self.calls == self.cut_at:
            body = body.replace("<NextKeyMarker>", "<Ignored>").replace("</NextKeyMarker>", "</Ignored>")
        return RawResponse(200, {}, body=body.encode())


def _untagged(pages):
    """Pages with the markers' `[minio_cache:…]` tag cut off (its listing id is random per listing)."""
    return [(p.entries, p.prefixes, p.truncated, p.next_key_marker.split("[minio_cache:")[0], p.next_version_id_marker)
            for p in pages]


def _lister(http: _Http, pool: bool) -> VersionLister:
    site = SimpleNamespace(http=http, ctx=lambda *a: CallContext(*a))
    return VersionLister(SimpleNamespace(site=lambda alias: site), "src", "data", page_size=7, parse_processes=pool)


@pytest.mark.parametrize("procs", ["0", "2"])
def test_pipelined_pages_equal_in_process(monkeypatch, procs: str) -> None:
    monkeypatch.setenv("RECOVERY_TUI_PARSE_PROCESSES", procs)
    b = _bucket()
    want = list(_lister(_Http(b), pool=False).pages())
    got = list(_lister(_Http(b), pool=True).pages())
    assert _untagged(got) == _untagged(want) and len(want) > 5
    assert sum(len(p.entries) for p in got) == sum(len(v) for v in b.versions.values())
    for p in got[:-1]:
        assert p.truncated


def test_markers_read_like_parse_page() -> None:
    b = _bucket()
    http = _Http(b)
    for marker in ("", "k0003", "k0007&é"):
        body = http.send("GET", "/data", [("max-keys", "5"), ("key-marker", marker)], ctx=None).body
        p = parse_page(body)
        assert markers(body) == (p.truncated, p.next_key_marker, p.next_version_id_marker)


@pytest.mark.parametrize("procs", ["0", "2"])
def test_failure_mid_listing_keeps_earlier_pages(monkeypatch, procs: str) -> None:
    monkeypatch.setenv("RECOVERY_TUI_PARSE_PROCESSES", procs)
    b = _bucket()
    seen = []
    with pytest.raises(ConnectionFailure):
        for page in _lister(_Http(b, fail_at=4), pool=True).pages():
            seen.append(page)
    assert len(seen) == 3  # the three pages answered before the failure, in order
    full = list(_lister(_Http(b), pool=False).pages())
    assert _untagged(seen) == _untagged(full[:3])
    seen = []
    with pytest.raises(CutShort):
        for page in _lister(_Http(b, cut_at=3), pool=True).pages():
            seen.append(page)
    # the cut-short page itself is yielded (its entries are real), then the listing stops
    assert [p.entries for p in seen] == [p.entries for p in full[:3]]


def test_pool_can_be_turned_off(monkeypatch) -> None:
    monkeypatch.setenv("RECOVERY_TUI_PARSE_PROCESSES", "0")
    assert parsepool.workers() == 0
    monkeypatch.setenv("RECOVERY_TUI_PARSE_PROCESSES", "junk")
    monkeypatch.setattr(settings.os, "cpu_count", lambda: 8)
    assert parsepool.workers() == 2
    monkeypatch.delenv("RECOVERY_TUI_PARSE_PROCESSES")
    monkeypatch.setattr(settings.os, "cpu_count", lambda: 2)
    assert parsepool.workers() == 0
    with pytest.raises(ServerError):
        parse_page(b"<Error/>")
