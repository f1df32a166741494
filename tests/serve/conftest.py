"""`served(*args)`: a real `recovery-tui serve` on an ephemeral loopback port, stopped after the test."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, Optional

import pytest

from serve_helpers import Served, start_served, stop_served


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(*args: str, env: Optional[dict[str, str]] = None) -> Served:
        s = start_served(tmp_path, *args, env=env)
        started.append(s)
        return s

    yield start
    for s in started:
        stop_served(s)
