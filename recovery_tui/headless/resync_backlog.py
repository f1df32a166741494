"""`recovery-tui resync-backlog ALIAS/BUCKET[/PREFIX]`: re-trigger replication of PENDING/FAILED versions.

The semantics of AIStor's `mc replicate resync-backlog` (see `recovery_tui.service.backlog`), named as
mc names it. After the run the backlog is re-read (bounded by `--wait`) and the summary says what the
trigger achieved: replicated, still PENDING, still FAILED; exit 0 only when every version sent replicated.

`--clear-checksum` copies versions onto themselves, which CREATES A NEW VERSION of each. Headless, a
full run is refused unless `--clear-checksum --validate` proved on this bucket, within the hour, that a
copy replicates (its copy reached COMPLETED), or `--yes` is given (journaled).
"""

from __future__ import annotations

import argparse
from typing import Optional

from recovery_tui.headless.common import bucket_path, check_arn, journal, make_service, missing_bucket_is_input
from recovery_tui.headless.item_spool import ItemSpool
from recovery_tui.headless.output import Output
from recovery_tui.headless.resync_backlog_print import print_result
from recovery_tui.service import checkpoint as cp
from recovery_tui.service.backlog import BacklogProgress, run_backlog
from recovery_tui.service.backlog_model import item_json
from recovery_tui.service.errors import InputError, RecoveryError
from recovery_tui.settings import Settings

