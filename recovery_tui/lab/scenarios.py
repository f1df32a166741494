"""Lab scenarios: seeded data sets for demos, training and tests (stub)."""

from __future__ import annotations

from typing import Any, Optional

SCENARIOS: tuple[tuple[str, str], ...] = (
    ("healthy", "both sites in sync"),
    ("partial-loss", "some versions gone from the target"),
    ("total-loss", "target bucket emptied and its replication rules and targets gone"),
    ("target-offline", "partial-loss with the target site offline"),
    ("checksum-failures", "partial-loss plus some versions FAILED until copied to themselves"),
    ("large", "many versions (--objects N)"),
)


def apply(lab: Any, name: str, *, objects: Optional[int] = None, seed: int = 0) -> None:
    """Seed `lab` with scenario `name`."""
