"""The listing engine defers older-generation garbage collections only while it fetches and parses, and a
validation for its whole run.

`gcpace.bulk()` keeps generation 0's threshold, raises generations 1 and 2 to at least 1,000, counts
nested and concurrent uses, and puts the thresholds back when the last one ends (exceptions included).
A listing holds it while a page is fetched and parsed, never while the consumer holds a page, so a
listing abandoned half-way leaves the collector as it found it.
"""

from __future__ import annotations

import gc
import threading
from types import SimpleNamespace

import pytest

from recovery_tui.service import gcpace
from recovery_tui.service.errmap import CallContext
from recovery_tui.service.listing import VersionLister

from .test_listing_pipeline import _bucket, _Http


@pytest.fixture
def thresholds():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield (700, 10, 10)
    gc.set_threshold(*saved)


def test_bulk_raises_older_generations_and_restores(thresholds) -> None:
    with gcpace.bulk():
        assert gc.get_threshold() == (700, gcpace.OLDER_THRESHOLD, gcpace.OLDER_THRESHOLD)
        with gcpace.bulk():
            assert gcpace.active()
        assert gc.get_threshold() == (700, gcpace.OLDER_THRESHOLD, gcpace.OLDER_THRESHOLD)
    assert gc.get_threshold() == thresholds and not gcpace.active()
    with pytest.raises(RuntimeError), gcpace.bulk():
        raise RuntimeError("a failed page")
    assert gc.get_threshold() == thresholds and not gcpace.active()


def test_higher_thresholds_are_kept(thresholds) -> None:
    gc.set_threshold(5000, 20, 5000)
    with gcpace.bulk():
        assert gc.get_threshold() == (5000, gcpace.OLDER_THRESHOLD, 5000)
    assert gc.get_threshold() == (5000, 20, 5000)


def test_concurrent_uses_restore_when_the_last_ends(thresholds) -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with gcpace.bulk():
            inside.set()
            release.wait(10)

    th = threading.Thread(target=other)
    th.start()
    assert inside.wait(10)
    with gcpace.bulk():
        pass  # this one ends first: the other is still listing
    assert gc.get_threshold() == (700, gcpace.OLDER_THRESHOLD, gcpace.OLDER_THRESHOLD)
    release.set()
    th.join(10)
    assert gc.get_threshold() == thresholds and not gcpace.active()


class _Watching(_Http):
    """Records whether the collector was deferred while each page was fetched."""

    def __init__(self, *a, **kw) -> None:  # noqa: ANN002, ANN003
        super().__init__(*a, **kw)
        self.during: list[tuple[int, int, int]] = []

    def send(self, method, path, query, *, ctx, lean=False):  # noqa: ANN001
        self.during.append(gc.get_threshold())
        return super().send(method, path, query, ctx=ctx, lean=lean)


def test_listing_defers_only_while_fetching_and_parsing(thresholds, monkeypatch) -> None:
    monkeypatch.setenv("RECOVERY_TUI_PARSE_PROCESSES", "0")
    http = _Watching(_bucket())
    site = SimpleNamespace(http=http, ctx=lambda *a: CallContext(*a))
    lister = VersionLister(SimpleNamespace(site=lambda alias: site), "src", "data", page_size=7)
    pages = lister.pages()
    for n, _page in enumerate(pages):
        assert gc.get_threshold() == thresholds and not gcpace.active()  # the consumer's time: untouched
        if n == 3:
            break  # abandoned half-way (the generator is not even closed yet)
    assert len(http.during) == 4
    assert all(t == (700, gcpace.OLDER_THRESHOLD, gcpace.OLDER_THRESHOLD) for t in http.during)
    assert gc.get_threshold() == thresholds
    pages.close()
    assert gc.get_threshold() == thresholds and not gcpace.active()


@pytest.mark.parametrize("parallel", [None, 4])
def test_a_validation_defers_for_its_whole_run_and_restores(thresholds, parallel) -> None:
    """Also while the merge compares (between two pages' steps, where a deferred collection fell due before)."""
    from helpers.listingsites import bucket, sites
    from recovery_tui.service.aliases import BucketPath
    from recovery_tui.service.errors import ConnectionFailure
    from recovery_tui.service.validate import validate

    specs = [(f"{p}k{i:03d}", f"v{p}{i}", 1, False) for p in ("a/", "b/c/", "") for i in range(30)]
    seen: list[tuple[int, int, int]] = []
    src, dst = BucketPath("src", "data"), BucketPath("dst", "data")
    r = validate(sites(bucket(specs), bucket(specs)), src, dst, parallel=parallel, page_size=7,
                 progress=lambda _p: seen.append(gc.get_threshold()), progress_interval=0)
    assert r.source_counts.versions == 90 and not r.incomplete
    assert len(seen) > 3 and all(t == (700, gcpace.OLDER_THRESHOLD, gcpace.OLDER_THRESHOLD) for t in seen[:-1])
    assert seen[-1] == thresholds  # the last report, after the run
    assert gc.get_threshold() == thresholds and not gcpace.active()

    def down(alias: str, prefix: str, delimiter: str, marker: str) -> None:
        raise ConnectionFailure("the site is down")

    with pytest.raises(ConnectionFailure):
        validate(sites(bucket(specs), bucket(specs), down), src, dst, parallel=parallel)
    assert gc.get_threshold() == thresholds and not gcpace.active()
