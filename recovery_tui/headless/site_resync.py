"""`recovery-tui site resync start|status|cancel SRC DST` (issue 11, item 6).

* `start` resyncs every recoverable bucket (or `--buckets a,b`) with at most `--max-running` at once,
  the rest queued biggest first (or as given), and stays until each has ended; with site replication
  it sends ONE site-level start instead (unless `--per-bucket`). It asks for the damaged alias to be
  typed, or `--yes`. Progress is checkpointed: after Ctrl+C, SIGHUP or a crash the same command
  continues (running resyncs are followed, never started twice). Exit 0 every bucket Completed with no
  failed version, 1 any failed, 3 a site stayed offline, 130 interrupted.
* `status` one row per bucket (`--watch` until none is Pending/Ongoing). Exit 1 when any failed.
* `cancel` the site-level resync (site replication only; the server's cancel is best-effort, §15.4).

`--json` (more keys may follow): `{"status","buckets":[{"bucket","status","replicated_count",
"failed_count",…}],…}` for start and status.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Optional

from rich.table import Table

from recovery_tui.headless.common import journal, parse_older_than
from recovery_tui.headless.output import Output
from recovery_tui.headless.site import load_plan, parse_buckets
from recovery_tui.service.checkpoint import Checkpoint, default_path
from recovery_tui.service.errors import InputError, RecoveryError
from recovery_tui.service.fleet import KIND, FleetRunner, open_checkpoint
from recovery_tui.service.fleetmodel import COMPLETED, FAILED, FleetSnapshot
from recovery_tui.service.fleetstatus import fleet_status
from recovery_tui.service.sitefleet import SiteResyncRunner
from recovery_tui.service.sitemodels import SITE_MODE, SitePlan
from recovery_tui.settings import Settings

STYLES = {"Completed": "green", "Failed": "red", "Ongoing": "cyan", "Pending": "cyan", "Queued": "white",
          "Excluded": "dim"}


def run(args: argparse.Namespace, settings: Settings) -> int:
    return {"start": _start, "status": _status, "cancel": _cancel}[args.site_resync_command](args, settings)


def snapshot_json(snap: FleetSnapshot) -> dict[str, Any]:
    t = snap.totals
    return {"status": snap.status, "buckets": [r.to_json() for r in snap.rows], "mode": snap.mode,
            "note": snap.note, "site": snap.site, "paused": snap.paused,
            "totals": {"buckets": t.buckets, "queued": t.queued, "running": t.running, "completed": t.completed,
                       "failed": t.failed, "excluded": t.excluded, "replicated_count": t.replicated_count,
                       "failed_count": t.failed_count, "remaining_versions": t.remaining}}


def table(snap: FleetSnapshot, title: str, live: int = 0) -> Table:
    """The fleet as a table, the totals (and any pause, site line or note) under it. `live` (redrawn in place on
    a terminal that many columns wide): the totals above it, and each detail cut to one line (of the width, what
    the other columns leave, taken as 60 cells), so that at 80x24 the rows of a dozen buckets and the totals stay
    on screen (a folded detail took 7 lines and pushed the last rows and the totals off the bottom); the table
    printed at the end has every detail whole."""
    t = snap.totals
    caption = (f"{t.completed} completed · {t.running} running · {t.queued} queued · {t.failed} failed · "
               f"{t.excluded} excluded")
    if t.remaining:  # (on a line of its own where the first is full: a title is not folded at a " · ")
        more = f" · {t.remaining:,} versions to go"
        caption += f"\n{more[3:]}" if live and len(caption) + len(more) >= live else more
    if snap.paused:
        caption += f"\nPAUSED: {snap.paused}"
    if snap.site:
        caption += f"\n{snap.site}"
    if snap.note:
        caption += f"\n{snap.note}"
    if live:
        tab = Table(title=f"{title}\n{caption}", title_justify="left")
    else:
        tab = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    for col in ("bucket", "status", "re-sent", "failed", "of versions", "detail"):
        cut = bool(live) and col == "detail"
        tab.add_column(col, overflow="ellipsis" if cut else "fold", no_wrap=cut,
                       max_width=max(12, live - 60) if cut else None,
                       justify="right" if col in ("re-sent", "failed", "of versions") else "left")
    for r in snap.rows:
        tab.add_row(r.bucket, f"[{STYLES.get(r.status, 'white')}]{r.status}[/]", f"{r.replicated_count:,}",
                    f"{r.failed_count:,}", "-" if r.source_versions is None else f"{r.source_versions:,}", r.detail)
    return tab


def exit_code(snap: FleetSnapshot) -> int:
    return 1 if any(r.status == FAILED or (r.status == COMPLETED and r.failed_count) for r in snap.rows) else 0


def _confirm(args: argparse.Namespace, plan: SitePlan, what: str) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise InputError(f"starting {what} needs confirmation", hint="Add --yes (no terminal to type the alias in).")
    sys.stderr.write(f"This starts {what} from {plan.source} to {plan.target}.\n"
                     f"Type the damaged alias ({plan.target}) to confirm: ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip()
    if answer != plan.target:
        raise InputError(f"confirmation '{answer}' does not match '{plan.target}'", hint="Nothing was started.")


def _start(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    older = parse_older_than(args.older_than)
    service, plan = load_plan(args, settings, out, count=True)
    chosen = parse_buckets(args.buckets, plan)
    site_level = plan.mode == SITE_MODE and not args.per_bucket
    if site_level and (chosen is not None or older is not None or args.order):
        raise InputError("--buckets, --older-than and --order apply to bucket-by-bucket resyncs; a site-replication "
                         "resync covers every bucket at once", hint="Add --per-bucket to resync bucket by bucket.")
    todo = chosen if chosen is not None else [b.bucket for b in plan.recoverable()]
    if not todo:
        raise RecoveryError(f"nothing to resync: no bucket of {plan.source} → {plan.target} is recoverable",
                            hint=f"See why and how to fix it: recovery-tui site plan {plan.source} {plan.target}")
    _confirm(args, plan, "one site-replication resync" if site_level else
             f"{len(todo)} bucket resync(s), {args.max_running} at a time")
    checkpoint = open_checkpoint(plan)
    log = journal("site-resync-start")
    kw: dict[str, Any] = dict(checkpoint=checkpoint, journal=log, poll_interval=max(0.05, args.interval),
                              max_pause=args.max_pause)
    if site_level:
        runner: FleetRunner = SiteResyncRunner(service, plan, **kw)
    else:
        runner = FleetRunner(service, plan, buckets=chosen, order=args.order or ("given" if chosen else "size"),
                             max_running=args.max_running, older_than=older, **kw)
        if older is not None and older.notice:
            out.notice(older.notice)
    if runner.resumed:
        out.notice(f"Continuing the run saved in {checkpoint.path}: running resyncs are followed, not restarted.")
    title = f"Site resync {plan.source} → {plan.target}"
    last: dict[str, str] = {}
    seen: list[FleetSnapshot] = []  # the live view's last frame, printed whole if a signal erases it

    def whole() -> Optional[Table]:
        return table(seen[0], f"{title}, as last seen before the interrupt") if seen else None

    try:
        with out.live(whole=whole) as live:

            def on_update(snap: FleetSnapshot) -> None:
                if live is not None:
                    seen[:] = [snap]
                    live.update(table(snap, title, live=out.err.width))
                    return
                for r in snap.rows:
                    if last.get(r.bucket) != r.status:
                        last[r.bucket] = r.status
                        out.notice(f"{r.bucket}: {r.status}" + (f" ({r.detail})" if r.detail else ""), style="dim")

            runner.on_update = on_update
            snap = runner.run()
    except KeyboardInterrupt:  # Ctrl+C, SIGHUP, SIGTERM (exits.headless_signals), after the view's last frame
        running = sum(1 for r in runner.rows.values() if r.running)
        out.interrupted(f"{running} resync(s) go on on the server; run the same command again to continue (it "
                        "never starts a bucket twice).")
        raise
    if out.json_mode:
        out.json(snapshot_json(snap))
    else:
        out.print(table(snap, title))
    return exit_code(snap)


def _saved_state(plan: SitePlan) -> Optional[dict[str, Any]]:
    params = {"source": plan.source, "target": plan.target, "mode": plan.mode}
    path = default_path(KIND, params)
    if not path.exists():
        return None
    cp = Checkpoint.open(path, KIND, params)
    return cp.state or None


def _status(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    service, plan = load_plan(args, settings, out, count=False)
    state = _saved_state(plan)
    snap = fleet_status(service, plan, state=state)
    title = f"Site resync {plan.source} → {plan.target}"
    if args.watch:
        snap = _watch(out, service, plan, state, snap, title, max(0.05, args.interval))
    if out.json_mode:
        out.json(snapshot_json(snap))
    else:
        out.print(table(snap, title))
    return exit_code(snap)


def _watch(out: Output, service: Any, plan: SitePlan, state: Any, snap: FleetSnapshot, title: str,
           interval: float) -> FleetSnapshot:
    """Until no row is Pending/Ongoing; a transient error keeps the last good sample under a note."""
    def whole() -> Table:  # after a signal: the last sample, printed in place of the erased live view
        return table(snap, f"{title}, as last seen before the interrupt")

    with out.live(table(snap, title, live=out.err.width), whole=whole) as live:
        while any(r.running for r in snap.rows):
            time.sleep(interval)
            try:
                snap = fleet_status(service, plan, state=state)
            except RecoveryError as exc:
                if not exc.retryable:
                    raise
                out.notice(f"connection lost, retrying ({exc.message}); last good sample kept", style="dim")
                continue
            if live is not None:
                live.update(table(snap, title, live=out.err.width))
    return snap


def _cancel(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    service, plan = load_plan(args, settings, out, count=False)
    if plan.mode != SITE_MODE:
        raise InputError(f"cancel is for site replication only: {plan.source} and {plan.target} use bucket "
                         "replication", hint=f"A community server cannot cancel a bucket resync; wait for it: "
                                             f"recovery-tui site resync status {plan.source} {plan.target} --watch")
    runner = SiteResyncRunner(service, plan, journal=journal("site-resync-cancel"))
    op = runner.cancel_site()
    if out.json_mode:
        out.json({"op": op.op, "id": op.resync_id, "status": op.status, "note": runner.note,
                  "buckets": [{"bucket": f.bucket, "status": f.status, "error": f.error_detail} for f in op.failed]})
    else:
        out.print(f"[yellow]■[/] Site resync {op.resync_id} to {plan.target}: the server answered {op.status}.")
        for f in op.failed:
            out.print(f"  {f.bucket}: {f.error_detail or f.status}")
        out.print(f"  {runner.note}")
    return 0 if not op.failed else 1


__all__ = ["run", "snapshot_json", "exit_code"]
