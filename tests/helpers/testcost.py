"""What each test costs, against the `slow` marker (opt-in: `pytest -p helpers.testcost -n 0`).

The quick subset (`pytest -m "not slow"`) is the suite minus its long tests. A test is *long* when, run on its
own worker on a quiet machine, its call takes more than `SLOW_WALL` seconds or more than `SLOW_CPU` seconds of
this process's CPU (the in-process labs included; a child process's CPU counts once it is reaped). This plugin
measures both for every test and, at the end, lists the tests that break the rule either way: long but not
marked, marked but short. Then it lists the `TOP` costliest tests counted with their fixtures' setup and
teardown (what the suite pays for them); with `TESTCOST_OUT=file.json` it writes every test's figures, to
compare two runs. It changes no outcome; run it with `-n 0` so that one test's figures are its own.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Generator

import pytest

SLOW_WALL = 2.0
SLOW_CPU = 1.0
TOP = 30


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class _Costs:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float, bool]] = []
        self.whole: dict[str, list[float]] = {}   # nodeid -> [wall, CPU] of setup + call + teardown

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, None]:
        wall, cpu = time.perf_counter(), _cpu()
        yield
        self.rows.append((item.nodeid, time.perf_counter() - wall, _cpu() - cpu,
                          item.get_closest_marker("slow") is not None))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, Any, None]:
        wall, cpu = time.perf_counter(), _cpu()
        yield
        self.whole[item.nodeid] = [time.perf_counter() - wall, _cpu() - cpu]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        long = [r for r in self.rows if r[1] > SLOW_WALL or r[2] > SLOW_CPU]
        unmarked = [r for r in long if not r[3]]
        short = [r for r in self.rows if r[3] and r not in long]
        tr = terminalreporter
        tr.section(f"test cost (slow: call > {SLOW_WALL:g} s or > {SLOW_CPU:g} CPU-s)")
        quick = [r for r in self.rows if not r[3]]
        tr.write_line(f"{len(self.rows)} calls: {sum(r[1] for r in self.rows):.1f} s, "
                      f"{sum(r[2] for r in self.rows):.1f} CPU-s; not marked slow: {len(quick)} calls, "
                      f"{sum(r[1] for r in quick):.1f} s, {sum(r[2] for r in quick):.1f} CPU-s")
        for title, rows in (("long but not marked slow", unmarked), ("marked slow but short", short)):
            tr.write_line(f"{title}: {len(rows)}")
            for nodeid, wall, cpu, _ in sorted(rows, key=lambda r: -r[1]):
                tr.write_line(f"  {wall:6.2f} s {cpu:6.2f} CPU-s  {nodeid}")
        # the costliest tests with their fixtures' setup and teardown (a module-scoped fixture's cost falls on
        # the test that starts or ends it)
        top = sorted(self.whole.items(), key=lambda kv: -kv[1][1])[:TOP]
        tr.write_line(f"costliest {len(top)} with setup and teardown "
                      f"(all: {sum(v[0] for v in self.whole.values()):.1f} s, "
                      f"{sum(v[1] for v in self.whole.values()):.1f} CPU-s)")
        for nodeid, (wall, cpu) in top:
            tr.write_line(f"  {wall:6.2f} s {cpu:6.2f} CPU-s  {nodeid}")

    def pytest_sessionfinish(self) -> None:
        out = os.environ.get("TESTCOST_OUT")   # every test's figures as JSON, to compare two runs
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if out and worker:  # under xdist (figures shared with other workers) each writes out.gw0, out.gw1, ...
            out = f"{out}.{worker}"
        if out:
            with open(out, "w") as f:
                json.dump({"call": {r[0]: r[1:3] for r in self.rows}, "whole": self.whole}, f, indent=0)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_Costs(), "testcost")
