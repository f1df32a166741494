"""Secrets: with recognisable secret keys, nothing the tool produces contains them, except `lab serve`'s own
MC_HOST_ lines (the operator needs those). Scanned: stdout, stderr, DEBUG logs of botocore/urllib3/aiohttp/
recovery_tui, journal files, saved state, reports, snapshot SVGs and screenshots in the repository."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.labkit import arn_of, run_main, use_lab_env, wizard_for
from helpers.wizard_drive import drive_full_wizard
from recovery_tui.journal import state_dir

SRC_SECRET = "RECOGNISABLE-SOURCE-SECRET-7f3a9c"
DST_SECRET = "RECOGNISABLE-TARGET-SECRET-b41e2d"
REPO = Path(__file__).resolve().parents[2]


def produced_files() -> list[Path]:
    out = [p for p in state_dir().rglob("*") if p.is_file()]
    for sub in ("tests/__snapshots__", "tests/snapshots/__snapshots__", "screenshots"):
        out += [p for p in (REPO / sub).rglob("*") if p.is_file()]
    return out


def assert_clean(text: str, where: str) -> None:
    for secret in (SRC_SECRET, DST_SECRET, SRC_SECRET[:20]):
        assert secret not in text, f"secret found in {where}"


@pytest.mark.slow
async def test_no_secret_anywhere(lab_factory, tmp_path: Path, capsys, monkeypatch, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("botocore", "urllib3", "aiohttp", "recovery_tui"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    lab = lab_factory("checksum-failures", objects=30, source_keys=("srcadmin", SRC_SECRET),
                      target_keys=("dstadmin", DST_SECRET))
    use_lab_env(lab, monkeypatch)
    arn = arn_of(lab)
    texts = []
    for argv in (["targets", "source/data"], ["targets", "source/data", "--json"],
                 ["resync", "start", "--remote-bucket", arn, "source/data"],
                 ["resync", "status", "source/data", "--watch", "--interval", "0.2", "--json"],
                 ["validate", "source/data", "target/data"], ["resync-backlog", "source/data", "--dry-run"],
                 ["resync-backlog", "source/data", "--clear-checksum", "--yes"], ["journal"], ["targets", "nope/data"]):
        r = run_main(argv, capsys)
        texts.append(r.out + r.err)
    lab.faults.set_offline("target", True)
    r = run_main(["validate", "source/data", "target/data"], capsys)
    texts.append(r.out + r.err)
    lab.faults.set_offline("target", False)
    app = wizard_for(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await drive_full_wizard(pilot, app)
        app.save_state()
    texts.append(caplog.text)
    for i, text in enumerate(texts):
        assert_clean(text, f"output #{i}")
    files = produced_files()
    assert any(p.suffix == ".jsonl" for p in files) and any("session" in p.name for p in files)
    for path in files:
        assert_clean(path.read_bytes().decode("utf-8", "replace"), str(path))


def test_lab_serve_prints_its_mc_host_lines_and_stops_cleanly(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "recovery_tui", "lab", "serve", "--scenario", "healthy"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        assert all(line.startswith("MC_HOST_") and "@127.0.0.1:" in line for line in lines), lines
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "lab stopped" in out
    secret = lines[0].split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert secret not in out and secret not in err  # only in its own MC_HOST_ lines
