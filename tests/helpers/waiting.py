"""A bounded wait on a condition outside an App: a lab counter, a status, a file, a process."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
"""Generous on purpose: a wait returns as soon as its condition holds, the bound only names a hang."""


def wait_until(pred: Callable[[], T], timeout: float = DEFAULT_TIMEOUT, interval: float = 0.02,
               what: str = "") -> T:
    """Poll `pred` until it returns something truthy and return that; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout:g}s: {what or pred}")
        time.sleep(interval)
