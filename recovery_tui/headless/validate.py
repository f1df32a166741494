"""`recovery-tui validate SRC/BUCKET DST/BUCKET [--prefix P] [--engine auto|listing|inventory]`: are both
sides holding the same versions?

The equivalent of comparing `mc ls -r --versions … | wc -l` on both sides and `mc stat` on each
version, done exactly: by listing both buckets here (`recovery_tui.service.validate`) or from the
servers' own inventory reports (`recovery_tui.service.inventory_engine`); `auto` chooses
(`service.engine_choice`). Exit 0 in sync, 1 differences (or an incomplete result, UNKNOWN parts
included), 2 bad input, 3 when a site could not be reached or refused the credentials.
"""

from __future__ import annotations

import argparse

from rich.table import Table

from recovery_tui.headless.common import journal, make_service, missing_bucket_is_input
from recovery_tui.headless.output import Output
from recovery_tui.headless.validate_inventory import inventory_options, progress_line, unknown_cell
from recovery_tui.service.aliases import parse_bucket_path
from recovery_tui.service.checkpoint import Checkpoint
from recovery_tui.service.engine_choice import AUTO_THRESHOLD, check_engine, run_validation
from recovery_tui.service.errors import InputError, NotFound, RecoveryError
from recovery_tui.service.validate import CLASSES, ValidationProgress, ValidationReport
from recovery_tui.service.validation_report import SOURCE_COUNTS, TARGET_COUNTS
from recovery_tui.settings import Settings

_TITLES = {"missing_on_target": "missing on target", "extra_on_target": "extra on target", "mismatched": "mismatched"}


