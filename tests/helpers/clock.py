"""The injectable clock of the App (`make_app(clock=...)`): it moves only when a test says so."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

T0 = datetime(2026, 5, 1, 10, 0, 0, tzinfo=timezone.utc)
"""The fixed clock's start (also the snapshots' "now")."""


class FixedClock:
    """`clock()` returns `now`; `advance(seconds)` moves it."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
