"""`recovery-tui resync start|status`: start a bucket resync, or show (and watch) its progress."""

from __future__ import annotations

import argparse
import time
from typing import Any, Optional

from rich.live import Live
from rich.table import Table

from recovery_tui.headless.common import (
    bucket_path, check_arn, journal, make_service, missing_bucket_is_input, parse_older_than,
)
from recovery_tui.headless.output import Output, fmt_size, fmt_time
from recovery_tui.service.errors import InputError, RecoveryError
from recovery_tui.service.models import ResyncStatus, ResyncTargetStatus
from recovery_tui.settings import Settings


def status_json(t: ResyncTargetStatus) -> dict[str, Any]:
    """One target's resync status as the `--json` list element (keys per issue 4)."""
    return {
        "arn": t.arn, "status": t.status, "replicated_count": t.replicated_count,
        "replicated_size": t.replicated_size, "failed_count": t.failed_count, "reset_id": t.reset_id,
        "start_time": t.start_time.isoformat() if t.start_time else None,
        "last_update": t.last_update.isoformat() if t.last_update else None,
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.resync_command == "start":
        return _start(args, settings)
    return _status(args, settings)


def _start(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    arn = check_arn(args.remote_bucket)
    assert arn is not None
    days = parse_older_than(args.older_than)
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
    mc = f"mc replicate resync start {path} --remote-bucket {arn}" + (f" --older-than {days}d" if days else "")
    log = journal("resync")
    try:
        job = service.start_resync(path.alias, path.bucket, arn, older_than_days=days)
    except RecoveryError as exc:
        if log is not None:
            log.record("resync.start", mc=mc, result="failed", error=exc.one_line())
        raise missing_bucket_is_input(exc, path) from None
    if log is not None:
        log.record("resync.start", mc=mc, result="ok", reset_id=job.reset_id, arn=job.arn)
    if out.json_mode:
        out.json({"arn": job.arn, "reset_id": job.reset_id})
    else:
        out.print(f"[green]✓[/] Resync started on {path} → {job.arn}")
        out.print(f"  ResetID: {job.reset_id}")
        out.print(f"  Watch it: recovery-tui resync status {path} --remote-bucket {job.arn} --watch")
    return 0


def _table(path: str, status: ResyncStatus, note: str = "") -> Table:
    table = Table(title=f"Resync status of {path}", title_justify="left", caption=note or None)
    for col in ("ARN", "status", "replicated", "size", "failed", "ResetID", "started", "last update"):
        table.add_column(col, overflow="fold")
    styles = {"Completed": "green", "Failed": "red", "Canceled": "yellow", "Ongoing": "cyan", "Pending": "cyan"}
    for t in status.targets:
        st = t.status or "(none)"
        table.add_row(t.arn, f"[{styles.get(t.status, 'white')}]{st}[/]", f"{t.replicated_count:,}",
                      fmt_size(t.replicated_size), f"{t.failed_count:,}", t.reset_id, fmt_time(t.start_time),
                      fmt_time(t.last_update))
    if not status.targets:
        table.add_row("(no resync has run on this bucket)", "", "", "", "", "", "", "")
    return table


def _exit_code(status: ResyncStatus) -> int:
    return 1 if any(t.status == "Failed" for t in status.targets) else 0


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
        status = _watch(out, str(path), poll, status, max(0.2, float(args.interval)))
    if out.json_mode:
        out.json([status_json(t) for t in status.targets])
    else:
        out.print(_table(str(path), status))
    return _exit_code(status)


def _sample_line(status: ResyncStatus) -> str:
    """`Ongoing 12 replicated, 0 failed` per target (the non-terminal progress line)."""
    return "; ".join(f"{t.status} {t.replicated_count} replicated, {t.failed_count} failed" for t in status.targets)


def _seconds(value: float) -> str:
    """`2s`, `0.2s`: never rounds a short interval down to a misleading `0s`."""
    return f"{value:.0f}s" if value >= 1 else f"{value:.1f}s"


def _watch(out: Output, path: str, poll: Any, status: ResyncStatus, interval: float) -> ResyncStatus:
    """Poll until no resync is Pending/Ongoing.

    A transient error (connection lost, server busy) is not a sample: the last good sample stays (on screen, and
    as the result) under a "connection lost, retrying in Ns" note, so an outage is never read as completion or as
    a zero count. The watch ends only when a good sample shows every resync finished.
    """
    live: Optional[Live] = Live(_table(path, status), console=out.err, transient=True) if out.interactive else None
    last_line = ""
    if live is not None:
        live.start()
    try:
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
            if live is not None:
                live.update(_table(path, status, note))
            else:
                line = note or _sample_line(status)
                if line != last_line:
                    out.notice(line, style="dim")
                    last_line = line
    finally:
        if live is not None:
            live.stop()
    return status
