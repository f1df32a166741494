"""Go wire formats the lab must reproduce: encoding/json output, time.Time and time.Duration.

* `dumps` — compact JSON as Go's `json.Marshal` writes it (HTML-safe escapes of <, >, &,
  U+2028/9; non-ASCII kept as UTF-8); `encode` adds the `json.Encoder` trailing newline.
* `go_time` — `time.Time.MarshalJSON` (RFC3339Nano, trailing zeros trimmed, zero time
  `0001-01-01T00:00:00Z`).
* `parse_duration` — `time.ParseDuration`, with Go's error texts.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Optional

ZERO_TIME = "0001-01-01T00:00:00Z"


def dumps(doc: Any) -> str:
    """`json.Marshal(doc)` (dict key order is the caller's struct order)."""
    s = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def encode(doc: Any) -> str:
    """`json.NewEncoder(w).Encode(doc)`: Marshal plus a newline."""
    return dumps(doc) + "\n"


def go_time(dt: Optional[datetime]) -> str:
    """A `time.Time` as JSON text (without quotes); None is the zero time."""
    if dt is None:
        return ZERO_TIME
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    dt = dt.astimezone(timezone.utc)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{dt.microsecond:06d}".rstrip("0")
    return f"{base}.{frac}Z" if frac else f"{base}Z"


class DurationError(ValueError):
    """`time.ParseDuration` failed; str() is Go's message."""


_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
_MAX = (1 << 63) - 1


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_duration(s: str) -> int:
    """Go's `time.ParseDuration`: returns nanoseconds (e.g. "1.44µs" → 1440, "168ns" → 168)."""
    orig, d, neg = s, 0, False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise DurationError(f"time: invalid duration {_quote(orig)}")
    while s:
        i = 0
        while i < len(s) and s[i].isdigit() and s[i].isascii():
            i += 1
        whole, s = s[:i], s[i:]
        frac = ""
        if s.startswith("."):
            j = 1
            while j < len(s) and s[j].isdigit() and s[j].isascii():
                j += 1
            frac, s = s[1:j], s[j:]
        if not whole and not frac:
            raise DurationError(f"time: invalid duration {_quote(orig)}")
        j = 0
        while j < len(s) and s[j] != "." and not (s[j].isdigit() and s[j].isascii()):
            j += 1
        unit, s = s[:j], s[j:]
        if not unit:
            raise DurationError(f"time: missing unit in duration {_quote(orig)}")
        if unit not in _UNITS:
            raise DurationError(f"time: unknown unit {_quote(unit)} in duration {_quote(orig)}")
        mult = _UNITS[unit]
        v = int(whole or "0") * mult
        if frac:
            v += int(frac) * mult // (10 ** len(frac))
        if v > _MAX:
            raise DurationError(f"time: invalid duration {_quote(orig)}")
        d += v
        if d > _MAX:
            raise DurationError(f"time: invalid duration {_quote(orig)}")
    return -d if neg else d
