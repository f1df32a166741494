"""Fixtures of the operator-safety suite (issue 5): small labs (helpers in tests/helpers)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def lab_defaults() -> dict[str, Any]:
    """Small labs keep this suite fast."""
    return {"objects": 60}
