"""The whole-site flow's session and what its screens ask of the servers (no Textual).

`SiteSession` is what the four site screens share: the two aliases, the plan, the buckets the operator
included, the queue order and cap, the running `FleetRunner`, the validation, the report paths.
`SiteOps(service)` is the screens' one door to the service (plan = discovery + counts, the runner,
the fleet validation, the rules each target must get back); tests and snapshots pass a scripted one.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Optional

from recovery_tui.procedure.next_steps_plan import Plan as RulesPlan
from recovery_tui.procedure.next_steps_plan import compare
from recovery_tui.service.canary import CanaryCheck
from recovery_tui.service.discovery import count_versions, discover
from recovery_tui.service.errors import RecoveryError
from recovery_tui.service.fleet import FleetRunner, open_checkpoint
from recovery_tui.service.sitecanary import canary_round, one_way_buckets
from recovery_tui.service.sitefleet import SiteResyncRunner
from recovery_tui.service.sitemodels import SITE_MODE, SitePlan
from recovery_tui.service.sitevalidate import BucketProgress, SiteValidation, validate_site

MAX_RUNNING_CHOICES = (1, 2, 4, 8, 16)
"""What `m` cycles through (the default is 4)."""


@dataclass
class SiteSession:
    """The state of one whole-site recovery in the wizard."""

    source: str
    target: str
    plan: Optional[SitePlan] = None
    included: set[str] = field(default_factory=set)
    order: str = "size"
    max_running: int = 4
    runner: Optional[FleetRunner] = None
    validation: Optional[SiteValidation] = None
    rules: dict[str, RulesPlan] = field(default_factory=dict)
    rules_error: str = ""
    report_paths: tuple[str, ...] = ()
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    resume_included: Optional[set[str]] = None
    """After a reattach: the buckets the interrupted run included (kept when the plan is read again)."""
    reattached_from: Optional[datetime] = None
    """After a reattach: when the interrupted run was confirmed. Its checkpoint is read back even if the run
    finished meanwhile (every row as it ended, nothing started again); one saved before then is another run's."""
    offered: Optional[set[str]] = None
    """The recoverable buckets of the last plan shown (None before the first): what the operator chose from."""
    per_bucket: bool = False
    """Site replication, but the operator chose bucket-by-bucket resyncs instead of the site-level one."""
    canary_sample: Optional[list[str]] = None
    """The buckets of the last canary round (None: no round yet); the others were not sampled."""
    canary_one_way: set[str] = field(default_factory=set)
    """Buckets of that round whose canary could go one way only (rules back missing): never "seen both ways"."""

    def choose_plan(self, plan: SitePlan) -> None:
        """A new plan: every recoverable bucket included (or, after a reattach, the run's own choice). Read again
        (r), it keeps the operator's choice: a bucket left out stays out, one that has just become recoverable
        (its rule fixed meanwhile) comes in, one that no longer is goes."""
        self.plan = plan
        every = {b.bucket for b in plan.recoverable()}
        if self.resume_included is not None:
            self.included = every & self.resume_included
        elif self.offered is not None:
            self.included = (self.included & every) | (every - self.offered)
        else:
            self.included = every
        self.offered = set(every)  # (not the same set as `included`, which the screen edits in place)

    @property
    def site_mode(self) -> bool:
        """Both aliases are peers of one site-replication group (the site-level resync is possible)."""
        return self.plan is not None and self.plan.mode == SITE_MODE and self.plan.peer is not None

    @property
    def site_level(self) -> bool:
        """The site-replication path (one site-level resync for every bucket), unless bucket by bucket was chosen."""
        return self.site_mode and not self.per_bucket

    def rules_fix(self, bucket: str) -> list[str]:
        """The commands that give `bucket`'s target its rules back to the source. In a site-replication group
        the servers refuse `mc replicate add` (XMinioAdminRemoteTargetDenyAdd / XMinioReplicationDenyEdit,
        facts §15.1 and the error table): site replication manages those rules, so none is offered there."""
        plan = self.rules.get(bucket)
        if plan is None or self.site_mode:
            return []
        return list(plan.commands())

    @property
    def rules_note(self) -> str:
        """What to do about missing rules when no command can recreate them (site replication), else ""."""
        if not self.site_mode or not any(p.to_fix for p in self.rules.values()):
            return ""
        return (f"site replication manages these rules (its servers refuse `mc replicate add`); see what the "
                f"group reports: mc admin replicate status {self.target}")

    def choose_per_bucket(self, per_bucket: bool) -> None:
        """Switch between the site-level resync and bucket-by-bucket resyncs (site replication only); the
        site-level one always covers every recoverable bucket."""
        self.per_bucket = per_bucket
        if self.plan is not None and not per_bucket:
            self.included = {b.bucket for b in self.plan.recoverable()}

    def next_max_running(self) -> int:
        later = [n for n in MAX_RUNNING_CHOICES if n > self.max_running]
        self.max_running = later[0] if later else MAX_RUNNING_CHOICES[0]
        if self.runner is not None:
            self.runner.set_max_running(self.max_running)
        return self.max_running


