"""The ListObjectVersions XML reader, kept free of heavy imports so a parse worker process starts fast.

See `recovery_tui.service.listing` for why entries are tuples and how the strict, general and
ElementTree readers back each other up. `markers` reads the pagination fields from the part of the
page before its first entry (MinIO and the lab write them there), exactly as `parse_page` does, so
the next page can be requested while this one is parsed elsewhere.
"""

from __future__ import annotations

import html
import operator
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import AnyStr, Optional

from .errors import ServerError

Entry = tuple[str, str, str, str, str, str, str]
"""One listed version as the page writes it, in the page's own order (so the strict reader's `findall`
returns entries directly, with no per-entry Python work): `(key, etag, size, latest, version_id, kind, "")`.
`etag` without quotes ("" for a delete marker), `size` in decimal, `latest` "t"/"f", `kind` "V" (a version)
or "D" (a delete marker); the last field is always "" (the strict reader's catch-all, see `_STRICT`).
Build one with `make_entry`; read one through the indices below (or `is_dm`, `is_latest`, `size_of`)."""
KEY, ETAG, SIZE, LATEST, VID, DM = range(6)
ENTRY_FORMAT = "key,etag,size,latest,vid,kind/2"
"""Names this layout in checkpoints (an older checkpoint's sample entries are not read back)."""


def make_entry(key: str, version_id: str, size: int, etag: str, delete_marker: bool, is_latest: bool) -> Entry:
    return (key, etag, str(int(size)), "t" if is_latest else "f", version_id, "D" if delete_marker else "V", "")


def is_dm(e: Entry) -> bool:
    return e[DM] == "D"


def is_latest(e: Entry) -> bool:
    return e[LATEST] == "t"


def size_of(e: Entry) -> int:
    return int(e[SIZE])


_OWNER = r"(?:<Owner><ID>[^<]*</ID><DisplayName>[^<]*</DisplayName></Owner>)?"
_ENTRY = re.compile(  # MinIO's order: the embedded Object (Key, LastModified, ETag, Size, Owner, StorageClass) first
    r"<(Version|DeleteMarker)><Key>([^<]*)</Key><LastModified>[^<]*</LastModified>"
    r'(?:<ETag>(?:&#34;|&quot;|")?([^<&"]*)(?:&#34;|&quot;|")?</ETag><Size>(\d+)</Size>)?' + _OWNER +
    r"(?:<StorageClass>[^<]*</StorageClass>)?<IsLatest>(true|false)</IsLatest><VersionId>([^<]*)</VersionId>"
)
_MINIO_OWNER = ("<ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID>"
                "<DisplayName>minio</DisplayName>")
_STRICT = re.compile(
    # Exactly MinIO's bytes (facts §16): both kinds with Key, LastModified (always 24 characters), ETag
    # (`&#34;`-quoted; empty for a delete marker), Size, Owner (MinIO's constant one: its length is skipped in
    # one step), StorageClass, IsLatest, VersionId; the closing tag gives the kind. An element in any other
    # shape is caught whole by the last group instead, so one `findall` both reads every entry and shows
    # whether any was missed (no separate count of the elements).
    r"(?:<Version>|<DeleteMarker>)(?:<Key>([^<]*)</Key><LastModified>.{24}</LastModified>"
    r"<ETag>(?:&#34;([^&<]*)&#34;)?</ETag><Size>(\d+)</Size>"
    r"<Owner>.{%d}</Owner><StorageClass>[^<]*</StorageClass>"
    r"<IsLatest>(t|f)[a-z]*</IsLatest><VersionId>([^<]*)</VersionId></(V|D)(?:ersion>|eleteMarker>)"
    r"|(.*?</(?:Version|DeleteMarker)>))" % len(_MINIO_OWNER),
    re.S,
)
_CATCH_ALL, _KEY = operator.itemgetter(6), operator.itemgetter(0)
_TAG = re.compile(r"<(IsTruncated|NextKeyMarker|NextVersionIdMarker)>([^<]*)</")
_PREFIX = re.compile(r"<CommonPrefixes><Prefix>([^<]*)</Prefix></CommonPrefixes>")


@dataclass
class RawPage:
    """One ListObjectVersions answer: entries in listing order plus the pagination markers."""

    entries: list[Entry]
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    next_key_marker: str = ""
    next_version_id_marker: str = ""
    strict: bool = field(default=False, compare=False)
    """True when every entry was read by the strict expression (the page is in MinIO's exact shape)."""


def unescape_key(e: Entry) -> Entry:
    """The entry with its key's XML escapes resolved (the same entry when it has none)."""
    return (html.unescape(e[0]),) + e[1:] if "&" in e[0] else e  # type: ignore[return-value]


def unescape_keys(entries: list[Entry]) -> list[Entry]:
    """`unescape_key` of each entry; the list itself when no key has an escape (one C-level check)."""
    return list(map(unescape_key, entries)) if "&" in "".join(map(_KEY, entries)) else entries


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def parse_page(body: bytes, delimited: bool = True) -> RawPage:
    """Parse a `ListVersionsResult`; raises ServerError when it is not one. `delimited=False` (a listing asked
    without a delimiter, which has no common prefixes) saves scanning the page for them."""
    return read_page(body, delimited)[0]


