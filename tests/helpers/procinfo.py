"""What a process that did not end was doing, for a failure message: its state, what it waits in, and its
signal masks (blocked, ignored, caught; hex bitmaps, bit n-1 = signal n), read from Linux /proc."""

from __future__ import annotations

from pathlib import Path

FIELDS = ("State", "SigBlk", "SigIgn", "SigCgt", "Threads")


def describe(pid: int) -> str:
    """`pid 123: State=S (sleeping) SigBlk=… … wchan=…` (whatever /proc still shows; '' when it is gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return ""
    seen = dict(line.split(":\t", 1) for line in lines if ":\t" in line)
    parts = [f"{k}={seen[k].strip()}" for k in FIELDS if k in seen]
    try:
        parts.append(f"wchan={Path(f'/proc/{pid}/wchan').read_text()}")
    except OSError:
        pass
    return f"pid {pid}: " + " ".join(parts)
