"""`run_wizard(settings)`: builds the aliases (or the lab), the service and the App, runs it, and cleans up.

Bad input (an unknown `--source` alias, a broken mc config) raises an
`InputError`/`ConfigError` before any TUI starts; `cli.main` prints it in one
line with exit code 2. In lab mode the operator's own mc configuration is never
read: the aliases come from the lab alone, with a throw-away MC_CONFIG_DIR.
"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
from typing import Any, Optional

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


def _install_hangup_handler(app: Any) -> None:
    """On SIGHUP (the SSH session dropped) save the state and leave quietly; the resync runs on."""

    def on_hangup(signum: int, frame: Any) -> None:
        try:
            app.save_state()
        finally:
            try:
                app.exit(129)
            except Exception:
                raise SystemExit(129) from None

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, on_hangup)


def run_wizard(settings: Settings) -> int:
    """Run the wizard for this run's settings (built by `cli.main`); returns the exit code."""
    from recovery_tui.app import make_app
    from recovery_tui.service.client import RecoveryService

    lab = None
    config_dir: Optional[str] = None
    try:
        if settings.lab:
            from recovery_tui.lab.server import Lab, training_resync_delay

            scenario = settings.scenario or DEFAULT_LAB_SCENARIO
            lab = Lab(scenario=scenario, objects=settings.objects,
                      resync_delay=training_resync_delay(scenario, settings.lab_resync_delay))
            lab.start()
            config_dir = tempfile.mkdtemp(prefix="recovery-tui-lab-mc-")
            book = lab_aliases(lab, config_dir)
        else:
            book = AliasBook(settings.env, insecure=settings.insecure)
        names = book.names()
        source = resolve_source(settings.source, names)
        if source is not None:
            book.get(source.alias)  # a malformed MC_HOST_/config entry: one line, exit 2, before the TUI
        if source is None and lab is not None:
            from recovery_tui.lab import sitescen

            scenario = settings.scenario or DEFAULT_LAB_SCENARIO
            source = BucketPath("source", sitescen.default_bucket(scenario) if scenario in sitescen.NAMES else "data")
        in_lab = lab is not None
        resume = None
        if not in_lab and not settings.fresh:
            saved = WizardState.load(session_path(False, settings.state_dir))
            if saved is not None and saved.resumable and not saved.extra.get("finished_at"):
                resume = saved
        service = RecoveryService(book, region=settings.region)
        app = make_app(service, aliases=names, lab=in_lab, source=source, resume=resume, settings=settings)
        _install_hangup_handler(app)
        code = app.run()
        _farewell(app.state)
        return int(code or 0)
    finally:
        if lab is not None:
            lab.stop()
        if config_dir:
            shutil.rmtree(config_dir, ignore_errors=True)


def _farewell(state: WizardState) -> None:
    """One line on the terminal after the TUI closes: where things stand."""
    if state.resync_running and state.lab:
        sys.stderr.write(f"recovery-tui: lab stopped; its resync of {state.source} stopped with it.\n")
    elif state.resync_running:
        sys.stderr.write(
            f"recovery-tui: the resync of {state.source} (ResetID {state.reset_id}) continues on the server. "
            f"Run recovery-tui to reattach, or: mc replicate resync status {state.source}\n"
        )
    elif state.step > 0 and not state.lab:
        sys.stderr.write(
            f"recovery-tui: session saved at step {state.step.number} · {state.step.title}; "
            "run recovery-tui to reattach (--fresh starts over).\n"
        )
