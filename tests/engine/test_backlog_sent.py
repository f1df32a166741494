"""What a backlog run sent is kept on disk (issue 9, B3): the read-back's counts stay exact, memory stays flat."""

from __future__ import annotations

import os
import threading
import tracemalloc
from pathlib import Path
from typing import Any, Iterator

import pytest

from recovery_tui.service.aliases import BucketPath
from recovery_tui.service.backlog import BacklogItem, run_backlog
from recovery_tui.service.backlog_pacing import Watermark
from recovery_tui.service.backlog_sent import PREFIX, SentVersions
from recovery_tui.service.errors import ConnectionFailure
from recovery_tui.service.models import DiffEntry


@pytest.fixture(autouse=True)
def _state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOVERY_TUI_STATE_DIR", str(tmp_path))


def _item(key: str, vid: str, status: str = "FAILED") -> BacklogItem:
    return BacklogItem(key, vid, False, status)


def test_reads_are_marked_counted_and_compared_with_the_read_before(tmp_path: Path) -> None:
    sent = SentVersions(tmp_path, batch=2)
    for key in ("b", "a", "c\udc80", "d"):  # an undecodable byte in a key survives the round trip
        sent.add(_item(key, "v1"))
    sent.add(_item("a", "v1"))  # the same version twice counts once
    assert len(sent) == 4 and sent.path is not None and oct(os.stat(sent.path).st_mode & 0o777) == "0o600"
    first = sent.mark([("a", "v1", "FAILED"), ("c\udc80", "v1", "FAILED"), ("zz", "other", "FAILED"),
                       ("b", "v1", "PENDING")])
    assert (first.listed, first.failed, first.changed) == (3, 2, True)
    assert [(i.key, i.version_id, i.status) for i in sent.still_failed(50)] == [("a", "v1", "FAILED"),
                                                                               ("c\udc80", "v1", "FAILED")]
    same = sent.mark(iter([("b", "v1", "PENDING"), ("a", "v1", "FAILED"), ("c\udc80", "v1", "FAILED")]))
    assert (same.listed, same.failed, same.changed) == (3, 2, False)
    flipped = sent.mark([("a", "v1", "FAILED"), ("c\udc80", "v1", "FAILED"), ("b", "v1", "FAILED")])
    assert (flipped.listed, flipped.failed, flipped.changed) == (3, 3, True)  # PENDING -> FAILED is a change
    gone = sent.mark([("a", "v1", "FAILED"), ("b", "v1", "FAILED")])
    assert (gone.listed, gone.failed, gone.changed) == (2, 2, True)  # one replicated
    assert [i.key for i in sent.still_failed(1)] == ["a"]
    path = sent.path
    sent.close()
    assert not any(p.name.startswith(PREFIX) for p in tmp_path.iterdir()) and path is not None


def test_a_read_cut_short_keeps_the_last_good_read(tmp_path: Path) -> None:
    sent = SentVersions(tmp_path)
    for i in range(5):
        sent.add(_item(f"k{i}", "v"))
    good = sent.mark([(f"k{i}", "v", "FAILED") for i in range(5)])

    def cut() -> Iterator[tuple[str, str, str]]:
        yield "k0", "v", "PENDING"
        raise ConnectionFailure("the stream was cut")

    with pytest.raises(ConnectionFailure):
        sent.mark(cut())
    assert good.failed == 5 and [i.key for i in sent.still_failed(10)] == [f"k{i}" for i in range(5)]
    again = sent.mark([(f"k{i}", "v", "FAILED") for i in range(5)])
    assert (again.listed, again.failed, again.changed) == (5, 5, False)  # compared with the last good read
    sent.close()


def test_a_file_left_by_a_killed_run_is_removed_and_a_small_run_writes_none(tmp_path: Path) -> None:
    small = SentVersions(tmp_path)
    small.add(_item("k", "v"))
    assert len(small) == 1 and small.first == _item("k", "v") and small.path is None  # --validate: no file
    small.close()
    big = SentVersions(tmp_path, batch=1)
    big.add(_item("k", "v"))
    assert big.path is not None
    name = big.path.name.split("-")
    name[3] = str(2**22 + 7)  # a pid no process has (above Linux's pid_max)
    stale = tmp_path / "-".join(name)
    stale.write_bytes(b"")
    big.close()
    other = SentVersions(tmp_path, batch=1)
    other.add(_item("k", "v"))
    assert not stale.exists() and other.path is not None and other.path.exists()
    other.close()
    other.add(_item("k2", "v"))  # after close (a worker finishing late): ignored, no new file
    assert not list(tmp_path.iterdir())


