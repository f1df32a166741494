"""The messages the Monitor step's workers post to its screen (`screens/monitor.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from textual.message import Message

from recovery_tui.service.errors import RecoveryError
from recovery_tui.service.models import RemoteTarget, ReplicationMetrics, ResyncTargetStatus


@dataclass
class StatusPolled(Message):
    """A successful poll: the status for our ARN (None when the server has none) plus link and metrics."""

    status: Optional[ResyncTargetStatus]
    link: Optional[RemoteTarget]
    metrics: Optional[ReplicationMetrics]
    side_error: str = ""


@dataclass
class PollFailed(Message):
    """A poll failed in a way that retrying may fix."""

    error: RecoveryError


@dataclass
class SourceCounted(Message):
    """Progress or result of counting the source's versions (the ETA's denominator)."""

    count: int
    done: bool
    error: str = ""


__all__ = ["PollFailed", "SourceCounted", "StatusPolled"]
