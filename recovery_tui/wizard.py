"""`run_wizard(settings)`: builds the aliases (or the lab), the service and the App, runs it, and cleans up.

Bad input (an unknown `--source` alias, a broken mc config) raises an
`InputError`/`ConfigError` before any TUI starts; `cli.main` prints it in one
line with exit code 2. In lab mode the operator's own mc configuration is never
read: the aliases come from the lab alone, with a throw-away MC_CONFIG_DIR.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from functools import partial
from typing import Any, Optional

from recovery_tui.deferred import DeferredService
from recovery_tui.service.aliases import AliasBook, BucketPath, parse_bucket_path
from recovery_tui.service.errors import ConfigError
from recovery_tui.service.secrets import register
from recovery_tui.settings import Settings
from recovery_tui.state import WizardState, session_path

DEFAULT_LAB_SCENARIO = "partial-loss"
"""The lab scenario when `--lab` has no `--scenario`."""


def lab_aliases(lab: Any, config_dir: str) -> AliasBook:
    """The lab's aliases only: its MC_HOST_ lines plus an empty, private MC_CONFIG_DIR."""
    env = dict(lab.env())
    env["MC_CONFIG_DIR"] = config_dir
    for site in (lab.source.site, lab.target.site):
        register(site.secret_key)  # the client's scrubber knows the lab's keys before any alias is read
    return AliasBook(env=env)


def resolve_source(text: Optional[str], names: list[str]) -> Optional[BucketPath]:
    """Parse `--source ALIAS/BUCKET` and make sure the alias is known (ConfigError otherwise)."""
    if not text:
        return None
    path = parse_bucket_path(text)
    if path.alias not in names:
        known = ", ".join(names) or "none"
        raise ConfigError(
            f"unknown alias '{path.alias}' in --source {text} (known: {known})",
            hint=f"Define it with `mc alias set {path.alias} URL ACCESS SECRET`, or pick a known alias.",
        )
    return path


def run_wizard(settings: Settings) -> int:
    """Run the wizard for this run's settings (built by `cli.main`); returns the exit code.

    SIGHUP, SIGTERM and SIGINT end it within two seconds from the moment this starts (`exits.ExitGuard`):
    the state saved, the lab stopped, exit code 128 + the signal. `--lab --drill` runs `_run_drill`."""
    from recovery_tui.exits import ExitGuard, require_terminal

    if settings.drill is not None:
        return _run_drill(settings)
    guard = ExitGuard().install()
    deferred: Optional[DeferredService] = None
    lab = None
    labs: list[Any] = []
    """Labs started after the first frame (by the `DeferredService`), stopped on the way out."""
    app = None
    config_dir: Optional[str] = None
    lab_plan = None
    try:
        if settings.lab:
            if not settings.web_driver:  # a browser session of `serve` has no terminal and needs none
                require_terminal()
            from recovery_tui.procedure import lab_resume

            saved_lab = None if settings.fresh else WizardState.load(session_path(True, settings.state_dir))
            lab_plan = lab_resume.plan(saved_lab, settings.scenario, settings.objects, DEFAULT_LAB_SCENARIO)
            config_dir = tempfile.mkdtemp(prefix="recovery-tui-lab-mc-")
            if lab_plan.offer:  # the saved session is mapped onto the new lab before the TUI: start it now
                lab = _start_lab(lab_plan, settings)
                book: Optional[AliasBook] = lab_aliases(lab, config_dir)
            else:  # nothing to map: the lab starts after the first frame, with the service (`DeferredService`)
                book = None
            names = ["source", "target"]  # the lab's two sites (`Lab.env`)
        else:
            book = AliasBook(settings.env, insecure=settings.insecure)
            names = book.names()
        source = resolve_source(settings.source, names)
        if source is not None and book is not None:
            book.get(source.alias)  # a malformed MC_HOST_/config entry: one line, exit 2, before the TUI
        in_lab = settings.lab
        if source is None and in_lab:
            scenario = lab_plan.scenario if lab_plan is not None else ""
            bucket = "data"
            if scenario.startswith("site-"):  # the whole-site scenarios (importing the lab costs ~0.2 s)
                from recovery_tui.lab import sitescen

                bucket = sitescen.default_bucket(scenario) if scenario in sitescen.NAMES else "data"
            source = BucketPath("source", bucket)
        if not settings.web_driver:  # after the input checks: a bad --source says so even in a pipe
            require_terminal()
        resume = None
        if not in_lab and not settings.fresh:
            saved = WizardState.load(session_path(False, settings.state_dir))
            if saved is not None and saved.resumable and not saved.extra.get("finished_at"):
                resume = saved
        from recovery_tui.app import make_app

        state = None
        service: Any
        if book is not None and lab_plan is not None:
            service = _build_service(book, settings.region)
            state, resume = _lab_session(service, lab_plan, settings)
        elif lab_plan is not None:
            assert config_dir is not None
            service = deferred = DeferredService(partial(_build_lab_service, lab_plan, settings, config_dir, labs))
            state, resume = _lab_session(None, lab_plan, settings)
        else:  # boto3 loads after the first frame: the operator sees step 1 at once (`DeferredService`)
            assert book is not None
            service = deferred = DeferredService(partial(_build_service, book, settings.region))
        app = make_app(service, aliases=names, lab=in_lab, source=source, resume=resume, settings=settings,
                       state=state)
        return _run_guarded(app, guard)
    finally:
        guard.closing()
        if app is not None:
            _save_quietly(app)  # whatever ended the run (a signal, a panic), the session is on disk
        if deferred is not None:
            deferred.settle()  # a service still being built is left to finish before the process ends
        for started in ([lab] if lab is not None else []) + labs:
            started.stop()
        if config_dir:
            shutil.rmtree(config_dir, ignore_errors=True)
        guard.uninstall()


