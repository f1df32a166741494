"""`--region` (global, or after the command) signs with that region and a wrong one names the fix; a
negative-looking `--older-than -3d` is explained in one line (exit 2), not argparse's "expected one argument"."""

from __future__ import annotations

import argparse
import gc
import json

import pytest

from helpers.labkit import arn_of, assert_one_line_error, run_main, use_lab_env
from recovery_tui.lab.server import Lab


@pytest.mark.parametrize("argv", [
    ["--region", "eu-west-1", "targets", "source/data"],
    ["targets", "source/data", "--region", "eu-west-1"],
    ["--region", "eu-west-1", "resync", "status", "source/data"],
])
def test_wrong_region_names_the_region_flag(lab: Lab, argv: list[str], capsys, monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    r = run_main(argv, capsys)
    assert_one_line_error(r, 2)
    assert "--region us-east-1" in r.err and "eu-west-1" not in r.err.split("—")[1], r.err


@pytest.mark.slow
def test_right_region_works(lab: Lab, capsys, monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    r = run_main(["--region", "us-east-1", "targets", "source/data", "--json"], capsys)
    assert r.code == 0, r.err
    assert arn_of(lab) in r.out and json.loads(r.out)
    r = run_main(["validate", "source/data", "target/data", "--region", "us-east-1", "--json"], capsys)
    assert r.code == 1 and json.loads(r.out)["missing_on_target"] > 0, r.err


def test_lab_site_in_another_region_is_reached_with_that_region(lab: Lab, capsys, monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    lab.call(lambda: setattr(lab.source.site, "region", "eu-north-1"))
    r = run_main(["targets", "source/data"], capsys)
    assert_one_line_error(r, 2)
    assert "--region eu-north-1" in r.err
    r = run_main(["--region", "eu-north-1", "targets", "source/data", "--json"], capsys)
    assert r.code == 0 and arn_of(lab) in r.out, r.err


def test_malformed_region_is_bad_input(capsys) -> None:
    r = run_main(["--region", "eu west", "targets", "source/data"], capsys)
    assert_one_line_error(r, 2)
    assert "--region" in r.err


def test_wizard_gets_the_region(monkeypatch) -> None:
    """`recovery-tui --region X` builds the wizard's service with region X (default us-east-1)."""
    from recovery_tui import app as app_module
    from recovery_tui import cli
    from recovery_tui.settings import Settings

    seen: list[str] = []

    class FakeApp:
        state = None

        def __init__(self, service) -> None:
            seen.append(service.region)

        def run(self) -> int:
            return 0

        def save_state(self) -> None:
            pass

        def end_now(self, code: int) -> None:
            pass

    monkeypatch.setattr(app_module, "make_app", lambda service, **kw: FakeApp(service))
    monkeypatch.setattr("recovery_tui.exits.require_terminal", lambda: None)  # pytest's stdin is no terminal
    monkeypatch.setattr("recovery_tui.wizard._farewell", lambda state: None)
    try:
        for argv, want in ((["--fresh", "--region", "eu-west-1"], "eu-west-1"), (["--fresh"], "us-east-1")):
            args = cli.build_parser().parse_args(argv)
            assert isinstance(args, argparse.Namespace)
            assert cli._run_wizard(Settings.from_args(args)) == 0
            assert seen[-1] == want
    finally:  # `_run_wizard` holds the collector off until a first frame this FakeApp never paints
        gc.enable()


@pytest.mark.parametrize("value", ["-30", "30", "30x", "1mo", "d", "7d-"])
def test_bad_older_than_one_line(value: str, capsys) -> None:
    """What mc's own ParseDuration refuses is refused in one line with mc's reason (exit 2)."""
    arn = "arn:minio:replication::abc:data"
    for argv in (["resync", "start", "--remote-bucket", arn, "source/data", "--older-than", value],
                 ["resync", "start", "--older-than", value, "--remote-bucket", arn, "source/data"]):
        r = run_main(argv, capsys)
        assert_one_line_error(r, 2)
        assert f"--older-than '{value}' is not a duration mc accepts" in r.err, r.err
        assert "expected one argument" not in r.err


def test_older_than_as_process(tmp_path) -> None:
    from helpers.labkit import run_process

    r = run_process(["resync", "start", "--remote-bucket", "arn:minio:replication::abc:data", "source/data",
                     "--older-than", "-30"], timeout=30)
    assert_one_line_error(r, 2)
    assert "missing unit in duration -30" in r.err


def _reset_before_days(lab: Lab) -> float:
    """Days between now and the resetBeforeDate the resync start wrote on the lab's remote target."""
    from recovery_tui.lab import store

    before = lab.call(lambda: lab.source.site.target_by_arn("data", arn_of(lab)).reset_before)
    return (store.utcnow() - before).total_seconds() / 86400


def _wait_resync_end(service, lab: Lab) -> None:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        st = service.resync_status("source", "data", arn_of(lab)).for_arn(arn_of(lab))
        if st is None or not st.running:
            return
        time.sleep(0.1)
    raise AssertionError("the lab's resync did not end")


@pytest.mark.parametrize("value, days, notice", [
    ("7d10h", 7, "versions older than 7 days (the 10h beyond that are dropped)"),
    ("1.5d", 1, "older than 1 day (the 12h beyond that are dropped)"),
    ("2w", 14, ""),
    ("12h", 0, "under one day"),
    ("-7d", 0, "mc sends no older-than"),
    ("30m", 0, "mc sends no older-than"),
])
def test_older_than_takes_what_mc_takes_and_says_what_the_server_drops(lab: Lab, value: str, days: int,
                                                                       notice: str, capsys, monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    lab.faults.set_latency("target", 0)
    r = run_main(["resync", "start", "--remote-bucket", arn_of(lab), "source/data", "--older-than", value], capsys)
    assert r.code == 0, r.err
    if notice:
        assert notice in r.err, r.err
    else:
        assert "--older-than" not in r.err, r.err
    assert abs(_reset_before_days(lab) - days) < 0.01
    run_main(["resync", "status", "source/data", "--remote-bucket", arn_of(lab), "--watch", "--interval", "0.2"],
             capsys)


@pytest.mark.slow
def test_older_than_is_sent_as_mc_sends_it(lab: Lab, tmp_path) -> None:
    """`60d` → `older-than=1.44µs` (minio-go's Duration.String() of 1440 ns); ≤ 0 h → no parameter (§19)."""
    from helpers.labkit import book_for
    from recovery_tui.mcduration import older_than
    from recovery_tui.service.client import RecoveryService

    service = RecoveryService(book_for(lab, tmp_path))
    site = service.site("source")
    sent: list[list[tuple[str, str]]] = []
    original = site.raw

    def spy(ctx, method, path, query, **kw):
        if method == "PUT":
            sent.append(list(query))
        return original(ctx, method, path, query, **kw)

    site.raw = spy  # type: ignore[method-assign]
    for text, wire in (("60d", "1.44µs"), ("7d10h31s", "178ns"), ("1y", "8.76µs"), ("0d", None), ("-2d", None)):
        service.start_resync("source", "data", arn_of(lab), older_than_hours=older_than(text).hours)
        got = dict(sent[-1]).get("older-than")
        assert got == wire, (text, got)
        _wait_resync_end(service, lab)
