"""A dry run's versions, in listing order, on disk: `resync-backlog --dry-run` lists every one of them (human
and --json) after the run, and a million of them must not sit in memory (issue 9, B3).

One JSON line per version in a private temporary file in the state directory (mode 0600, unlinked at once on
POSIX, so nothing is left behind even if the process is killed).
"""

from __future__ import annotations

import json
import tempfile
from typing import Iterator

from recovery_tui.paths import state_dir
from recovery_tui.service.backlog_model import BacklogItem


class ItemSpool:
    """Append versions (`add`, the engine's `on_item`), then read them back in order (iterate), then `close`."""

    def __init__(self) -> None:
        folder = state_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self._fh = tempfile.TemporaryFile("w+", encoding="ascii", dir=folder, prefix="dry-run-")
        self.count = 0

    def add(self, item: BacklogItem) -> None:
        self._fh.write(json.dumps([item.key, item.version_id, item.delete_marker, item.status, item.purge_status])
                       + "\n")  # ASCII (\\u escapes): any key, even one with an undecodable byte, reads back
        self.count += 1

    def __iter__(self) -> Iterator[BacklogItem]:
        self._fh.flush()
        self._fh.seek(0)
        for line in self._fh:
            key, vid, dm, status, purge = json.loads(line)
            yield BacklogItem(key, vid, dm, status, purge)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> ItemSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
