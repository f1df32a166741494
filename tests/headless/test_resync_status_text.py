"""Issue 14: `resync status` as text at 80 columns: the ARN on one line, no word split over rows, and a job
that Completed with failures says so (never a plain green "Completed"). Exit codes are tested elsewhere."""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest

from helpers.labkit import use_lab_env
from recovery_tui.cli import main
from recovery_tui.lab.scenarios import arn_for
from recovery_tui.lab.server import Lab
from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService


def test_status_fits_80_columns_and_names_the_failures(lab_factory: Callable[..., Lab], tmp_path: Any,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    lab = lab_factory("partial-loss", resync_delay=0.05)
    use_lab_env(lab, monkeypatch)
    monkeypatch.setenv("COLUMNS", "80")
    (tmp_path / "mc").mkdir()
    service = RecoveryService(AliasBook(env={**lab.env(), "MC_CONFIG_DIR": str(tmp_path / "mc")}))
    arn = arn_for(lab.target)
    service.start_resync("source", "data", arn)
    deadline = time.monotonic() + 30
    while True:  # let some versions through, then take the target away: the rest fail
        st = service.resync_status("source", "data", arn).for_arn(arn)
        if st is not None and st.replicated_count >= 5:
            break
        assert time.monotonic() < deadline, "the resync never started"
        time.sleep(0.05)
    lab.faults.set_offline("target", True)
    while True:
        st = service.resync_status("source", "data", arn).for_arn(arn)
        if st is not None and st.finished:
            break
        assert time.monotonic() < deadline, "the resync never finished"
        time.sleep(0.1)
    assert st.status == "Completed" and st.failed_count > 0
    try:
        main(["resync", "status", "source/data"])
    except SystemExit:
        pass
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), out
    assert any(arn in line for line in lines), out  # the whole ARN on one line
    assert f"Completed, {st.failed_count:,} FAILED" in out, out
    assert f"{st.replicated_count:,} versions" in out
