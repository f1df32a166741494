"""Fixtures of the operator-safety suite (issue 5): labs on loopback, see `labkit.py`."""

from __future__ import annotations

from labkit import lab, lab_factory  # noqa: F401  (fixtures)
