"""One checklist line as plain data: what the preflight checks return and the checklists show.

The widget that renders it is `widgets/checklist.py`; this module never imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["pending", "pass", "warn", "block", "info", "unknown"]
"""The state of one item."""


@dataclass(frozen=True)
class CheckItem:
    """One checklist line."""

    key: str
    """Stable identifier ("health", "rule", ...)."""
    label: str
    """What is checked, e.g. "Both sites healthy"."""
    status: Status = "pending"
    """pending / pass / warn / block / info / unknown (could not be checked: never shown as a pass)."""
    detail: str = ""
    """What was found, e.g. "source 200 · target 200"."""
    hint: str = ""
    """How to fix it (shown for warn and block)."""


__all__ = ["CheckItem", "Status"]