def _build_service(book: AliasBook, region: str) -> Any:
    """The real service (boto3 and all), built by `DeferredService` once step 1 is on the screen.

    botocore's S3 model is parsed here too (`preload_boto`), then all of it (~85k objects; with `--lab`, the
    lab just started as well) is frozen out of the collector's walks (`gc.freeze()`, as the App does with
    start-up's objects): it lives as long as the process. Walking it, with start-up's objects and a per-alias
    copy of the model, made each full collection 80-130 ms of CPU with every thread stopped, two or three
    of them in six seconds of typing: a key pressed then waited that long (issue 9, U2). The collector is held
    off while it is built (it allocates much and frees little, as start-up does): a full collection midway,
    ~40 ms with the UI stopped, walked what was about to be frozen anyway."""
    import gc

    was_on = gc.isenabled()
    gc.disable()
    try:
        from recovery_tui.service.client import RecoveryService
        from recovery_tui.service.site import preload_boto

        service = RecoveryService(book, region=region)
        preload_boto(region)
    finally:
        gc.freeze()
        if was_on:  # off before the first frame (a lab session to resume): the App turns it on
            gc.enable()
    return service


def _start_lab(lab_plan: Any, settings: Settings) -> Any:
    """Start the embedded lab for the plan's scenario (aiohttp, seeding): a second or so."""
    from recovery_tui.lab.server import Lab, training_resync_delay

    lab = Lab(scenario=lab_plan.scenario, objects=lab_plan.objects,
              resync_delay=training_resync_delay(lab_plan.scenario, settings.lab_resync_delay))
    lab.start()
    return lab


def _build_lab_service(lab_plan: Any, settings: Settings, config_dir: str, labs: list[Any]) -> Any:
    """`--lab` without a session to resume: the lab started after the first frame, then its service."""
    lab = _start_lab(lab_plan, settings)
    labs.append(lab)
    return _build_service(lab_aliases(lab, config_dir), settings.region)


def _run_guarded(app: Any, guard: Any) -> int:
    """Run the App under the `ExitGuard`: a signal saves the state and ends it; the farewell line after."""
    from recovery_tui.exits import terminal_restorer

    guard.last_words(app.save_state)
    guard.last_words(terminal_restorer())
    app.on_ending = guard.ending
    guard.tui_running(app.end_now)
    code = app.run()
    guard.closing()
    _farewell(app.state)
    return int(code or 0)


