"""`--older-than` as mc reads it and as the server counts it (facts §3, §19).

mc parses the value with its own `ParseDuration` (units ns, us/µs/μs, ms, s, m = minutes, h, d = 24 h,
w = 7 d, y = 365 d; combinations, fractions, a leading sign), converts it to **whole hours** and sends a
Go duration whose nanosecond count is that number of hours, only when it is above zero. The server then
resyncs versions older than `floor(hours / 24)` days. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MC_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9,
             "h": 3600 * 10**9, "d": 86400 * 10**9, "w": 7 * 86400 * 10**9, "y": 365 * 86400 * 10**9}
"""mc's unitMap (cmd/duration.go:74-86): `m` is minutes, there is no month."""

HOUR_NS = 3600 * 10**9


def mc_duration_ns(text: str) -> int:
    """mc's own `ParseDuration` (cmd/duration.go): ns, us/µs/μs, ms, s, m (minutes), h, d, w, y, combined,
    with fractions and a leading sign. Returns nanoseconds; raises ValueError with mc's message."""
    if not text.strip():
        raise ValueError("invalid empty duration")
    orig, s, neg, total = text, text, False, 0
    if s[0] in "+-":
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f"invalid duration {orig}")
    limit = (1 << 63) - 1
    while s:
        if s[0] != "." and not ("0" <= s[0] <= "9"):
            raise ValueError(f"invalid duration {orig}")
        m = re.match(r"([0-9]*)(?:\.([0-9]*))?", s)
        assert m is not None
        whole, frac = m.group(1), m.group(2)
        if not whole and not frac:
            raise ValueError(f"invalid duration {orig}")
        s = s[m.end():]
        u = re.match(r"[^0-9.]*", s)
        unit = u.group(0) if u else ""
        if not unit:
            raise ValueError(f"missing unit in duration {orig}")
        s = s[len(unit):]
        if unit not in _MC_UNITS:
            raise ValueError(f"unknown unit {unit} in duration {orig}")
        scale_unit = _MC_UNITS[unit]
        v = int(whole or "0")
        if v > limit // scale_unit:
            raise ValueError(f"invalid duration {orig}")
        v *= scale_unit
        f = int(frac) if frac else 0
        if f > 0:
            scale = 1.0
            for _ in frac:
                scale *= 10
            v += int(float(f) * (float(scale_unit) / scale))  # Go's float64 step, truncated like int64()
        total += v
        if total > limit:
            raise ValueError(f"invalid duration {orig}")
    return -total if neg else total


def mc_hours(text: str) -> int:
    """What mc sends for `--older-than text`: `time.Duration(days.Days())`, i.e. the whole hours of the duration
    (truncated toward zero, as Go converts the float), used as a nanosecond count (§19)."""
    ns = mc_duration_ns(text)
    whole = abs(ns) // HOUR_NS
    return whole if ns >= 0 else -whole


@dataclass(frozen=True)
class OlderThan:
    """One `--older-than` value: what mc sends and what the server makes of it."""

    text: str
    """As typed (it is also what the printed mc command carries)."""
    hours: int
    """The nanosecond count mc sends; the parameter is omitted when this is not above zero."""
    notice: str = ""
    """Non-empty when the server will not use the whole value (it counts whole days only)."""

    @property
    def sent(self) -> bool:
        return self.hours > 0

    @property
    def days(self) -> int:
        """Days the server resyncs before (`int(ns/24)`); 0 = every version."""
        return self.hours // 24 if self.hours > 0 else 0


def _human_ns(ns: int) -> str:
    parts = []
    for unit, size in (("d", 86400 * 10**9), ("h", HOUR_NS), ("m", 60 * 10**9), ("s", 10**9)):
        if ns >= size:
            parts.append(f"{ns // size}{unit}")
            ns %= size
    return "".join(parts) or f"{ns}ns"


def older_than(text: str) -> OlderThan:
    """Parse `--older-than` as mc does (ValueError with mc's reason when mc would refuse it) and explain the
    part the server drops: `7d10h` → 7 days; anything under 24 h → every version; ≤ 0 → not sent."""
    ns = mc_duration_ns(text)
    hours = mc_hours(text)
    if hours <= 0:
        return OlderThan(text, hours, f"--older-than {text} comes to {hours} whole hours: mc sends no older-than "
                                      "then, so the server resyncs every version.")
    days = hours // 24
    if days == 0:
        return OlderThan(text, hours, f"--older-than {text} is under one day: the server counts whole days only "
                                      "(0 days), so it resyncs every version.")
    dropped = ns - days * 24 * HOUR_NS
    if dropped > 0:
        return OlderThan(text, hours, f"--older-than {text}: the server counts whole days only, so it resyncs "
                                      f"versions older than {days} day{'s' if days != 1 else ''} "
                                      f"(the {_human_ns(dropped)} beyond that are dropped).")
    return OlderThan(text, hours)


__all__ = ["HOUR_NS", "OlderThan", "mc_duration_ns", "mc_hours", "older_than"]
