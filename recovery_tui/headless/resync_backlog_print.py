"""Human output of `recovery-tui resync-backlog`: the dry-run list, the --validate proof, the run summary.

The summary's first lines are the procedure's (`✓ Replication trigger completed`, Total / Processed /
Failed), and the green tick is printed only when it is true: every version sent was read back as
replicated, nothing failed, nothing was refused, nothing was cut short.
"""

from __future__ import annotations

import argparse
from typing import Iterable, Optional

from recovery_tui.headless.output import Output
from recovery_tui.service.backlog import REFUSAL_HINT, AfterRun, BacklogItem, BacklogResult, Proof

COMMAND = "recovery-tui resync-backlog"


def print_result(out: Output, r: BacklogResult, args: argparse.Namespace,
                 listing: Optional[Iterable[BacklogItem]] = None) -> None:
    """`listing`: a dry run's every version (the result keeps only the first ones), e.g. read back from disk."""
    if r.dry_run:
        _dry_run(out, r, r.items if listing is None else listing)
    elif r.validate_only:
        _validate(out, r, args)
    else:
        _summary(out, r)
    if r.incomplete:
        out.print(f"[red]The backlog listing was cut short:[/] {r.error}")
        out.print("  Run the command again: it resumes from its checkpoint." if not (r.dry_run or r.validate_only)
                  else "  Run the command again.")


def _dry_run(out: Output, r: BacklogResult, listing: Iterable[BacklogItem]) -> None:
    for i in listing:
        tail = "  (pending delete)" if i.pending_delete else ""
        out.print(f"{i.status:<8} {i.version_id}  {i.op}  {i.key}{tail}", markup=False)
    n = r.counted.total
    verb = "copied onto itself or re-triggered" if r.clear_checksum else "processed"
    deletes = f" ({r.pending_deletes:,} pending delete(s))" if r.pending_deletes else ""
    out.print(f"Dry run: {n:,} backlogged version(s) would be {verb} under {r.path}{deletes}. Nothing was sent.")
    if r.already_copied:
        out.print(f"  Already copied onto itself by an earlier --clear-checksum run (skipped; that copy is what "
                  f"replicates): {r.already_copied}")
    _refusals(out, r, dry_run=True)


def _validate(out: Output, r: BacklogResult, args: argparse.Namespace) -> None:
    p = r.proof
    if p is None:
        if r.failed:
            key = r.failures[0].item.key if r.failures else "the version"
            out.print(f"[red]✗ Validation failed[/] on {key}: {r.failures[0].error if r.failures else ''}")
        elif r.refused or r.passed_over or r.already_copied:
            seen = r.total + r.passed_over + r.already_copied
            out.print(f"Nothing to validate on: none of the {seen:,} backlogged version(s) under {r.path} may be "
                      "copied now, so nothing was copied.")
            for n, why in ((r.refused, "a copy would change what clients read (listed below)"),
                           (r.passed_over, "delete markers, pending deletes or copies made by an earlier run "
                                           "(never copied; a run without --clear-checksum re-triggers them)"),
                           (r.already_copied, "already copied by an earlier run")):
                if n:
                    out.print(f"  {n:,}: {why}", markup=False)
            _refusals(out, r, dry_run=False)
        elif not r.incomplete:
            out.print(f"Nothing is backlogged under {r.path}: there is no object to validate on.")
        return
    _proof(out, p, r, args)


def _proof(out: Output, p: Proof, r: BacklogResult, args: argparse.Namespace) -> None:
    again = f"{COMMAND} {r.path}" + (" --clear-checksum" if args.clear_checksum else "")
    if p.new_version_id:
        if p.earlier_copy:
            out.print(f"An earlier --clear-checksum run copied {p.key} (version {p.version_id}) onto itself as "
                      f"version {p.new_version_id}; nothing was written now.", markup=False)
        else:
            out.print(f"Copied {p.key} (version {p.version_id}) onto itself: new version {p.new_version_id}.",
                      markup=False)
        out.print(f"  Checksum: {_checksums(p)}", markup=False)
        what = "the copy"
    else:
        out.print(f"Re-triggered {p.key} (version {p.version_id}).", markup=False)
        what = "the version"
    if p.error:
        out.print(f"[yellow]? Validation unknown:[/] could not read {what}'s effect: {p.error}")
        return
    status = p.replication or "not listed"
    out.print(f"  Replication of {what}: {status} after {p.waited:.0f} s")
    if p.proven:
        out.print(f"[green]✓ Validation succeeded:[/] {what} replicated (COMPLETED).")
        out.print(f"  Run again without --validate to process the whole backlog: {again}", markup=False)
    elif p.replication == "FAILED" and p.new_version_id:
        out.print("[red]✗ Validation failed:[/] the copy FAILED to replicate too — on this server a copy onto "
                  "itself does not clear the failure (the copy keeps the checksum on community MinIO).")
        out.print("  Do not run --clear-checksum on this bucket: each copy would add a version that fails as well. "
                  "What clients read is unchanged (the copy has the same content). Keep this output for MinIO "
                  "support.", markup=False)
    elif p.replication == "FAILED":
        out.print(f"[red]✗ Validation failed:[/] {p.key} is still FAILED after the re-trigger (no change for "
                  f"{p.waited:.0f} s): the server retried and failed again, often a checksum problem.")
        out.print(f"  Try: {COMMAND} {r.path} --clear-checksum --validate", markup=False)
    else:
        out.print(f"[yellow]? Validation unknown:[/] {what} was still {status} after {p.waited:.0f} s "
                  f"(--wait {p.wait_limit:g}).")
        out.print(f"  Look again later: {COMMAND} {r.path} --dry-run lists it while it is backlogged.", markup=False)


