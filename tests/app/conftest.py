"""Fixtures for the wizard's pilot tests: a real lab on ephemeral loopback ports, its aliases and the service.

Nothing here reads the developer's mc config: the aliases come from the lab alone
(`AliasBook(env=lab.env())` plus a private MC_CONFIG_DIR), and the root conftest
already points HOME, XDG_* and RECOVERY_TUI_STATE_DIR at a temporary directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from recovery_tui.app import RecoveryApp, make_app
from recovery_tui.lab.server import Lab
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.client import RecoveryService


def book_for(lab: Lab, tmp_path: Path) -> AliasBook:
    """The lab's aliases only."""
    config = tmp_path / "mc"
    config.mkdir(exist_ok=True)
    return AliasBook(env={**lab.env(), "MC_CONFIG_DIR": str(config)})


@pytest.fixture
def wizard(tmp_path: Path) -> Callable[..., RecoveryApp]:
    """`wizard(lab, **make_app_kwargs)`: the app the CLI would build for this lab."""

    def build(lab_: Lab, **kw: Any) -> RecoveryApp:
        book = book_for(lab_, tmp_path)
        kw.setdefault("source", BucketPath("source", "data"))
        kw.setdefault("lab", True)  # lab=False: the same app as on a real deployment
        return make_app(RecoveryService(book), aliases=book.names(), **kw)

    return build
