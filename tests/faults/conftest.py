"""Fixtures of the fault suite (its helpers are the shared ones in tests/helpers: labs on loopback, the CLI)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def lab_defaults() -> dict[str, Any]:
    """Small labs keep this suite fast."""
    return {"objects": 60}
