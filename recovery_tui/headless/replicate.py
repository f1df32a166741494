"""`recovery-tui replicate status ALIAS/BUCKET [--json]`: `mc replicate status` on either side (facts §21).

The same three calls and figures as mc: replicated, queued, workers, transfer rate, latency, link, errors in
the last minute / hour / since uptime per target, and the replicas received from the other side. On a bucket
with no outbound rule (a one-way target) it says so and exits 0, where mc fails. Exit 1 when a target link is
offline or replication failed in the last minute; 2 bad input; 3 connection. Never reads the MRF list.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.text import Text

from recovery_tui.headless.common import bucket_path, make_service, missing_bucket_is_input
from recovery_tui.headless.mcdocs import print_mc
from recovery_tui.headless.output import Output, fmt_size
from recovery_tui.service.errors import RecoveryError
from recovery_tui.service.replstatus import ReplicationStatus, TargetStatus
from recovery_tui.service.secrets import redact
from recovery_tui.settings import Settings


def _ago(seconds: float) -> str:
    seconds = int(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _dur(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    return _ago(seconds).replace(" seconds", "s").replace(" second", "s")


def _rate(value: float) -> str:
    return f"{fmt_size(int(value))}/s"


def _n(value: float) -> str:
    return f"{int(value):,}"


def _summary(st: ReplicationStatus) -> dict[str, Any]:
    """recovery-tui's figures (under `recoveryTui` in `--json`): the server's raw keys, already summed."""
    def target(t: TargetStatus) -> dict[str, Any]:
        return {"arn": t.arn, "endpoint": t.endpoint, "online": t.online,
                "currentDowntimeSeconds": t.current_downtime_seconds, "totalDowntimeSeconds": t.total_downtime_seconds,
                "replicatedCount": t.replicated_count, "replicatedSize": t.replicated_size,
                "failed": {"lastMinute": t.failed.last_minute, "lastHour": t.failed.last_hour, "total": t.failed.total},
                "transferRate": {"curr": t.transfer.curr, "avg": t.transfer.avg, "peak": t.transfer.peak},
                "latencySeconds": {"curr": t.latency.curr, "avg": t.latency.avg, "max": t.latency.max}}
    q = st.queued
    return {"outboundRule": st.configured, "uptimeSeconds": st.uptime_seconds,
            "targets": [target(t) for t in st.targets],
            "queued": {"count": q.count, "bytes": q.bytes, "avgCount": q.avg_count, "avgBytes": q.avg_bytes,
                       "maxCount": q.max_count, "maxBytes": q.max_bytes},
            "workers": {"curr": st.workers.curr, "avg": st.workers.avg, "max": st.workers.max},
            "received": {"count": st.replica_count, "size": st.replica_size},
            "failed": {"lastMinute": st.failed.last_minute, "lastHour": st.failed.last_hour,
                       "total": st.failed.total}}


def status_doc(url: str, st: ReplicationStatus) -> dict[str, Any]:
    """mc's `--json` document (§21) plus `recoveryTui`; the queue's `max` is also given as minio-go's `peak`."""
    stats = dict(st.metrics_doc)
    cs = dict(stats.get("currStats") or {})
    queued = dict(cs.get("queued") or {})
    if "max" in queued and "peak" not in queued:
        queued["peak"] = queued["max"]
    if cs:
        cs["queued"] = queued
        stats["currStats"] = cs
    if st.configured:
        stats.setdefault("downtimeInfo", None)
    return {"op": "status", "url": url, "status": "success", "replicationstats": stats,
            "remoteTargets": st.targets_doc, "recoveryTui": _summary(st)}


