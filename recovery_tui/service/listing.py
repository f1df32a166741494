"""Fast ListObjectVersions pages for the validation engine and its benchmarks.

boto3's paginator builds a dict per version and a `datetime` per timestamp; on a
bucket with millions of versions that parsing is most of the client's time. This
module signs the same `GET /BUCKET?versions` request through the service's own
`SignedHttp` (one urllib3 pool per site, the site's timeouts, READ_POLICY retries)
and reads the XML answer with one regular expression written for the bytes MinIO
writes (facts §16: `Key, LastModified, ETag, Size, Owner, StorageClass, IsLatest,
VersionId` for versions and delete markers alike, Go's embedded `Object` first). An
element in any other shape is caught whole by the same expression's last group, and
then the page is read by a general expression (another server's quoting or order),
checked against the number of `<Version>`/`<DeleteMarker>` elements, and failing
that by `xml.etree.ElementTree`: the fast path can never silently drop an entry.
Markers are passed back exactly as the server wrote them (MinIO's `NextKeyMarker`
carries a `[minio_cache:v2,…]` tag and is never a key).

An entry is a plain tuple of the page's own strings (see `pagexml.Entry`): the strict
reader's `findall` returns the entries as they are, with no per-entry Python work, and
tuples compare, hash and sort in C, which the diff engine relies on.
Both the benchmark's "raw floor" and the validation engine use `VersionLister`, so
the benchmark measures the engine's own overhead honestly.

The reader itself lives in `pagexml` (light imports). A page comes out of `VersionLister.pages` as received
(`Page`): the next page is requested with the markers read from its head, and its entries are parsed when
first asked for, on the thread that asks (the merge's). The validation merge lets each page take the entries
of the other side's last page where their bytes agree (`Page.share`; `pageshare` for pages that agree in
stretches): a replica lists the same bytes as its source for every version it holds, so a bucket in sync is
parsed about once, not twice. When a listing has more than one page, the following pages can instead be
parsed by `parsepool`'s worker processes (outside this process's GIL; by default on hosts with 4+ cores)
while the next page is already being requested (`RECOVERY_TUI_PARSE_PROCESSES=0` keeps everything in-process).
"""

from __future__ import annotations

import queue
import threading
from typing import Iterator, Optional

from . import gcpace, parsepool
from .errors import RecoveryError, ServerError
from .http import HttpStatusError, to_recovery_error
from .pagegate import PageGate
from .pageshare import entries_like
from .pagexml import (  # noqa: F401  (re-exported: the reader's API lives here for callers and tests)
    _ENTRY,
    _STRICT,
    DM,
    ENTRY_FORMAT,
    ETAG,
    KEY,
    LATEST,
    SIZE,
    VID,
    Entry,
    RawPage,
    _parse_page_etree,
    entries_start,
    is_dm,
    is_latest,
    make_entry,
    markers,
    parse_page,
    read_page,
    size_of,
)
from .secrets import redact


class CutShort(ServerError):
    """A listing said "truncated" without a marker to continue from: the rest is unknown."""

    default_title = "Listing cut short"


def _consistent(raw: RawPage, head: tuple[bool, str, str], where: str) -> RawPage:
    """`raw`, when its parsed pagination fields are those read from the page's head (which the listing went
    on with); CutShort otherwise."""
    if (raw.truncated, raw.next_key_marker, raw.next_version_id_marker) != head:
        raise CutShort(f"the listing of {where} gave inconsistent page markers", hint="Run it again.")
    return raw


