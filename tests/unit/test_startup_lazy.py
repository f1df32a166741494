"""Start-up (issue 9, U1): `--help`/`--version` load nothing heavy, and the wizard paints step 1 before its
service (boto3) or the lab exists; a worker that needs the service waits for it, the UI never does."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import pytest

from recovery_tui.deferred import DeferredService

HEAVY = ("aiohttp", "boto3", "botocore", "urllib3", "textual", "rich", "recovery_tui.lab.server",
         "recovery_tui.service.client")


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["validate", "--help"]])
def test_help_and_version_load_nothing_heavy(argv: list[str]) -> None:
    code = ("import sys, runpy\nsys.argv = ['recovery-tui'] + %r\n"
            "try:\n    runpy.run_module('recovery_tui', run_name='__main__')\nexcept SystemExit as e:\n"
            "    assert e.code in (0, None), e.code\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)" % (argv,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    loaded = set(out.stderr.split())
    assert not [m for m in HEAVY if m in loaded]
    assert "recovery_tui.drills" not in loaded  # building the parser reads no drill
    if argv == ["--version"]:  # only --help lists the lab's scenarios
        assert not [m for m in loaded if m.startswith("recovery_tui.lab")]
    assert "recovery-tui" in out.stdout


def test_scenario_names_still_checked_and_listed() -> None:
    out = subprocess.run([sys.executable, "-m", "recovery_tui", "--lab", "--scenario", "nope"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and "invalid choice: 'nope'" in out.stderr and "partial-loss" in out.stderr
    helptext = subprocess.run([sys.executable, "-m", "recovery_tui", "--help"], capture_output=True, text=True,
                              timeout=60).stdout
    assert "checksum-failures" in " ".join(helptext.split())


def test_a_worker_waits_for_the_first_frame_and_then_gets_the_real_service() -> None:
    built = threading.Event()
    svc = DeferredService(lambda: (built.set(), "real")[1])
    got: list[Any] = []
    worker = threading.Thread(target=lambda: got.append(svc.upper()))
    worker.start()
    worker.join(0.3)
    assert worker.is_alive() and not built.is_set() and svc.built is None  # waiting, nothing built yet
    svc.open_after_first_frame()
    worker.join(5)
    assert got == ["REAL"] and svc.built == "real" and svc.settle() == "real"


def test_a_failed_build_reaches_every_caller() -> None:
    calls = []

    def build() -> Any:
        calls.append(1)
        raise RuntimeError("lab did not start")

    svc = DeferredService(build)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="lab did not start"):
            svc.resolve()  # the UI thread never waits for the gate
    assert calls == [1]


@pytest.mark.slow
async def test_step_one_is_painted_while_the_service_is_still_being_built() -> None:
    from recovery_tui.app import make_app
    from recovery_tui.widgets.step_header import StepHeader

    release = threading.Event()
    asked = threading.Event()

    class Slow:
        def list_buckets(self, alias: str) -> list[str]:
            return ["data"]

        def replication_config(self, alias: str, bucket: str) -> None:
            return None

    def build() -> Slow:
        asked.set()
        release.wait(10)  # boto3 loading, the lab starting: slow on a bastion
        return Slow()

    svc = DeferredService(build)
    app = make_app(svc, aliases=["prod"], lab=False, persist=False)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        header = app.screen.query_one(StepHeader)
        assert "Step 1 of 7" in str(header.render())
        assert svc.built is None
        for _ in range(50):
            if asked.is_set():
                break
            await pilot.pause(0.05)
        assert asked.is_set()  # building started after the first frame, in the background
        await pilot.press("e")  # and the screen answers keys meanwhile
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert svc.built is not None


async def test_a_reattached_session_builds_only_its_step_and_goes_back_one_step_at_a_time() -> None:
    from recovery_tui.app import make_app
    from recovery_tui.state import WizardState

    class Idle:  # every call of the earlier steps' workers would land here; none may happen before going back
        calls: list[str] = []

        def __getattr__(self, name: str) -> Any:
            from recovery_tui.service.errors import ConnectionFailure

            def call(*a: Any, **k: Any) -> Any:
                Idle.calls.append(name)
                raise ConnectionFailure("site offline")  # retryable: a toast, no modal

            return call

    saved = WizardState(step=5, source_alias="src", source_bucket="data", arn="arn:x", target_alias="dst",
                        target_bucket="data", reset_id="r1", resync_status="Completed")
    app = make_app(Idle(), aliases=["src"], lab=False, resume=saved, persist=False)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        names = [type(s).__name__ for s in app.screen_stack]
        assert not {"targets", "health", "resync_status"} & set(Idle.calls)  # Targets, Preflight, Monitor not built
        assert names[-1] == "ValidateScreen" and not any(n in names for n in ("ConnectScreen", "TargetsScreen",
                                                                                "PreflightScreen", "MonitorScreen"))
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "MonitorScreen"
        await pilot.press("escape")  # Start is a one-shot page: back from the monitor is Preflight
        await pilot.pause()
        assert type(app.screen).__name__ == "PreflightScreen"


FIRST_FRAME_PROBE = """
import json, os, sys
from recovery_tui.deferred import DeferredService

