"""`--region` (global, or after the command) signs with that region and a wrong one names the fix; a
negative-looking `--older-than -3d` is explained in one line (exit 2), not argparse's "expected one argument"."""

from __future__ import annotations

import argparse
import json

import pytest

from labkit import arn_of, assert_one_line_error, run_main, use_lab_env
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
    from recovery_tui import app as app_module, cli
    from recovery_tui.settings import Settings

    seen: list[str] = []

    class FakeApp:
        state = None

        def __init__(self, service) -> None:
            seen.append(service.region)

        def run(self) -> int:
            return 0

    monkeypatch.setattr(app_module, "make_app", lambda service, **kw: FakeApp(service))
    monkeypatch.setattr("recovery_tui.wizard._install_hangup_handler", lambda app: None)
    monkeypatch.setattr("recovery_tui.wizard._farewell", lambda state: None)
    for argv, want in ((["--fresh", "--region", "eu-west-1"], "eu-west-1"), (["--fresh"], "us-east-1")):
        args = cli.build_parser().parse_args(argv)
        assert isinstance(args, argparse.Namespace)
        assert cli._run_wizard(Settings.from_args(args)) == 0
        assert seen[-1] == want


@pytest.mark.parametrize("value", ["-3d", "-30", "-1w", "0d", "30x"])
def test_bad_older_than_one_line(value: str, capsys) -> None:
    arn = "arn:minio:replication::abc:data"
    for argv in (["resync", "start", "--remote-bucket", arn, "source/data", "--older-than", value],
                 ["resync", "start", "--older-than", value, "--remote-bucket", arn, "source/data"]):
        r = run_main(argv, capsys)
        assert_one_line_error(r, 2)
        assert "--older-than must be a positive number of days like 30d" in r.err, r.err
        assert "expected one argument" not in r.err


def test_older_than_as_process(tmp_path) -> None:
    from labkit import run_process

    r = run_process(["resync", "start", "--remote-bucket", "arn:minio:replication::abc:data", "source/data",
                     "--older-than", "-3d"], timeout=30)
    assert_one_line_error(r, 2)
    assert "positive number of days like 30d" in r.err
