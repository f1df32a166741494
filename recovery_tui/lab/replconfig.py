"""Bucket replication configuration: parse, validate and normalise like MinIO (stub)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ConfigInvalid(Exception):
    """A PutBucketReplication body MinIO would refuse."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class LabRule:
    """One parsed replication rule."""

    id: str = ""


def parse(xml: bytes) -> list[LabRule]:
    """Parse a replication configuration into rules."""
    return []


def validate_and_normalise(xml: bytes, site: Any, bucket_name: str) -> bytes:
    """Validate a PutBucketReplication body and return it as the server's GET emits it."""
    return xml
