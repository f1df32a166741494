"""Fixtures of the fault suite: the helpers of `tests/safety/labkit.py` (labs on loopback, the CLI)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "safety"))


@pytest.fixture
def lab_defaults() -> dict[str, Any]:
    """Small labs keep this suite fast."""
    return {"objects": 60}
