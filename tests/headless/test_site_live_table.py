"""`site resync start|status --watch` redraw the fleet in place on a terminal: at 80x24 a dozen buckets and the
totals must stay on screen, so the live table has the totals above it and every detail on one line; the table
printed at the end keeps every detail whole."""

from __future__ import annotations

import io

from rich.console import Console

from recovery_tui.headless.output import Fit, Output
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


def _fleet(n: int) -> list[FleetRow]:
    return [FleetRow(f"bucket-{i:02d}", f"arn:minio:replication::x:b{i}", status="Queued", source_versions=10 * i)
            for i in range(n)]


def _render(renderable: object, height: int) -> list[str]:
    console = Console(file=io.StringIO(), width=80, height=height, color_system=None, record=True)
    console.print(renderable)
    return console.export_text().splitlines()


def test_a_live_frame_taller_than_the_terminal_is_cut_to_it_keeping_its_top_and_bottom() -> None:
    """Taller than the terminal less the cursor's line, a transient view's first lines scroll out of its reach
    (its title stayed in the scrollback): the frame keeps its head (title, totals, first rows) and its last lines."""
    live = table(snapshot(_fleet(30)), "Site resync source → target", live=80)
    whole = _render(live, 24)
    cut = _render(Fit(live), 24)
    assert len(whole) > 30 and len(cut) == 23
    assert cut[:3] == whole[:3] and cut[0].startswith("Site resync") and cut[1].startswith("0 completed")
    assert cut[-Fit.TAIL:] == whole[-Fit.TAIL:]
    gap = [x for x in cut if x.startswith("… ")]
    assert gap == [f"… {len(whole) - 22} more lines (the terminal is too short to show them live)"]
    assert cut.index(gap[0]) == 23 - Fit.TAIL - 1


def test_a_live_frame_that_fits_is_left_whole() -> None:
    live = table(snapshot(_fleet(12)), "Site resync source → target", live=80)
    assert _render(Fit(live), 24) == _render(live, 24)
    assert _render(Fit(live), 60) == _render(live, 60)


def test_every_frame_of_the_live_view_is_cut() -> None:
    out = Output()
    out.err = Console(file=io.StringIO(), force_terminal=True, width=80, height=24, color_system=None)
    with out.live("first") as view:
        assert view is not None and isinstance(view.get_renderable(), Fit)
        frame = table(snapshot(_fleet(40)), "t", live=80)
        view.update(frame)
        got = view.get_renderable()
        assert isinstance(got, Fit) and got.renderable is frame