class Page:
    """One ListObjectVersions answer as received: its markers read from its head at once (`pagexml.markers`),
    its entries and common prefixes parsed when first asked for (`entries`, `prefixes`), on the asking thread.

    `share(other)` gives a page the entries of the other side's page instead of parsing its own, when the
    two pages' bytes are equal from their first entry on (each page's own head, which differs at least by
    the bucket's name and the marker's listing id, is not compared): `pagexml.read_page` shows those bytes
    alone decide the entries once `other` was read by the regular-expression readers. A bucket in sync
    answers the same request on both sides with the same entries' bytes, so one page of each such pair is
    parsed and the merge finds the two chunks equal at once (the same entry objects). Pages that agree only in
    stretches (a version missing, extra or changed on one side) take the entries of those stretches and read
    the rest (`pageshare.entries_like`); a page not read that way or a delimited page takes the usual path.
    """

    __slots__ = ("body", "delimited", "where", "start", "truncated", "next_key_marker", "next_version_id_marker",
                 "_raw", "_regex", "shared", "_text", "_no_prefixes")

    def __init__(self, body: bytes, delimited: bool, where: str = "") -> None:
        self.body, self.delimited, self.where = body, delimited, where
        self.start = entries_start(body)
        self.truncated, self.next_key_marker, self.next_version_id_marker = markers(body, self.start)
        self._raw: Optional[RawPage] = None
        self._regex = False
        self._text: Optional[str] = None
        self._no_prefixes: Optional[bool] = None
        self.shared = False
        """True when the entries were taken from the other side's equal page (never parsed)."""

    @classmethod
    def parsed(cls, raw: RawPage, body: bytes, delimited: bool) -> Page:
        """A page parsed already (ElementTree, a parse process): its parsed markers, never shared from."""
        page = cls.__new__(cls)
        page.body, page.delimited, page.where, page.start = body, delimited, "", len(body)
        page.truncated, page.next_key_marker, page.next_version_id_marker = (
            raw.truncated, raw.next_key_marker, raw.next_version_id_marker)
        page._raw, page._regex, page.shared, page._text, page._no_prefixes = raw, False, False, None, None
        return page

    @property
    def text(self) -> str:
        """The body decoded (as `pagexml.read_page` decodes it), kept while the page lives: a page is read once
        and may then lend its entries to the other side's next page (`share`)."""
        if self._text is None:
            self._text = self.body.decode("utf-8", "replace")
        return self._text

    def _read(self) -> RawPage:
        raw = self._raw
        if raw is None:
            with gcpace.bulk():
                raw, self._regex = read_page(self.body, self.delimited and not self._bare(), self.text)
            # never differs with the regular-expression readers (the same fields); ElementTree may read others
            self._raw = raw = _consistent(raw, (self.truncated, self.next_key_marker, self.next_version_id_marker),
                                          self.where)
        return raw

    @property
    def entries(self) -> list[Entry]:
        return self._read().entries

    @property
    def prefixes(self) -> list[str]:
        """The common prefixes; a page that cannot hold any (`_bare`) keeps its entries unread (a discovery
        level reads them later, with the other side's: `share`)."""
        if self._raw is None and self._bare():
            return []
        return self._read().prefixes

    def _bare(self) -> bool:
        """True when the page holds no common prefixes whichever reader reads it: a listing without a delimiter,
        or no `CommonPrefixes` element in its bytes (looked for once: a scan of the page)."""
        if self._no_prefixes is None:
            self._no_prefixes = not self.delimited or b"CommonPrefixes" not in self.body
        return self._no_prefixes

    def count(self) -> int:
        """How many entries the page holds; in MinIO's shape without reading them: every entry is one
        `<Version>` or `<DeleteMarker>` element, each read by the regular-expression readers (a key's `<` is
        always escaped, so no key holds either tag)."""
        if self._raw is None and b"<ListVersionsResult" in self.body:
            return self.body.count(b"<Version>") + self.body.count(b"<DeleteMarker>")
        return len(self.entries)

    def share(self, other: Page) -> bool:
        """Take `other`'s entries where this page's bytes equal `other`'s, if this page is still unread; True when
        its entries were made so. `other` must have been read already. Two ways:
        * both pages' bytes from their first entry on are equal (see the class): `other`'s entry list itself;
        * otherwise, when `other` was read by the strict expression alone and both are ASCII:
          `pageshare.entries_like`, the entries of the equal stretches taken from `other`, the rest read
          here; exactly what parsing the page would give."""
        if (self._raw is not None or not other._regex or b"<ListVersionsResult" not in self.body
                or not self._bare() or not other._bare()):
            return False  # (a delimited listing's page without prefixes shares as any other: entries are all it holds)
        assert other._raw is not None
        if (len(self.body) - self.start == len(other.body) - other.start
                and self.body.endswith(memoryview(other.body)[other.start:])):  # memcmp, no copy (same length: equal)
            entries: Optional[list[Entry]] = other._raw.entries
            self.shared = True
        elif other._raw.strict:
            with gcpace.bulk():
                entries = entries_like(self.text, self.body, self.start, other.text, other.body, other.start,
                                       other._raw.entries)
        else:
            entries = None
        if entries is None:
            return False
        # strict as `other` (stretches are taken only from a strict page, the rest read by the strict expression)
        self._raw = RawPage(entries, [], self.truncated, self.next_key_marker, self.next_version_id_marker,
                            other._raw.strict)
        self._regex = True
        return True


