"""`recovery-tui resync start|status`: start a bucket resync, or show (and watch) its progress."""

from __future__ import annotations

import argparse
import time
from typing import Any, Optional

from rich.console import Group
from rich.table import Table
from rich.text import Text

from recovery_tui.headless.common import (
    bucket_path,
    check_arn,
    journal,
    make_service,
    missing_bucket_is_input,
    parse_older_than,
)
from recovery_tui.headless.mcdocs import print_mc, resync_doc
from recovery_tui.headless.output import Output, fmt_size, fmt_time
from recovery_tui.headless.watch_eta import WatchEta
from recovery_tui.mccmd import q
from recovery_tui.service.errors import InputError, RecoveryError
from recovery_tui.service.models import ResyncStatus, ResyncTargetStatus
from recovery_tui.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.resync_command == "start":
        return _start(args, settings)
    return _status(args, settings)


def _start(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    arn = check_arn(args.remote_bucket)
    assert arn is not None
    older = parse_older_than(args.older_than)
    service = make_service(settings)
    path = bucket_path(service, args.path)
    try:
        current = service.resync_status(path.alias, path.bucket, arn).for_arn(arn)
    except RecoveryError as exc:
        raise missing_bucket_is_input(exc, path) from None
    if current is not None and current.running:
        raise InputError(f"a resync is already {current.status.lower()} for {arn} (ResetID {current.reset_id})",
                         title="Resync already running",
                         hint=f"Watch it instead: recovery-tui resync status {path} --remote-bucket {arn} --watch")
    mc = f"mc replicate resync start {path} --remote-bucket {arn}" + (
        f" --older-than {q(older.text)}" if older is not None else "")
    log = journal("resync")
    try:
        job = service.start_resync(path.alias, path.bucket, arn,
                                   older_than_hours=older.hours if older is not None else None)
    except RecoveryError as exc:
        if log is not None:
            log.record("resync.start", mc=mc, result="failed", error=exc.one_line())
        raise missing_bucket_is_input(exc, path) from None
    if older is not None and older.notice:
        out.notice(older.notice)
    if log is not None:
        log.record("resync.start", mc=mc, result="ok", reset_id=job.reset_id, arn=job.arn,
                   older_than_days=older.days if older is not None and older.sent else None)
    if out.json_mode:
        started = ResyncTargetStatus(arn=job.arn, reset_id=job.reset_id, status="", start_time=None, last_update=None,
                                     replicated_count=0, replicated_size=0, failed_count=0, failed_size=0)
        print_mc(resync_doc("start", args.path, ResyncStatus((started,)), ""))
    else:
        out.print(f"[green]✓[/] Resync started on {path} → {job.arn}")
        out.print(f"  ResetID: {job.reset_id}")
        if older is not None and older.sent and older.days:
            out.print(f"  Only versions older than {older.days} day{'s' if older.days != 1 else ''}.")
        out.print(f"  Watch it: recovery-tui resync status {path} --remote-bucket {job.arn} --watch")
    return 0


WIDE_TABLE = 150
"""Below this many columns the status is printed one target per block (an ARN alone is ~66 characters)."""

STYLES = {"Completed": "green", "Failed": "red", "Canceled": "yellow", "Ongoing": "cyan", "Pending": "cyan"}


def _status_text(t: ResyncTargetStatus) -> str:
    """`Completed` in green, but `Completed, 144 FAILED` in yellow: a job with failures is never a plain success."""
    if t.status == "Completed" and t.failed_count:
        return f"[yellow]Completed, {t.failed_count:,} FAILED[/]"
    return f"[{STYLES.get(t.status, 'white')}]{t.status or '(none)'}[/]"


def _blocks(path: str, status: ResyncStatus, note: str = "") -> Group:
    """One block per target, each line short enough for 80 columns (the ARN on a line of its own)."""
    lines: list[Any] = [Text(f"Resync status of {path}", style="italic")]
    for t in status.targets:
        lines += [f"[bold]●[/] {t.arn}",
                  f"  status      {_status_text(t)}",
                  f"  replicated  {t.replicated_count:,} versions · {fmt_size(t.replicated_size)} · failed "
                  + (f"[bold red]{t.failed_count:,}[/]" if t.failed_count else "0"),
                  f"  ResetID     {t.reset_id}",
                  f"  started     {fmt_time(t.start_time)} · last update {fmt_time(t.last_update)}"]
    if not status.targets:
        lines.append("(no resync has run on this bucket)")
    if note:
        lines.append(Text(note, style="dim"))
    return Group(*lines)


def _table(path: str, status: ResyncStatus, note: str = "", width: int = WIDE_TABLE) -> Any:
    if width < WIDE_TABLE:
        return _blocks(path, status, note)
    table = Table(title=f"Resync status of {path}", title_justify="left", caption=note or None)
    for col in ("ARN", "status", "replicated", "size", "failed", "ResetID", "started", "last update"):
        table.add_column(col, overflow="fold")
    for t in status.targets:
        table.add_row(t.arn, _status_text(t), f"{t.replicated_count:,}",
                      fmt_size(t.replicated_size), f"{t.failed_count:,}", t.reset_id, fmt_time(t.start_time),
                      fmt_time(t.last_update))
    if not status.targets:
        table.add_row("(no resync has run on this bucket)", "", "", "", "", "", "", "")
    return table


def _exit_code(status: ResyncStatus) -> int:
    """1 when a job Failed, was Canceled, or Completed with failed versions (they were not re-sent)."""
    for t in status.targets:
        if t.status in ("Failed", "Canceled") or (t.status == "Completed" and t.failed_count):
            return 1
    return 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    arn = check_arn(args.remote_bucket)
    service = make_service(settings)
    path = bucket_path(service, args.path)

    def poll() -> ResyncStatus:
        try:
            return service.resync_status(path.alias, path.bucket, arn)
        except RecoveryError as exc:
            raise missing_bucket_is_input(exc, path) from None

    status = poll()
    if args.watch:
        eta = WatchEta(service, path.alias, path.bucket) if out.interactive else None  # rate and ETA on a terminal
        status = _watch(out, str(path), poll, status, max(0.2, float(args.interval)), eta=eta)
    if out.json_mode:
        print_mc(resync_doc("status", args.path, status, arn or ""))
    else:
        out.print(_table(str(path), status, width=out.out.width))
        for t in status.targets:
            if t.status == "Completed" and t.failed_count:
                out.notice(f"{t.arn}: Completed with {t.failed_count:,} FAILED versions, not re-sent: "
                           f"re-trigger them with recovery-tui resync-backlog {path}")
    return _exit_code(status)


def _sample_line(status: ResyncStatus) -> str:
    """`Ongoing 12 replicated, 0 failed` per target (the non-terminal progress line)."""
    return "; ".join(f"{t.status} {t.replicated_count} replicated, {t.failed_count} failed" for t in status.targets)


def _seconds(value: float) -> str:
    """`2s`, `0.2s`: never rounds a short interval down to a misleading `0s`."""
    return f"{value:.0f}s" if value >= 1 else f"{value:.1f}s"


def _watch(out: Output, path: str, poll: Any, status: ResyncStatus, interval: float,
           eta: Optional[WatchEta] = None) -> ResyncStatus:
    """Poll until no resync is Pending/Ongoing.

    A transient error (connection lost, server busy) is not a sample: the last good sample stays (on screen, and
    as the result) under a "connection lost, retrying in Ns" note, so an outage is never read as completion or as
    a zero count. The watch ends only when a good sample shows every resync finished.
    """
    last_line = ""

    def whole() -> Any:  # after a signal: the last sample, printed in place of the erased live view
        return _table(path, status, "as last seen before the interrupt", width=out.err.width)

    with out.live(_table(path, status, width=out.err.width), whole=whole) as live:
        while any(t.running for t in status.targets):
            time.sleep(interval)
            note = ""
            try:
                status = poll()
            except RecoveryError as exc:
                if exc.exit_code == 2 or not exc.retryable:
                    raise
                note = (f"connection lost, retrying in {_seconds(interval)} ({exc.message}); "
                        f"last good sample: {_sample_line(status)}")
            if eta is not None and not note:
                eta.add(status)
            if live is not None:
                line = note or (eta.line() if eta is not None else "")
                live.update(_table(path, status, line, width=out.err.width))
            else:
                line = note or _sample_line(status)
                if line != last_line:
                    out.notice(line, style="dim")
                    last_line = line
    return status
