"""Bucket listings: ListObjectVersions, ListObjectsV2 and V1, paged with bisect on `Bucket.keys`.

Each page costs O(page size + log N): the start key is found by bisection, common prefixes
skip their whole key range by bisection, and the XML is built by string joins.
"""

from __future__ import annotations

import base64
import binascii
import bisect
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from recovery_tui.lab.errors import LabError
from recovery_tui.lab.store import Bucket, Version
from recovery_tui.lab.xmlfmt import OWNER_ID, OWNER_NAME, S3_NS, esc, iso, url_enc

MAX_KEYS = 1000
_OWNER = f"<Owner><ID>{OWNER_ID}</ID><DisplayName>{OWNER_NAME}</DisplayName></Owner>"
_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _past_prefix(p: str) -> str:
    """The smallest string greater than every string starting with `p`."""
    last = ord(p[-1])
    if last >= 0x10FFFF:
        return p + "\U0010ffff"
    return p[:-1] + chr(last + 1)


def parse_max_keys(value: Optional[str]) -> int:
    if value is None or value == "":
        return MAX_KEYS
    try:
        n = int(value)
    except ValueError:
        raise LabError("InvalidArgument", "Argument maxKeys must be an integer between 0 and 2147483647") from None
    if n < 0:
        raise LabError("InvalidArgument", "Argument maxKeys must be an integer between 0 and 2147483647")
    return min(n, MAX_KEYS)


@dataclass
class VersionsPage:
    entries: list[tuple[Version, bool]] = field(default_factory=list)
    """(version, is_latest) in key order, newest first."""
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    next_key: str = ""
    next_vid: str = ""


def list_versions_page(b: Bucket, prefix: str, delimiter: str, key_marker: str, vid_marker: str,
                       max_keys: int) -> VersionsPage:
    """One ListObjectVersions page."""
    page = VersionsPage()
    keys, versions = b.keys, b.versions
    n = len(keys)
    i = bisect.bisect_left(keys, max(prefix, key_marker))
    start_v = 0
    if key_marker and i < n and keys[i] == key_marker:
        if vid_marker:
            vers = versions.get(key_marker, [])
            start_v = next((j + 1 for j, v in enumerate(vers) if v.version_id == vid_marker), len(vers))
        else:
            i += 1
    if delimiter and key_marker.endswith(delimiter) and key_marker.startswith(prefix) and not vid_marker:
        i = max(i, bisect.bisect_left(keys, _past_prefix(key_marker)))
    count, lp = 0, len(prefix)
    entries, prefixes = page.entries, page.prefixes
    while i < n:
        k = keys[i]
        if not k.startswith(prefix):
            break
        if delimiter:
            d = k.find(delimiter, lp)
            if d >= 0:
                if count >= max_keys:
                    page.truncated = True
                    break
                cp = k[:d + len(delimiter)]
                prefixes.append(cp)
                count += 1
                page.next_key, page.next_vid = cp, ""
                i = bisect.bisect_left(keys, _past_prefix(cp), i + 1)
                start_v = 0
                continue
        vers = versions.get(k, ())  # type: ignore[arg-type]  # read-only: an empty tuple serves as no versions
        nv = len(vers)
        j = start_v
        while j < nv:
            if count >= max_keys:
                page.truncated = True
                break
            entries.append((vers[j], j == 0))
            count += 1
            j += 1
        if j > start_v:
            page.next_key, page.next_vid = k, vers[j - 1].version_id
        if page.truncated:
            break
        start_v = 0
        i += 1
    return page


def render_versions(b: Bucket, page: VersionsPage, *, prefix: str, delimiter: str, key_marker: str,
                    vid_marker: str, max_keys: int, encode: bool) -> str:
    """The `ListVersionsResult` document."""
    enc = url_enc if encode else esc
    out = [_DECL, f'<ListVersionsResult xmlns="{S3_NS}"><Name>{esc(b.name)}</Name>',
           f"<Prefix>{enc(prefix)}</Prefix><KeyMarker>{enc(key_marker)}</KeyMarker>"]
    if page.truncated:
        out.append(f"<NextKeyMarker>{enc(page.next_key)}</NextKeyMarker>")
        if page.next_vid:
            out.append(f"<NextVersionIdMarker>{esc(page.next_vid)}</NextVersionIdMarker>")
    out.append(f"<VersionIdMarker>{esc(vid_marker)}</VersionIdMarker><MaxKeys>{max_keys}</MaxKeys>")
    if delimiter:
        out.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    if encode:
        out.append("<EncodingType>url</EncodingType>")
    out.append("<IsTruncated>true</IsTruncated>" if page.truncated else "<IsTruncated>false</IsTruncated>")
    for cp in page.prefixes:
        out.append(f"<CommonPrefixes><Prefix>{enc(cp)}</Prefix></CommonPrefixes>")
    app = out.append
    if encode:
        for v, latest in page.entries:
            head, tail = _version_xml(v, enc)
            app(head)
            app(_TRUE if latest else _FALSE)
            app(tail)
    else:
        for v, latest in page.entries:
            # The per-version cache (see `Version.listing_xml`), inlined: this loop runs 1000 times a page.
            try:
                c: Any = v.listing_xml
                if c[0] != (v.key, v.version_id, v.etag, v.size, v.delete_marker, v.last_modified):
                    c = _cache(v)
            except (AttributeError, TypeError):  # never rendered (bulk-seeded: unset; else None)
                c = _cache(v)
            app(c[1])
            app(_TRUE if latest else _FALSE)
            app(c[2])
    out.append("</ListVersionsResult>")
    return "".join(out)


_TRUE, _FALSE = "true</IsLatest>", "false</IsLatest>"