class VersionLister:
    """Pages of one bucket's version listing on one site, through the service's signed HTTP path."""

    def __init__(
        self, service: object, alias: str, bucket: str, *, page_size: int = 1000, parse_processes: bool = True
    ) -> None:
        self.alias = alias
        self.parse_processes = parse_processes
        """Parse the pages after the first in the parse processes (`parsepool`) and pipeline requests."""
        self.bucket = bucket
        self.page_size = page_size
        self._site = service.site(alias)  # type: ignore[attr-defined]
        self._ctx = self._site.ctx("list object versions", "s3:ListBucketVersions", bucket)

    def _request(self, prefix: str, key_marker: str, version_id_marker: str, delimiter: str) -> bytes:
        query = [("versions", "")]
        if delimiter:
            query.append(("delimiter", delimiter))
        if key_marker:
            query.append(("key-marker", key_marker))
        query.append(("max-keys", str(self.page_size)))
        if prefix:
            query.append(("prefix", prefix))
        if key_marker and version_id_marker:
            query.append(("version-id-marker", version_id_marker))
        try:
            return self._site.http.send("GET", f"/{self.bucket}", sorted(query), ctx=self._ctx, lean=True).body
        except HttpStatusError as exc:
            raise to_recovery_error(exc, self._ctx) from None

    def page(
        self, prefix: str = "", key_marker: str = "", version_id_marker: str = "", delimiter: str = ""
    ) -> RawPage:
        """One page; errors raise the mapped RecoveryError (ConnectionFailure when the site is down)."""
        return parse_page(self._request(prefix, key_marker, version_id_marker, delimiter), bool(delimiter))

    def _next_markers(self, truncated: bool, next_key: str, next_vid: str, current: tuple[str, str]
                      ) -> Optional[tuple[str, str]]:
        """Where the next page starts; None at the end; CutShort when the listing cannot continue."""
        if not truncated:
            return None
        if not next_key:
            raise CutShort(
                f"the listing of {self.alias}/{self.bucket} stopped without a continuation marker",
                hint="Run the validation again; if it repeats, check the server's logs.",
            )
        if (next_key, next_vid) == current:
            raise CutShort(f"the listing of {self.alias}/{self.bucket} did not advance", hint="Run it again.")
        return next_key, next_vid

    def pages(self, prefix: str = "", start_after: str = "", delimiter: str = "") -> Iterator[Page]:
        """Every page under `prefix`, beginning after every version of key `start_after` (when given).

        A page comes out as received (`Page`): read when its entries are first asked for, on the thread that
        asks, or never when the other side's page had the same entries' bytes (`Page.share`); the next page
        is requested with the markers read from its head (`pagexml.markers`, the very fields `parse_page`
        reads from a `<ListVersionsResult>` page). A page that is not one (another server's document, read
        by ElementTree) is parsed here and its parsed markers continue the listing, as before. When the
        listing goes on (a large listing), later pages may be parsed by the parse processes (`parsepool`,
        if `parse_processes` allows) while the next page is already requested (checked against the parsed
        page, which wins). Pages come out in order, and any failure stops the listing there, as without
        the pool.
        """
        first = (start_after, "")
        delimited = bool(delimiter)
        with gcpace.bulk():
            body = self._request(prefix, first[0], first[1], delimiter)
        page = self._page(body, delimited)
        yield page
        at = self._next_markers(page.truncated, page.next_key_marker, page.next_version_id_marker, first)
        if at is None:  # one page (most of a prefix-parallel run's listings): nothing to pipeline
            return
        use_pool = self.parse_processes and parsepool.workers() > 0
        pending: Optional[tuple[tuple[str, str], bytes, object, bool]] = None  # (markers it was asked at, body, future)
        error: Optional[RecoveryError] = None
        while at is not None:
            try:
                with gcpace.bulk():
                    body = self._request(prefix, at[0], at[1], delimiter)
            except RecoveryError:
                if pending is not None:
                    yield self._finish(pending)  # what was fetched before the failure still counts
                raise
            fut = parsepool.submit(body, delimited) if use_pool else None
            if fut is None:  # in-process: the page as received, the next markers from it
                if pending is not None:
                    yield self._finish(pending)
                    pending = None
                page = self._page(body, delimited)
                yield page
                at = self._next_markers(page.truncated, page.next_key_marker, page.next_version_id_marker, at)
                continue
            asked = at
            try:  # pipelined: ask for the following page before this one is parsed
                at = self._next_markers(*markers(body), asked)
            except CutShort as exc:
                at, error = None, exc
            if pending is not None:
                yield self._finish(pending)
            pending = (asked, body, fut, delimited)
        if pending is not None:
            yield self._finish(pending)
        if error is not None:
            raise error

    def _page(self, body: bytes, delimited: bool) -> Page:
        """A page read when first asked (`Page`), or parsed now when it is not a `<ListVersionsResult>`
        (ElementTree: its markers are the parsed ones, and an unreadable page fails here, as before)."""
        if b"<ListVersionsResult" in body:
            return Page(body, delimited, f"{self.alias}/{self.bucket}")
        with gcpace.bulk():
            return Page.parsed(parse_page(body, delimited), body, delimited)

    def _finish(self, pending: tuple[tuple[str, str], bytes, object, bool]) -> Page:
        with gcpace.bulk():
            return Page.parsed(self._finish_page(pending), pending[1], pending[3])

    def _finish_page(self, pending: tuple[tuple[str, str], bytes, object, bool]) -> RawPage:
        asked, body, fut, delimited = pending
        try:
            status, out = fut.result()  # type: ignore[attr-defined]
        except Exception:  # the pool broke: parse this one here
            return parse_page(body, delimited)
        if status != "ok":
            raise ServerError(str(out), title="Unreadable listing")
        # never differs (the same reader in the parse process); but never trust blindly
        return _consistent(RawPage(*out), markers(body), f"{self.alias}/{self.bucket}")  # type: ignore[misc]

    def entries(self, prefix: str = "", start_after: str = "") -> Iterator[Entry]:
        """Every entry under `prefix`, one at a time (for small listings and tests)."""
        for page in self.pages(prefix, start_after):
            yield from page.entries


