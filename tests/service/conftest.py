"""Fixtures for the service tests: a lab per scenario and a RecoveryService built from `lab.env()`.

The lab starts in-process on ephemeral loopback ports; each test gets its own and stops it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest

from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.retry import RetryPolicy


def make_service(lab: Any, tmp_path: Path, *, retry: Optional[RetryPolicy] = None, **extra_env: str) -> RecoveryService:
    """A RecoveryService whose aliases come from `lab.env()` (plus `extra_env`), mc config in tmp.

    `retry` replaces READ_POLICY where a test provokes connection failures and needs no backoff.
    """
    cfg = tmp_path / "mc"
    cfg.mkdir(exist_ok=True)
    book = AliasBook(env={**lab.env(), **extra_env, "MC_CONFIG_DIR": str(cfg)})
    return RecoveryService(book, retry=retry) if retry else RecoveryService(book)


@pytest.fixture
def svc(lab: Any, tmp_path: Path) -> RecoveryService:
    return make_service(lab, tmp_path)