def _print_target(out: Output, t: TargetStatus, st: ReplicationStatus, single: bool) -> None:
    out.print(Text(f"{t.endpoint or t.arn}", style="bold") + Text(f"  {t.arn}" if t.endpoint else "", style="dim"))
    rows = [("Replicated", f"{t.replicated_count:,} objects ({fmt_size(t.replicated_size)})")]
    if single:
        q = st.queued
        rows += [("Queued", f"● {_n(q.count)} objects, {fmt_size(int(q.bytes))} (avg: {_n(q.avg_count)} objects, "
                            f"{fmt_size(int(q.avg_bytes))}; max: {_n(q.max_count)} objects, {fmt_size(int(q.max_bytes))})"),
                 ("Workers", f"{st.workers.curr} (avg: {st.workers.avg:.0f}; max: {st.workers.max})")]
    rows += [("Transfer Rate", f"{_rate(t.transfer.curr)} (avg: {_rate(t.transfer.avg)}; max: {_rate(t.transfer.peak)})"),
             ("Latency", f"{_dur(t.latency.curr)} (avg: {_dur(t.latency.avg)}; max: {_dur(t.latency.max)})")]
    if t.online is None:
        rows.append(("Link", "? no remote target carries this ARN"))
    elif t.online:
        rows.append(("Link", f"● online (total downtime: {_dur(t.total_downtime_seconds)})"))
    else:
        rows.append(("Link", f"● OFFLINE {_dur(t.current_downtime_seconds)} "
                             f"(total downtime: {_dur(t.total_downtime_seconds)})"))
    rows.append(("Errors", f"{t.failed.last_minute:,} in last 1 minute; {t.failed.last_hour:,} in last 1hr; "
                           f"{t.failed.total:,} since uptime"))
    if t.bandwidth_limit > 0:
        rows.append(("Bandwidth", f"limit {_rate(t.bandwidth_limit)} · current "
                                  f"{_rate(t.current_bandwidth) if t.current_bandwidth > 0 else 'N/A'}"))
    for label, value in rows:
        bad = (label == "Link" and t.online is False) or (label == "Errors" and t.failed.last_minute)
        out.print(Text(redact(f"  {label + ':':<15}{value}"), style="red" if bad else ""))


def print_status(out: Output, path: str, st: ReplicationStatus) -> None:
    if not st.configured:
        out.print(f"{path} has no outbound replication rule: it replicates nothing from here (a one-way target, "
                  "or replication is not set up on this side).")
        out.print("What this side received is counted on the sending side's status; run "
                  "recovery-tui replicate status on the other site's bucket.")
        return
    out.print(f"[bold]Replication status of {path}[/] since {_ago(st.uptime_seconds)} "
              "[dim](this site's counters since it booted)[/]")
    single = len(st.targets) == 1
    for t in st.targets:
        _print_target(out, t, st, single)
    if not st.targets:
        out.print("  (no rule of this bucket names a target)")
    out.print("[bold]Summary:[/]")
    if not single:
        q = st.queued
        out.print(f"  {'Replicated:':<15}{st.replicated_count:,} objects ({fmt_size(st.replicated_size)})")
        out.print(f"  {'Queued:':<15}● {_n(q.count)} objects, {fmt_size(int(q.bytes))} (avg: {_n(q.avg_count)} "
                  f"objects; max: {_n(q.max_count)} objects)", markup=False)
        out.print(f"  {'Workers:':<15}{st.workers.curr} (avg: {st.workers.avg:.0f}; max: {st.workers.max})",
                  markup=False)
        out.print(f"  {'Transfer Rate:':<15}{_rate(st.transfer.curr)} (avg: {_rate(st.transfer.avg)}; "
                  f"max: {_rate(st.transfer.peak)})", markup=False)
        out.print(f"  {'Errors:':<15}{st.failed.last_minute:,} in last 1 minute; {st.failed.last_hour:,} in last "
                  f"1hr; {st.failed.total:,} since uptime", markup=False)
    out.print(f"  {'Received:':<15}{st.replica_count:,} objects ({fmt_size(st.replica_size)}) "
              "replicated here from the other side", markup=False)


def run(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    service = make_service(settings)
    path = bucket_path(service, args.path)
    try:
        st = service.replication_status(path.alias, path.bucket)
    except RecoveryError as exc:
        raise missing_bucket_is_input(exc, path) from None
    if out.json_mode:
        print_mc(status_doc(args.path, st))
    else:
        print_status(out, str(path), st)
    return 1 if st.unhealthy else 0


__all__ = ["print_status", "run", "status_doc"]
