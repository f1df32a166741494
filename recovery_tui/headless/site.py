"""`recovery-tui site plan|validate SRC DST` and the shared pieces of `site resync …` (issue 11).

`site plan` lists every bucket SRC (healthy) replicates to DST (damaged), with the versions each side
holds and a verdict: recoverable by a resync, or why not and the fix. Exit 0 when every listed bucket
can be resynced, 1 when some need a fix first (or could not be counted), 2 bad input (the same alias
twice, unrelated deployments), 3 a site does not answer.

`site validate` compares every recoverable bucket version by version: exit 0 all in sync, 1 any
difference or incomplete comparison, 3 a site could not be reached.
"""

from __future__ import annotations

import argparse
from typing import Any, Optional

from rich.table import Table

from recovery_tui.headless.common import make_service
from recovery_tui.headless.output import Output, fmt_size
from recovery_tui.service.discovery import count_versions, discover
from recovery_tui.service.errors import InputError
from recovery_tui.service.sitemodels import SITE_MODE, SitePlan
from recovery_tui.service.sitevalidate import DIFFERENCES, IN_SYNC, UNKNOWN, validate_site
from recovery_tui.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.site_command == "plan":
        return _plan(args, settings)
    if args.site_command == "validate":
        return _validate(args, settings)
    if args.site_command == "canary":
        from recovery_tui.headless.site_canary import run as run_canary

        return run_canary(args, settings)
    from recovery_tui.headless.site_resync import run as run_resync

    return run_resync(args, settings)


def load_plan(args: argparse.Namespace, settings: Settings, out: Output, *, count: bool) -> tuple[Any, SitePlan]:
    """The service and the site plan (counted when `count`), with a progress bar on a terminal."""
    service = make_service(settings)
    for alias in (args.source, args.target):
        service.aliases.get(alias)
    with out.progress("Discovering buckets") as bar:
        plan = discover(service, args.source, args.target,
                        progress=lambda d, t, phase: bar.update(completed=d, total=t, info=phase))
        if count:
            plan = count_versions(service, plan, progress=lambda d, t, phase: bar.update(
                completed=d, total=t, info="counting versions"))
    return service, plan


