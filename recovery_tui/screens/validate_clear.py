"""The Validate screen's `--clear-checksum` flow: the wizard runs `mc replicate resync-backlog --clear-checksum`.

Offered when versions are still FAILED after the HEAD re-trigger (`k`, or at once after that run). Three
stages, each behind its own question, each with its progress on the status line, using
`service/backlog.py`'s `run_backlog` exactly as the headless `resync-backlog` does:

1. dry run (`clear_checksum=True, dry_run=True`): which FAILED versions may be copied onto themselves
   (only a key's latest version: the copy becomes the new latest with the same content) and which are
   refused, each with its reason. Nothing is sent.
2. validate one (`validate_one=True`), after a yes: ONE version is copied and the copy's replication is
   waited for (bounded); the proof (checksums of original and copy, the copy's status) is shown.
3. the full run, offered only when that copy reached COMPLETED, after the bucket name is typed.

Refused versions are listed with their reason; a version still FAILED is never shown with a green tick;
an unproven copy ends the flow with what it showed (nothing more is written). Everything lands in
`state.extra["clear_checksum"]` for the report, and each copy/refusal in the journal (by the engine). The
writing stages are journaled here too, as `resync-backlog.clear_checksum.validate` / `.run` with the mc
equivalent: `started`, then the outcome (`ok`, `not proven`, `failed`, `all refused`, `nothing to copy`),
which is what the drills score (docs/DRILLS.md).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Optional

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static
from textual.worker import Worker

from recovery_tui.screens.dialogs import MODAL_CSS, ConfirmModal, TypeToConfirmModal
from recovery_tui.screens.validate_backlog import CONCURRENT, _JournalFromThread
from recovery_tui.service.aliases import BucketPath
from recovery_tui.state import iso

if TYPE_CHECKING:
    from recovery_tui.screens.validate import ValidateScreen

GROUP = "validate-clear"
SHOWN = 6
"""Refusals listed in a dialog (all of them, bounded by the engine, go to the report)."""


@dataclass
class ClearStep(Message):
    """A stage finished: "dry-run", "validate" or "run", with the engine's `BacklogResult`."""

    stage: str
    result: Any


@dataclass
class ClearTick(Message):
    progress: Any

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ClearTick)


