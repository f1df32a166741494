"""The Validate screen's checksum clearing: `resync-backlog --clear-checksum`, validated on one object first.

`x` on Validate: a confirmation, then the engine copies ONE FAILED version onto itself (`validate_one`,
as `mc replicate resync-backlog … --clear-checksum --validate`); only after that worked, a second
confirmation copies the others. Each copy is a NEW version of its key, so the engine copies only a
version that is its key's latest and not under a delete marker (re-checked right before the copy) and
refuses the rest with the reason: what clients read never changes. Every copy is journaled by the
engine; the two runs are journaled here as `resync-backlog.clear_checksum.validate` / `.run`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Optional

from textual.message import Message
from textual.worker import Worker

from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.screens.validate_backlog import CONCURRENT, _JournalFromThread
from recovery_tui.service.aliases import BucketPath

if TYPE_CHECKING:
    from recovery_tui.screens.validate import ValidateScreen

GROUP = "validate-clear-checksum"


@dataclass
class ChecksumStep(Message):
    """The one-object validation or the full run finished (`result` is the engine's `BacklogResult`)."""

    result: Any


class ClearChecksumActions:
    """Drives the clear-checksum flow for one `ValidateScreen`."""

    def __init__(self, screen: "ValidateScreen", engine: Any = None) -> None:
        self.screen = screen
        self.engine = engine
        self.busy = ""
        self.cancel = threading.Event()

    @property
    def path(self) -> BucketPath:
        st = self.screen.state
        return BucketPath(st.source_alias, st.source_bucket)

    def mc(self, *, validate: bool) -> str:
        return f"mc replicate resync-backlog {self.path} --clear-checksum" + (" --validate" if validate else "")

    def _run_backlog(self) -> Any:
        if self.engine is not None:
            return self.engine
        from recovery_tui.service.backlog import run_backlog

        return run_backlog

    # -- flow ---------------------------------------------------------------------------------------
    def begin(self) -> None:
        """Ask, then validate on one object."""
        if self.busy:
            self.screen.notify(f"Checksum clearing ({self.busy}) is already going.", timeout=3)
            return
        message = ("Copy [b]one[/b] FAILED version onto itself to clear its checksum, and see whether it "
                   "replicates? The copy is a [b]new version[/b] of its key; a version that is not its key's "
                   "latest (or sits under a delete marker) is never copied, so what clients read does not "
                   f"change.\n\n{self.mc(validate=True)}")
        self.screen.app.push_screen(ConfirmModal("Validate checksum clearing on one object?", message,
                                                 yes="Copy one", no="Cancel"), self._validate_answer)

    def _validate_answer(self, answer: Optional[bool]) -> None:
        if not answer:
            self.screen.set_status("Checksum clearing cancelled: nothing was copied.")
            return
        self._start("validate")

    def _start(self, phase: str) -> None:
        self.busy = phase
        self.cancel = threading.Event()
        validate = phase == "validate"
        self.screen.record(f"resync-backlog.clear_checksum.{phase}", mc=self.mc(validate=validate), result="started")
        self.screen.set_status("Clearing checksums: " + ("one object…" if validate else "the other versions…"))
        self.screen.run_worker(partial(self._work, validate=validate), thread=True, exclusive=True,
                               exit_on_error=False, group=GROUP,
                               description="Clearing checksums" + (" (one object)" if validate else ""))

    def _work(self, *, validate: bool) -> None:
        result = self._run_backlog()(self.screen.service, self.path, arn=self.screen.state.arn or None,
                                     concurrent=CONCURRENT, clear_checksum=True, validate_one=validate,
                                     cancel=self.cancel, journal=_JournalFromThread(self.screen))
        self.screen.post_message(ChecksumStep(result))

    def done(self, result: Any) -> None:
        phase, self.busy = self.busy, ""
        validate = phase == "validate"
        outcome = _outcome(result, validate=validate)
        proof = getattr(result, "proof", None)
        self.screen.record(f"resync-backlog.clear_checksum.{phase}", mc=self.mc(validate=validate), result=outcome,
                           total=result.total, copied=result.new_versions, failed=result.failed,
                           refused=result.refused, replication=getattr(proof, "replication", None) or None)
        self.screen.read_backlog(self.screen.state.source_alias, self.screen.state.source_bucket,
                                 self.screen.state.arn)
        refused = f" · {result.refused:,} refused (not their key's latest: a copy would change what clients " \
                  "read)" if result.refused else ""
        if validate and outcome == "ok":
            key = proof.key if proof is not None else "one version"
            self.screen.set_status(f"Validated: the copy of {key} replicated{refused}.")
            message = (f"The copy of [b]{key}[/b] onto itself replicated (COMPLETED). Copy the other FAILED "
                       "versions onto themselves the same way? Versions that are not their key's latest are "
                       f"refused, never copied.\n\n{self.mc(validate=False)}")
            self.screen.app.push_screen(ConfirmModal("Clear the remaining checksums?", message, yes="Copy all",
                                                     no="Not now"), self._run_answer)
            return
        if validate and outcome == "not proven":
            state = getattr(proof, "replication", "") or "unknown"
            self.screen.set_status(
                f"The copy of {getattr(proof, 'key', 'one version')} did not replicate ({state}): on this server a "
                "copy keeps the broken checksum, so clearing the rest would only add versions. Not offered.")
            return
        self.screen.set_status(
            f"Checksum clearing {'(one object) ' if validate else ''}{outcome}: {result.new_versions:,} copied · "
            f"{result.failed:,} failed{refused}" + (f"; {result.error}" if result.error else "") +
            ". Re-validate (r) to see what replicated.")

    def _run_answer(self, answer: Optional[bool]) -> None:
        if answer:
            self._start("run")
        else:
            self.screen.set_status("Validated on one object; the others are left as they are (x again later).")

    def failed(self, worker: Worker[Any]) -> None:
        if worker.group == GROUP:
            self.busy = ""
            self.screen.set_status(f"Checksum clearing stopped: {getattr(worker.error, 'title', 'error')}.")

    def stop(self) -> None:
        self.cancel.set()


def _outcome(result: Any, *, validate: bool) -> str:
    """ok / not proven / failed / all refused / nothing to copy (what the journal and the drills read)."""
    if result.failed or result.incomplete or result.interrupted:
        return "failed"
    if validate:
        proof = getattr(result, "proof", None)
        if proof is not None:
            return "ok" if proof.proven else "not proven"
    if result.new_versions:
        return "ok"  # refusals along the way are expected: only each key's latest can be copied
    return "all refused" if result.refused else "nothing to copy"


__all__ = ["ChecksumStep", "ClearChecksumActions"]