# --- background streams ------------------------------------------------------------------------------

_END = object()


class PageStream:
    """Pages of one listing produced by a pool thread into a bounded queue; with a `gate`, the pages held by all
    the streams sharing it are bounded too (memory stays flat)."""

    def __init__(self, stop: threading.Event, depth: int = 4, gate: Optional[PageGate] = None) -> None:
        self.queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self.stop = stop
        self.gate = gate
        self.current = gate is None
        """Set when the merge has reached this stream's unit: its pages no longer wait for the gate."""

    def _put(self, item: object) -> bool:
        if self.gate is not None and isinstance(item, Page) and not self.gate.admit(self):
            return False
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce(self, lister: VersionLister, prefix: str, start_after: str = "") -> None:
        """Run in a worker thread: list, hand pages over, end with a sentinel or the failure."""
        try:
            for page in lister.pages(prefix, start_after):
                if not self._put(page):
                    return
            self._put(_END)
        except RecoveryError as exc:
            self._put(exc)
        except Exception as exc:  # an unexpected bug must still end the stream, never hang the merge
            self._put(ServerError(redact(f"listing failed: {type(exc).__name__}: {exc}")))

    def next_page(self) -> Optional[Page]:
        """The next page (read when its entries are asked for); None at the end; raises the producer's
        RecoveryError."""
        while True:
            try:
                item = self.queue.get(timeout=0.2)
                break
            except queue.Empty:
                if self.stop.is_set():
                    raise Cancelled("the validation was cancelled") from None
        if item is _END:
            return None
        if isinstance(item, RecoveryError):
            raise item
        if self.gate is not None:
            self.gate.done()
        return item  # type: ignore[return-value]


class Cancelled(RecoveryError):
    """The operator (or the wizard) stopped the job."""

    default_title = "Cancelled"
