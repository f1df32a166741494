"""The replication diff stream (§7): one JSON `madmin.DiffInfo` per line, single-space keep-alives
anywhere, no end marker, and `"error"` serialised as `{}`. Pure: bytes in, `DiffEntry` out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional

from .errors import ConnectionFailure, ServerError
from .models import DiffEntry
from .parsers import load_json, parse_go_time

if TYPE_CHECKING:
    from .errmap import CallContext
    from .http import RawResponse


def parse_diff_entry(d: dict[str, Any]) -> DiffEntry:
    """One `madmin.DiffInfo`; `"error":{}` (or any non-null error) → error=True. `dStatus` and the
    per-target `drStatus` (§17) describe a versioned delete waiting to replicate."""
    targets = d.get("targets") or {}
    return DiffEntry(
        object=str(d.get("object", "")),
        version_id=str(d.get("versionId", "")),
        status=str(d.get("rStatus", "")),
        targets=tuple(sorted((str(a), str((t or {}).get("rStatus", ""))) for a, t in targets.items()
                             if (t or {}).get("rStatus"))),
        purge_status=str(d.get("dStatus", "")),
        purge_targets=tuple(sorted((str(a), str((t or {}).get("drStatus", ""))) for a, t in targets.items()
                                   if (t or {}).get("drStatus"))),
        delete_marker=bool(d.get("deletemarker", False)),
        last_modified=parse_go_time(d.get("lastModified")),
        replicated_at=parse_go_time(d.get("replTimestamp")),
        error=d.get("error") is not None,
    )


class StreamCut(Exception):
    """The diff stream ended in the middle of an object."""


def iter_diff(chunks: Iterable[bytes]) -> Iterator[DiffEntry]:
    """Decode the diff stream: JSON lines, single-space keep-alives anywhere, no end marker.

    A trailing fragment that is not a complete JSON object raises StreamCut.
    """
    buf = b""
    for chunk in chunks:
        if not chunk:
            continue
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            entry = _diff_line(line)
            if entry is not None:
                yield entry
    if buf.strip():
        try:
            entry = _diff_line(buf)
        except ServerError:
            raise StreamCut(f"diff stream ended mid-object after {len(buf)} bytes") from None
        if entry is not None:
            yield entry


def _diff_line(line: bytes) -> Optional[DiffEntry]:
    text = line.strip()
    if not text:
        return None
    data = load_json(text, "replication diff line")
    if not isinstance(data, dict):
        raise ServerError("A replication diff line is not a JSON object", code="BadJSON")
    return parse_diff_entry(data)


def read_diff(resp: "RawResponse", ctx: "CallContext") -> Iterator[DiffEntry]:
    """The entries of an open diff response; a stream cut mid-body raises ConnectionFailure, never ends silently."""
    import urllib3

    from .errmap import connection_failure

    try:
        yield from iter_diff(resp.iter_chunks())
    except StreamCut as exc:
        raise ConnectionFailure(f"The replication diff stream from {ctx.alias} was cut short ({exc})",
                                title="Diff stream cut short", hint="Run the diff again.") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        err = connection_failure(ctx, exc)
        raise ConnectionFailure(f"The replication diff stream from {ctx.alias} was cut short: {err.message}",
                                title="Diff stream cut short",
                                hint="Run the diff again; the list is incomplete.") from None
