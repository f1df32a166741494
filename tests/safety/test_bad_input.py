"""Every bad input of issue 5, headless and in the TUI: one line with the cause and the fix, exit 2 or 3, no traceback.

A few cases run the real console script in a subprocess (what the operator sees); the rest call
`cli.main([...])` in-process against a small lab.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.labkit import arn_of, assert_one_line_error, run_main, run_process, use_lab_env, wizard_for
from helpers.pilot import keep_notifications, screen_text, settle, to_preflight
from recovery_tui.lab.server import Lab

BAD_ARN = "arn:aws:s3:::data"


# -- the real console script -------------------------------------------------------------------------


def test_process_unknown_alias_and_malformed_mc_host(tmp_path: Path) -> None:
    r = run_process(["targets", "nope/data"])
    assert_one_line_error(r, 2)
    assert "nope" in r.err and "mc alias set nope" in r.err
    r = run_process(["targets", "bad/data"], env={"MC_HOST_bad": "not-a-url"})
    assert_one_line_error(r, 2)
    assert "MC_HOST_bad" in r.err and "http[s]://ACCESS:SECRET" in r.err


def test_process_malformed_config_json_and_rate_limit(tmp_path: Path) -> None:
    config = tmp_path / "mc"
    config.mkdir()
    (config / "config.json").write_text('{"version": "10", "aliases": {', encoding="utf-8")
    r = run_process(["validate", "a/data", "b/data"], env={"MC_CONFIG_DIR": str(config)})
    assert_one_line_error(r, 2)
    assert "config.json" in r.err and "not valid JSON" in r.err
    r = run_process(["resync-backlog", "source/data", "--rate-limit", "fast"])
    assert_one_line_error(r, 2)
    assert "--rate-limit" in r.err and "'fast'" in r.err


def test_process_wizard_unknown_source_alias_exits_before_the_tui() -> None:
    r = run_process(["--source", "nope/data"])
    assert_one_line_error(r, 2)
    assert "unknown alias 'nope'" in r.err
    assert "\x1b[?1049h" not in r.out  # the alternate screen was never opened


# -- in-process: argument checks (no server needed) ---------------------------------------------------


@pytest.mark.parametrize("argv, needle", [
    (["resync", "start", "--remote-bucket", BAD_ARN, "source/data"], "malformed ARN"),
    (["resync", "status", "--remote-bucket", "garbage", "source/data"], "malformed ARN"),
    (["resync-backlog", "--arn", "arn:minio:replication", "source/data"], "malformed ARN"),
    (["resync", "start", "--remote-bucket", "arn:minio:replication::abc:data", "--older-than", "soon",
      "source/data"], "--older-than"),
    (["resync", "start", "--remote-bucket", "arn:minio:replication::abc:data", "--older-than=30",
      "source/data"], "--older-than"),  # mc needs a unit (0d and -3d are accepted, as mc accepts them: §19)
    (["resync", "start", "--remote-bucket", "arn:minio:replication::abc:data", "--older-than=-3x",
      "source/data"], "--older-than"),
    (["resync-backlog", "-c", "0", "source/data"], "--concurrent"),
    (["resync-backlog", "--concurrent=-4", "source/data"], "--concurrent"),
    (["resync-backlog", "--rate-limit", "ten", "source/data"], "--rate-limit"),
    (["resync-backlog", "--rate-limit=-1", "source/data"], "--rate-limit"),
    (["targets", "source"], "ALIAS/BUCKET"),
    (["--scenario", "healthy"], "--lab"),
])
def test_argument_errors_exit_2(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MC_HOST_source", "http://ak:sk-for-arguments@127.0.0.1:9")
    r = run_main(argv, capsys)
    assert_one_line_error(r, 2)
    assert needle in r.err


# -- in-process against the lab -----------------------------------------------------------------------


def test_wrong_credentials_exit_3(lab: Lab, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    url = lab.source.url.split("://", 1)[1]
    monkeypatch.setenv("MC_HOST_source", f"{lab.source.url.split('://')[0]}://nobody:wrong-secret-1@{url}")
    for argv in (["targets", "source/data"], ["resync", "status", "source/data"]):
        r = run_main(argv, capsys)
        assert_one_line_error(r, 3)
        assert "alias 'source'" in r.err


def test_wrong_region_is_one_line(lab: Lab, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    lab.call(lambda: setattr(lab.source.site, "region", "eu-north-1"))
    r = run_main(["targets", "source/data"], capsys)
    assert r.code in (2, 3)
    assert_one_line_error(r, r.code)
    assert "eu-north-1" in r.err


@pytest.mark.slow
def test_missing_bucket_exit_2(lab: Lab, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    arn = arn_of(lab)
    for argv in (["targets", "source/nothere"], ["resync", "status", "source/nothere"],
                 ["resync", "start", "--remote-bucket", arn, "source/nothere"],
                 ["validate", "source/data", "target/nothere"], ["resync-backlog", "source/nothere", "--dry-run"]):
        r = run_main(argv, capsys)
        assert_one_line_error(r, 2)
        assert "nothere" in r.err and "does not exist" in r.err, argv


def test_bucket_without_replication_configuration(lab: Lab, capsys, monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    lab.call(lambda: setattr(lab.source.site.buckets["data"], "replication_xml", None))
    r = run_main(["targets", "source/data"], capsys)
    assert_one_line_error(r, 2)
    assert "no replication configuration" in r.err and "mc replicate add" in r.err
    r = run_main(["resync", "start", "--remote-bucket", arn_of(lab), "source/data"], capsys)
    assert_one_line_error(r, 2)


def _disable_existing_objects(lab: Lab) -> None:
    def disable() -> None:
        b = lab.source.site.buckets["data"]
        b.replication_xml = (b.replication_xml or b"").replace(
            b"<ExistingObjectReplication><Status>Enabled</Status>",
            b"<ExistingObjectReplication><Status>Disabled</Status>")

    lab.call(disable)


def test_rule_without_existing_object_replication(lab: Lab, capsys, monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    _disable_existing_objects(lab)
    r = run_main(["targets", "source/data"], capsys)
    assert r.code == 0 and "does not replicate existing objects" in r.out
    r = run_main(["resync", "start", "--remote-bucket", arn_of(lab), "source/data"], capsys)
    assert_one_line_error(r, 2)
    assert "existing" in r.err.lower()


def test_target_not_versioned_refuses_resync(lab: Lab, capsys, monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    lab.call(lambda: setattr(lab.target.site.buckets["data"], "versioning", "Suspended"))
    r = run_main(["resync", "start", "--remote-bucket", arn_of(lab), "source/data"], capsys)
    assert_one_line_error(r, 2)
    assert "versioning" in r.err.lower()


def test_resync_already_running_exit_2_names_the_watch_command(lab: Lab, capsys, monkeypatch) -> None:
    use_lab_env(lab, monkeypatch)
    lab.faults.hold_resync(50)  # the first resync is still running when the second start comes
    arn = arn_of(lab)
    first = run_main(["resync", "start", "--remote-bucket", arn, "source/data", "--json"], capsys)
    assert first.code == 0 and json.loads(first.out)["resyncInfo"]["target"][0]["resetid"]
    r = run_main(["resync", "start", "--remote-bucket", arn, "source/data"], capsys)
    assert_one_line_error(r, 2)
    assert "already" in r.err and "resync status" in r.err


# -- the TUI -------------------------------------------------------------------------------------------


def _no_tui(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make starting the TUI fail the test instead of hanging it."""
    import recovery_tui.app

    def refuse(*a: object, **kw: object) -> None:
        raise AssertionError("the TUI was started despite bad input")

    monkeypatch.setattr(recovery_tui.app, "make_app", refuse)


