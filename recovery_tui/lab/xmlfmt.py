"""Fast XML text helpers for the lab's S3 responses: escaping, timestamps, url encoding.

Responses are built with plain string joins (no DOM) because listing pages of 1000 versions
are rendered thousands of times in benchmarks.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import format_datetime

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
OWNER_ID = "02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4"
OWNER_NAME = "minio"
_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;",
                      "\r": "&#xD;", "\n": "&#xA;", "\t": "&#x9;"})
_NEEDS = frozenset("&<>\"'\r\n\t")
_URL_SAFE = re.compile(r"[A-Za-z0-9/_.*-]*").fullmatch
_URL_BYTE = tuple(chr(c) if chr(c).isascii() and (chr(c).isalnum() or chr(c) in "-_./*") else "+" if c == 32
                  else "%%%02X" % c for c in range(256))


def esc(s: str) -> str:
    """Escape text for an XML element as Go's encoding/xml does."""
    if _NEEDS.isdisjoint(s):
        return s
    return s.translate(_ESC)


def iso(dt: datetime) -> str:
    """`2006-01-02T15:04:05.000Z` (MinIO's iso8601TimeFormat)."""
    if dt.tzinfo is not timezone.utc and dt.tzinfo is not None and dt.utcoffset():
        dt = dt.astimezone(timezone.utc)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
                                                    dt.microsecond // 1000)


def http_date(dt: datetime) -> str:
    """RFC 1123 date for `Last-Modified`."""
    return format_datetime(dt.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def url_enc(s: str) -> str:
    """`encoding-type=url` form of a key, as MinIO's `s3URLEncode` (facts §16): letters, digits and `-_./*`
    kept, space → `+`, every other byte of the UTF-8 form `%XX` (`~` included)."""
    if _URL_SAFE(s):
        return s
    return "".join(_URL_BYTE[c] for c in s.encode())


def quoted_etag(etag: str) -> str:
    return f'"{etag}"'
