"""The Validate screen's re-trigger flow: dry run → confirmation → run, using `service/backlog.py`.

A dry run lists the PENDING/FAILED versions and sends nothing; only then does
a `ConfirmModal` (safe button focused) ask to send one HEAD per version, which
makes the server re-queue it (every 405 — delete markers, pending deletes —
counts as triggered). After the run the engine re-reads the backlog (bounded)
and the summary (Total / Processed / Failed, then replicated / still PENDING /
still FAILED) is shown on the screen and kept in `state.extra["backlog"]`; each
HEAD is written to the audit journal. Workers run on the screen and post
messages to it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Optional

from textual.message import Message
from textual.worker import Worker

from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.service.aliases import BucketPath
from recovery_tui.state import iso

if TYPE_CHECKING:
    from recovery_tui.screens.validate import ValidateScreen

CONCURRENT = 10
"""HEAD requests in flight at once (`mc replicate resync-backlog` default)."""

GROUP = "validate-retrigger"
"""Worker group of the dry run and the run."""


@dataclass
class BacklogStep(Message):
    """A dry run or a run finished (`result` is the engine's `BacklogResult`)."""

    result: Any


@dataclass
class BacklogTick(Message):
    """Progress of a run (`progress` is the engine's `BacklogProgress`)."""

    progress: Any

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BacklogTick)


class _JournalFromThread:
    """Lets the engine's worker threads write the App's audit journal on the UI thread."""

    def __init__(self, screen: "ValidateScreen") -> None:
        self.screen = screen

    def record(self, action: str, **detail: Any) -> None:
        try:
            self.screen.app.call_from_thread(self.screen.record, action, **detail)
        except RuntimeError:  # the app is closing: the run is being interrupted anyway
            pass


