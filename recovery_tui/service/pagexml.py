"""The ListObjectVersions XML reader, kept free of heavy imports so a parse worker process starts fast.

See `recovery_tui.service.listing` for why entries are tuples and how the strict, general and
ElementTree readers back each other up. `markers` reads the pagination fields from the part of the
page before its first entry (MinIO and the lab write them there), exactly as `parse_page` does, so
the next page can be requested while this one is parsed elsewhere.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Final

from .errors import ServerError

Entry = tuple[str, str, int, str, bool, bool]
"""(key, version_id, size, etag, delete_marker, is_latest); etag without quotes, "" for delete markers."""
KEY: Final = 0  # Final: each index is its literal, so `entry[SIZE]` types as int, not as any field's type
VID: Final = 1
SIZE: Final = 2
ETAG: Final = 3
DM: Final = 4
LATEST: Final = 5

_OWNER = r"(?:<Owner><ID>[^<]*</ID><DisplayName>[^<]*</DisplayName></Owner>)?"
_ENTRY = re.compile(  # MinIO's order: the embedded Object (Key, LastModified, ETag, Size, Owner, StorageClass) first
    r"<(Version|DeleteMarker)><Key>([^<]*)</Key><LastModified>[^<]*</LastModified>"
    r'(?:<ETag>(?:&#34;|&quot;|")?([^<&"]*)(?:&#34;|&quot;|")?</ETag><Size>(\d+)</Size>)?' + _OWNER
    + r"(?:<StorageClass>[^<]*</StorageClass>)?"
    r"<IsLatest>(true|false)</IsLatest><VersionId>([^<]*)</VersionId>"
)
_STRICT = re.compile(  # exactly MinIO's bytes: `&#34;`-quoted ETag, Owner always present; ~25 % faster
    # (a literal first token lets the regex engine scan for it; the closing tag gives the element's type)
    r"<Key>([^<]*)</Key><LastModified>[^<]*</LastModified>"
    r"(?:<ETag>&#34;([^&<]*)&#34;</ETag><Size>(\d+)</Size>)?"
    r"<Owner><ID>[^<]*</ID><DisplayName>[^<]*</DisplayName></Owner>(?:<StorageClass>[^<]*</StorageClass>)?"
    r"<IsLatest>(t|f)[a-z]*</IsLatest><VersionId>([^<]*)</VersionId></(V|D)"
)
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


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def parse_page(body: bytes) -> RawPage:
    """Parse a `ListVersionsResult`; raises ServerError when it is not one."""
    text = body.decode("utf-8", "replace")
    if "<ListVersionsResult" not in text:
        return _parse_page_etree(body)
    expected = text.count("<Version>") + text.count("<DeleteMarker>")
    found = _STRICT.findall(text)
    if len(found) == expected:
        entries: list[Entry] = [
            (_unescape(k) if "&" in k else k, v, int(s) if s else 0, e, t == "D", latest == "t")
            for k, e, s, latest, v, t in found
        ]
    else:
        found = _ENTRY.findall(text)
        if len(found) != expected:
            return _parse_page_etree(body)
        entries = [
            (_unescape(k) if "&" in k else k, v, int(s) if s else 0, e, t == "DeleteMarker", latest == "true")
            for t, k, e, s, latest, v in found
        ]
    truncated, next_key, next_vid = _tags(text)
    return RawPage(
        entries=entries,
        prefixes=[_unescape(p) for p in _PREFIX.findall(text)] if "<CommonPrefixes>" in text else [],
        truncated=truncated, next_key_marker=next_key, next_version_id_marker=next_vid,
    )


def _tags(text: str) -> tuple[bool, str, str]:
    """(IsTruncated, NextKeyMarker, NextVersionIdMarker), read before the first entry when they are there."""
    first = min((i for i in (text.find("<Version>"), text.find("<DeleteMarker>")) if i >= 0), default=len(text))
    tags = dict(_TAG.findall(text, 0, first)) or dict(_TAG.findall(text))
    return (tags.get("IsTruncated") == "true", _unescape(tags.get("NextKeyMarker", "")),
            tags.get("NextVersionIdMarker", ""))


def markers(body: bytes) -> tuple[bool, str, str]:
    """The pagination fields of a `ListVersionsResult` page, as `parse_page` reads them, without parsing
    the entries (the page head only, when the fields are there)."""
    ends = [i for i in (body.find(b"<Version>"), body.find(b"<DeleteMarker>")) if i >= 0]
    head = body[:min(ends)] if ends else body
    got = _tags(head.decode("utf-8", "replace"))
    if got == (False, "", "") and ends and b"<IsTruncated>" not in head:
        got = _tags(body.decode("utf-8", "replace"))
    return got


def parse_compact(body: bytes) -> tuple[str, object]:
    """For a parse worker process: ("ok", (entries, prefixes, truncated, next key, next version id)) or
    ("error", message); plain tuples pickle fast and never fail to unpickle."""
    try:
        p = parse_page(body)
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
            page.entries.append((
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


