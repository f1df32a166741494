"""Deterministic fixtures for the wizard's snapshot tests (shared by every snapshot module).

* `snap_lab(scenario, ports=(S, T))`: a lab with fixed credentials, fixed seed, fixed ports below Linux's
  ephemeral range (32768-60999), so no other lab's random port can take them; give each
  snapshot module its own port pair so xdist workers never collide: connect/targets/preflight/start use
  29101/29102) and deterministic deployment IDs, so ARNs are the same on every run.
* `snap_app(lab, **make_app_kwargs)`: the App the CLI builds, with a fixed clock and a `StableService`
  that zeroes the measured link latency (the only value that changes from run to run).
* Cursor blink is off; HOME, XDG_*, MC_CONFIG_DIR and RECOVERY_TUI_STATE_DIR point at tmp (root conftest).
* `SNAP_SECRETS`: the lab's secret keys; `test_no_secret_in_any_svg` greps every SVG for them.
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from textual.widgets import Input

from helpers.clock import FixedClock
from recovery_tui.app import RecoveryApp, make_app
from recovery_tui.lab.server import Lab
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.client import RecoveryService

from snap_helpers import SNAP_KEYS, SNAP_SEED, StableService


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Input cursors never blink, so an SVG does not depend on when it was taken."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def snap_lab(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Lab]]:
    """`snap_lab("partial-loss", ports=(29101, 29102))`: a deterministic lab, stopped at the end."""
    labs: list[Lab] = []

    def start(scenario: str = "partial-loss", *, ports: tuple[int, int] = (29101, 29102), **kw: Any) -> Lab:
        rng = random.Random(SNAP_SEED)
        with monkeypatch.context() as m:  # deterministic deployment IDs (hence ARNs) while the lab is built
            m.setattr(uuid, "uuid4", lambda: uuid.UUID(int=rng.getrandbits(128), version=4))
            lab = Lab(scenario=scenario, seed=SNAP_SEED, source_port=ports[0], target_port=ports[1],
                      source_keys=SNAP_KEYS["source"], target_keys=SNAP_KEYS["target"], **kw)
            lab.start()
        labs.append(lab)
        return lab

    yield start
    for lab in labs:
        lab.stop()


@pytest.fixture
def snap_app(tmp_path: Path) -> Callable[..., RecoveryApp]:
    """`snap_app(lab, **kw)`: `make_app` over the lab's aliases only, a fixed clock and a StableService."""

    def build(lab_: Lab, **kw: Any) -> RecoveryApp:
        config = tmp_path / "mc"
        config.mkdir(exist_ok=True)
        book = AliasBook(env={**lab_.env(), "MC_CONFIG_DIR": str(config)})
        kw.setdefault("source", BucketPath("source", "data"))
        kw.setdefault("clock", FixedClock())
        kw.setdefault("lab", True)  # lab=False: the app as on a real deployment (the lab is only the backend)
        return make_app(StableService(RecoveryService(book)), aliases=book.names(), **kw)

    return build
