"""`resync status` exit codes and mc's JSON printing rules (issue 13 item 5, facts §18).

* exit 1 when the job Completed with failed versions, or was Canceled / Failed (0 for a clean Completed);
* mc prints one compact line per document unless stdout and stderr are both terminals, then indents with
  one space (`json.MarshalIndent(…, "", " ")`), HTML-escaping `<`, `>` and `&` as Go's encoder does.
"""

from __future__ import annotations

import json
import time
from typing import Any, Iterator

import pytest

from helpers.labkit import use_lab_env
from recovery_tui.cli import main
from recovery_tui.headless import mcdocs
from recovery_tui.lab.scenarios import arn_for
from recovery_tui.lab.server import Lab
from recovery_tui.settings import Settings


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = Lab(scenario="partial-loss", objects=60).start()
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def env(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    use_lab_env(lab, monkeypatch)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _wait_status(capsys: Any, arn: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run(capsys, "resync", "status", "source/data", "--remote-bucket", arn, "--watch", "--json",
                         "--interval", "0.2")
    assert "Traceback" not in err
    return code, json.loads(out)


def test_completed_clean_exits_0(env: None, lab: Lab, capsys: Any) -> None:
    arn = arn_for(lab.target)
    assert run(capsys, "resync", "start", "--remote-bucket", arn, "source/data")[0] == 0
    code, doc = _wait_status(capsys, arn)
    [t] = doc["resyncInfo"]["target"]
    assert t["resyncStatus"] == "Completed" and "failedReplicationCount" not in t and code == 0


def test_completed_with_failed_versions_exits_1(env: None, lab: Lab, capsys: Any) -> None:
    arn = arn_for(lab.target)
    lab.faults.fail_replication("*")  # the missing versions cannot be re-sent: the stat on the target fails
    assert run(capsys, "resync", "start", "--remote-bucket", arn, "source/data")[0] == 0
    code, doc = _wait_status(capsys, arn)
    [t] = doc["resyncInfo"]["target"]
    assert t["resyncStatus"] == "Completed" and t["failedReplicationCount"] > 0
    assert code == 1
    code, out, err = run(capsys, "resync", "status", "source/data", "--remote-bucket", arn)
    assert code == 1 and "Completed with" in err and "FAILED" in err


def test_canceled_exits_1(capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from recovery_tui.headless.common import make_service

    lab = Lab(scenario="partial-loss", objects=60, flavor="aistor").start()  # only AIStor can cancel (§5a)
    try:
        use_lab_env(lab, monkeypatch)
        _cancel_and_check(lab, capsys, make_service)
    finally:
        lab.stop()


def _cancel_and_check(lab: Lab, capsys: Any, make_service: Any) -> None:
    arn = arn_for(lab.target)
    resyncer = lab.source.replicator.resync  # type: ignore[union-attr]
    lab.call(lambda: setattr(resyncer, "delay", 2.0))  # keep it running long enough to cancel
    assert run(capsys, "resync", "start", "--remote-bucket", arn, "source/data")[0] == 0
    make_service(Settings.from_args()).cancel_resync("source", "data", arn)  # the lab answers as AIStor
    deadline = time.monotonic() + 20
    while True:
        code, out, _ = run(capsys, "resync", "status", "source/data", "--remote-bucket", arn, "--json")
        [t] = json.loads(out)["resyncInfo"]["target"]
        if t.get("resyncStatus") == "Canceled" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert t["resyncStatus"] == "Canceled" and code == 1


def test_no_resync_yet_is_mc_s_empty_document(env: None, lab: Lab, capsys: Any) -> None:
    code, out, _ = run(capsys, "resync", "status", "source/data", "--json")
    assert code == 0 and out == '{"op":"status","url":"source/data","resyncInfo":{},"status":"success",' \
                                '"targetArn":""}\n'


def test_indented_on_a_terminal_compact_when_piped(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = {"op": "", "status": "success", "url": "", "rule": {"Filter": {"And": {"Tag": [{"Key": "a&b"}]}}}}
    assert mcdocs.go_json(doc, compact=False) == (
        '{\n "op": "",\n "status": "success",\n "url": "",\n "rule": {\n  "Filter": {\n   "And": {\n'
        '    "Tag": [\n     {\n      "Key": "a\\u0026b"\n     }\n    ]\n   }\n  }\n }\n}')
    assert mcdocs.go_json(doc, compact=True) == \
        '{"op":"","status":"success","url":"","rule":{"Filter":{"And":{"Tag":[{"Key":"a\\u0026b"}]}}}}'

    class Tty:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    for out_tty, err_tty, compact in ((True, True, False), (True, False, True), (False, True, True)):
        monkeypatch.setattr(mcdocs.sys, "stdout", Tty(out_tty))
        monkeypatch.setattr(mcdocs.sys, "stderr", Tty(err_tty))
        assert mcdocs.json_line_mode() is compact


def test_piped_process_prints_one_line_per_rule(lab: Lab) -> None:
    import os
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "recovery_tui", "targets", "source/data", "--json"],
                       env={**os.environ, **lab.env()}, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["rule"]["Destination"]["Bucket"] == arn_for(lab.target)
