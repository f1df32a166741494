"""The lab's drill runner plays timelines on a real lab: progress triggers, delays, journal triggers, errors."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import pytest
import requests

from recovery_tui.drills import Catalog, excerpts
from recovery_tui.drills.loader import parse
from recovery_tui.lab.drill_runner import DrillRunner, Fired
from recovery_tui.lab.scenarios import NAMES
from recovery_tui.lab.server import Lab


class Clock:
    """time.monotonic plus an offset a test can advance (to let "30 s later" pass at once)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


def start_resync(lab: Lab, site: str = "source") -> None:
    import boto3  # noqa: F401  (botocore signs the request like the service would)
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    rt = lab.site(site)
    arn = rt.site.targets["data"][0].arn
    req = AWSRequest(method="PUT", url=f"{rt.url}/data?replication-reset=&arn={requests.utils.quote(arn, safe='')}")
    S3SigV4Auth(Credentials(rt.site.access_key, rt.site.secret_key), "s3", "us-east-1").add_auth(req)
    resp = requests.put(req.url, headers=dict(req.headers), timeout=10)
    assert resp.status_code == 200, resp.text


def wait(pred: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def drills() -> Catalog:
    return Catalog(scenarios=NAMES)


def test_target_drops_at_40_percent_and_returns_30_s_later(lab_factory: Callable[..., Lab], drills: Catalog) -> None:
    lab = lab_factory("partial-loss", resync_delay=0.05)
    clock = Clock()
    seen: list[tuple[Fired, list[Any], bool]] = []

    def on_fire(fired: Fired) -> None:  # on the loop thread: the lab's state at the very moment
        seen.append((fired, runner.resyncs(), lab.faults.is_offline("target")))

    runner = DrillRunner(lab, drills.get("target-drops-mid-resync"), on_fire=on_fire, poll=0.01, clock=clock)
    runner.start()
    try:
        assert not runner.wait_fired("outage", 0.3), "no resync yet: nothing may fire"
        start_resync(lab)
        assert runner.wait_fired("outage", 20)
        fired, views, offline = seen[0]
        assert fired.id == "outage" and fired.error == "" and offline
        (view,) = [v for v in views if v.site == "source"]
        assert view.status == "Ongoing" and 40 <= view.percent < 60, view
        assert not runner.wait_fired("back", 0.3)
        clock.offset += 30
        assert runner.wait_fired("back", 5)
        assert seen[1][0].id == "back" and not seen[1][2]
        assert not lab.faults.is_offline("target")
        wait(lambda: not runner.running, 5)
        assert [f.id for f in runner.fired()] == ["outage", "back"]
    finally:
        runner.stop()


def test_double_start_prestarts_a_slow_resync_and_speeds_up_when_the_trainee_arrives(
        lab_factory: Callable[..., Lab], drills: Catalog) -> None:
    lab = lab_factory("partial-loss")
    runner = DrillRunner(lab, drills.get("double-start"), poll=0.01).start()
    try:
        assert runner.wait_fired("colleague-start", 10)
        assert [f.error for f in runner.fired()] == ["", ""]
        rec = lab.call(lambda: lab.source.site.buckets["data"].resync)
        assert [r.status for r in rec.values()] in (["Pending"], ["Ongoing"])
        assert lab.source.replicator.resync.delay == 10
        assert not runner.wait_fired("speed-up", 0.2)
        runner.observe({"action": "wizard.source", "result": "ok"})
        assert not runner.wait_fired("speed-up", 0.2)
        runner.observe({"action": "wizard.monitor-existing", "result": "ok"})
        assert runner.wait_fired("speed-up", 5)
        assert lab.source.replicator.resync.delay == 0.6
    finally:
        runner.stop()


def test_a_fault_that_cannot_apply_is_reported_and_the_timeline_goes_on(lab_factory: Callable[..., Lab]) -> None:
    lab = lab_factory("total-loss")
    drill = parse('''
name = "t"
title = "t"
scenario = "total-loss"
summary = "s"
[[timeline]]
id = "bad"
when = { at_start = true }
action = "start-resync"
site = "target"
[[timeline]]
id = "next"
when = { after = "bad" }
action = "latency"
site = "source"
seconds = 0.01
[[objectives]]
id = "o"
text = "o"
event = { action = "validate" }
''', scenarios=NAMES, excerpts=tuple(excerpts()))
    got: list[Fired] = []
    done = threading.Event()
    runner = DrillRunner(lab, drill, on_fire=lambda f: (got.append(f), done.set() if f.id == "next" else None),
                         poll=0.01).start()
    try:
        assert done.wait(10)
        assert "has 0 remote targets" in got[0].error
        assert got[1].error == "" and lab.faults.latency("source") == 0.01
    finally:
        runner.stop()


def test_hold_resync_holds_the_labs_resyncs(lab_factory: Callable[..., Lab]) -> None:
    lab = lab_factory("healthy")
    drill = parse('''
name = "h"
title = "h"
scenario = "healthy"
summary = "s"
[[timeline]]
id = "hold"
when = { at_start = true }
action = "hold-resync"
percent = 50
[[objectives]]
id = "o"
text = "o"
event = { action = "validate" }
''', scenarios=NAMES, excerpts=tuple(excerpts()))
    runner = DrillRunner(lab, drill)
    assert runner.unsupported() == []
    runner.start()
    try:
        assert runner.wait_fired("hold", 5) and runner.fired()[0].error == ""
        assert lab.faults.resync_hold() == 50
    finally:
        runner.stop()