def test_wizard_malformed_mc_host_exits_2_before_the_tui(capsys, monkeypatch) -> None:
    _no_tui(monkeypatch)
    monkeypatch.setenv("MC_HOST_broken", "ftp://x")
    r = run_main(["--source", "broken/data"], capsys)
    assert_one_line_error(r, 2)
    assert "MC_HOST_broken" in r.err


async def test_wizard_wrong_credentials_shows_cause_and_keeps_running(lab: Lab, tmp_path: Path) -> None:
    from recovery_tui.app import make_app
    from recovery_tui.service.aliases import AliasBook, BucketPath
    from recovery_tui.service.client import RecoveryService

    host = lab.source.url.split("://", 1)[1]
    book = AliasBook(env={"MC_HOST_source": f"http://nobody:wrong-secret-2@{host}", "MC_CONFIG_DIR": str(tmp_path)})
    app = keep_notifications(make_app(RecoveryService(book), aliases=book.names(), lab=True,
                                      source=BucketPath("source", "data")))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, failed_ok=True)  # the failing worker is the point
        await pilot.press("enter")
        await settle(pilot, failed_ok=True)
        shown = screen_text(app)
        assert "source" in shown and ("access" in shown.lower() or "credential" in shown.lower()), shown[-800:]
        assert app.is_running and "Traceback" not in shown


@pytest.mark.slow
async def test_wizard_target_not_versioned_blocks_in_preflight(lab: Lab, tmp_path: Path) -> None:
    from textual.widgets import Button

    from recovery_tui.widgets.checklist import Checklist

    lab.call(lambda: setattr(lab.target.site.buckets["data"], "versioning", "Suspended"))
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preflight(pilot)
        items = app.screen.query_one(Checklist).statuses()
        assert "block" in items.values(), items
        assert app.screen.query_one("#start", Button).disabled


@pytest.mark.parametrize("size", [(79, 24), (80, 23), (60, 20)])
async def test_wizard_smaller_than_80x24_says_enlarge(lab: Lab, tmp_path: Path, size: tuple[int, int]) -> None:
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        small = app.screen.query_one("#too-small")
        assert small.display, size
        assert "80x24" in str(small.render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not small.display
