"""Object checksums as the lab's server reports them (HEAD/GET with `x-amz-checksum-mode: ENABLED`).

MinIO answers such a request with the stored checksum: `x-amz-checksum-<algo>: <base64>` and
`x-amz-checksum-type: FULL_OBJECT|COMPOSITE` (`hash.AddChecksumHeader`, `Checksum.AsMap`). The lab
stores CRC64NVME (what MinIO gives an object that arrived without one, facts §22).

A version of scenario `checksum-failures` has a *broken* stored checksum (`Version.checksum_broken`):
the value recorded with it is not the checksum of its data, so the target rejects the replica. What a
copy onto itself does with it depends on the server (`Lab.copy_checksum`):
- "keep" (community MinIO, §22): a same-object copy is metadata-only and carries the source checksum
  over, so the new version has the same broken checksum and FAILS to replicate too;
- "recompute": the copy's checksum is computed from the data, so the new version replicates.
"""

from __future__ import annotations

import base64
from typing import Any

COPY_MODES = ("keep", "recompute")

_POLY = 0x9A6C9329AC4BC9B5  # CRC-64/NVME, reflected (0xAD93D23594C93659)
_MASK = (1 << 64) - 1


def _table() -> list[int]:
    out = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        out.append(c)
    return out


_TABLE = _table()


def crc64nvme(data: bytes) -> int:
    """CRC-64/NVME (check value of b"123456789" is 0xAE8B14860A799888)."""
    crc = _MASK
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ _MASK


def _b64(value: int) -> str:
    return base64.b64encode(value.to_bytes(8, "big")).decode()


def stored_checksum(v: Any) -> str:
    """The CRC64NVME recorded with version `v` (base64): its data's, or a wrong one when broken."""
    crc = crc64nvme(v.data)
    return _b64(crc ^ 0x5A5A5A5A5A5A5A5A if getattr(v, "checksum_broken", False) else crc)


def checksum_headers(v: Any) -> dict[str, str]:
    """The headers a HEAD/GET with `x-amz-checksum-mode: ENABLED` adds for `v` (no range asked)."""
    return {"x-amz-checksum-crc64nvme": stored_checksum(v), "x-amz-checksum-type": "FULL_OBJECT"}


def copy_keeps_broken_checksum(mode: str) -> bool:
    """Whether a copy onto itself carries a broken source checksum over (see the module docstring)."""
    return mode != "recompute"
