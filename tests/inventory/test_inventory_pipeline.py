"""How the inventory engine waits and reads: a side's report is read while the other side's job still runs,
the status reads follow the job's age (never hammering, never far behind), and the readers never outlive
the validation, whatever ends it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from recovery_tui.service.inventory_engine import InventoryProgress, validate_inventory
from recovery_tui.service.inventory_files import ReportReader
from recovery_tui.service.inventory_options import FIRST_POLL, POLL_SHARE, next_poll
from recovery_tui.service.listing import Cancelled
from recovery_tui.service.validate import validate
from recovery_tui.service.validation_report import MISSING, TARGET_COUNTS

from .conftest import DST, SRC, inventory_requests, jobs, options, service_for


def _readers() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("recovery-tui-report")]


def test_next_poll_follows_the_jobs_age() -> None:
    assert next_poll(0.0, 2.0) == FIRST_POLL  # a small bucket's job is seen done within a tenth of a second
    assert next_poll(0.3, 2.0) == FIRST_POLL  # never more often than that
    assert next_poll(4.0, 2.0) == pytest.approx(POLL_SHARE * 4.0)  # seen done at most 15 % of its run late
    assert next_poll(3600.0, 2.0) == 2.0  # a long job: every --poll-interval
    assert next_poll(3600.0, 0.02) == 0.02  # a shorter --poll-interval is obeyed
    t, times = 0.0, []
    while t < 60.0:  # the reads of a one-minute job
        t += next_poll(t, 2.0)
        times.append(t)
    assert len([x for x in times if x <= 2.0]) <= 16 and len(times) <= 60  # under one a second over a minute
    assert all(b - a <= max(FIRST_POLL, POLL_SHARE * b) + 1e-9 for a, b in zip(times[:-1], times[1:], strict=True))


def test_source_report_is_read_while_the_target_job_runs(aistor: Any, tmp_path: Path) -> None:
    """The target's job stalls; the source's report is fetched while it is still Running, and the result is
    an honest incomplete: the source side exact, the target's parts UNKNOWN with the reason."""
    lab = aistor("partial-loss")
    lab.faults.set_inventory("target", "stall")
    service = service_for(lab)
    listing = validate(service, SRC, DST)
    seen: list[InventoryProgress] = []
    r = validate_inventory(service, SRC, DST, options=options(tmp_path, stall_timeout=2.0, poll_interval=2.0),
                           progress=seen.append)
    phases = [p.phase for p in seen]
    first_fetch, last_poll = phases.index("fetch"), len(phases) - 1 - phases[::-1].index("jobs")
    assert first_fetch < last_poll  # the source's report came in while the target's job was still polled
    target = seen[first_fetch].target
    assert target is None or target.state == "Running"  # not polled yet, or still running
    assert r.incomplete and r.error.startswith("target: the inventory job stalled (no progress for 2s")
    assert set(r.unknown) == {TARGET_COUNTS, MISSING} and r.source_counts == listing.source_counts
    status_reads = [p for m, p in inventory_requests(lab, "target") if m == "GET" and "status=" in p]
    assert 5 <= len(status_reads) <= 20  # about 15 in 2 s at the designed pace: not 20 ms polling
    assert not jobs(lab, "source") and not jobs(lab, "target") and not _readers()


def test_fallback_stops_and_joins_the_other_sides_read(aistor: Any, tmp_path: Path) -> None:
    """The source's job fails while the target's report may already be read: the listing engine runs instead,
    and no reader thread is left behind."""
    lab = aistor("large", objects=20_000)
    lab.faults.set_inventory("source", "fail", pace=0.3)  # the target's job ends first
    service = service_for(lab)
    r = validate_inventory(service, SRC, DST, options=options(tmp_path, fallback_listing=True))
    assert r.engine == "listing" and not r.incomplete and "source job failed" in r.notes[0]
    assert not _readers() and not jobs(lab, "source") and not jobs(lab, "target")


def test_a_stopped_read_raises_cancelled_and_the_site_still_answers(aistor: Any, tmp_path: Path) -> None:
    lab = aistor("large", objects=20_000)
    service = service_for(lab)
    kept = validate_inventory(service, SRC, DST, options=options(tmp_path))  # reports kept (no consent)
    note = next(n for n in kept.notes if n.startswith("source report kept: "))
    manifest = note.split("/", 2)[2] + "manifest.json"
    stop = threading.Event()
    stop.set()
    reader = ReportReader(service, tmp_path / "work", cancel=stop)
    with pytest.raises(Cancelled):
        reader.from_bucket("source", "source", "recovery-tui-reports", manifest)
    again = ReportReader(service, tmp_path / "again").from_bucket("source", "source", "recovery-tui-reports",
                                                                  manifest)
    assert again.complete and again.files