class BacklogActions:
    """Drives the re-trigger flow for one `ValidateScreen`."""

    def __init__(self, screen: "ValidateScreen", engine: Any = None) -> None:
        self.screen = screen
        self.engine = engine
        """`run_backlog`-compatible callable; None means `recovery_tui.service.backlog.run_backlog`."""
        self.busy = ""
        """"dry-run" or "run" while a worker is going."""
        self.cancel = threading.Event()

    def _run_backlog(self) -> Any:
        if self.engine is not None:
            return self.engine
        from recovery_tui.service.backlog import run_backlog

        return run_backlog

    @property
    def path(self) -> BucketPath:
        st = self.screen.state
        return BucketPath(st.source_alias, st.source_bucket)

    # -- flow ---------------------------------------------------------------------------------------

    def begin(self) -> None:
        """Start with a dry run (never sends anything)."""
        if self.busy:
            self.screen.notify(f"A re-trigger {self.busy} is already going.", timeout=3)
            return
        self.busy = "dry-run"
        self.screen.clear.spoke = False
        self.screen.set_status("Re-trigger: dry run, listing PENDING/FAILED versions…")
        self.screen.run_worker(partial(self._work, dry_run=True), thread=True, exclusive=True, exit_on_error=False,
                               group=GROUP, description="Listing the replication backlog (dry run)")

    def _work(self, *, dry_run: bool) -> None:
        run = self._run_backlog()
        arn = self.screen.state.arn or None
        kw: dict[str, Any] = {"arn": arn, "dry_run": dry_run, "concurrent": CONCURRENT, "cancel": self.cancel}
        if not dry_run:
            kw["journal"] = _JournalFromThread(self.screen)
            kw["progress"] = lambda p: self.screen.post_message(BacklogTick(p))
        result = run(self.screen.service, self.path, **kw)
        self.screen.post_message(BacklogStep(result))

    def dry_run_done(self, result: Any) -> None:
        """Ask before sending; nothing to ask when the backlog is empty."""
        self.busy = ""
        self._store(result)
        self.screen.record("resync-backlog.dry-run", mc=f"mc replicate resync-backlog {self.path} --dry-run",
                           result="ok", total=result.total)
        if result.total == 0:
            self.screen.set_status("Re-trigger: dry run found no PENDING or FAILED version. Nothing to send.")
            return
        failed = result.counted.failed  # every version counted; `items` keeps only the first few
        first = ", ".join(i.key for i in result.items[:3]) + (" …" if result.counted.total > 3 else "")
        self.screen.set_status(f"Re-trigger: dry run found {result.total:,} versions; waiting for your answer.")
        message = (
            f"The dry run found [b]{result.total:,}[/b] backlogged versions ({failed:,} FAILED, "
            f"{result.total - failed:,} PENDING), e.g. {first}\n\n"
            f"Send one HEAD request per version ({CONCURRENT} at a time) so the server re-queues them? "
            "No data is changed; each request is recorded in the journal."
        )
        self.screen.app.push_screen(
            ConfirmModal(f"Re-trigger {result.total:,} versions?", message, yes="Send", no="Cancel"), self._answer)

    def _answer(self, answer: Optional[bool]) -> None:
        if not answer:
            self.screen.set_status("Re-trigger cancelled: nothing was sent.")
            return
        self.busy = "run"
        self.cancel = threading.Event()
        self.screen.record("resync-backlog.start", mc=f"mc replicate resync-backlog {self.path}", result="started")
        self.screen.set_status("Re-trigger: sending…")
        self.screen.run_worker(partial(self._work, dry_run=False), thread=True, exclusive=True,
                               exit_on_error=False, group=GROUP, description="Re-triggering the replication backlog")

    def tick(self, progress: Any) -> None:
        """Show a run's progress (sending, then checking what replicated)."""
        check = getattr(progress, "check", None)
        if getattr(progress, "phase", "sending") == "checking" and check is not None:
            self.screen.set_status(
                f"Re-trigger: checking what replicated… {check.completed:,} replicated · {check.pending:,} PENDING · "
                f"{check.failed:,} FAILED · {progress.waited:.0f}/{progress.wait_limit:g} s")
            return
        self.screen.set_status(f"Re-trigger: {progress.processed:,} sent · {progress.failed:,} failed · "
                               f"{progress.listed:,} listed{'' if progress.listing_done else ' (listing…)'}")

    def run_done(self, result: Any) -> None:
        """Show the summary and refresh the backlog panel."""
        self.busy = ""
        self._store(result)
        tail = f"; {result.error}" if result.error else ""
        after = getattr(result, "after", None)
        achieved = (f" → replicated {after.completed:,} · still PENDING {after.pending:,} · still FAILED "
                    f"{after.failed:,}" if after is not None and not after.error else "")
        self.screen.set_status(
            f"Re-trigger done: Total {result.total:,} · Processed {result.processed:,} · Failed {result.failed:,}"
            f"{achieved}{tail}. Re-validate (r) once replication catches up.")
        self.screen.record("resync-backlog.done", mc=f"mc replicate resync-backlog {self.path}",
                           result="ok" if result.ok else "failed", total=result.total,
                           processed=result.processed, failed=result.failed,
                           after=after.to_json() if after is not None else None)
        self.screen.read_backlog(self.screen.state.source_alias, self.screen.state.source_bucket,
                                 self.screen.state.arn)
        if after is not None and not after.error and after.failed:
            self.screen.clear.offer(after.failed)

    def failed(self, worker: Worker[Any]) -> None:
        """A dry run or run raised (the App already shows the error)."""
        if worker.group == GROUP:
            self.busy = ""
            self.screen.set_status(f"Re-trigger stopped: {getattr(worker.error, 'title', 'error')}.")

    def _store(self, result: Any) -> None:
        st = self.screen.state
        st.extra["backlog"] = {"total": result.total, "processed": result.processed, "failed": result.failed,
                               "dry_run": bool(result.dry_run), "at": iso(self.screen.now())}
        after = getattr(result, "after", None)
        if after is not None:  # what the HEADs achieved, read back: a HEAD accepted is not a version replicated
            st.extra["backlog"].update(replicated=after.completed, still_pending=after.pending,
                                       still_failed=after.failed, check_error=after.error or None)
        self.screen.save_state()

    def stop(self) -> None:
        """Interrupt a run (the screen is going away)."""
        self.cancel.set()


__all__ = ["BacklogActions", "BacklogStep", "BacklogTick"]