_open = DeferredService.open_after_first_frame


def painted(self):  # the App calls this once step 1 is on the screen: the modules loaded until then
    with open(os.environ["FIRST_FRAME_MODULES"] + ".tmp", "w") as fh:
        json.dump(sorted(sys.modules), fh)
    os.replace(os.environ["FIRST_FRAME_MODULES"] + ".tmp", os.environ["FIRST_FRAME_MODULES"])
    _open(self)


DeferredService.open_after_first_frame = painted
sys.argv = ["recovery-tui", *sys.argv[1:]]
from recovery_tui.cli import run

run()
"""
"""Runs the console script's `run()` on a pty, and writes down `sys.modules` when step 1 has been painted."""

NOT_BEFORE_STEP_ONE = (
    "boto3", "botocore", "urllib3", "aiohttp", "recovery_tui.service.client", "recovery_tui.service.models",
    "recovery_tui.lab.server", "recovery_tui.lab.scenarios", "recovery_tui.drills", "recovery_tui.journal",
    "recovery_tui.report", "recovery_tui.screens.targets", "recovery_tui.screens.preflight",
    "recovery_tui.screens.start", "recovery_tui.screens.monitor", "recovery_tui.screens.validate",
    "recovery_tui.screens.next_steps", "recovery_tui.screens.dialogs", "recovery_tui.screens.drill",
    "recovery_tui.screens.site_base", "textual.widgets._data_table", "textual.widgets._sparkline",
)
"""What step 1 does not need: the service, the lab, the later screens and their widgets, the drills."""


@pytest.mark.parametrize("argv", [[], ["--lab"]], ids=["aliases", "lab"])
def test_step_one_is_painted_before_the_later_screens_the_service_or_the_lab_load(argv: list[str],
                                                                                   tmp_path: Any) -> None:
    import json
    import os

    from helpers.ptykit import PtyApp, pty_available
    from helpers.waiting import wait_until

    if pty_available() is not None:
        pytest.skip(str(pty_available()))
    dump = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MC_HOST_")}
    env.update({"MC_HOST_source": "http://key:secret12345@127.0.0.1:9", "MC_HOST_target":
                "http://key:secret12345@127.0.0.1:9", "MC_CONFIG_DIR": str(tmp_path / "mc"),
                "RECOVERY_TUI_STATE_DIR": str(tmp_path / "state"), "XDG_STATE_HOME": str(tmp_path / "xdg"),
                "FIRST_FRAME_MODULES": str(dump)})
    (tmp_path / "mc").mkdir()
    app = PtyApp(argv, env, program=("-c", FIRST_FRAME_PROBE))
    try:
        app.expect("Step 1 of 7", timeout=60)
        loaded = set(json.loads(wait_until(lambda: dump.exists() and dump.read_text(), timeout=60,
                                           what="the first frame's module list")))
    finally:
        app.close()
    assert {"recovery_tui.app", "recovery_tui.screens.connect", "textual.app"} <= loaded  # the probe saw step 1
    early = sorted(m for m in loaded if any(m == name or m.startswith(name + ".") for name in NOT_BEFORE_STEP_ONE))
    assert early == [], f"loaded before step 1 was painted: {early}"