COMMAND = "resync-backlog"
VALIDATED_MARKER = "clear-checksum-proven"
VALIDATED_FOR = 3600.0
"""Seconds a `--clear-checksum --validate` that proved a copy replicates allows a full run without --yes."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not args.dry_run:
        return _run(args, settings, None)
    with ItemSpool() as spool:  # the dry run's versions, on disk: every one is listed, none is held in memory
        return _run(args, settings, spool)


def _run(args: argparse.Namespace, settings: Settings, spool: Optional[ItemSpool]) -> int:
    out = Output(args.json)
    arn = check_arn(args.arn)
    if args.concurrent < 1:
        raise InputError(f"--concurrent must be at least 1, got {args.concurrent}", hint="For example -c 10.")
    if args.wait < 0:
        raise InputError(f"--wait must be 0 or more seconds, got {args.wait:g}", hint="For example --wait 60.")
    service = make_service(settings)
    path = bucket_path(service, args.path, allow_prefix=True)
    marker = {"bucket": f"{path.alias}/{path.bucket}", "arn": arn or ""}
    full_copy = args.clear_checksum and not args.dry_run and not args.validate
    log = None if args.dry_run else journal(COMMAND)
    if full_copy:
        age = cp.marker_age(VALIDATED_MARKER, marker)
        proven = age is not None and age <= VALIDATED_FOR
        if not proven and not args.yes:
            raise InputError(
                "--clear-checksum runs only after --clear-checksum --validate proved on this bucket that a copy "
                "onto itself replicates (on community MinIO it does not: the copy keeps the checksum)",
                hint=f"Try it on one object first: recovery-tui {COMMAND} {path} --clear-checksum --validate; "
                     "or confirm with --yes (recorded in the journal).",
            )
        if not proven and log is not None:
            log.record(f"{COMMAND}.clear_checksum_confirmed", mc=f"mc replicate {COMMAND} {path} --clear-checksum",
                       result="confirmed with --yes", proven_by_validate=False)
    if args.clear_checksum and not args.dry_run:
        out.notice("Note: --clear-checksum copies only versions that are their key's latest (what clients read "
                   "stays the same) and creates a new version of each (mc ls --versions counts grow by one per copy).")
    checkpoint = None
    if not args.dry_run and not args.validate:
        params = {"path": str(path), "arn": arn or "", "clear_checksum": bool(args.clear_checksum)}
        where = args.checkpoint or cp.default_path("backlog", params)
        checkpoint = cp.Checkpoint.open(where, "backlog", params)
        if checkpoint.resumed:
            st = checkpoint.state
            out.notice(f"Resuming an interrupted run: {st.get('processed', 0)} processed, {st.get('failed', 0)} failed "
                       f"so far (checkpoint {where}).")
    phases: set[str] = set()
    with out.progress("Re-triggering replication") as bar:

        def on_progress(p: BacklogProgress) -> None:
            if p.phase != "sending" and p.phase not in phases:
                phases.add(p.phase)
                what = "the copy" if args.clear_checksum else "the version"
                out.notice(f"Waiting for {what} to replicate (at most {args.wait:g} s)…" if p.phase == "proving" else
                           f"Checking what the trigger achieved: re-reading the backlog (at most {args.wait:g} s)…")
            if p.phase == "checking" and p.check is not None:
                c = p.check
                bar.update(completed=c.completed, total=c.tracked,
                           info=f"replicated {c.completed:,} · PENDING {c.pending:,} · FAILED {c.failed:,} · "
                                f"{p.waited:.0f}/{p.wait_limit:g} s")
            elif p.phase == "proving":
                bar.update(info=f"{p.version_status or 'not listed yet'} · {p.waited:.0f}/{p.wait_limit:g} s")
            elif args.dry_run:  # nothing is sent: the progress is the listing itself
                bar.update(completed=p.listed, info=f"{p.listed:,} listed")
            else:
                done = p.processed + p.failed
                bar.update(completed=done, total=p.listed if p.listing_done else None,
                           info=f"{done:,}/{p.listed:,}{'' if p.listing_done else '+'} · {p.failed:,} failed")

        try:
            result = run_backlog(
                service, path, arn=arn, concurrent=args.concurrent, rate_limit=args.rate_limit,
                dry_run=args.dry_run, clear_checksum=args.clear_checksum, validate_one=args.validate,
                checkpoint=checkpoint, progress=on_progress, journal=log, wait_limit=args.wait,
                on_item=spool.add if spool is not None else None,
            )
        except KeyboardInterrupt:  # Ctrl+C, SIGHUP, SIGTERM: the service saved its checkpoint on the way out
            if checkpoint is not None:
                st, done = checkpoint.on_disk()
                counts = f"{st.get('processed', 0)} processed, {st.get('failed', 0)} failed"
                out.interrupted(f"every version had been sent ({counts}); the check of what that achieved was cut "
                                "short: the same command again re-reads the backlog and sends what is still in it."
                                if done else f"{counts} so far, kept in {checkpoint.path}; run the same command "
                                "again to continue where it stopped.")
            raise
        except RecoveryError as exc:
            raise missing_bucket_is_input(exc, path) from None
    if log is not None:
        log.record(f"{COMMAND}.summary", mc=f"mc replicate {COMMAND} {path}", result="ok" if result.ok else "failed",
                   total=result.total, processed=result.processed, failed=result.failed,
                   pending_deletes=result.pending_deletes,
                   after=result.after.to_json() if result.after is not None else None,
                   proof=result.proof.to_json() if result.proof is not None else None)
    if args.validate and args.clear_checksum and result.proof is not None:
        if result.proof.proven:
            cp.record_marker(VALIDATED_MARKER, marker)
        else:
            cp.clear_marker(VALIDATED_MARKER, marker)  # a validate that did not prove it revokes an earlier one
    elif full_copy and result.ok:
        cp.clear_marker(VALIDATED_MARKER, marker)
    if out.json_mode and spool is not None:  # every version listed, read back from disk (the result keeps a few)
        out.json_with_list(result.to_json(), "items", (item_json(i) for i in spool))
    elif out.json_mode:
        out.json(result.to_json())
    else:
        print_result(out, result, args, listing=spool)
    if result.incomplete:
        return 3 if result.error_exit_code == 3 else 1
    return 0 if result.ok else 1


def renamed(argv_tail: list[str]) -> str:
    """The one-line pointer printed by the old `backlog` command (exit 2)."""
    rest = " ".join(argv_tail)
    return (f"`recovery-tui backlog` is now `recovery-tui {COMMAND}` (as mc replicate {COMMAND}; mc's "
            f"`replicate backlog` only lists) — run: recovery-tui {COMMAND}{' ' + rest if rest else ' ALIAS/BUCKET'}")
