"""Fixtures of the fault suite: the helpers of `tests/safety/labkit.py` (labs on loopback, the CLI)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "safety"))

from labkit import lab, lab_factory  # noqa: E402,F401  (fixtures)
