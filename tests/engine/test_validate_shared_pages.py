"""Byte-equal page pairs are parsed once (`listing.Page.share`): a bucket in sync answers the same listing request
on both sides with the same entries' bytes, so the target's page takes the source page's entries unparsed; a
page that differs in places takes the entries of its equal stretches and reads the rest (`pageshare`).

Every test compares against the same run with sharing turned off (each page parsed, as before): counts,
samples, the key compared up to, incomplete and the error must be identical, and the parse spy shows how
many pages were actually read. Pages come from two in-memory sites writing the lab's own bytes
(`helpers.listingsites`); a rewrite hook makes one-byte differences the entries do or do not show.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from helpers.listingsites import Spec, bucket, random_pair, sites
from recovery_tui.service import listing
from recovery_tui.service.aliases import BucketPath
from recovery_tui.service.checkpoint import Checkpoint
from recovery_tui.service.errors import ConnectionFailure
from recovery_tui.service.validate import validate

SRC, DST = BucketPath("src", "data"), BucketPath("dst", "data")
KEYS = ["a&b", "a<b>", "c'q\"", "dir/é x", "dir/z", "k1", "k2", "k3", "m&amp;", "z&<>"]


def _specs(keys: list[str] = KEYS, per_key: int = 3) -> list[Spec]:
    """`per_key` versions a key; every third key's newest is a delete marker, every fifth's oldest one too."""
    out: list[Spec] = []
    for n, k in enumerate(keys):
        for v in range(per_key):
            dm = (v == per_key - 1 and n % 3 == 0) or (v == 0 and n % 5 == 0)
            out.append((k, f"v{n}-{v}", 0 if dm else n + v, dm))
    return out


def _result(r: Any) -> tuple[Any, ...]:
    return (r.source_counts, r.target_counts, r.missing_on_target, r.extra_on_target, r.mismatched,
            [(d.kind, d.key, d.version_id, d.source, d.target) for d in r.samples], r.compared_up_to,
            r.incomplete, r.error)


class _Spy:
    """Counts the pages parsed (`listing.read_page`) and, with `share=False`, turns sharing off."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.parsed = 0
        self.lock = threading.Lock()
        read = listing.read_page

        def counting(body: bytes, delimited: bool = True, text: Any = None) -> Any:
            with self.lock:
                self.parsed += 1
            return read(body, delimited, text)

        monkeypatch.setattr(listing, "read_page", counting)

    def run(self, service: Any, share: bool = True, **kw: Any) -> tuple[Any, int]:
        """(report, pages parsed) of one validation."""
        with self.monkeypatch.context() as m:
            if not share:
                m.setattr(listing.Page, "share", lambda self, other: False)
            self.parsed = 0
            r = validate(service, SRC, DST, sample_limit=1000, **kw)
            return r, self.parsed


def _pair(src: list[Spec], dst: Optional[list[Spec]] = None, **kw: Any) -> Any:
    a, b = bucket(src), bucket(src if dst is None else dst)
    b.name = "replica"  # the heads differ (<Name>), the entries' bytes do not
    return sites(a, b, **kw)


@pytest.mark.parametrize("parallel", [None, 4])
def test_equal_pages_are_parsed_once_and_counted_as_the_parser_counts(monkeypatch, parallel: Any) -> None:
    spy = _Spy(monkeypatch)
    keys = KEYS + [f"t/u/v/{k}" for k in KEYS]  # t/u/v/ is deep enough to be a unit listed by pages (depth 3)
    specs = _specs(sorted(keys))
    service = _pair(specs)
    slow, slow_parsed = spy.run(service, share=False, page_size=4, parallel=parallel)
    fast, fast_parsed = spy.run(service, page_size=4, parallel=parallel)
    assert _result(fast) == _result(slow)
    assert fast.in_sync and not fast.incomplete and fast.compared_up_to == "z&<>"
    assert fast.source_counts == fast.target_counts
    c = fast.source_counts
    latest_dms = sum(1 for n in range(len(keys)) if n % 3 == 0)
    assert (c.versions, c.delete_markers, c.current) == (len(specs), sum(s[3] for s in specs), len(keys) - latest_dms)
    if parallel is None:  # one paginator: 15 pages a side, the target's all shared
        assert (slow_parsed, fast_parsed) == (30, 15)
    else:  # discovery's delimited pages holding common prefixes (4 a side) are parsed on both sides; the
        # target's other 7 (direct entries only) and t/u/v/'s 8 target pages share
        assert slow_parsed - fast_parsed == 15


