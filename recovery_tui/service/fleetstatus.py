"""Read-only status of a whole-site resync: the plan's rows, a run's checkpoint, the servers' answers.

`fleet_status(service, plan, state=…)` never starts or changes anything. Each recoverable bucket's
row takes its resync status from the healthy site (§4, the ARN to the damaged site); a run's saved
rows (the fleet checkpoint's `state`) say which buckets are still queued, excluded or failed to start.
In site-replication mode the site resync's metrics sample (§15.5) is read too, and only bucket
records of that site resync count. A record older than the run's (another ResetID, not running) is
not taken for this run's result.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

from .errors import ConnectionFailure, RecoveryError
from .fleetmodel import EXCLUDED, FAILED, QUEUED, FleetRow, FleetSnapshot, rows_from_plan, snapshot
from .sitemodels import SITE_MODE, SitePlan, SiteResyncMetrics
from .siterepl import site_resync_metrics

PARALLEL = 8


def _overlay(rows: list[FleetRow], state: Optional[dict[str, Any]]) -> None:
    if not state:
        return
    saved = {d.get("bucket"): FleetRow.from_state(d) for d in state.get("rows") or [] if isinstance(d, dict)}
    for i, row in enumerate(rows):
        old = saved.get(row.bucket)
        if old is not None and old.arn == row.arn and not (row.status == EXCLUDED and not old.running):
            old.source_versions = row.source_versions if row.source_versions is not None else old.source_versions
            rows[i] = old


def fleet_status(service: Any, plan: SitePlan, *, state: Optional[dict[str, Any]] = None) -> FleetSnapshot:
    """The current snapshot (see the module docstring). ConnectionFailure when the healthy site is down."""
    rows = rows_from_plan(plan.buckets)
    _overlay(rows, state)
    metrics: Optional[SiteResyncMetrics] = None
    note = ""
    resync_id = str((state or {}).get("resync_id", ""))
    if plan.mode == SITE_MODE and plan.peer is not None:
        try:
            metrics = site_resync_metrics(service, plan.source, plan.peer.deployment_id)
        except ConnectionFailure:
            raise
        except RecoveryError as exc:
            note = f"site resync metrics unavailable: {exc.message}"
        if metrics is not None:
            resync_id = resync_id or metrics.resync_id
            note = f"site resync {metrics.resync_id}: server status {metrics.status or '(none)'}"

    def poll(row: FleetRow) -> None:
        if row.status == EXCLUDED or not row.arn:
            return
        try:
            st = service.resync_status(plan.source, row.bucket, row.arn).for_arn(row.arn)
        except ConnectionFailure:
            raise
        except RecoveryError as exc:
            if exc.code == "NoSuchBucket":
                row.status, row.detail = FAILED, f"the bucket no longer exists on {plan.source}"
            elif exc.code == "ReplicationConfigurationNotFoundError":
                row.status, row.detail = FAILED, f"its replication configuration was removed on {plan.source}"
            return
        if st is None:
            return
        own = row.reset_id or (resync_id if plan.mode == SITE_MODE else "")
        if own and st.reset_id != own and not st.running:
            return  # an older resync's record: not this run's result
        if not own and row.status == QUEUED and plan.mode != SITE_MODE and state:
            return  # queued in a run that has not started it yet
        row.apply(st)

    todo = [r for r in rows if r.status != EXCLUDED]
    if todo:
        with ThreadPoolExecutor(min(PARALLEL, len(todo))) as pool:
            list(pool.map(poll, todo))
    return snapshot(rows, mode=plan.mode, note=note)


__all__ = ["fleet_status"]