def _version_xml(v: Version, enc: Callable[[str], str]) -> tuple[str, str]:
    """One `<Version>`/`<DeleteMarker>` element split around the IsLatest value (which depends on position)."""
    if v.delete_marker:
        return (f"<DeleteMarker><Key>{enc(v.key)}</Key><LastModified>{iso(v.last_modified)}</LastModified>"
                f"{_OWNER}<IsLatest>", f"<VersionId>{v.version_id}</VersionId></DeleteMarker>")
    return (f"<Version><Key>{enc(v.key)}</Key><LastModified>{iso(v.last_modified)}</LastModified>"
            f"<ETag>&#34;{v.etag}&#34;</ETag><Size>{v.size}</Size>{_OWNER}"
            f"<StorageClass>STANDARD</StorageClass><IsLatest>", f"<VersionId>{v.version_id}</VersionId></Version>")


def _cache(v: Version) -> tuple:
    """Render `v` (XML-escaped keys) and remember it with the fields it was rendered from."""
    head, tail = _version_xml(v, esc)
    c = ((v.key, v.version_id, v.etag, v.size, v.delete_marker, v.last_modified), head, tail)
    v.listing_xml = c
    return c


@dataclass
class ObjectsPage:
    contents: list[Version] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    next_marker: str = ""


def list_objects_page(b: Bucket, prefix: str, delimiter: str, after: str, max_keys: int) -> ObjectsPage:
    """Latest non-delete-marker versions, keys strictly after `after`."""
    page = ObjectsPage()
    keys, versions = b.keys, b.versions
    n = len(keys)
    i = bisect.bisect_left(keys, max(prefix, after))
    if after and i < n and keys[i] == after:
        i += 1
    if delimiter and after.endswith(delimiter) and after.startswith(prefix):
        i = max(i, bisect.bisect_left(keys, _past_prefix(after)))
    count, lp = 0, len(prefix)
    while i < n:
        k = keys[i]
        if not k.startswith(prefix):
            break
        if delimiter:
            d = k.find(delimiter, lp)
            if d >= 0:
                cp = k[:d + len(delimiter)]
                nxt = bisect.bisect_left(keys, _past_prefix(cp), i + 1)
                if any(not versions[keys[x]][0].delete_marker for x in range(i, nxt)):
                    if count >= max_keys:
                        page.truncated = True
                        break
                    page.prefixes.append(cp)
                    count += 1
                    page.next_marker = cp
                i = nxt
                continue
        vers = versions.get(k)
        if vers and not vers[0].delete_marker:
            if count >= max_keys:
                page.truncated = True
                break
            page.contents.append(vers[0])
            count += 1
            page.next_marker = k
        i += 1
    return page


def _contents_xml(page: ObjectsPage, f: Callable[[str], str], owner: bool) -> list[str]:
    own = _OWNER if owner else ""
    out = [f"<Contents><Key>{f(v.key)}</Key><LastModified>{iso(v.last_modified)}</LastModified>"
           f"<ETag>&#34;{v.etag}&#34;</ETag><Size>{v.size}</Size>{own}<StorageClass>STANDARD</StorageClass>"
           "</Contents>" for v in page.contents]
    out += [f"<CommonPrefixes><Prefix>{f(cp)}</Prefix></CommonPrefixes>" for cp in page.prefixes]
    return out


def encode_token(marker: str) -> str:
    return base64.b64encode(marker.encode()).decode()


def decode_token(token: str) -> str:
    try:
        return base64.b64decode(token.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise LabError("InvalidArgument", "The continuation token provided is incorrect") from None


def render_objects_v2(b: Bucket, page: ObjectsPage, *, prefix: str, delimiter: str, token: str,
                      start_after: str, max_keys: int, encode: bool, fetch_owner: bool) -> str:
    enc = url_enc if encode else esc
    out = [_DECL, f'<ListBucketResult xmlns="{S3_NS}"><Name>{esc(b.name)}</Name><Prefix>{enc(prefix)}</Prefix>']
    if start_after:
        out.append(f"<StartAfter>{enc(start_after)}</StartAfter>")
    if token:
        out.append(f"<ContinuationToken>{esc(token)}</ContinuationToken>")
    if page.truncated:
        out.append(f"<NextContinuationToken>{encode_token(page.next_marker)}</NextContinuationToken>")
    out.append(f"<KeyCount>{len(page.contents) + len(page.prefixes)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>")
    return _finish_objects(out, page, enc, delimiter=delimiter, encode=encode, fetch_owner=fetch_owner)


def _finish_objects(out: list[str], page: ObjectsPage, enc: Callable[[str], str], *, delimiter: str, encode: bool,
                    fetch_owner: bool) -> str:
    """The part ListObjects V1 and V2 share: Delimiter, EncodingType, IsTruncated, the entries, the end tag."""
    if delimiter:
        out.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    if encode:
        out.append("<EncodingType>url</EncodingType>")
    out.append(f"<IsTruncated>{'true' if page.truncated else 'false'}</IsTruncated>")
    out += _contents_xml(page, enc, fetch_owner)
    out.append("</ListBucketResult>")
    return "".join(out)


def render_objects_v1(b: Bucket, page: ObjectsPage, *, prefix: str, delimiter: str, marker: str,
                      max_keys: int, encode: bool) -> str:
    enc = url_enc if encode else esc
    out = [_DECL, f'<ListBucketResult xmlns="{S3_NS}"><Name>{esc(b.name)}</Name><Prefix>{enc(prefix)}</Prefix>',
           f"<Marker>{enc(marker)}</Marker>"]
    if page.truncated:
        out.append(f"<NextMarker>{enc(page.next_marker)}</NextMarker>")
    out.append(f"<MaxKeys>{max_keys}</MaxKeys>")
    return _finish_objects(out, page, enc, delimiter=delimiter, encode=encode, fetch_owner=True)