def _flip(needle: bytes, to: bytes, nth: int = 1) -> Callable[[str, bytes], bytes]:
    """A rewrite of the target's answers: the `nth` occurrence of `needle` in the listing becomes `to`."""
    seen = [0]
    lock = threading.Lock()

    def rewrite(alias: str, body: bytes) -> bytes:
        if alias != "dst":
            return body
        with lock:
            at = -1
            while (at := body.find(needle, at + 1)) >= 0:
                seen[0] += 1
                if seen[0] == nth:
                    return body[:at] + to + body[at + len(needle):]
        return body

    return rewrite


@pytest.mark.parametrize("needle,to,kind", [
    (b"<Size>3</Size>", b"<Size>4</Size>", "mismatched"),  # an entry's size: found
    (b"<IsLatest>true</IsLatest><VersionId>v4-2", b"<IsLatest>fals</IsLatest><VersionId>v4-2", "counts"),
    (b"<StorageClass>STANDARD</StorageClass>", b"<StorageClass>STANDARX</StorageClass>", "same"),  # not read
])
def test_a_one_byte_difference_is_read_from_the_page_itself(monkeypatch, needle: bytes, to: bytes, kind: str) -> None:
    spy = _Spy(monkeypatch)
    service = _pair(_specs(), rewrite=_flip(needle, to, nth=1))
    slow, slow_parsed = spy.run(service, share=False, page_size=4)
    service = _pair(_specs(), rewrite=_flip(needle, to, nth=1))
    fast, fast_parsed = spy.run(service, page_size=4)
    assert _result(fast) == _result(slow)
    # no target page is parsed: seven equal to the source's, the eighth takes the source's entries but the
    # changed one, which is read from its own bytes (`pageshare`)
    assert fast_parsed == 8
    if kind == "mismatched":
        (d,) = fast.samples
        assert fast.mismatched == 1 and (d.key, d.source.size, d.target.size) == ("a<b>", 3, 4)
    elif kind == "counts":
        assert fast.target_counts.current == fast.source_counts.current - 1 and fast.mismatched == 0
    else:
        assert fast.in_sync


def test_pages_misaligned_by_a_missing_version_and_aligned_again(monkeypatch) -> None:
    """A version missing on the target shifts its pages by one entry; an extra one later shifts them back."""
    src = _specs()
    dst = [s for s in src if s[1] != "v1-1"]
    dst.insert(dst.index(("k3", "v7-2", 9, False)) + 1, ("k3", "v7-extra", 1, False))
    spy = _Spy(monkeypatch)
    service = _pair(src, dst)
    slow, slow_parsed = spy.run(service, share=False, page_size=4)
    fast, fast_parsed = spy.run(service, page_size=4)
    assert _result(fast) == _result(slow)
    assert (fast.missing_on_target, fast.extra_on_target) == (1, 1)
    assert slow_parsed == 16 and 8 < fast_parsed < 16  # the pages after the extra one are shared again


@pytest.mark.parametrize("shape", ["deep", "wide", "mixed"])
@pytest.mark.parametrize("seed", range(3))
def test_random_trees_report_as_with_every_page_parsed(monkeypatch, shape: str, seed: int) -> None:
    spy = _Spy(monkeypatch)
    src_b, dst_b = random_pair(seed, shape)
    service = sites(src_b, dst_b)
    for parallel, page_size in ((None, 3), (None, 1000), (4, 2)):
        slow, _ = spy.run(service, share=False, parallel=parallel, page_size=page_size)
        fast, _ = spy.run(service, parallel=parallel, page_size=page_size)
        assert _result(fast) == _result(slow), (parallel, page_size)
    same = sites(src_b, src_b)  # a bucket against itself: every page shared
    fast, parsed = spy.run(same, page_size=3)
    assert fast.in_sync and parsed * 2 == spy.run(same, share=False, page_size=3)[1]


