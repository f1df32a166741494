"""`Settings`: every knob of one run, built once from the command line, the environment and the defaults.

`cli.main` builds it at entry (`Settings.from_args(args)`) and passes it down: to the wizard, the App, the
headless commands, the service and (as plain constructor arguments) the lab. This is the only module that
reads `os.environ`; everything else gets what it needs from a `Settings` — alias resolution gets the
environment snapshot (`env`, with the `MC_HOST_*` and `MC_CONFIG_DIR` variables) for its `AliasBook`.

Leaf helpers reached from many places (`paths.state_dir()`, `service.parsepool.workers()`) use
`current()`: the Settings of the run in progress (the one the CLI built), or, when no run is in progress
(a library caller, a test), Settings built from the environment at that moment — so a test's
`monkeypatch.setenv` takes effect as it always did.

Never imports Textual, the service or the lab (the lab is configured through its constructor arguments,
so it stays self-contained).
"""

from __future__ import annotations

import argparse
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Iterator, Mapping, Optional

DEFAULT_REGION = "us-east-1"
"""The SigV4 signing region when `--region` is not given (MinIO's default, as in mc)."""

STATE_DIR_VAR = "RECOVERY_TUI_STATE_DIR"
"""Overrides the state directory (sessions, journal, checkpoints, reports)."""
PARSE_PROCESSES_VAR = "RECOVERY_TUI_PARSE_PROCESSES"
"""How many listing-parse processes to use (0 = parse in-process); see `service/parsepool.py`."""
LAB_RESYNC_DELAY_VAR = "RECOVERY_TUI_LAB_RESYNC_DELAY"
"""Seconds per version per lab resync worker (testing and demos)."""

LAB_DEFAULT_RESYNC_DELAY = 0.1
"""What an unreadable RECOVERY_TUI_LAB_RESYNC_DELAY falls back to: the lab's own default pace
(`lab/resync.py` DEFAULT_DELAY; the lab shares no module, so the value is repeated here)."""


def _state_dir(env: Mapping[str, str]) -> Path:
    override = env.get(STATE_DIR_VAR)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_state_dir("recovery-tui"))


def _parse_processes(env: Mapping[str, str]) -> int:
    default = 2 if (os.cpu_count() or 1) >= 4 else 0
    try:
        return max(0, int(env.get(PARSE_PROCESSES_VAR, str(default))))
    except ValueError:
        return default


def _lab_resync_delay(env: Mapping[str, str]) -> Optional[float]:
    text = env.get(LAB_RESYNC_DELAY_VAR)
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        return LAB_DEFAULT_RESYNC_DELAY


@dataclass(frozen=True)
class Settings:
    """One run's configuration. Frozen: build a new one (`dataclasses.replace`) rather than change it."""

    env: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), repr=False, compare=False)
    """A read-only snapshot of the environment taken when the Settings were built (MC_HOST_*, MC_CONFIG_DIR,
    HOME, SSL_CERT_FILE...). Not printed: MC_HOST_* values hold secrets."""
    state_dir: Path = Path(".")
    """Sessions, journal, checkpoints and reports: `$RECOVERY_TUI_STATE_DIR`, else the XDG state directory."""
    parse_processes: int = 0
    """Listing-parse processes: `$RECOVERY_TUI_PARSE_PROCESSES`, default 2 on hosts with ≥ 4 cores, else 0."""
    lab_resync_delay: Optional[float] = None
    """`$RECOVERY_TUI_LAB_RESYNC_DELAY` when set: the lab's resync pace, overriding the training pace."""
    region: str = DEFAULT_REGION
    """`--region`: the SigV4 signing region."""
    insecure: bool = False
    """`--insecure`: do not verify TLS certificates."""
    lab: bool = False
    """`--lab`: run the wizard on the embedded lab."""
    scenario: Optional[str] = None
    """`--scenario` (with --lab)."""
    objects: Optional[int] = None
    """`--objects` (lab scenario `large`)."""
    source: Optional[str] = None
    """`--source ALIAS/BUCKET`: preselect the wizard's source."""
    fresh: bool = False
    """`--fresh`: ignore a saved session."""

    @classmethod
    def from_args(cls, args: Optional[argparse.Namespace] = None,
                  env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Settings from parsed arguments (None: the defaults) and the environment (None: this process's)."""
        snapshot: Mapping[str, str] = MappingProxyType(dict(os.environ if env is None else env))
        given = vars(args) if args is not None else {}
        return cls(
            env=snapshot,
            state_dir=_state_dir(snapshot),
            parse_processes=_parse_processes(snapshot),
            lab_resync_delay=_lab_resync_delay(snapshot),
            region=given.get("region") or DEFAULT_REGION,
            insecure=bool(given.get("insecure", False)),
            lab=bool(given.get("lab", False)),
            scenario=given.get("scenario"),
            objects=given.get("objects"),
            source=given.get("source"),
            fresh=bool(given.get("fresh", False)),
        )


_in_effect: Optional[Settings] = None


def current() -> Settings:
    """The Settings of the run in progress; outside a run, Settings built from the environment now."""
    return _in_effect if _in_effect is not None else Settings.from_args()


@contextmanager
def in_effect(settings: Settings) -> Iterator[Settings]:
    """Make `settings` the run's Settings for `current()` while the block runs (the CLI wraps each run in it)."""
    global _in_effect
    previous, _in_effect = _in_effect, settings
    try:
        yield settings
    finally:
        _in_effect = previous


__all__ = ["DEFAULT_REGION", "Settings", "current", "in_effect"]
