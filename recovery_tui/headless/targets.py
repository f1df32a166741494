"""`recovery-tui targets ALIAS/BUCKET`: replication rules joined with their remote targets (mc replicate ls).

`--json` prints what `mc replicate ls --json` prints, one document per rule (§18); the remote target's live
state (endpoint, online, matching alias) is added under `recoveryTui`.
"""

from __future__ import annotations

import argparse
from typing import Any

from recovery_tui import mccmd
from recovery_tui.headless.common import bucket_path, make_service, missing_bucket_is_input
from recovery_tui.headless.mcdocs import print_mc, rule_doc
from recovery_tui.headless.output import Output
from recovery_tui.service.errors import InputError, RecoveryError
from recovery_tui.service.models import TargetView
from recovery_tui.settings import Settings


def _row(v: TargetView) -> dict[str, Any]:
    r, t = v.rule, v.target
    return {
        "arn": r.destination_arn, "rule_id": r.id, "status": r.status, "priority": r.priority,
        "existing_object_replication": r.existing_object_replication or "Disabled",
        "delete_replication": r.delete_replication, "delete_marker_replication": r.delete_marker_replication,
        "endpoint": t.endpoint if t else "", "target_bucket": t.target_bucket if t else "",
        "online": bool(t.online) if t else False, "prefix": r.filter.prefix,
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    out = Output(args.json)
    service = make_service(settings)
    path = bucket_path(service, args.path)
    try:
        views = service.targets(path.alias, path.bucket)
    except RecoveryError as exc:
        raise missing_bucket_is_input(exc, path) from None
    if not views:
        raise InputError(f"{path} has no replication configuration",
                         hint=f"Add a rule first: mc replicate add {path} --remote-bucket TARGET_ALIAS/BUCKET "
                              "--priority 1")
    if out.json_mode:
        for v in views:
            print_mc(rule_doc(v))
        return 0
    out.print(f"[bold]Replication targets of {path}[/]")
    for v in views:
        j = _row(v)
        online = "[green]online[/]" if j["online"] else ("[red]offline[/]" if v.target else "[red]no remote target[/]")
        out.print(f"Rule [bold]{j['rule_id']}[/]  {j['status']}  priority {j['priority']}"
                  + (f"  prefix {j['prefix']}" if j["prefix"] else ""))
        out.print(f"  ARN       {j['arn']}", markup=False)
        where = f"{j['endpoint']}" + (f" (alias {v.alias})" if v.alias else "")
        out.print(f"  Target    {where or '-'}  bucket {j['target_bucket'] or '-'}  {online}")
        out.print(f"  Replicates existing objects: {j['existing_object_replication']} · deletes: "
                  f"{j['delete_replication']} · delete markers: {j['delete_marker_replication']}")
    for v in views:
        if not v.rule.existing_objects_enabled:
            fix = mccmd.update_flags(str(path), v.rule, enable=("existing-objects",))
            out.print(f"[yellow]⚠ rule {v.rule.id} does not replicate existing objects: a resync will skip them[/]")
            out.print(f"  enable it, keeping the rule's other flags: {fix}", markup=False)
    return 0