def test_resume_from_a_checkpoint_after_shared_pages(monkeypatch, tmp_path: Path) -> None:
    """The target fails at its fifth page; the checkpoint holds what was compared (shared pages included) and
    the resumed run ends exactly as one uninterrupted run."""
    calls = {"dst": 0}

    def fail_fifth(alias: str, prefix: str, delimiter: str, key_marker: str) -> None:
        if alias == "dst":
            calls["dst"] += 1
            if calls["dst"] == 5:
                raise ConnectionFailure("target down")

    spy = _Spy(monkeypatch)
    specs = _specs(KEYS + [f"n{i:02d}" for i in range(20)])
    full, _ = spy.run(_pair(specs), page_size=4)
    outcomes = []
    for share in (False, True):
        calls["dst"] = 0
        params = {"share": share}
        path = tmp_path / f"v{share}.json"
        first, _ = spy.run(_pair(specs, hook=fail_fifth), share=share, page_size=4,
                           checkpoint=Checkpoint.open(path, "validate", params))
        assert first.incomplete and first.compared_up_to
        cp = Checkpoint.open(path, "validate", params)
        assert cp.resumed and cp.state["last_key"] == first.compared_up_to
        second, _ = spy.run(_pair(specs), share=share, page_size=4, checkpoint=cp)
        assert second.resumed and not second.incomplete
        outcomes.append((_result(first), _result(second)[:5]))
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][1] == _result(full)[:5]


def _page_pair(transform: Callable[[bytes], bytes], delimiter: str = "", max_keys: int = 7) -> tuple[bytes, bytes]:
    """One page of the lab's bytes as two sites write it (different bucket names), `transform`ed alike."""
    a, b = bucket(_specs()), bucket(_specs())
    b.name = "replica"
    from recovery_tui.lab import listing as lab_listing

    pages = [lab_listing.list_versions(x, prefix="", delimiter=delimiter, key_marker="", vid_marker="",
                                       max_keys=max_keys).encode() for x in (a, b)]
    assert pages[0] != pages[1]
    return transform(pages[0]), transform(pages[1])


@pytest.mark.parametrize("transform,shared", [
    (lambda body: body, True),  # MinIO's bytes: the strict reader
    (lambda body: body.replace(b"&#34;", b"&quot;"), True),  # another server's quoting: the general reader
    (lambda body: body.replace(b"</Key><LastModified>", b"</Key><Junk/><LastModified>", 1), False),  # ElementTree
])
def test_a_page_shares_only_what_its_own_parse_would_give(transform: Callable[[bytes], bytes], shared: bool) -> None:
    s_body, d_body = _page_pair(transform)
    src, dst = listing.Page(s_body, False), listing.Page(d_body, False)
    assert dst.share(src) is False  # the other page must have been read first
    assert src.entries  # read: the other side may now share it
    assert dst.share(src) is shared and dst.shared is shared
    assert dst.entries == listing.parse_page(d_body, False).entries == src.entries
    assert (dst.truncated, dst.next_key_marker) == (True, listing.parse_page(d_body, False).next_key_marker)


def test_a_page_with_common_prefixes_is_never_shared_and_a_different_entry_is_read_from_its_own_bytes() -> None:
    s_body, d_body = _page_pair(lambda body: body, delimiter="/", max_keys=100)
    assert b"<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>" in d_body
    src = listing.Page(s_body, True)
    assert src.entries  # read: the other side may now share it
    page = listing.Page(d_body, True)
    assert not page.share(src) and page.prefixes == ["dir/"]  # a share would drop the prefixes
    s_body, d_body = _page_pair(lambda body: body, delimiter="/")  # seven entries before dir/: no prefix
    assert b"<Delimiter>/</Delimiter>" in d_body and b"CommonPrefixes" not in d_body
    src = listing.Page(s_body, True)
    assert src.entries
    page = listing.Page(d_body, True)
    assert page.prefixes == [] and page._raw is None  # known without reading its entries
    assert page.share(src) and page.shared and page.entries is src.entries and page.prefixes == []
    s_body, d_body = _page_pair(lambda body: body)
    src = listing.Page(s_body, False)
    assert src.entries  # read: the other side may now share it
    other = d_body.replace(b"<VersionId>v0-1<", b"<VersionId>v0-9<")
    page = listing.Page(other, False)
    assert other != d_body and page.share(src) and not page.shared  # partly: not the equal-page way
    want = listing.parse_page(other, False).entries
    assert page.entries == want
    changed = [n for n, e in enumerate(want) if e[4] == "v0-9"]
    assert len(changed) == 1
    taken = [e is o for e, o in zip(page.entries, src.entries, strict=True)]
    assert taken == [n not in changed for n in range(len(want))]
    longer = d_body.replace(b"</ListVersionsResult>", b"<EncodingType>url</EncodingType></ListVersionsResult>")
    page = listing.Page(longer, False)
    assert page.share(src) and page.entries == listing.parse_page(longer, False).entries
    late = d_body.replace(b"</ListVersionsResult>", b" <Version><Key>zz</Key></Version></ListVersionsResult>")
    page = listing.Page(late, False)
    assert not page.share(src)  # an element after the last one read: parsed the usual way
    assert [e[0] for e in page.entries][-1] == "zz"
