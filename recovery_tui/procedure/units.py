"""Quantities as the operator reads them (shared by the screens and the procedure's checks)."""

from __future__ import annotations


def human_rate(bytes_per_second: int | float) -> str:
    """A bandwidth limit as the operator reads it ("unlimited", "10.0 MiB/s")."""
    if not bytes_per_second:
        return "unlimited"
    value = float(bytes_per_second)
    for unit in ("B/s", "KiB/s", "MiB/s", "GiB/s"):
        if value < 1024 or unit == "GiB/s":
            return f"{value:.1f} {unit}" if unit != "B/s" else f"{int(value)} B/s"
        value /= 1024
    return f"{value:.1f} GiB/s"


__all__ = ["human_rate"]
