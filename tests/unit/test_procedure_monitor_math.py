"""Unit tests for the monitor's pure maths: rates, ETA, stall detection, ages, formatting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from recovery_tui.procedure.monitor_math import (
    ProgressTracker,
    Rate,
    Sample,
    age_seconds,
    eta_seconds,
    human_bytes,
    human_duration,
    rate_between,
)

NOW = datetime(2026, 5, 1, 10, 0, 0, tzinfo=timezone.utc)


def s(at: float, count: int, size: int = 0, status: str = "Ongoing", **kw: object) -> Sample:
    return Sample(at=at, count=count, size=size, status=status, **kw)  # type: ignore[arg-type]


def test_rate_between_basic() -> None:
    r = rate_between(s(0, 0, 0), s(10, 50, 1000))
    assert r == Rate(objects=5.0, bytes=100.0)


def test_rate_between_no_time_or_backwards() -> None:
    assert rate_between(s(5, 1), s(5, 9)) is None
    assert rate_between(s(0, 10, 100), s(10, 4, 50)) == Rate(0.0, 0.0)


def test_eta() -> None:
    assert eta_seconds(100, 40, Rate(2.0, 0)) == 30.0
    assert eta_seconds(100, 140, Rate(2.0, 0)) == 0.0
    assert eta_seconds(None, 40, Rate(2.0, 0)) is None
    assert eta_seconds(100, 40, None) is None
    assert eta_seconds(100, 40, Rate(0.0, 0)) is None


def test_tracker_rate_over_window_and_eta() -> None:
    t = ProgressTracker(source_total=1000, window_seconds=60)
    for i in range(0, 200, 10):
        t.add(s(float(i), i * 2, i * 20))
    v = t.view(190.0, NOW)
    assert v.rate is not None and v.rate.objects == pytest.approx(2.0)
    assert v.rate.bytes == pytest.approx(20.0)
    assert v.remaining == 1000 - 380
    assert v.eta_seconds == pytest.approx(620 / 2.0)
    assert v.fraction == pytest.approx(0.38)
    assert not v.stalled


def test_tracker_window_drops_old_samples() -> None:
    t = ProgressTracker(window_seconds=30)
    t.add(s(0, 0))
    t.add(s(10, 1000))  # a burst long ago
    for at in range(20, 200, 10):
        t.add(s(float(at), 1000 + (at - 10)))  # 1 object/s afterwards
    r = t.rate()
    assert r is not None and r.objects == pytest.approx(1.0)


def test_tracker_needs_two_samples_for_rate() -> None:
    t = ProgressTracker(source_total=10)
    assert t.view(0, NOW).rate is None
    t.add(s(0, 0))
    v = t.view(0, NOW)
    assert v.rate is None and v.eta_seconds is None and v.remaining == 10


def test_step_counters_still_give_sensible_rate() -> None:
    """Counters persisted once a minute move in steps; the window average stays near the truth."""
    t = ProgressTracker(window_seconds=180)
    for at in range(0, 600, 2):
        t.add(s(float(at), (at // 60) * 60))  # +60 every 60 s == 1 object/s
    r = t.rate()
    assert r is not None and 0.6 < r.objects < 1.2


def test_stall_detection_with_threshold() -> None:
    t = ProgressTracker(stall_seconds=100)
    t.add(s(0, 5))
    t.add(s(50, 10))
    t.add(s(120, 10))
    v = t.view(120, NOW)
    assert not v.stalled and v.seconds_since_progress == 70
    t.add(s(150, 10))
    v = t.view(150, NOW)
    assert v.stalled and v.eta_seconds is None
    t.add(s(160, 11))
    assert not t.view(160, NOW).stalled


def test_no_stall_once_completed() -> None:
    t = ProgressTracker(stall_seconds=10)
    t.add(s(0, 5, status="Completed"))
    t.add(s(100, 5, status="Completed"))
    assert not t.view(100, NOW).stalled


def test_stall_clock_starts_at_first_sample() -> None:
    t = ProgressTracker(stall_seconds=30)
    t.add(s(0, 0, status="Pending"))
    assert t.view(29, NOW).seconds_since_progress == 29
    assert t.view(31, NOW).stalled


def test_counter_going_backwards_resets() -> None:
    t = ProgressTracker(source_total=100)
    t.add(s(0, 50))
    t.add(s(10, 60))
    t.add(s(20, 3))  # new job
    assert t.last is not None and t.last.count == 3
    assert t.rate() is None
    assert t.source_total == 100


def test_throughput_history_for_sparkline() -> None:
    t = ProgressTracker(history=3)
    for at, c in [(0, 0), (2, 4), (4, 4), (6, 10), (8, 12)]:
        t.add(s(float(at), c))
    assert list(t.throughput) == [0.0, 3.0, 1.0]


def test_server_update_age_naive_and_aware() -> None:
    t = ProgressTracker()
    t.add(s(0, 1, last_update=(NOW - timedelta(seconds=75)).replace(tzinfo=None)))
    assert t.view(0, NOW).seconds_since_server_update == 75
    assert age_seconds(NOW + timedelta(seconds=5), NOW) == 0.0
    assert age_seconds(None, NOW) is None


def test_zero_total_is_complete_fraction() -> None:
    t = ProgressTracker(source_total=0)
    t.add(s(0, 0))
    v = t.view(0, NOW)
    assert v.fraction == 1.0 and v.remaining == 0


@pytest.mark.parametrize(
    "secs,text",
    [(None, "—"), (0, "0s"), (59.4, "59s"), (61, "1m 01s"), (3600 + 7 * 60, "1h 07m"), (86400 * 3 + 3600 * 4, "3d 4h")],
)
def test_human_duration(secs: float | None, text: str) -> None:
    assert human_duration(secs) == text


@pytest.mark.parametrize("n,text", [(0, "0 B"), (512, "512 B"), (1536, "1.5 KiB"), (2.3 * 1024**3, "2.3 GiB")])
def test_human_bytes(n: float, text: str) -> None:
    assert human_bytes(n) == text
