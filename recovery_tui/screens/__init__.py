"""The wizard's screens, one module per step, and the contract between them and the App.

Contract (agreed between the wizard's two authors; keep it true):

* Every step screen subclasses `screens.base.StepScreen` and is constructed as
  `XScreen(service: RecoveryService, state: WizardState)` (Connect also takes
  `aliases: list[str]` and `source: BucketPath | None`). It sets `STEP` (0-based)
  and `EXPLAIN`, implements `compose_body()` and `mc_command()`.
* The App owns the order. A screen reports completion with `self.finish()`
  (posts `messages.StepDone(step)`), or `self.finish(goto=N)` to jump; the App
  saves `state` and pushes the screen for the next step:

  ====  ==================  ===============================  ============================
  step  module              class                            reads / writes in WizardState
  ====  ==================  ===============================  ============================
  0     screens.connect     ConnectScreen(service, state,    source_alias, source_bucket
                            aliases=[...], source=None)
  1     screens.targets     TargetsScreen(service, state)    arn, target_alias/bucket/endpoint,
                                                             rule_id, bandwidth_limit
  2     screens.preflight   PreflightScreen(service, state)  source_versions, target_versions;
                                                             finish() → Start,
                                                             finish(goto=4) → Monitor (running)
  3     screens.start       StartScreen(service, state)      reset_id, older_than_days,
                                                             resync_started_at; finish() → Monitor
  4     screens.monitor     MonitorScreen(service, state)    resync_status, replicated_*,
                                                             failed_count, resync_finished_at
  5     screens.validate    ValidateScreen(service, state)   validation
  6     screens.next_steps  NextStepsScreen(service, state)  checklist; finish() ends the run
  ====  ==================  ===============================  ============================

* `self.save_state()` asks the App to persist the state mid-step (e.g. a
  checklist tick); `self.now()` is the App's injected clock (UTC);
  `self.record(action, mc=..., result=..., **detail)` writes the audit journal.
* Service calls run in `@work(thread=True, exclusive=True, exit_on_error=False,
  group=..., description=...)` workers that post messages. A failed worker is
  forwarded by `StepScreen` to the App's one error router (`ErrorModal`, or a
  toast when the error is retryable); override `worker_failed(worker)` to tidy up.
* Polling stops when the screen is not shown (`on_screen_suspend` / `on_unmount`).
"""

from __future__ import annotations

import importlib
from typing import Optional

from textual.screen import Screen

STEP_SCREENS: dict[int, tuple[str, str]] = {
    0: ("recovery_tui.screens.connect", "ConnectScreen"),
    1: ("recovery_tui.screens.targets", "TargetsScreen"),
    2: ("recovery_tui.screens.preflight", "PreflightScreen"),
    3: ("recovery_tui.screens.start", "StartScreen"),
    4: ("recovery_tui.screens.monitor", "MonitorScreen"),
    5: ("recovery_tui.screens.validate", "ValidateScreen"),
    6: ("recovery_tui.screens.next_steps", "NextStepsScreen"),
}
"""Step index → (module, class). Imported lazily so a step still being written cannot break the others."""


def screen_class(step: int) -> Optional[type[Screen[None]]]:
    """The screen class for `step`, or None when its module is not available (yet)."""
    module_name, class_name = STEP_SCREENS[step]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, class_name, None)


__all__ = ["STEP_SCREENS", "screen_class"]