class _Stat:
    delete_marker = False


class _HugeBacklog:
    """A service whose diff stream lists `n` FAILED versions, generated lazily in key order (as the server
    walks), and whose HEADs succeed without changing anything: every version sent is still FAILED when the
    diff is read again."""

    def __init__(self, n: int) -> None:
        self.n, self.reads, self.heads = n, 0, 0
        self.lock = threading.Lock()

    def replication_diff(self, alias: str, bucket: str, **kw: Any) -> Iterator[DiffEntry]:
        self.reads += 1
        return (DiffEntry(object=f"logs/2024/06/01/host-{i // 1000:04d}/event-{i:09d}.json",
                          version_id=f"{i:08x}-6e0f-4c1b-9a7d-{i:012x}", status="FAILED",
                          targets=(("arn:minio:replication::t:data", "FAILED"),)) for i in range(self.n))

    def head_version(self, alias: str, bucket: str, key: str, version_id: str) -> Any:
        with self.lock:
            self.heads += 1
        return _Stat()


@pytest.mark.slow
def test_the_read_back_of_100000_versions_stays_flat_in_memory() -> None:
    """Structural bound: a set of the 100,000 (key, version) pairs sent would alone take ~20 MB of Python
    objects (the engine before this fix peaked ~150 MB higher at 200,000); the engine, which sends them all and
    reads them all back, must stay far below that. No checkpoint, as the wizard runs it. (100,000 rather than
    200,000: the same bound, half the suite's ~18 CPU-s under tracemalloc.)"""
    run_backlog(_HugeBacklog(10), BucketPath("src", "data"), wait_limit=0)  # loads what the engine imports lazily
    n = 100_000
    service = _HugeBacklog(n)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        r = run_backlog(service, BucketPath("src", "data"), concurrent=2, wait_limit=0, quiet=0, poll_interval=0)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert (r.total, r.processed, r.failed, service.heads, service.reads) == (n, n, 0, n, 2)
    a = r.after
    assert a is not None and (a.tracked, a.completed, a.pending, a.failed, a.reads) == (n, 0, 0, n, 1)
    first = [(f"logs/2024/06/01/host-0000/event-{i:09d}.json", f"{i:08x}-6e0f-4c1b-9a7d-{i:012x}")
             for i in range(50)]  # the first 50 in key order
    assert [(i.key, i.version_id) for i in a.still_failed] == first and not r.ok
    assert peak < 8_000_000, f"peak {peak:,} bytes"


def test_the_watermark_forgets_what_is_finished_below_the_lowest_key_in_flight() -> None:
    """Without a checkpoint nobody asks the watermark for its state: it must still not keep every item."""
    mark = Watermark({})
    for i in range(50_000):
        mark.finish(mark.dispatch(f"k{i:06d}", "v"))
    assert len(mark.finished) < 2 * Watermark.COMPACT_AT
    held = mark.dispatch("k050000", "v")
    mark.finish(mark.dispatch("k050001", "v"))
    assert mark.state() == {"after": "k050000", "done": [["k050001", "v"]]}
    mark.finish(held)


def test_a_dry_run_counts_every_version_passes_each_on_and_keeps_the_first_few() -> None:
    service, seen = _HugeBacklog(1000), []
    r = run_backlog(service, BucketPath("src", "data"), dry_run=True, on_item=seen.append)
    assert (r.total, len(seen), service.heads) == (1000, 1000, 0) and r.items == tuple(seen[:50])
    assert (r.counted.total, r.counted.failed, r.counted.copyable) == (1000, 1000, 1000)
    assert [i.version_id for i in seen] == [f"{i:08x}-6e0f-4c1b-9a7d-{i:012x}" for i in range(1000)]