def read_page(body: bytes, delimited: bool = True, text: Optional[str] = None) -> tuple[RawPage, bool]:
    """`parse_page`, and whether its entries came from the regular-expression readers (True) or from
    ElementTree (False).

    With the regular-expression readers (the document holds `<ListVersionsResult`, as MinIO's does), the
    entries depend on the page's bytes from its first entry on only (`entries_start`), never on its head:
    every match of the strict, catch-all and general expressions begins with `<Version>` or
    `<DeleteMarker>`, none of which occurs before that point, the expressions only look forward, the count
    of elements the general reader is checked against has nothing to count in the head, and UTF-8 decoding
    restarts at that point's ASCII `<`. So two such pages whose bytes from their first entry on are equal
    have equal entries (`listing.Page.share` relies on this). ElementTree reads the whole document."""
    if text is None:  # (the body decoded by the caller already: `listing.Page.text`)
        text = body.decode("utf-8", "replace")
    if "<ListVersionsResult" not in text:
        return _parse_page_etree(body), False
    entries: list[Entry] = _STRICT.findall(text)
    strict = not any(map(_CATCH_ALL, entries))
    if not strict:  # some element is not in MinIO's exact shape: the general reader
        expected = text.count("<Version>") + text.count("<DeleteMarker>")
        found = _ENTRY.findall(text)
        if len(found) != expected:
            return _parse_page_etree(body), False
        entries = [(k, e, s or "0", latest[0], v, t[0], "") for t, k, e, s, latest, v in found]
    entries = unescape_keys(entries)
    truncated, next_key, next_vid = _tags(text)
    return RawPage(
        entries=entries,
        prefixes=[_unescape(p) for p in _PREFIX.findall(text)] if delimited and "<CommonPrefixes>" in text else [],
        truncated=truncated, next_key_marker=next_key, next_version_id_marker=next_vid, strict=strict,
    ), True


def entries_start(body: bytes) -> int:
    """Where a page's first `<Version>`/`<DeleteMarker>` starts (len(body) when it has none)."""
    return _first_entry(body, b"<Version>", b"<DeleteMarker>")


def _first_entry(text: AnyStr, version: AnyStr, marker: AnyStr) -> int:
    """Where the first entry starts (len(text) when there is none). The delete marker is looked for only before
    the first version: a page of versions only is not scanned to its end for one."""
    v = text.find(version)
    d = text.find(marker, 0, v if v >= 0 else len(text))
    return d if d >= 0 else v if v >= 0 else len(text)


def _tags(text: str) -> tuple[bool, str, str]:
    """(IsTruncated, NextKeyMarker, NextVersionIdMarker), read before the first entry when they are there."""
    first = _first_entry(text, "<Version>", "<DeleteMarker>")
    tags = dict(_TAG.findall(text, 0, first)) or dict(_TAG.findall(text))
    return (tags.get("IsTruncated") == "true", _unescape(tags.get("NextKeyMarker", "")),
            tags.get("NextVersionIdMarker", ""))


def markers(body: bytes, first: int = -1) -> tuple[bool, str, str]:
    """The pagination fields of a `ListVersionsResult` page, as `parse_page` reads them, without parsing
    the entries (the page head only, when the fields are there). `first`: `entries_start(body)` if known."""
    if first < 0:
        first = entries_start(body)
    head = body[:first]
    got = _tags(head.decode("utf-8", "replace"))
    if got == (False, "", "") and first < len(body) and b"<IsTruncated>" not in head:
        got = _tags(body.decode("utf-8", "replace"))
    return got


def parse_compact(body: bytes, delimited: bool = True) -> tuple[str, object]:
    """For a parse worker process: ("ok", (entries, prefixes, truncated, next key, next version id)) or
    ("error", message); plain tuples pickle fast and never fail to unpickle."""
    try:
        p = parse_page(body, delimited)
    except ServerError as exc:
        return "error", str(exc)
    return "ok", (p.entries, p.prefixes, p.truncated, p.next_key_marker, p.next_version_id_marker)


def _parse_page_etree(body: bytes) -> RawPage:
    """The slow, order-independent reader (any S3 server's element order)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ServerError(f"the version listing is not valid XML ({exc})", title="Unreadable listing") from None
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    if root.tag[len(ns):] != "ListVersionsResult":
        raise ServerError(f"unexpected answer to a version listing: <{root.tag[len(ns):]}>", title="Unreadable listing")
    page = RawPage(entries=[])
    for el in root:
        tag = el.tag[len(ns):]
        if tag in ("Version", "DeleteMarker"):
            page.entries.append(make_entry(
                el.findtext(ns + "Key") or "",
                el.findtext(ns + "VersionId") or "",
                int(el.findtext(ns + "Size") or 0),
                (el.findtext(ns + "ETag") or "").strip('"'),
                tag == "DeleteMarker",
                (el.findtext(ns + "IsLatest") or "") == "true",
            ))
        elif tag == "CommonPrefixes":
            page.prefixes.append(el.findtext(ns + "Prefix") or "")
        elif tag == "IsTruncated":
            page.truncated = (el.text or "") == "true"
        elif tag == "NextKeyMarker":
            page.next_key_marker = el.text or ""
        elif tag == "NextVersionIdMarker":
            page.next_version_id_marker = el.text or ""
    return page