class ListModal(ModalScreen[None]):
    """A result with a list (refused versions and their reasons); enter or escape closes it."""

    DEFAULT_CSS = MODAL_CSS + "ListModal { align: center middle; background: $background 60%; }\n" \
                              "ListModal VerticalScroll { height: auto; max-height: 12; }"
    BINDINGS = [Binding("enter,escape", "close", "Close", id="list.close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text, self.body = title, body

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(self.title_text, classes="modal-title")
            with VerticalScroll():
                yield Static(self.body, classes="modal-body", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button("Close (enter)", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)


def short_reason(reason: str) -> str:
    """The reason's first clause, without the latest version's ID: fits one line at 80 columns."""
    head = reason.split(":", 1)[0]
    return re.sub(r"\s*\(latest is [^)]*\)", "", head)


def refusal_lines(refusals: Any, total: int, *, shown: int = SHOWN, short: bool = False) -> str:
    lines = [f"• {r.item.key} ({r.item.version_id[:8]}…): {short_reason(r.reason) if short else r.reason}"
             for r in list(refusals)[:shown]]
    if total > len(lines):
        lines.append(f"… and {total - len(lines):,} more (all of them, with reasons, in the report)")
    return "\n".join(lines)


def proof_text(proof: Any) -> str:
    """One line: what the one copy became."""
    if proof is None:
        return "nothing was validated"
    if proof.error:
        return f"the proof could not be read ({proof.error})"
    changed = proof.checksum_changed
    checksum = ("checksum recomputed" if changed else "checksum unchanged (copied over)" if changed is False
                else "checksum not reported")
    status = proof.replication or "unknown"
    return f"the copy of {proof.key}: {checksum}, replication {status} ({proof.waited:.0f}/{proof.wait_limit:g} s)"


class ClearChecksumActions:
    """Drives the three stages for one `ValidateScreen`."""

    def __init__(self, screen: "ValidateScreen", engine: Any = None) -> None:
        self.screen = screen
        self.engine = engine
        self.busy = ""
        self.cancel = threading.Event()
        self.spoke = False
        """The status line holds this flow's outcome (the backlog panel's refresh must not overwrite it)."""

    @property
    def path(self) -> BucketPath:
        st = self.screen.state
        return BucketPath(st.source_alias, st.source_bucket)

    def _engine(self) -> Any:
        if self.engine is not None:
            return self.engine
        from recovery_tui.service.backlog import run_backlog

        return run_backlog

    def mc(self, stage: str) -> str:
        """The mc equivalent of a stage (journaled with it)."""
        flag = {"dry-run": " --dry-run", "validate": " --validate"}.get(stage, "")
        return f"mc replicate resync-backlog {self.path} --clear-checksum{flag}"

    def _start(self, stage: str, status: str) -> None:
        self.busy, self.spoke = stage, True
        if stage != "dry-run":
            self.screen.record(f"resync-backlog.clear_checksum.{stage}", mc=self.mc(stage), result="started")
        self.screen.set_status(status)
        self.screen.run_worker(partial(self._work, stage), thread=True, exclusive=True, exit_on_error=False,
                               group=GROUP, description=f"resync-backlog --clear-checksum ({stage})")

    def _work(self, stage: str) -> None:
        kw: dict[str, Any] = {"arn": self.screen.state.arn or None, "clear_checksum": True,
                              "concurrent": CONCURRENT, "cancel": self.cancel}
        if stage == "dry-run":
            kw["dry_run"] = True
        else:
            kw["journal"] = _JournalFromThread(self.screen)
            kw["progress"] = lambda p: self.screen.post_message(ClearTick(p))
            kw["validate_one"] = stage == "validate"
        self.screen.post_message(ClearStep(stage, self._engine()(self.screen.service, self.path, **kw)))

    # -- stages -------------------------------------------------------------------------------------

    def offer(self, still_failed: int) -> None:
        """After a HEAD re-trigger left versions FAILED: ask whether to try a copy onto itself."""
        body = (f"[b]{still_failed:,}[/b] version(s) are still FAILED after the re-trigger: the server retried and "
                "failed again, often a checksum problem. A copy onto itself may clear it (--clear-checksum).\n\n"
                "Start with a dry run (nothing is sent): it lists which versions may be copied and which are "
                "refused, and why. Every write after it asks first.")
        self.screen.app.push_screen(ConfirmModal("Try --clear-checksum?", body, yes="Dry run", no="Not now"),
                                    lambda ok: self.begin() if ok else None)

    def begin(self) -> None:
        if self.busy or self.screen.actions.busy:
            self.screen.notify("A resync-backlog step is already going.", timeout=3)
            return
        self._start("dry-run", "Clear checksum: dry run, reading which FAILED versions may be copied…")

    def done(self, message: ClearStep) -> None:
        self.busy = ""
        self.spoke = True
        r = message.result
        self._store(message.stage, r)
        if message.stage != "dry-run":
            self.screen.record(f"resync-backlog.clear_checksum.{message.stage}", mc=self.mc(message.stage),
                               result=outcome(r, validate=message.stage == "validate"), total=r.total,
                               copied=r.new_versions, failed=r.failed, refused=r.refused,
                               replication=getattr(r.proof, "replication", None) or None)
        getattr(self, f"_{message.stage.replace('-', '_')}_done")(r)

    def _dry_run_done(self, r: Any) -> None:
        copyable = r.counted.copyable
        refused = refusal_lines(r.refusals, r.refused)
        if not copyable:
            self.screen.set_status(f"✘ Clear checksum: no FAILED version may be copied ({r.refused:,} refused, "
                                   "listed; nothing was written). They stay FAILED: see the report.")
            if r.refused:
                self.screen.app.push_screen(ListModal(f"{r.refused:,} version(s) refused", refused))
            return
        self.screen.set_status(f"Clear checksum: {copyable:,} may be copied, {r.refused:,} refused; waiting for "
                               "your answer.")
        body = (f"[b]{copyable:,}[/b] FAILED version(s) are their key's latest: a copy onto itself becomes the "
                f"new latest with the same content (clients read the same; one more version each).\n"
                + (f"[b]{r.refused:,} refused[/b] (stay FAILED):\n"
                   f"{refusal_lines(r.refusals, r.refused, shown=3, short=True)}\n" if r.refused else "")
                + "\nFirst copy [b]one[/b] version and wait for it to replicate (≤60 s); the rest is offered "
                "only if it does. One write, journaled.")
        self.screen.app.push_screen(ConfirmModal("Prove it on one version?", body, yes="Copy one", no="Cancel"),
                                    self._validate_answer)

    def _validate_answer(self, answer: Optional[bool]) -> None:
        if not answer:
            self.screen.set_status("Clear checksum cancelled: nothing was written.")
            return
        self.cancel = threading.Event()
        self._start("validate", "Clear checksum: copying one version onto itself…")

    def _validate_done(self, r: Any) -> None:
        proof = r.proof
        if proof is None or not proof.proven:
            why = proof_text(proof)
            self.screen.set_status(
                f"✘ Clear checksum NOT proven: {why}. A copy cannot fix these here (community MinIO keeps the "
                "checksum). Nothing more written; they stay FAILED (report: for MinIO support).")
            self.screen.read_backlog(self.screen.state.source_alias, self.screen.state.source_bucket,
                                     self.screen.state.arn)
            return
        dry = (self.screen.state.extra.get("clear_checksum") or {}).get("dry_run") or {}
        rest = max(0, int(dry.get("copyable", 0)) - 1)
        self.screen.set_status(f"Clear checksum proven on one version: {proof_text(proof)}.")
        body = (f"The copy replicated ({proof_text(proof)}).\n\nCopy the other [b]{rest:,}[/b] FAILED version(s) "
                f"that are their key's latest onto themselves? Each is re-checked right before its copy; "
                "refused ones are listed. Each copy is journaled.")
        bucket = self.screen.state.source_bucket
        self.screen.app.push_screen(TypeToConfirmModal("Copy the rest onto themselves?", body, bucket,
                                                       action="Copy"), self._run_answer)

    def _run_answer(self, answer: Optional[bool]) -> None:
        if not answer:
            self.screen.set_status("Full clear-checksum run not started: only the one proven copy was written.")
            return
        self.cancel = threading.Event()
        self.screen.record("resync-backlog.clear_checksum_confirmed", mc=self.mc("run"), result="confirmed",
                           proven_by_validate=True)
        self._start("run", "Clear checksum: copying…")

    def _run_done(self, r: Any) -> None:
        after = r.after
        read = (f" → copies replicated {after.completed:,} · still PENDING {after.pending:,} · still FAILED "
                f"{after.failed:,}" if after is not None and not after.error else " → what replicated is unknown")
        mark = "!" if r.ok else "✘"  # never a tick: the original versions stay FAILED even when every copy replicated
        self.screen.set_status(
            f"{mark} Clear checksum run: copied {r.new_versions:,} · refused {r.refused:,} · failed {r.failed:,}"
            f"{read}{'; ' + r.error if r.error else ''}. The original versions stay FAILED in the backlog "
            "(their copies carry the content); r re-validates.")
        if r.refused:
            self.screen.app.push_screen(ListModal(f"{r.refused:,} version(s) refused",
                                                  refusal_lines(r.refusals, r.refused)))
        self.screen.read_backlog(self.screen.state.source_alias, self.screen.state.source_bucket,
                                 self.screen.state.arn)

    def tick(self, progress: Any) -> None:
        if getattr(progress, "phase", "") == "proving":
            self.screen.set_status(f"Clear checksum: waiting for the copy to replicate… "
                                   f"{progress.version_status or 'not listed yet'} · "
                                   f"{progress.waited:.0f}/{progress.wait_limit:g} s")
        elif getattr(progress, "phase", "") == "checking" and progress.check is not None:
            c = progress.check
            self.screen.set_status(f"Clear checksum: checking what replicated… {c.completed:,} replicated · "
                                   f"{c.pending:,} PENDING · {c.failed:,} FAILED")
        else:
            self.screen.set_status(f"Clear checksum: {progress.processed:,} copied · {progress.failed:,} failed · "
                                   f"{progress.listed:,} listed")

    def failed(self, worker: Worker[Any]) -> None:
        if worker.group == GROUP:
            if self.busy and self.busy != "dry-run":
                self.screen.record(f"resync-backlog.clear_checksum.{self.busy}", mc=self.mc(self.busy),
                                   result="failed", error=getattr(worker.error, "title", "error"))
            self.busy = ""
            self.screen.set_status(f"Clear checksum stopped: {getattr(worker.error, 'title', 'error')}. "
                                   "What was written is in the journal.")

    def stop(self) -> None:
        self.cancel.set()

    def _store(self, stage: str, r: Any) -> None:
        doc = self.screen.state.extra.setdefault("clear_checksum", {})
        refusals = [{"key": x.item.key, "version_id": x.item.version_id, "reason": x.reason} for x in r.refusals]
        entry: dict[str, Any] = {"at": iso(self.screen.now()), "refused": r.refused, "refusals": refusals,
                                 "failed": r.failed, "new_versions": r.new_versions, "error": r.error or None}
        if stage == "dry-run":
            entry["copyable"] = r.counted.copyable
        if r.proof is not None:
            entry["proof"] = r.proof.to_json()
        if r.after is not None:
            entry["after"] = r.after.to_json()
        entry["ok"] = r.ok
        doc[stage.replace("-", "_")] = entry
        self.screen.save_state()


def outcome(result: Any, *, validate: bool) -> str:
    """ok / not proven / failed / all refused / nothing to copy: a stage's journaled result."""
    if result.failed or result.incomplete or result.interrupted:
        return "failed"
    if validate:
        proof = getattr(result, "proof", None)
        if proof is not None:
            return "ok" if proof.proven else "not proven"
    if result.new_versions:
        return "ok"  # refusals along the way are expected: only each key's latest can be copied
    return "all refused" if result.refused else "nothing to copy"


__all__ = ["ClearChecksumActions", "ClearStep", "ClearTick", "ListModal", "proof_text", "refusal_lines"]