def _save_quietly(app: Any) -> None:
    try:
        app.save_state()
    except Exception:  # the App is gone (its toast about a failed save has no screen to go to)
        pass


def _lab_session(service: Any, lab_plan: Any, settings: Settings) -> tuple[WizardState, Optional[WizardState]]:
    """A lab run's fresh state (it records the scenario) and the saved lab session mapped onto the new lab."""
    from recovery_tui.procedure import lab_resume
    from recovery_tui.service.errors import RecoveryError

    extra: dict[str, Any] = {lab_resume.SCENARIO_KEY: lab_plan.scenario}
    if lab_plan.objects is not None:
        extra[lab_resume.OBJECTS_KEY] = lab_plan.objects
    if lab_plan.why_not:
        extra[lab_resume.STARTUP_NOTICE_KEY] = lab_plan.why_not
    state = WizardState(lab=True, extra=extra)
    if not lab_plan.offer:
        return state, None
    saved = WizardState.load(session_path(True, settings.state_dir))
    if saved is None:
        return state, None
    try:
        views = service.targets(saved.source_alias, saved.source_bucket)
    except RecoveryError:
        views = []
    return state, lab_resume.adapt(saved, views)


def drill_session(settings: Settings) -> Any:
    """The `training.DrillSession` for `--lab --drill [NAME]`; an unknown or malformed drill is an InputError."""
    from recovery_tui.drills import Catalog, DrillError
    from recovery_tui.lab.scenarios import NAMES
    from recovery_tui.service.errors import InputError
    from recovery_tui.training import DrillSession

    catalog = Catalog(list(settings.drills_dirs), scenarios=NAMES, include_user_dir=True)
    try:
        drill = catalog.get(settings.drill) if settings.drill else None
    except DrillError as exc:
        raise InputError(str(exc)) from None
    if drill is None and not catalog.drills:
        raise InputError("no drills to pick from", hint="; ".join(str(p) for p in catalog.problems))
    return DrillSession(catalog, drill, objects=settings.objects, region=settings.region,
                        resync_delay=settings.lab_resync_delay)


def _run_drill(settings: Settings) -> int:
    """`--lab --drill [NAME]`: the drill's lab (started now when named, after the picker otherwise), under the
    same `ExitGuard` as `run_wizard`: a signal at any moment saves, stops the drill's lab and exits."""
    from recovery_tui.app import make_app
    from recovery_tui.exits import ExitGuard, require_terminal

    guard = ExitGuard().install()
    session = None
    app = None
    try:
        session = drill_session(settings)
        if not settings.web_driver:
            require_terminal()
        service, names, source = session.prepare() if session.drill is not None else (None, [], None)
        app = make_app(service, aliases=names, lab=True, source=source, drill=session, settings=settings)
        return _run_guarded(app, guard)
    finally:
        guard.closing()
        if app is not None:
            _save_quietly(app)
        if session is not None:
            session.stop()
        guard.uninstall()


def _farewell(state: WizardState) -> None:
    """One line on the terminal after the TUI closes: where things stand (nothing if the terminal is gone)."""
    try:
        _say_where_things_stand(state)
    except OSError:
        pass


def _say_where_things_stand(state: WizardState) -> None:
    if state.resync_running and state.lab:
        sys.stderr.write(f"recovery-tui: lab stopped; its resync of {state.source} stopped with it. "
                         "recovery-tui --lab restarts the lab and offers to resume this session.\n")
    elif state.resync_running:
        sys.stderr.write(
            f"recovery-tui: the resync of {state.source} (ResetID {state.reset_id}) continues on the server. "
            f"Run recovery-tui to reattach, or: mc replicate resync status {state.source}\n"
        )
    elif state.step > 0 and not (state.lab and state.extra.get("finished_at")):
        again = f"recovery-tui --lab --scenario {state.extra.get('lab_scenario')}" if state.lab else "recovery-tui"
        sys.stderr.write(
            f"recovery-tui: session saved at step {state.step.number} · {state.step.title}; "
            f"run {again} to reattach (--fresh starts over).\n"
        )
