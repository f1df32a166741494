"""Named retry and timeout policies for every call the service makes.

The UI quotes these names ("retried under READ_POLICY"), so they are part of the
contract. Two kinds of calls exist:

* idempotent reads (GET/HEAD, and the read-only diff POST before its stream
  starts) run under ``READ_POLICY``: 3 attempts, exponential backoff with full
  jitter, on connection errors, 429, 500, 502, 503 (honouring ``Retry-After``,
  capped) and 504;
* state-changing calls (resync start, resync cancel, CopyObject to self) run
  under ``WRITE_ONCE``: exactly one attempt. A second resync start could be
  refused as "already in progress", and a second copy would add a version, so
  the operator decides whether to retry;
* the unauthenticated health probe runs under ``HEALTH_PROBE``: one attempt with
  short timeouts, because an unreachable site is an answer, not an error.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Iterator, Mapping, Optional


@dataclass(frozen=True)
class Timeouts:
    """Socket timeouts in seconds, passed to botocore's Config and to urllib3."""

    connect: float = 5.0
    read: float = 30.0


DEFAULT_TIMEOUTS = Timeouts()
"""5 s to connect, 30 s per read."""

HEALTH_TIMEOUTS = Timeouts(connect=2.0, read=5.0)
"""Short timeouts for the unauthenticated health probe."""


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a call gets, on which answers, and how long to wait between them."""

    name: str
    """Quoted in the UI, e.g. READ_POLICY."""
    attempts: int
    """Total attempts, the first included (1 = never retried)."""
    base_delay: float = 0.2
    """Seconds; attempt n waits a random time in [0, base_delay * 2**n] (full jitter)."""
    max_delay: float = 3.0
    """Upper bound of any wait, a server's Retry-After included."""
    retry_statuses: frozenset[int] = field(default_factory=frozenset)
    """HTTP statuses worth another attempt."""
    retry_connection_errors: bool = False
    """Retry refused/reset connections and timeouts."""
    description: str = ""

    def should_retry_status(self, status: int, attempt: int) -> bool:
        """True when `attempt` (1-based) failed with `status` and another attempt is allowed."""
        return attempt < self.attempts and status in self.retry_statuses

    def should_retry_connection(self, attempt: int) -> bool:
        """True when `attempt` (1-based) could not connect and another attempt is allowed."""
        return attempt < self.attempts and self.retry_connection_errors

    def delay(self, attempt: int, headers: Optional[Mapping[str, str]] = None) -> float:
        """Seconds to wait after failed `attempt` (1-based): Retry-After if given, else jittered backoff."""
        if headers:
            retry_after = headers.get("Retry-After") or headers.get("retry-after")
            if retry_after:
                try:
                    return min(float(retry_after), self.max_delay)
                except ValueError:
                    pass
        return random.uniform(0, min(self.max_delay, self.base_delay * (2 ** attempt)))

    def boto_max_attempts(self) -> int:
        """Attempts for botocore's "standard" retry mode, as its `total_max_attempts` (the first included); its
        `max_attempts` counts retries: given there, WRITE_ONCE sent a write twice and READ_POLICY a read 4 times."""
        return self.attempts


READ_POLICY = RetryPolicy(
    name="READ_POLICY",
    attempts=3,
    retry_statuses=frozenset({429, 500, 502, 503, 504}),
    retry_connection_errors=True,
    description="idempotent reads: 3 attempts, exponential backoff with jitter on connection errors, 429, 5xx",
)
"""Idempotent GET/HEAD calls (and opening the diff stream): 3 attempts."""

WRITE_ONCE = RetryPolicy(
    name="WRITE_ONCE",
    attempts=1,
    description="state-changing calls (resync start/cancel, copy to self): one attempt, never retried automatically",
)
"""Resync start, resync cancel and CopyObject: never retried automatically."""

HEALTH_PROBE = RetryPolicy(
    name="HEALTH_PROBE",
    attempts=1,
    description="unauthenticated health probe: one attempt with short timeouts; unreachable is reported, not raised",
)
"""`/minio/health/cluster`: one attempt, short timeouts."""

POLICIES = {p.name: p for p in (READ_POLICY, WRITE_ONCE, HEALTH_PROBE)}
"""Every named policy, by name."""


def attempts(policy: RetryPolicy) -> Iterator[int]:
    """1, 2, ... up to the policy's number of attempts."""
    return iter(range(1, policy.attempts + 1))