def _checksums(p: Proof) -> str:
    before, after = dict(p.checksum_before), dict(p.checksum_after)
    if not before or not after:
        return "not reported by the server (HEAD with x-amz-checksum-mode: ENABLED sent no x-amz-checksum-*)"
    names = [k for k in sorted(set(before) | set(after)) if k != "x-amz-checksum-type"]
    parts = [f"{k.removeprefix('x-amz-checksum-')} {before.get(k, '-')} → {after.get(k, '-')}" for k in names]
    verdict = "changed" if p.checksum_changed else "unchanged: the copy kept the original's checksum"
    return f"{'; '.join(parts)} ({verdict})"


def _summary(out: Output, r: BacklogResult) -> None:
    a = r.after
    if r.incomplete or r.interrupted:
        head = "[yellow]⚠ Replication trigger stopped early[/]"
    elif r.failed or r.refused:
        head = "[yellow]⚠ Replication trigger finished with versions left as they were[/]"
    elif a is not None and not a.all_completed:
        head = "[yellow]⚠ Replication triggered, but not every version has replicated[/]"
    else:
        head = "[green]✓ Replication trigger completed[/]"
    out.print(head)
    out.print(f"  Total: {r.total}")
    out.print(f"  Processed: {r.processed}")
    out.print(f"  Failed: {r.failed}")
    if r.pending_deletes:
        out.print(f"  Pending deletes (deleted by versionId, the delete waits to replicate): {r.pending_deletes}")
    if r.new_versions:
        out.print(f"  New versions created by --clear-checksum: {r.new_versions}")
    if r.skipped:
        out.print(f"  Skipped (done before the interruption): {r.skipped}")
    if r.already_copied:
        out.print(f"  Skipped (copied onto itself by an earlier --clear-checksum run; that copy is what "
                  f"replicates): {r.already_copied}")
    if r.refused:
        out.print(f"  Refused (a copy would change what clients read): {r.refused}")
    if a is not None:
        _after(out, a, r)
    _refusals(out, r, dry_run=False)
    if r.failed:
        out.print("")
        out.print("[yellow]⚠ Some objects failed to trigger replication.[/]")
        for f in r.failures[:10]:
            out.print(f"  {f.item.key} ({f.item.version_id}): {f.error}", markup=False)
        out.print("  You can re-run this command to retry failed objects:")
        out.print(f"  $ {COMMAND} {r.path}" + (f" --arn {r.arn}" if r.arn else ""), markup=False)


def _after(out: Output, a: AfterRun, r: BacklogResult) -> None:
    if a.error and not a.reads:
        out.print(f"  After the trigger: unknown — {a.error}", markup=False)
        return
    out.print(f"  After the trigger (backlog re-read for {a.waited:.0f} s): replicated {a.completed:,} · "
              f"still PENDING {a.pending:,} · still FAILED {a.failed:,}")
    if a.error:
        out.print(f"  [yellow]The last re-read failed:[/] {a.error}")
    if a.failed:
        out.print("")
        out.print(f"[yellow]⚠ {a.failed:,} version(s) still FAILED when the wait ended:[/]")
        for i in a.still_failed[:10]:
            out.print(f"  {i.key} ({i.version_id})", markup=False)
        if r.new_versions:
            out.print("  Copies that FAILED too: on this server a copy onto itself does not clear the failure "
                      "(community MinIO keeps the checksum). Keep the list (--json) for MinIO support.")
        else:
            out.print("  A HEAD cannot fix a version whose replication keeps failing (often a checksum problem). "
                      "Try one copy onto itself:", markup=False)
            out.print(f"  $ {COMMAND} {r.path} --clear-checksum --validate", markup=False)
    if a.pending:
        out.print(f"  {a.pending:,} still replicating: look again later with {COMMAND} {r.path} --dry-run",
                  markup=False)


def _refusals(out: Output, r: BacklogResult, *, dry_run: bool) -> None:
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
