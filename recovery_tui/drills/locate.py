"""Find the line of a key in a TOML drill file, so an error can say "line 23, timeline[2].when.seconds".

`tomllib` gives a line only for syntax errors; the loader checks the parsed document and asks
`line_of(text, path)` where a key (or the table holding it) sits. Best effort: it understands the
layouts drill files use (top-level keys, `[table]`, `[[array]]` entries, `[array.sub]` sub-tables
and inline tables), and falls back to the nearest enclosing header.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence, Union

PathPart = Union[str, int]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]\s]+)\s*\]\]?")


def format_path(path: Sequence[PathPart]) -> str:
    """("timeline", 1, "when", "seconds") → "timeline[2].when.seconds" (entries counted from 1)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + part
    return out


def _headers(lines: list[str]) -> list[tuple[int, bool, str]]:
    """(line index, is-array, dotted name) of every table header."""
    found = []
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if m and not line.lstrip().startswith("#"):
            found.append((i, m.group(1) == "[[", m.group(2)))
    return found


def _key_line(lines: list[str], start: int, end: int, key: str, inner: Sequence[PathPart]) -> Optional[int]:
    """The line in [start, end) that assigns `key` (and mentions the first inner key, if any)."""
    assign = re.compile(rf"^\s*(\"?){re.escape(key)}\1\s*(\.|=)")
    for i in range(start, end):
        if assign.match(lines[i]):
            rest = [p for p in inner if isinstance(p, str)]
            if rest:
                for j in range(i, min(end, i + 20)):
                    if re.search(rf"(^|[\s{{,.]){re.escape(rest[-1])}\s*=", lines[j]):
                        return j + 1
            return i + 1
    return None


def line_of(text: str, path: Sequence[PathPart]) -> Optional[int]:
    """1-based line of `path` in `text`, or of the closest enclosing table; None when not found."""
    lines = text.splitlines()
    headers = _headers(lines)
    first_header = headers[0][0] if headers else len(lines)
    if not path:
        return None
    head = path[0]
    if not isinstance(head, str):
        return None
    if len(path) >= 2 and isinstance(path[1], int):
        entries = [h for h in headers if h[1] and h[2] == head]
        index = path[1]
        if index >= len(entries):
            return entries[-1][0] + 1 if entries else None
        start = entries[index][0]
        nxt = [h for h in headers if h[0] > start and not h[2].startswith(head + ".")]
        end = nxt[0][0] if nxt else len(lines)
        rest = list(path[2:])
        if not rest:
            return start + 1
        key = rest[0]
        if isinstance(key, str):
            own_end = next((h[0] for h in headers if start < h[0] < end), end)
            found = _key_line(lines, start + 1, own_end, key, rest[1:])
            if found:
                return found
            sub = [h for h in headers if start < h[0] < end and h[2] == f"{head}.{key}"]
            if sub:
                sub_start = sub[0][0]
                sub_end = next((h[0] for h in headers if h[0] > sub_start), len(lines))
                if len(rest) > 1 and isinstance(rest[1], str):
                    found = _key_line(lines, sub_start + 1, sub_end, rest[1], rest[2:])
                    if found:
                        return found
                return sub_start + 1
        return start + 1
    tables = [h for h in headers if not h[1] and h[2] == head]
    if tables:
        start = tables[0][0]
        end = next((h[0] for h in headers if h[0] > start), len(lines))
        if len(path) > 1 and isinstance(path[1], str):
            return _key_line(lines, start + 1, end, path[1], path[2:]) or start + 1
        return start + 1
    return _key_line(lines, 0, first_header, head, path[1:])
