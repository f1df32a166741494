"""`Step.VALIDATE` (6 of 7) · Validate (`mc ls -r --versions | wc -l`, `mc stat`): do both sides hold the same versions?

Runs the engine's version-aware diff (`service/validate.py`) in a thread worker
and shows, per side, current / noncurrent / delete markers / total versions;
the differences by version ID in a filterable table; and the replication
backlog (PENDING / FAILED versions from the diff API) grouped by status and
age, with a re-trigger action (dry-run first) from `screens/validate_backlog.py`.

"In sync" is only ever shown for a complete listing with no difference. A
listing that stopped early is shown as UNKNOWN: what was compared before the
failure is reported, nothing after it is called missing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker

from recovery_tui.procedure.backlog_groups import BacklogGroups, group_backlog
from recovery_tui.screens.base import StepScreen
from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.screens.validate_backlog import BacklogActions, BacklogStep, BacklogTick
from recovery_tui.screens.validate_clear import ClearChecksumActions, ClearStep, ClearTick
from recovery_tui.service.aliases import BucketPath
from recovery_tui.state import iso
from recovery_tui.steps import Step
from recovery_tui.widgets.backlog_summary import BacklogSummary
from recovery_tui.widgets.diff_table import DiffTable, rows_from

if TYPE_CHECKING:
    from recovery_tui.service.client import RecoveryService
    from recovery_tui.service.validate import ValidationProgress, ValidationReport
    from recovery_tui.state import WizardState

SAMPLE_LIMIT = 2000
"""Differences of each class kept for the table (the counts are always exact)."""

Validator = Callable[..., "ValidationReport"]
"""`service.validate.validate`'s signature; injectable for tests."""


@dataclass
class ValidationProgressed(Message):
    """Listing progress from the engine's callback."""

    progress: "ValidationProgress"
    run: int = 0

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ValidationProgressed)


@dataclass
class ValidationFinished(Message):
    """The engine's report (complete or incomplete)."""

    report: "ValidationReport"
    run: int = 0
    """Which start() this answers; a stale run's report is ignored."""


@dataclass
class BacklogRead(Message):
    """The replication diff API's entries, grouped."""

    groups: BacklogGroups


def stuck_failed_hint(failed: int, source: str, *, lab: bool = False) -> str:
    """What to say when versions are still FAILED after a HEAD re-trigger (no command the lab cannot run)."""
    headless = ("" if lab else f" (headless: recovery-tui resync-backlog {source} --clear-checksum --validate)")
    return (f"{failed:,} still FAILED after the re-trigger: the server retried and failed again, often a "
            f"checksum problem. A copy onto itself may clear it (not on community MinIO, which keeps the "
            f"checksum). Press k: the wizard copies ONE version first and offers the rest only if that copy "
            f"replicates{headless}.")


def _default_validator(*args: Any, **kw: Any) -> "ValidationReport":
    from recovery_tui.service.validate import validate

    return validate(*args, **kw)


COUNTS_WIDTH = 76
"""Columns the two count lines may use at 80x24 (the rest is padding): longer lines switch to short words."""


def render_counts(report: Optional["ValidationReport"], width: int = COUNTS_WIDTH) -> Text:
    """Two aligned lines: `source  160 versions =  60 current +  90 noncurrent +  10 delete markers`.

    When that does not fit in `width` (large buckets), the words shorten to `cur` / `noncur` / `DM` (the
    explain pane, one `e` away, spells them out) so neither line wraps and both sides stay on screen."""
    t = Text()
    if report is None:
        t.append("source  —\ntarget  —", style="dim")
        return t
    sides = (("source", report.source_counts), ("target", report.target_counts))
    w = max(len(f"{n:,}") for _, c in sides for n in (c.versions, c.current, c.noncurrent, c.delete_markers))
    mark = "≥" if report.incomplete else " "
    words = ("current", "noncurrent", "delete markers")
    if len(f"source {mark}{'':>{w}} versions = {'':>{w}} current + {'':>{w}} noncurrent + {'':>{w}} delete markers") > width:
        words = ("cur", "noncur", "DM")
    for i, (name, c) in enumerate(sides):
        t.append(f"{name} ", style="bold")
        t.append(f"{mark}{c.versions:>{w},} versions", style="bold")
        t.append(f" = {c.current:>{w},} {words[0]} + {c.noncurrent:>{w},} {words[1]} + "
                 f"{c.delete_markers:>{w},} {words[2]}")
        if i == 0:
            t.append("\n")
    return t


