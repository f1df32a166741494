"""The never-copy-twice ledger of `--clear-checksum` (issue 9, B3): persistent, private, and flat in memory."""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest

from recovery_tui.service.checkpoint import CopyLedger, default_path


@pytest.fixture(autouse=True)
def _state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOVERY_TUI_STATE_DIR", str(tmp_path))


def test_copies_survive_a_new_run_and_stay_private() -> None:
    ledger = CopyLedger("src", "data")
    ledger.add("a/b c&d.txt", "v1", "copy1")
    assert ledger.copy_of("a/b c&d.txt", "v1") == "copy1" and ledger.copy_of("a/b c&d.txt", "v2") is None
    again = CopyLedger("src", "data")
    assert again.copy_of("a/b c&d.txt", "v1") == "copy1" and len(again) == 1
    assert CopyLedger("src", "other").copy_of("a/b c&d.txt", "v1") is None
    assert oct(os.stat(ledger.path).st_mode & 0o777) == "0o600"


def test_an_older_json_ledger_is_imported_once() -> None:
    legacy = default_path("clear-checksum-ledger", {"alias": "src", "bucket": "data"})
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_text(json.dumps({"copies": {"k1\nv1": "c1", "k2\nv2": "c2"}}))
    ledger = CopyLedger("src", "data")
    assert ledger.copy_of("k1", "v1") == "c1" and ledger.copy_of("k2", "v2") == "c2"
    assert not legacy.exists()


def test_memory_does_not_grow_with_the_copies() -> None:
    ledger = CopyLedger("src", "data")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(3000):
            ledger.add(f"logs/2024/key-{i:08d}.json", f"{i:032x}", f"{i:032x}-copy")
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(ledger) == 3000 and ledger.copy_of("logs/2024/key-00002999.json", f"{2999:032x}")
    assert grown < 100_000  # a dict of these 3000 copies alone would take ~1 MB
