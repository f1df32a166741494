"""Labs, the wizard on a lab, the CLI in-process and as a process (the safety, fault and exit suites).

Nothing here reads the developer's mc config: the root conftest isolates HOME, XDG_* and
RECOVERY_TUI_STATE_DIR per test. Driving the App is in `helpers.pilot`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import pytest

from helpers.pilot import keep_notifications
from helpers.waiting import wait_until
from recovery_tui.app import RecoveryApp, make_app
from recovery_tui.lab.server import Lab
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.client import RecoveryService
from recovery_tui.state import WizardState

BUCKET = "data"


@contextmanager
def site_loss_lab(objects: int, *, hold: bool = False) -> Iterator[Lab]:
    """The `site-loss` lab, started (no resync delay) and stopped on the way out; `hold` keeps every started
    bucket's resync Ongoing, re-sending nothing, until `lab.faults` releases it."""
    lab = Lab(scenario="site-loss", objects=objects, resync_delay=0.0).start()
    if hold:
        lab.faults.hold_resync(0)
    try:
        yield lab
    finally:
        lab.stop()


def book_for(lab: Lab, tmp_path: Path, **kw: Any) -> AliasBook:
    """The lab's aliases only, with a private empty MC_CONFIG_DIR."""
    config = tmp_path / "mc-lab"
    config.mkdir(exist_ok=True)
    return AliasBook(env={**lab.env(), "MC_CONFIG_DIR": str(config)}, **kw)


def wizard_for(lab: Lab, tmp_path: Path, **kw: Any) -> RecoveryApp:
    """The app the CLI builds for `--lab` (persisting its state under the test's state dir)."""
    book = book_for(lab, tmp_path)
    kw.setdefault("source", BucketPath("source", BUCKET))
    return keep_notifications(make_app(RecoveryService(book), aliases=book.names(), lab=True, **kw))


def use_lab_env(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    """Export the lab's MC_HOST_ lines into this process (for `cli.main` in-process)."""
    for name, value in lab.env().items():
        monkeypatch.setenv(name, value)


def journal_records() -> list[dict[str, Any]]:
    """Every record of every journal run in this test's state directory, in run order."""
    from recovery_tui.journal import read_run
    from recovery_tui.paths import state_dir

    return [rec for p in sorted((state_dir() / "journal").glob("*.jsonl")) for rec in read_run(p)]


def arn_of(lab: Lab) -> str:
    """The source → target ARN of the lab pair."""
    from recovery_tui.lab.scenarios import arn_for

    return arn_for(lab.target)


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_main(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> Run:
    """`cli.main(argv)` in-process; SystemExit (argparse) is turned into a code."""
    from recovery_tui import cli

    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Run(int(code), captured.out, captured.err)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`run_main` as (code, stdout, stderr), for tests that unpack it; a traceback in either fails the test."""
    r = run_main(argv, capsys)
    assert "Traceback" not in r.out + r.err
    return r.code, r.out, r.err


def run_process(argv: Sequence[str], env: Optional[dict[str, str]] = None, timeout: float = 60,
                **kw: Any) -> Run:
    """The real console script (`python -m recovery_tui`) in a subprocess."""
    full = {**os.environ, **(env or {})}
    p = subprocess.run([sys.executable, "-m", "recovery_tui", *argv], env=full, capture_output=True, text=True,
                       timeout=timeout, **kw)
    return Run(p.returncode, p.stdout, p.stderr)


def assert_one_line_error(run: Run, code: int) -> None:
    """Exit `code`, no traceback, and one line on stderr that gives a cause and a fix (`— …`)."""
    assert run.code == code, (run.code, run.err, run.out[-500:])
    assert "Traceback" not in run.err and "Traceback" not in run.out, run.err
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) == 1, run.err
    assert lines[0].startswith("recovery-tui"), lines[0]
    assert "—" in lines[0] or "→" in lines[0], f"no fix hint in: {lines[0]}"


def drain_replication(lab: Lab) -> None:
    """Wait until both sites' replication queues are empty and nothing is in flight (a lab event, bounded)."""
    for rt in (lab.source, lab.target):
        rep = rt.replicator
        lab.call(rep.drain, 30.0)
        assert not lab.call(lambda r=rep: bool(r._inflight)), f"{rt.site.name}: replication still busy after 30 s"


def wait_source_sees_target_offline(lab: Lab, bucket: str = BUCKET) -> None:
    """Wait until the source's own health probe (every second) has marked its remote target offline: what
    `set_offline("target", True)` (or the target-offline scenario) does to the source's view, a probe later.
    A screen that reads the source once must not race that probe."""
    wait_until(lambda: lab.call(lambda: not any(t.online for t in lab.source.site.targets[bucket])),
               what="the source's health probe marks its remote target offline")


def versions_of(lab: Lab, site: str, bucket: str = BUCKET) -> set[tuple[str, str]]:
    """(key, versionId) of every version (delete markers included) on a lab site, read from its store."""

    def read() -> set[tuple[str, str]]:
        b = lab.site(site).site.buckets.get(bucket)
        if b is None:
            return set()
        return {(v.key, v.version_id) for v in b.iter_versions()}

    return lab.call(read)


def saved_state(lab_mode: bool = True) -> Optional[WizardState]:
    return WizardState.load(lab=lab_mode)
