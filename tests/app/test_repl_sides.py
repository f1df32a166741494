"""ReplSides reads both sides in one thread worker at a time; a poll while a read is under way asks for one more
read after it. The monitor polls every `interval` seconds, which can be shorter than one read (a side that does
not answer takes its connect timeout and retries)."""

from __future__ import annotations

import threading
from typing import Any

from textual.app import App, ComposeResult

from helpers.pilot import wait_for
from recovery_tui.widgets.repl_sides import ReplSides, Side


class _Unread(Exception):
    def __init__(self, n: int) -> None:
        super().__init__(f"read {n}")
        self.title = f"read {n}"


class _GatedReads:
    """`read(alias, bucket)`: the n-th call waits for `release(n)`, then fails with the title "read n"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.active = 0
        self.most_active = 0
        self.gates = [threading.Event() for _ in range(8)]

    def __call__(self, alias: str, bucket: str) -> Any:
        with self._lock:
            n, self.calls = self.calls, self.calls + 1
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        self.gates[n].wait(30)
        with self._lock:
            self.active -= 1
        raise _Unread(n)

    def release_all(self) -> None:
        for gate in self.gates:
            gate.set()


class _Shown(ReplSides):
    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.shown: list[str] = []

    def show(self, sides: Any) -> None:
        self.shown.append(sides[0].error)
        super().show(sides)


class _SidesApp(App[None]):
    def __init__(self, read: _GatedReads) -> None:
        super().__init__()
        self.read = read

    def compose(self) -> ComposeResult:
        yield _Shown(self.read, (("Source", "source", "data"),))


async def test_a_poll_during_the_follow_up_read_waits_for_it() -> None:
    """The read that a poll asked for runs to the end and is shown; polls meanwhile start no second read.

    (Before: starting the follow-up read cancelled the finished worker, whose CANCELLED event cleared the
    in-flight flag; every later poll then started a new read and cancelled the one under way, so with polls
    closer than one read the widget kept its first answer for good.)"""
    reads = _GatedReads()
    app = _SidesApp(reads)
    try:
        async with app.run_test() as pilot:
            sides = app.query_one(_Shown)
            sides.poll()
            await wait_for(pilot, lambda: reads.calls == 1, what="the first read starts")
            sides.poll()  # under way: one more read after it
            reads.gates[0].set()
            await wait_for(pilot, lambda: sides.shown == ["read 0"] and reads.calls == 2,
                           what="the first read shown, the follow-up read started")
            sides.poll()
            sides.poll()
            reads.gates[1].set()
            await wait_for(pilot, lambda: sides.shown[:2] == ["read 0", "read 1"] and reads.calls == 3,
                           what="the follow-up read shown, then one more read for the polls meanwhile")
            reads.gates[2].set()
            await wait_for(pilot, lambda: sides.shown == ["read 0", "read 1", "read 2"],
                           what="the last read shown")
            await pilot.pause()
            assert reads.calls == 3 and reads.most_active == 1
            assert sides.sides == (Side("Source", None, "read 2"),)
    finally:
        reads.release_all()
