"""`recovery-tui backlog ALIAS/BUCKET[/PREFIX]`: re-trigger replication of PENDING/FAILED versions.

The semantics of AIStor's `mc replicate resync-backlog` (see `recovery_tui.service.backlog`).
`--clear-checksum` copies every backlogged object version onto itself, which CREATES A NEW
VERSION of each: headless, it is refused unless `--yes` is given or `--clear-checksum --validate`
has just succeeded on one object (recorded in the state directory for an hour).
"""

from __future__ import annotations

import argparse

from recovery_tui.headless.common import bucket_path, check_arn, journal, make_service, missing_bucket_is_input
from recovery_tui.headless.output import Output
from recovery_tui.service import checkpoint as cp
from recovery_tui.service.backlog import REFUSAL_HINT, BacklogProgress, BacklogResult, run_backlog
from recovery_tui.service.errors import InputError, RecoveryError
from recovery_tui.settings import Settings

VALIDATED_MARKER = "clear-checksum-validated"
VALIDATED_FOR = 3600.0
"""Seconds a successful `--clear-checksum --validate` allows a full `--clear-checksum` run without --yes."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    arn = check_arn(args.arn)
    if args.concurrent < 1:
        raise InputError(f"--concurrent must be at least 1, got {args.concurrent}", hint="For example -c 10.")
    service = make_service(settings)
    path = bucket_path(service, args.path, allow_prefix=True)
    marker = {"path": str(path), "arn": arn or ""}
    full_copy = args.clear_checksum and not args.dry_run and not args.validate
    if full_copy and not args.yes:
        age = cp.marker_age(VALIDATED_MARKER, marker)
        if age is None or age > VALIDATED_FOR:
            raise InputError(
                "--clear-checksum copies each backlogged version that is its key's latest onto itself, "
                "creating a new version of each",
                hint=f"Try it on one object first: recovery-tui backlog {path} --clear-checksum --validate; "
                     "or confirm with --yes.",
            )
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
    log = None if args.dry_run else journal("backlog")
    with out.progress("Re-triggering replication") as bar:

        def on_progress(p: BacklogProgress) -> None:
            done = p.processed + p.failed
            bar.update(completed=done, total=p.listed if p.listing_done else None,
                       info=f"{done:,}/{p.listed:,}{'' if p.listing_done else '+'} · {p.failed:,} failed")

        try:
            result = run_backlog(
                service, path, arn=arn, concurrent=args.concurrent, rate_limit=args.rate_limit,
                dry_run=args.dry_run, clear_checksum=args.clear_checksum, validate_one=args.validate,
                checkpoint=checkpoint, progress=on_progress, journal=log,
            )
        except RecoveryError as exc:
            raise missing_bucket_is_input(exc, path) from None
    if log is not None:
        log.record("backlog.summary", mc=f"mc replicate resync-backlog {path}", result="ok" if result.ok else "failed",
                   total=result.total, processed=result.processed, failed=result.failed)
    if args.validate and args.clear_checksum and result.items and not result.failed:
        cp.record_marker(VALIDATED_MARKER, marker)
    elif full_copy and result.ok:
        cp.clear_marker(VALIDATED_MARKER, marker)
    if out.json_mode:
        out.json(result.to_json())
    else:
        _print(out, result, args)
    if result.incomplete:
        return 3 if result.error_exit_code == 3 else 1
    return 1 if result.failed or result.refused or result.interrupted else 0


def _print(out: Output, r: BacklogResult, args: argparse.Namespace) -> None:
    if r.dry_run:
        for i in r.items:
            out.print(f"{i.status:<8} {i.version_id}  {'DEL' if i.delete_marker else 'PUT'}  {i.key}", markup=False)
        n = len(r.items)
        verb = "copied onto itself or re-triggered" if r.clear_checksum else "processed"
        out.print(f"Dry run: {n:,} backlogged version(s) would be {verb} under {r.path}. Nothing was sent.")
        _print_refusals(out, r, dry_run=True)
        return
    if r.validate_only:
        if not r.items and r.refused:
            out.print("No backlogged version can be copied without changing what clients read: nothing was copied.")
            _print_refusals(out, r, dry_run=False)
        elif not r.items:
            out.print("Nothing is backlogged: there is no object to validate on.")
        elif r.failed:
            out.print(f"[red]✗ Validation failed[/] on {r.items[0].key}: {r.failures[0].error if r.failures else ''}")
        else:
            i = r.items[0]
            what = "copied onto itself (a new version was created)" if args.clear_checksum else "re-triggered"
            out.print(f"[green]✓ Validation succeeded:[/] {i.key} (version {i.version_id}) {what}.", markup=True)
            out.print(f"  Run again without --validate to process the whole backlog: recovery-tui backlog {r.path}"
                      + (" --clear-checksum" if args.clear_checksum else ""))
        return
    if r.incomplete or r.interrupted:
        head = "[yellow]⚠ Replication trigger stopped early[/]"
    elif r.failed or r.refused:
        head = "[yellow]⚠ Replication trigger finished with versions left as they were[/]"
    else:
        head = "[green]✓ Replication trigger completed[/]"
    out.print(head)
    out.print(f"  Total: {r.total}")
    out.print(f"  Processed: {r.processed}")
    out.print(f"  Failed: {r.failed}")
    if r.new_versions:
        out.print(f"  New versions created by --clear-checksum: {r.new_versions}")
    if r.skipped:
        out.print(f"  Skipped (done before the interruption): {r.skipped}")
    if r.already_copied:
        out.print(f"  Skipped (copied onto itself by an earlier --clear-checksum run; that copy is what "
                  f"replicates): {r.already_copied}")
    if r.refused:
        out.print(f"  Refused (a copy would change what clients read): {r.refused}")
    _print_refusals(out, r, dry_run=False)
    if r.failed:
        out.print("")
        out.print("[yellow]⚠ Some objects failed to trigger replication.[/]")
        for f in r.failures[:10]:
            out.print(f"  {f.item.key} ({f.item.version_id}): {f.error}", markup=False)
        out.print("  You can re-run this command to retry failed objects:")
        out.print(f"  $ recovery-tui backlog {r.path}" + (f" --arn {r.arn}" if r.arn else ""), markup=False)
    if r.incomplete:
        out.print(f"[red]The backlog listing was cut short:[/] {r.error}")
        out.print("  Run the command again: it resumes from its checkpoint.")


def _print_refusals(out: Output, r: BacklogResult, *, dry_run: bool) -> None:
    """The FAILED versions --clear-checksum will not copy, each with its reason, and what to do instead."""
    if not r.refusals:
        return
    out.print("")
    out.print(f"[yellow]⚠ {r.refused} version(s) cannot be cleared without changing what clients read"
              f"{' (they would be refused)' if dry_run else ''}:[/]")
    for f in r.refusals[:10]:
        out.print(f"  {f.item.key} ({f.item.version_id}): {f.reason}", markup=False)
    if r.refused > 10:
        out.print(f"  … and {r.refused - 10} more (--json lists up to {len(r.refusals)}).")
    out.print(f"  {REFUSAL_HINT}", markup=False)
