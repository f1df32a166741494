"""The wizard's screens, one module per step, and the contract between them and the App.

Contract (agreed between the wizard's two authors; keep it true):

* Every step screen subclasses `screens.base.StepScreen` and is constructed as
  `XScreen(service: RecoveryService, state: WizardState)` (Connect also takes
  `aliases: list[str]` and `source: BucketPath | None`). It sets `STEP` (a
  `steps.Step`) and `EXPLAIN`, implements `compose_body()` and `mc_command()`.
  `screens.registry.SCREENS` binds each `Step` to a typed function that imports
  its class when the step is first shown (no loading by name);
  `steps.STEPS` holds each step's title and mc command.
* The App owns the order. A screen reports completion with `self.finish()`
  (posts `messages.StepDone(step)`), or `self.finish(goto=Step.X)` to jump; the App
  saves `state` and pushes the screen for the next step:

  ==========  ==================  ===============================  ============================
  Step        module              class                            reads / writes in WizardState
  ==========  ==================  ===============================  ============================
  CONNECT     screens.connect     ConnectScreen(service, state,    source_alias, source_bucket
                                  aliases=[...], source=None)
  TARGETS     screens.targets     TargetsScreen(service, state)    arn, target_alias/bucket/endpoint,
                                                                   rule_id, bandwidth_limit
  PREFLIGHT   screens.preflight   PreflightScreen(service, state)  source_versions, target_versions;
                                                                   finish() → Start, finish(goto=
                                                                   Step.MONITOR) when one runs
  START       screens.start       StartScreen(service, state)      reset_id, older_than_days,
                                                                   resync_started_at; finish() → Monitor
  MONITOR     screens.monitor     MonitorScreen(service, state)    resync_status, replicated_*,
                                                                   failed_count, resync_finished_at
  VALIDATE    screens.validate    ValidateScreen(service, state)   validation
  NEXT_STEPS  screens.next_steps  NextStepsScreen(service, state)  checklist; finish() ends the run
  ==========  ==================  ===============================  ============================

* `self.save_state()` asks the App to persist the state mid-step (e.g. a
  checklist tick); `self.now()` is the App's injected clock (UTC);
  `self.record(action, mc=..., result=..., **detail)` writes the audit journal.
* Service calls run in `@work(thread=True, exclusive=True, exit_on_error=False,
  group=..., description=...)` workers that post messages. A failed worker is
  forwarded by `StepScreen` to the App's one error router (`ErrorModal`, or a
  toast when the error is retryable); override `worker_failed(worker)` to tidy up.
* Polling stops when the screen is not shown (`on_screen_suspend` / `on_unmount`).
"""
