"""`recovery-tui site canary SRC DST` (issue 11 item 5): one canary round per bucket, or a chosen sample.

Every recoverable bucket of the plan (default), the ones named (`--buckets a,b`), or a sample of N
(`--sample N`, the biggest or `--pick random [--seed S]`). For each, one small object under
`.recovery-tui-canary/` is written on SRC and one on DST, and each is looked for on the other side
(`service.sitecanary`). A bucket whose DST bucket has no replication rule back gets the SRC → DST canary only.
Canary keys are the only keys written, only in the sampled buckets. It asks for the damaged alias to be typed,
or `--yes`. Exit 0 only when every sampled bucket's canaries were seen both ways; 1 when any was NOT seen or
is unknown (not proven either way); 2 bad input; 3 a site does not answer.

`--json`: `{"source","target","run_id","sample":{"how","size","of"},"buckets":[{"bucket","verdict","one_way",
"checks":[{"from","to","key","version_id","seen","proven_absent","seconds","error"}]}],"seen","not_seen",
"unknown"}` (verdict: "seen both ways" | "NOT seen" | "unknown").
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from rich.table import Table

from recovery_tui.headless.common import journal
from recovery_tui.headless.output import Output
from recovery_tui.headless.site import load_plan, parse_buckets
from recovery_tui.headless.site_resync import _confirm
from recovery_tui.mccmd import q
from recovery_tui.service.canary import CanaryCheck
from recovery_tui.service.errors import InputError
from recovery_tui.service.sitecanary import NOT_SEEN, SEEN, UNKNOWN, canary_round, one_way_buckets, sample, verdict, why
from recovery_tui.settings import Settings

STYLES = {SEEN: "green", NOT_SEEN: "red", UNKNOWN: "yellow"}
MARKS = {SEEN: "✓", NOT_SEEN: "✗", UNKNOWN: "?"}


def _mc(c: CanaryCheck) -> str:
    peer = f"{c.peer_alias}/{c.peer_bucket or c.write.bucket}/{c.write.key}"
    write = f"echo canary | mc pipe {q(f'{c.write.alias}/{c.write.bucket}/{c.write.key}')}"
    return write + (f"; mc stat --version-id {c.write.version_id} {q(peer)}" if c.write.version_id else "")


def run(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    if args.sample is not None and args.buckets is not None:
        raise InputError("--sample and --buckets choose the buckets two ways; give one",
                         hint="e.g. --sample 3 (the 3 biggest), or --buckets photos,logs")
    if args.sample is not None and args.sample < 1:
        raise InputError(f"--sample must be at least 1, got {args.sample}")
    service, plan = load_plan(args, settings, out, count=args.sample is not None and args.pick == "biggest")
    rows = plan.recoverable()
    if not rows:
        raise InputError(f"no bucket of {plan.source} → {plan.target} is recoverable: nothing to test",
                         hint=f"See why: recovery-tui site plan {plan.source} {plan.target}")
    marked = parse_buckets(args.buckets, plan)
    how = "marked" if marked is not None else (args.pick if args.sample is not None else "all")
    chosen = sample(rows, how, args.sample, marked or (), seed=args.seed)
    _confirm(args, plan, f"a canary round in {len(chosen)} of {len(rows)} bucket(s): one small object under "
                         ".recovery-tui-canary/ written on each side")
    one_way = one_way_buckets(service, plan, chosen)
    run_id = uuid.uuid4().hex[:8]
    log = journal("site-canary")

    def done(bucket: str, checks: list[CanaryCheck]) -> None:
        v = verdict(checks, bucket in one_way)
        if log is not None:
            log.record("site.canary", mc="; ".join(_mc(c) for c in checks),
                       result="ok" if v == SEEN else ("failed" if v == NOT_SEEN else "unknown"), bucket=bucket,
                       verdict=v, one_way=bucket in one_way)
        if not out.interactive:
            out.notice(f"{bucket}: {v}", style="dim")

    with out.progress("Canaries", total=len(chosen)) as bar:
        finished: list[str] = []

        def progressed(bucket: str, checks: list[CanaryCheck]) -> None:
            done(bucket, checks)
            finished.append(bucket)
            bar.update(completed=len(finished), total=len(chosen), info=bucket)

        results = canary_round(service, plan, chosen, run_id, one_way=one_way, timeout=args.timeout,
                               on_done=progressed)
    verdicts = {b: verdict(results.get(b, []), b in one_way) for b in chosen}
    count = {v: sum(1 for x in verdicts.values() if x == v) for v in (SEEN, NOT_SEEN, UNKNOWN)}
    if out.json_mode:
        out.json(_json(plan, run_id, how, len(rows), chosen, results, verdicts, one_way, count))
    else:
        _print(out, plan, chosen, results, verdicts, one_way, count, len(rows))
    return 0 if count[SEEN] == len(chosen) else 1


def _json(plan: Any, run_id: str, how: str, of: int, chosen: list[str], results: dict[str, list[CanaryCheck]],
          verdicts: dict[str, str], one_way: set[str], count: dict[str, int]) -> dict[str, Any]:
    return {"source": plan.source, "target": plan.target, "run_id": run_id,
            "sample": {"how": how, "size": len(chosen), "of": of},
            "buckets": [{"bucket": b, "verdict": verdicts[b], "one_way": b in one_way, "checks": [
                {"from": c.write.alias, "to": c.peer_alias, "key": c.write.key, "version_id": c.write.version_id,
                 "seen": c.seen, "proven_absent": c.proven_absent, "seconds": c.seconds, "error": c.error}
                for c in results.get(b, [])]} for b in chosen],
            "seen": count[SEEN], "not_seen": count[NOT_SEEN], "unknown": count[UNKNOWN]}


def _print(out: Output, plan: Any, chosen: list[str], results: dict[str, list[CanaryCheck]], verdicts: dict[str, str],
           one_way: set[str], count: dict[str, int], of: int) -> None:
    table = Table(title=f"Canary round: {plan.source} ⇄ {plan.target} ({len(chosen)} of {of} buckets)",
                  title_justify="left")
    for col in ("bucket", "verdict", "each direction"):
        table.add_column(col, overflow="fold")
    back = f"{plan.target}→{plan.source}"
    for b in chosen:
        v = verdicts[b]
        table.add_row(b, f"[{STYLES[v]}]{MARKS[v]} {v}[/]", why(results.get(b, []), b in one_way, back))
    out.print(table)
    out.print(f"{count[SEEN]} seen both ways · {count[NOT_SEEN]} NOT seen · {count[UNKNOWN]} unknown. The canaries "
              "stay under .recovery-tui-canary/ (new keys only; no other key was written).")


__all__ = ["run"]