def run(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    if args.limit < 0:
        raise InputError(f"--limit must be 0 or more, got {args.limit}", hint="For example --limit 20.")
    engine = check_engine(args.engine)
    options = inventory_options(args, journal("validate"))
    if engine == "listing" and (args.source_manifest or args.target_manifest):
        raise InputError("--source-manifest/--target-manifest need the inventory engine",
                         hint="Use --engine inventory (or leave --engine at auto).")
    if engine == "inventory" and args.checkpoint:
        raise InputError("--checkpoint applies to the listing engine", hint="Use --engine listing with --checkpoint.")
    if engine == "auto" and (args.source_manifest or args.target_manifest):
        engine = "inventory"
    service = make_service(settings)
    src, dst = parse_bucket_path(args.source), parse_bucket_path(args.target)
    for side in (src, dst):
        service.aliases.get(side.alias)
    prefix = args.prefix or src.prefix or dst.prefix
    checkpoint = None
    if args.checkpoint:
        checkpoint = Checkpoint.open(args.checkpoint, "validate", {
            "source": f"{src.alias}/{src.bucket}", "target": f"{dst.alias}/{dst.bucket}", "prefix": prefix,
        })
        if checkpoint.resumed:
            out.notice(f"Resuming the validation from {args.checkpoint} (compared up to "
                       f"'{checkpoint.state.get('last_key', '')}').")
    with out.progress("Comparing versions") as bar:

        def on_progress(p: object) -> None:
            if isinstance(p, ValidationProgress):
                bar.update(completed=p.source_versions + p.target_versions,
                           info=f"source {p.source_versions:,} · target {p.target_versions:,} · "
                                f"{p.missing_on_target + p.extra_on_target + p.mismatched:,} differences")
            else:
                bar.update(info=progress_line(p))

        try:
            report = run_validation(service, src, dst, engine=engine, prefix=prefix, parallel=args.parallel,
                                    sample_limit=max(args.limit, 1), progress=on_progress, checkpoint=checkpoint,
                                    options=options, threshold=args.inventory_threshold or AUTO_THRESHOLD)
        except KeyboardInterrupt:  # Ctrl+C, SIGHUP, SIGTERM: the service saved what was compared
            if checkpoint is not None:
                state, done = checkpoint.on_disk()
                key = state.get("last_key", "")
                out.interrupted("the comparison had ended; the same command again compares afresh." if done else
                                (f"compared up to '{key}', kept in {checkpoint.path}" if key else
                                 "nothing compared yet") + "; run the same command again to continue from there.")
            raise
        except NotFound as exc:
            if exc.code == "NoSuchBucket":
                for side in (src, dst):
                    try:
                        if not service.bucket_exists(side.alias, side.bucket):
                            raise missing_bucket_is_input(exc, side) from None
                    except RecoveryError as inner:
                        if inner is not exc and inner.exit_code == 2:
                            raise
            raise
    if out.json_mode:
        out.json(report.to_json())
    else:
        _print(out, report, args.limit)
    if report.incomplete:
        return 3 if report.error_exit_code == 3 else 1
    return 0 if report.in_sync else 1


def _print(out: Output, r: ValidationReport, limit: int) -> None:
    table = Table(title=f"Versions under {r.source} and {r.target}", title_justify="left")
    for col in ("side", "versions (mc ls -r --versions | wc -l)", "current", "noncurrent", "delete markers"):
        table.add_column(col, justify="right" if col != "side" else "left")
    for name, c, part in ((r.source, r.source_counts, SOURCE_COUNTS), (r.target, r.target_counts, TARGET_COUNTS)):
        if r.is_known(part):
            table.add_row(name, f"{c.versions:,}", f"{c.current:,}", f"{c.noncurrent:,}", f"{c.delete_markers:,}")
        else:
            table.add_row(name, *([unknown_cell()] * 4))
    out.print(table)
    for note in r.notes:
        out.print(f"· {note}")
    for kind in CLASSES:
        if not r.is_known(kind):
            out.print(f"[red]{_TITLES[kind]}: UNKNOWN[/] (see below)")
            continue
        count = getattr(r, kind)
        if not count or not limit:
            continue
        diffs = r.samples_of(kind)[:limit]
        t = Table(title=f"{_TITLES[kind]}: {count:,}" + (f" (first {len(diffs)})" if len(diffs) < count else ""),
                  title_justify="left")
        # A version on one side only has no detail beyond DEL: no such column, so that at 80 columns a key of ~30
        # characters and the whole version ID fit on one line (an ID is copied whole: never folded).
        both = kind == "mismatched"
        for col in ("key", "version ID", "size") + (("detail",) if both else ()):
            t.add_column(col, overflow="fold", no_wrap=col == "version ID")
        for d in diffs:
            v = d.source or d.target
            size = "DEL" if v is not None and v.delete_marker else (f"{v.size:,}" if v else "")
            t.add_row(d.key, d.version_id, size, *([d.detail] if both else []))
        out.print(t)
    if r.diffs_file and (r.missing_on_target or r.extra_on_target or r.mismatched):
        out.print(f"  Every difference: {r.diffs_file}")
    if r.incomplete and r.engine == "inventory":
        out.print(f"[red]✗ Incomplete:[/] {r.error}")
        out.print("  Parts marked UNKNOWN could not be compared; differences above are real, nothing unknown is "
                  "called missing.")
        return
    if r.incomplete:
        out.print(f"[red]✗ Incomplete:[/] the listing stopped after '{r.compared_up_to or '(start)'}': {r.error}")
        out.print("  Nothing beyond that point was compared; differences above are real, the rest is unknown.")
        return
    if r.in_sync:
        out.print(f"[green]✓ In sync:[/] {r.source_counts.versions:,} versions on each side, every version matches.")
        return
    out.print(f"[red]✗ Not in sync:[/] {r.missing_on_target:,} missing on target, "
              f"{r.extra_on_target:,} extra on target, {r.mismatched:,} mismatched.")
    if r.missing_on_target:
        out.print("  Next: start a resync (recovery-tui resync start --remote-bucket ARN "
                  f"{r.source.split('/', 2)[0]}/{r.source.split('/', 2)[1]}), then re-trigger what stays "
                  "backlogged (recovery-tui resync-backlog …).")