def parse_buckets(text: Optional[str], plan: SitePlan) -> Optional[list[str]]:
    """`--buckets a,b` → ["a", "b"], each one a recoverable bucket of the plan (else InputError)."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",")]
    if not names or any(not n for n in names):
        raise InputError(f"--buckets must be a comma-separated list of bucket names, got '{text}'",
                         hint="For example --buckets photos,logs")
    seen: list[str] = []
    for name in names:
        row = plan.get(name)
        if row is None:
            raise InputError(f"bucket '{name}' is not in the plan of {plan.source} → {plan.target}",
                             hint=f"List the plan: recovery-tui site plan {plan.source} {plan.target}")
        if not row.recoverable:
            raise InputError(f"bucket '{name}' cannot be resynced: {row.reason}", hint=f"Fix it first: {row.fix}")
        if name not in seen:
            seen.append(name)
    return seen


def _versions(n: Optional[int]) -> str:
    return "-" if n is None else f"{n:,}"


def print_plan(out: Output, plan: SitePlan) -> None:
    rec = plan.recoverable()
    table = Table(title=f"Site plan: {plan.source} (healthy) → {plan.target} (damaged)", title_justify="left")
    for col in ("bucket", "resync", f"versions {plan.source}", f"versions {plan.target}", "size"):
        table.add_column(col, overflow="fold", justify="right" if col.startswith(("versions", "size")) else "left")
    for b in plan.buckets:
        verdict = "[green]✓ ready[/]" if b.recoverable else "[red]✗ needs a fix[/]"
        size = fmt_size(b.source_bytes) if b.source_bytes is not None else "-"
        name = b.bucket if b.target_bucket in ("", b.bucket) else f"{b.bucket} → {b.target_bucket}"
        table.add_row(name, verdict, _versions(b.source_versions), _versions(b.target_versions), size)
    out.print(table)
    for b in plan.buckets:
        if not b.recoverable:
            out.print(f"[red]✗[/] {b.bucket}: {b.reason}\n    fix: {b.fix}")
        elif b.count_error:
            out.print(f"[yellow]?[/] {b.bucket}: versions not counted ({b.count_error})")
    if plan.mode == SITE_MODE and plan.peer is not None:
        out.print(f"Site replication: {plan.source} and {plan.target} are peers of one group. Recommended: one "
                  f"site-level resync (recovery-tui site resync start {plan.source} {plan.target}).")
    out.print(f"{len(rec)} of {len(plan.buckets)} buckets can be resynced"
              + (f"; {plan.skipped} other bucket(s) of {plan.source} do not replicate to {plan.target}"
                 if plan.skipped else "") + f" (configurations read: {plan.metadata}).")
    for note in plan.notes:
        out.notice(f"note: {note}", style="dim")


def _plan(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    _, plan = load_plan(args, settings, out, count=not args.no_count)
    if out.json_mode:
        out.json(plan.to_json())
    else:
        print_plan(out, plan)
    ok = all(b.recoverable and not b.count_error for b in plan.buckets)
    return 0 if ok else 1


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    service, plan = load_plan(args, settings, out, count=False)
    chosen = parse_buckets(args.buckets, plan)
    if not plan.recoverable():
        raise InputError(f"no bucket of {plan.source} → {plan.target} can be validated: none is recoverable",
                         hint=f"See why: recovery-tui site plan {plan.source} {plan.target}")
    total = len(chosen) if chosen is not None else len(plan.recoverable())
    done: list[str] = []
    with out.progress("Validating buckets", total=total) as bar:

        def on_progress(bucket: str, sample: Any, result: Any) -> None:
            if result is not None:
                done.append(bucket)
                if not out.interactive:
                    out.notice(f"{bucket}: {result.verdict}", style="dim")
            bar.update(completed=len(done), total=total, info=bucket)

        report = validate_site(service, plan, buckets=chosen, parallel=args.parallel, progress=on_progress)
    if out.json_mode:
        out.json(report.to_json())
        return report.exit_code
    # The verdict is a mark before the bucket (its word cost a column: at 80 columns "differences" and bucket
    # names were cut, `differen…`, `web-asse…`); a bucket name is never cut or folded.
    table = Table(title=f"Site validation: {plan.source} → {plan.target} (✓ in sync · ✗ differences · ? unknown)",
                  title_justify="left")
    for col in ("bucket", "source\nversions", "target\nversions", "missing", "extra", "mis-\nmatched"):
        table.add_column(col, justify="left" if col == "bucket" else "right", no_wrap=col == "bucket")
    styles = {IN_SYNC: "green", DIFFERENCES: "red", UNKNOWN: "yellow"}
    marks = {IN_SYNC: "✓", DIFFERENCES: "✗", UNKNOWN: "?"}
    for b in report.buckets:
        r = b.report
        table.add_row(f"[{styles[b.verdict]}]{marks[b.verdict]}[/] {b.bucket}",
                      _versions(r.source_counts.versions if r else None),
                      _versions(r.target_counts.versions if r else None),
                      _versions(r.missing_on_target if r else None), _versions(r.extra_on_target if r else None),
                      _versions(r.mismatched if r else None))
    out.print(table)
    for b in report.buckets:
        if b.verdict == UNKNOWN:
            out.print(f"[yellow]?[/] {b.bucket}: {b.error or (b.report.error if b.report else '')}")
    out.print(f"{report.count(IN_SYNC)} in sync · {report.count(DIFFERENCES)} with differences · "
              f"{report.count(UNKNOWN)} unknown")
    if report.in_sync:
        out.print(f"[green]✓ Every bucket is in sync[/] ({len(report.buckets)} buckets).")
    return report.exit_code


__all__ = ["run", "load_plan", "parse_buckets", "print_plan"]