def render_verdict(report: Optional["ValidationReport"], progress: Optional["ValidationProgress"],
                   error: str = "") -> tuple[str, Text]:
    """(css class, text) of the verdict line."""
    if error:
        return "-unknown", Text(f"? UNKNOWN: the validation could not run ({error}). Press r to retry.")
    if report is None:
        if progress is None:
            return "-running", Text("Listing both sides…")
        return "-running", Text(
            f"Listing both sides… source {progress.source_versions:,} · target {progress.target_versions:,} "
            f"versions · {progress.missing_on_target:,} missing so far")
    if report.incomplete:
        return "-unknown", Text(
            f"? UNKNOWN: a listing stopped early ({report.error or 'cut short'}). Checked up to "
            f"'{report.compared_up_to or '(start)'}' only: later versions are unknown, not missing. r retries.")
    if report.in_sync:
        return "-sync", Text(f"✔ IN SYNC: both sides hold the same {report.source_counts.versions:,} versions "
                             "(complete listing).")
    return "-diff", Text(f"✘ DIFFERENCES: {report.missing_on_target:,} missing on target · "
                         f"{report.extra_on_target:,} extra on target · {report.mismatched:,} mismatched.")


class ValidateScreen(StepScreen):
    """`ValidateScreen(service, state, validator=None, backlog_engine=None)`."""

    STEP = Step.VALIDATE
    EXPLAIN = (
        "Compares every version by ID, size, ETag and delete-marker flag ([b]mc ls -r --versions[/b], "
        "[b]mc stat[/b]): [b]missing[/b] = source only, [b]extra[/b] = target only, [b]mismatch[/b] = same ID, "
        "other content; cur/noncur/DM = current, noncurrent, delete markers. Below: versions still "
        "PENDING/FAILED; [b]b[/b] re-triggers them (dry run first)."
    )
    BINDINGS = [  # f and / are named on the table's border, keeping `n Next` in the 80-column footer
        Binding("r", "rerun", "Re-run", id="validate.rerun"),
        Binding("f", "cycle_kind", "Class", id="validate.class", show=False),
        Binding("slash", "filter", "Filter", id="validate.filter", show=False),
        Binding("b", "backlog", "Backlog", id="validate.backlog"),
        Binding("k", "clear_checksum", "Clear checksum", id="validate.clear", show=False),
        Binding("n", "next", "Next", id="validate.next"),
    ]
    DEFAULT_CSS = """
    ValidateScreen #val-verdict { height: auto; padding: 0 1; text-style: bold; }
    ValidateScreen #val-verdict.-sync { background: $success 35%; }
    ValidateScreen #val-verdict.-diff { background: $error 35%; }
    ValidateScreen #val-verdict.-unknown { background: $warning 35%; }
    ValidateScreen #val-verdict.-running { background: $boost; }
    ValidateScreen #val-counts { height: 2; padding: 0 1; }
    ValidateScreen #val-retrigger { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, service: "RecoveryService", state: "WizardState", *, validator: Optional[Validator] = None,
                 backlog_engine: Any = None, id: Optional[str] = None) -> None:
        super().__init__(service, state, id=id)
        self.validator: Validator = validator or _default_validator
        """The diff engine entry point (the real one unless a test injects another)."""
        self.report: Optional["ValidationReport"] = None
        """The last finished report."""
        self.backlog_groups: Optional[BacklogGroups] = None
        """The last backlog read."""
        self.actions = BacklogActions(self, backlog_engine)
        """The re-trigger flow (dry run, confirm, run)."""
        self.clear = ClearChecksumActions(self, backlog_engine)
        """The --clear-checksum flow (dry run, one copy proven, the rest), offered while versions stay FAILED."""
        self._progress: Optional["ValidationProgress"] = None
        self._error = ""
        self._cancel = threading.Event()
        self._started = False
        self._run = 0

    def compose_body(self) -> ComposeResult:
        yield Static("", id="val-verdict")
        yield Static(render_counts(None), id="val-counts")
        yield DiffTable(id="val-diffs")
        yield BacklogSummary(id="val-backlog")
        yield Static("b re-triggers them: a dry run first; nothing is sent without your yes.", id="val-retrigger")

    def mc_command(self) -> str:
        src = self.state.source or "SOURCE/BUCKET"
        dst = f"{self.state.target_alias or 'TARGET'}/{self.state.target_bucket or 'BUCKET'}"
        return f"{self.STEP.mc} {src} | wc -l; {self.STEP.mc} {dst} | wc -l"

    # -- lifecycle ----------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.query_one("#val-diffs", DiffTable).focus_rows()

    def on_screen_resume(self) -> None:
        if not self._started:
            self._started = True
            self.start()

    def on_unmount(self) -> None:
        self._cancel.set()
        self.actions.stop()
        self.clear.stop()

    def reentered(self) -> None:
        """Back from Next steps: the sides may have changed since (a backlog run, a canary): validate again."""
        if not self.actions.busy:
            self.start()

    def set_status(self, text: str) -> None:
        """The re-trigger flow's status line."""
        if self.is_mounted:
            self.query_one("#val-retrigger", Static).update(text)

    def start(self) -> None:
        """(Re)run the validation and read the backlog."""
        self._cancel.set()
        self._cancel = threading.Event()
        self.report, self._progress, self._error = None, None, ""
        self.backlog_groups = None
        if not self.state.target_alias:
            self._error = ("no alias of yours points at the target endpoint "
                           f"{self.state.target_endpoint or '(unknown)'}; add one with "
                           "mc alias set TARGET_ALIAS URL ACCESS SECRET")
        else:
            src = BucketPath(self.state.source_alias, self.state.source_bucket)
            dst = BucketPath(self.state.target_alias, self.state.target_bucket or self.state.source_bucket)
            self._run += 1
            self.run_validation(src, dst, self._cancel, self._run)
        self.read_backlog(self.state.source_alias, self.state.source_bucket, self.state.arn)
        self.query_one("#val-backlog", BacklogSummary).show(None, loading=True)
        self._redraw()

    # -- workers ------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="validate", description="Validating both sides")
    def run_validation(self, src: BucketPath, dst: BucketPath, cancel: threading.Event, run: int) -> None:
        """The engine's diff; progress and the report come back as messages."""
        report = self.validator(self.service, src, dst, sample_limit=SAMPLE_LIMIT, cancel=cancel,
                                progress=lambda p: self.post_message(ValidationProgressed(p, run)))
        self.post_message(ValidationFinished(report, run))

    @work(thread=True, exclusive=True, exit_on_error=False, group="validate-backlog",
          description="Reading the replication backlog")
    def read_backlog(self, alias: str, bucket: str, arn: str) -> None:
        """Group the replication diff API's PENDING/FAILED entries by status and age."""
        entries = self.service.replication_diff(alias, bucket, arn or None)
        self.post_message(BacklogRead(group_backlog(entries, self.now(), arn)))

    # -- messages -----------------------------------------------------------------------------------

    @on(ValidationProgressed)
    def _progressed(self, message: ValidationProgressed) -> None:
        if self.report is None and message.run == self._run:
            self._progress = message.progress
            self._redraw()

    @on(ValidationFinished)
    def _finished(self, message: ValidationFinished) -> None:
        if message.run != self._run:
            return
        r = self.report = message.report
        self.state.validation = {
            "source": r.source_counts.to_json(), "target": r.target_counts.to_json(),
            "missing_on_target": r.missing_on_target, "extra_on_target": r.extra_on_target,
            "mismatched": r.mismatched, "incomplete": r.incomplete, "in_sync": r.in_sync,
            "error": r.error, "compared_up_to": r.compared_up_to, "at": iso(self.now()),
        }
        self.save_state()
        self.record("validate", mc=self.mc_command(), result="in sync" if r.in_sync else
                    ("incomplete" if r.incomplete else "differences"), missing=r.missing_on_target,
                    extra=r.extra_on_target, mismatched=r.mismatched)
        self.query_one("#val-diffs", DiffTable).set_rows(
            rows_from(r.samples),
            {"missing_on_target": r.missing_on_target, "extra_on_target": r.extra_on_target,
             "mismatched": r.mismatched})
        self._redraw()

    @on(BacklogRead)
    def _backlog_read(self, message: BacklogRead) -> None:
        self.backlog_groups = message.groups
        self.query_one("#val-backlog", BacklogSummary).show(message.groups)
        failed = message.groups.count("FAILED")
        retriggered = self.state.extra.get("backlog") or {}
        if failed and retriggered.get("processed") and not retriggered.get("dry_run") and not self.clear.spoke:
            self.set_status(stuck_failed_hint(failed, self.state.source, lab=self.state.lab))

    def on_backlog_step(self, message: BacklogStep) -> None:
        if message.result.dry_run:
            self.actions.dry_run_done(message.result)
        else:
            self.actions.run_done(message.result)

    def on_backlog_tick(self, message: BacklogTick) -> None:
        self.actions.tick(message.progress)

    def on_clear_step(self, message: ClearStep) -> None:
        self.clear.done(message)

    def on_clear_tick(self, message: ClearTick) -> None:
        self.clear.tick(message.progress)

    def worker_failed(self, worker: Worker[Any]) -> None:
        err = worker.error
        title = getattr(err, "title", type(err).__name__)
        if worker.group == "validate":
            self._error = title
            self._redraw()
        elif worker.group == "validate-backlog":
            self.query_one("#val-backlog", BacklogSummary).show(None, error=title)
        else:
            self.actions.failed(worker)
            self.clear.failed(worker)

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        cls, text = render_verdict(self.report, self._progress, self._error)
        verdict = self.query_one("#val-verdict", Static)
        verdict.set_classes(cls)
        verdict.update(text)
        self.query_one("#val-counts", Static).update(render_counts(self.report))

    # -- actions ------------------------------------------------------------------------------------

    def action_rerun(self) -> None:
        """Validate again (e.g. after a re-trigger, or after a failed listing)."""
        self.start()

    def action_cycle_kind(self) -> None:
        """Show the next class of differences."""
        self.query_one("#val-diffs", DiffTable).cycle_kind()

    def action_filter(self) -> None:
        """Open the text filter."""
        self.query_one("#val-diffs", DiffTable).open_filter()

    def action_back(self) -> None:
        """`escape` closes the filter first, then goes back a step."""
        if self.query_one("#val-diffs", DiffTable).close_filter():
            return
        super().action_back()

    def action_backlog(self) -> None:
        """Re-trigger the PENDING/FAILED versions: dry run first, then a confirmation."""
        self.actions.begin()

    def action_clear_checksum(self) -> None:
        """--clear-checksum: dry run, then one copy proven, then (typed yes) the rest."""
        self.clear.begin()

    def action_next(self) -> None:
        """Go to Next steps; ask first unless the sides are in sync."""
        r = self.report
        if r is not None and r.in_sync:
            self.finish()
            return
        why = (f"the validation could not run ({self._error}): the result is UNKNOWN" if r is None and self._error
               else "the validation has not finished" if r is None
               else "a listing was incomplete: the result is UNKNOWN" if r.incomplete else "differences remain")
        self.app.push_screen(
            ConfirmModal("Continue without a clean validation?",
                         f"[b]{why[:1].upper() + why[1:]}[/b]. The checklist item [i]Validation passed[/i] will stay open "
                         "until a validation shows IN SYNC.", yes="Continue", no="Stay"),
            lambda ok: self.finish() if ok else None)


__all__ = ["BacklogRead", "ValidateScreen", "ValidationFinished", "ValidationProgressed", "render_counts",
           "render_verdict"]
