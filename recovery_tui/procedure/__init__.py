"""The procedure's logic, free of Textual: what the wizard's steps decide, testable without an app.

* `preflight_checks` — the preflight checklist as plain functions over the service (Step.PREFLIGHT).
* `monitor_math` — rates, ETA, stall detection for the resync monitor (Step.MONITOR).
* `backlog_groups` — the replication backlog grouped by status and age (Step.VALIDATE).
* `next_steps_plan` — which replication rules the recovered target must get back, as mc commands (Step.NEXT_STEPS).
* `checklist` (`CheckItem`) and `units` (`human_rate`) — the plain data and wording they share with the screens.

Screens import from here; this package never imports Textual, the screens, the widgets or the lab (contract
`procedure-no-textual` in pyproject.toml). `monitor_math`, `backlog_groups`, `checklist` and `units` import
nothing of the service either, so widgets may use them.
"""
