"""`site resync start|status --watch` redraw the fleet in place on a terminal: at 80x24 a dozen buckets and the
totals must stay on screen, so the live table has the totals above it and every detail on one line; the table
printed at the end keeps every detail whole."""

from __future__ import annotations

import io

from rich.console import Console

from recovery_tui.headless.site_resync import table
from recovery_tui.service.fleetmodel import FleetRow, snapshot

WHY = ("rule gmqe87913l1inb8f7v51 has no existing-object replication: the server refuses a resync (mc replicate "
       "update source/legacy --id gmqe87913l1inb8f7v51 --replicate existing-objects)")


def _rows() -> list[FleetRow]:
    rows = [FleetRow(f"bucket-{i:02d}", f"arn:minio:replication::x:b{i}", status="Queued", source_versions=1000 * i)
            for i in range(12)]
    rows[3].status, rows[3].detail = "Excluded", WHY
    rows[5].status, rows[5].replicated_count = "Ongoing", 1234
    return rows


def _text(width: int, live: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None, record=True)
    console.print(table(snapshot(_rows()), "Site resync source → target", live=live))
    return console.export_text().splitlines()


def test_the_live_table_fits_80x24_with_the_totals_on_top() -> None:
    lines = _text(80, live=80)
    assert len(lines) <= 23 and max(len(x) for x in lines) <= 80
    assert lines[1].startswith("0 completed · 1 running · 10 queued · 0 failed · 1 excluded")
    assert lines[2].strip() == "61,766 versions to go"  # (the first line is full: the rest on its own line)
    excluded = [x for x in lines if "bucket-03" in x]
    assert len(excluded) == 1 and "Excluded" in excluded[0] and "rule gmqe87913" in excluded[0] and "…" in excluded[0]
    assert all(sum(f"bucket-{i:02d}" in x for x in lines) == 1 for i in range(12))


def test_the_final_table_keeps_every_detail_whole() -> None:
    lines = _text(80, live=0)
    detail = "".join(x.split("│")[-2].strip() for x in lines if x.startswith("│"))  # the detail column's lines
    assert WHY.replace(" ", "") in detail.replace(" ", "") and "…" not in detail
    assert lines[0].startswith("Site resync") and lines[-2].startswith("0 completed · 1 running")  # totals under it
