"""`SiteStep.VALIDATE` (site 3 of 4) · Fleet validation: every included bucket compared version by version.

A thread worker runs `SiteOps.validate` (bounded parallel, `service.sitevalidate`) and posts each bucket's
progress and result. The summary counts buckets in sync, with differences, and unknown (a comparison that
could not finish is never "in sync"). Enter opens the highlighted bucket's differences; `n` goes on to the
rules, the checklist and the site report; `r` validates again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from recovery_tui.screens.dialogs import MODAL_CSS
from recovery_tui.screens.site_base import SiteScreen
from recovery_tui.service.sitevalidate import DIFFERENCES, IN_SYNC, UNKNOWN, BucketValidation, SiteValidation
from recovery_tui.service.validate import ValidationProgress
from recovery_tui.steps import SiteStep
from recovery_tui.widgets.diff_table import DiffTable, rows_from
from recovery_tui.widgets.footer import Footer

STYLE = {IN_SYNC: "green", DIFFERENCES: "red", UNKNOWN: "yellow"}


@dataclass
class BucketProgressed(Message):
    bucket: str
    sample: Optional[ValidationProgress]
    result: Optional[BucketValidation]


@dataclass
class SiteValidated(Message):
    result: SiteValidation


def _n(value: Optional[int]) -> str:
    return "-" if value is None else f"{value:,}"


class DiffModal(ModalScreen[None]):
    """One bucket's differences (the validation's samples); escape closes."""

    DEFAULT_CSS = MODAL_CSS + "DiffModal .modal-box { height: 20; } DiffModal DiffTable { height: 1fr; }"
    BINDINGS = [Binding("escape", "close", "Close", id="site-diff.close"),
                Binding("f", "cycle", "Class", id="site-diff.cycle")]

    def __init__(self, result: BucketValidation) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        r = self.result.report
        with Vertical(classes="modal-box"):
            yield Label(f"{self.result.bucket}: {self.result.verdict}", classes="modal-title")
            if r is None:
                yield Static(self.result.error or "not compared", classes="modal-body")
            else:
                yield Static(f"missing on target {r.missing_on_target:,} · extra on target {r.extra_on_target:,} · "
                             f"mismatched {r.mismatched:,}" + (f"\n{r.error}" if r.error else ""), classes="modal-body")
                yield DiffTable(id="site-diff")
        yield Footer()

    def on_mount(self) -> None:
        r = self.result.report
        if r is not None:
            self.query_one(DiffTable).set_rows(rows_from(r.samples), {
                "missing_on_target": r.missing_on_target, "extra_on_target": r.extra_on_target,
                "mismatched": r.mismatched})

    def action_cycle(self) -> None:
        if self.result.report is not None:
            self.query_one(DiffTable).cycle_kind()

    def action_close(self) -> None:
        self.dismiss(None)


class SiteValidateScreen(SiteScreen):
    """Fleet validation (see the module docstring)."""

    SITE_STEP = SiteStep.VALIDATE
    AUTO_FOCUS = "#val-table"
    EXPLAIN = (
        "Each bucket's versions on both sides, compared exactly (as [b]mc ls -r --versions[/b] on each side, "
        "then every version). [b]in sync[/b] is proven, [b]unknown[/b] means the comparison could not finish. "
        "Enter shows a bucket's differences; n goes on."
    )
    BINDINGS = [
        Binding("enter", "drill", "Differences", id="site-validate.drill"),
        Binding("r", "rerun", "Again", id="site-validate.rerun"),
        Binding("n", "next", "Next", id="site-validate.next"),
    ]
    DEFAULT_CSS = """
    SiteValidateScreen #val-status { height: auto; max-height: 2; padding: 0 1; text-style: bold; }
    SiteValidateScreen #val-status.-error { color: $error; }
    SiteValidateScreen #val-status.-ok { color: $success; }
    """

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.results: dict[str, BucketValidation] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("Comparing…", id="val-status")
        yield DataTable(id="val-table", cursor_type="row", zebra_stripes=True)

    def mc_command(self) -> str:
        bucket = ""
        if self.is_mounted:
            table = self.query_one("#val-table", DataTable)
            if table.row_count:
                bucket = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        plan = self.session.plan
        row = plan.get(bucket) if plan is not None and bucket else None
        if row is None:
            return f"mc admin info {self.session.source}"
        return f"mc ls -r --versions {self.session.source}/{row.bucket} | wc -l"

    def on_mount(self) -> None:
        table = self.query_one("#val-table", DataTable)
        names = sorted(self.session.included)
        table.add_column("bucket", width=min(24, max([6] + [len(n) for n in names])))
        for label, width in (("verdict", 11), ("source v.", 10), ("target v.", 10), ("missing", 8), ("extra", 7),
                             ("mismatch", 8)):
            table.add_column(label, width=width)  # fixed: updating a cell never re-measures a column
        for name in names:
            table.add_row(name, "queued", "", "", "", "", "", key=name)
        if self.session.validation is not None:
            self._validated(SiteValidated(self.session.validation))
        elif not names:
            self.query_one("#val-status", Static).update("Nothing to validate: no bucket was included in the plan.")
        else:
            self.run_validation()

    @work(thread=True, exclusive=True, exit_on_error=False, group="site-validate", description="Validating the site")
    def run_validation(self) -> None:
        def progressed(bucket: str, sample: Any, result: Any) -> None:
            self.post_message(BucketProgressed(bucket, sample, result))

        result = self.ops.validate(self.session, progress=progressed)
        self.post_message(SiteValidated(result))

    @on(BucketProgressed)
    def _progressed(self, m: BucketProgressed) -> None:
        table = self.query_one("#val-table", DataTable)
        row = table.get_row_index(m.bucket) if m.bucket in self.session.included else None
        if row is None:
            return
        if m.result is not None:
            self.results[m.bucket] = m.result
            self._fill(row, m.result)
        elif m.sample is not None:
            table.update_cell_at(Coordinate(row, 1), "comparing")
            table.update_cell_at(Coordinate(row, 2), f"{m.sample.source_versions:,}")
            table.update_cell_at(Coordinate(row, 3), f"{m.sample.target_versions:,}")
        done = len(self.results)
        self.query_one("#val-status", Static).update(f"Comparing… {done} of {len(self.session.included)} buckets")

    def _fill(self, row: int, b: BucketValidation) -> None:
        table = self.query_one("#val-table", DataTable)
        r = b.report
        cells = (f"[{STYLE[b.verdict]}]{b.verdict}[/]", _n(r.source_counts.versions if r else None),
                 _n(r.target_counts.versions if r else None), _n(r.missing_on_target if r else None),
                 _n(r.extra_on_target if r else None), _n(r.mismatched if r else None))
        for col, value in enumerate(cells, start=1):
            table.update_cell_at(Coordinate(row, col), value)

    @on(SiteValidated)
    def _validated(self, m: SiteValidated) -> None:
        self.session.validation = m.result
        table = self.query_one("#val-table", DataTable)
        for b in m.result.buckets:
            self.results[b.bucket] = b
            self._fill(table.get_row_index(b.bucket), b)
        status = self.query_one("#val-status", Static)
        counts = (f"{m.result.count(IN_SYNC)} in sync · {m.result.count(DIFFERENCES)} with differences · "
                  f"{m.result.count(UNKNOWN)} unknown")
        status.set_classes("-ok" if m.result.in_sync else "-error")
        status.update(("✓ Every bucket IN SYNC · " if m.result.in_sync else "✗ Not all in sync · ") + counts
                      + " · n: next")
        self.record("site.validate", in_sync=m.result.in_sync, summary=counts)

    def worker_failed(self, worker: Any) -> None:
        table = self.query_one("#val-table", DataTable)
        for name in sorted(self.session.included):
            if name not in self.results:
                table.update_cell_at(Coordinate(table.get_row_index(name), 1), "[yellow]unknown[/]")
        status = self.query_one("#val-status", Static)
        status.set_classes("-error")
        status.update(f"✗ Validation stopped: {getattr(worker.error, 'message', worker.error)} — r tries again")

    def action_drill(self) -> None:
        table = self.query_one("#val-table", DataTable)
        if table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        result = self.results.get(str(key))
        if result is None:
            self.notify("Not compared yet.", timeout=3)
            return
        self.app.push_screen(DiffModal(result))

    @on(DataTable.RowHighlighted, "#val-table")
    def _moved(self) -> None:
        self.refresh_mc_command()

    @on(DataTable.RowSelected, "#val-table")
    def _selected(self) -> None:
        self.action_drill()

    def action_rerun(self) -> None:
        self.session.validation = None
        self.results.clear()
        self.query_one("#val-status", Static).set_classes("")
        self.run_validation()

    def action_next(self) -> None:
        from recovery_tui.screens.site_report import SiteReportScreen

        self.finish_site(SiteReportScreen(self.service, self.state, self.session, self.ops))


__all__ = ["SiteValidateScreen", "DiffModal"]
