"""Go's `time.Duration.String()`: how minio-go writes `older-than` on the wire (facts §3, §19).

mc sends `older-than=<Duration.String()>` of a duration whose nanosecond count is the number of hours
(60 days → 1440 → `1.44µs`). Writing the same text keeps the request byte-for-byte what mc sends.
"""

from __future__ import annotations


def _frac(v: int, prec: int) -> tuple[str, int]:
    """Go's fmtFrac: the fraction digits of v/10**prec (trailing zeros dropped, '.' only when any)."""
    digits, printed = "", False
    for _ in range(prec):
        d = v % 10
        printed = printed or d != 0
        if printed:
            digits = str(d) + digits
        v //= 10
    return ("." + digits if printed else ""), v


def go_duration(ns: int) -> str:
    """`time.Duration(ns).String()`: `168ns`, `1.44µs`, `1m0s`, `2h0m0s`, `-1.5s`, `0s`."""
    if ns == 0:
        return "0s"
    neg, u = ns < 0, abs(ns)
    if u < 1_000_000_000:
        if u < 1_000:
            out = f"{u}ns"
        elif u < 1_000_000:
            frac, whole = _frac(u, 3)
            out = f"{whole}{frac}µs"
        else:
            frac, whole = _frac(u, 6)
            out = f"{whole}{frac}ms"
    else:
        frac, secs = _frac(u, 9)
        out = f"{secs % 60}{frac}s"
        mins = secs // 60
        if mins > 0:
            out = f"{mins % 60}m" + out
            hours = mins // 60
            if hours > 0:
                out = f"{hours}h" + out
    return ("-" if neg else "") + out


__all__ = ["go_duration"]