class SiteOps:
    """The site screens' calls, run from their thread workers."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def plan(self, src: str, dst: str, progress: Optional[Callable[[int, int, str], None]] = None) -> SitePlan:
        return count_versions(self.service, discover(self.service, src, dst, progress=progress), progress=progress)

    def runner(self, session: SiteSession, *, journal: Any = None, poll_interval: float = 2.0) -> FleetRunner:
        """The fleet runner for the session's plan (checkpointed: a re-run continues, never double-starts)."""
        plan = session.plan
        assert plan is not None
        since = session.reattached_from.timestamp() if session.reattached_from is not None else None
        kw: dict[str, Any] = dict(checkpoint=open_checkpoint(plan, reattach_since=since), journal=journal,
                                  poll_interval=poll_interval)
        if session.site_level:
            return SiteResyncRunner(self.service, plan, **kw)
        chosen = [b.bucket for b in plan.buckets if b.bucket in session.included]
        return FleetRunner(self.service, plan, buckets=chosen, order=session.order,
                           max_running=session.max_running, **kw)

    def cancel_site(self, session: SiteSession) -> str:
        """Cancel the running site-level resync once (best-effort on the server, §15.4); returns what the
        operator should know (the runner's note). Refusals raise `SiteResyncRefused`."""
        runner = session.runner
        if not isinstance(runner, SiteResyncRunner):
            raise RecoveryError("No site-level resync runs in this session", hint="Nothing was sent.")
        runner.cancel_site()
        return runner.note

    def validate(self, session: SiteSession, progress: Optional[BucketProgress] = None,
                 cancel: Optional[threading.Event] = None) -> SiteValidation:
        assert session.plan is not None
        return validate_site(self.service, session.plan, buckets=sorted(session.included), progress=progress,
                             cancel=cancel)

    def canaries(self, session: SiteSession, run_id: str, *, buckets: Optional[list[str]] = None,
                 timeout: float = 30.0,
                 on_done: Optional[Callable[[str, list[CanaryCheck]], None]] = None) -> dict[str, list[CanaryCheck]]:
        """One canary round over `buckets` (the operator's sample; default every included bucket), 4 at a time
        (`service.sitecanary.canary_round`): a small object under `.recovery-tui-canary/` written on each side
        and watched for on the other. A bucket whose target still lacks its rules back gets only the healthy →
        damaged canary (the other cannot arrive before the rules are recreated): its result stays "unknown"."""
        plan = session.plan
        assert plan is not None
        chosen = [b for b in (buckets if buckets is not None else sorted(session.included)) if b in session.included]
        session.canary_one_way = self.one_way(session, chosen)
        return canary_round(self.service, plan, chosen, run_id, one_way=session.canary_one_way, timeout=timeout,
                            on_done=on_done)

    def one_way(self, session: SiteSession, buckets: list[str]) -> set[str]:
        """The buckets whose canary can only go healthy → damaged: their rules back are missing (from the
        rules comparison when it ran, else read now)."""
        if session.rules and not session.rules_error:
            return {b for b in buckets if (p := session.rules.get(b)) is None or p.to_fix}
        assert session.plan is not None
        return one_way_buckets(self.service, session.plan, buckets)

    def rules(self, session: SiteSession) -> dict[str, RulesPlan]:
        """Per included bucket: the rules its target bucket must get back to replicate to the source again."""
        plan = session.plan
        assert plan is not None
        src_url = self.service.aliases.get(plan.source).url
        rows = [b for b in plan.buckets if b.bucket in session.included]

        def one(row: Any) -> tuple[str, RulesPlan]:
            tb = row.target_bucket or row.bucket
            source_cfg = self.service.replication_config(plan.source, row.bucket)
            target_cfg = self.service.replication_config(plan.target, tb)
            remotes = self.service.remote_targets(plan.target, tb)
            return row.bucket, compare(source_cfg, target_cfg, row.arn, target_path=f"{plan.target}/{tb}",
                                       source_url=src_url, source_bucket=row.bucket, target_remotes=remotes)

        if not rows:
            return {}
        with ThreadPoolExecutor(min(8, len(rows))) as pool:
            return dict(pool.map(one, rows))


__all__ = ["SiteSession", "SiteOps", "MAX_RUNNING_CHOICES", "RecoveryError"]
