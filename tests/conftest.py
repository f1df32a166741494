"""Shared fixtures: every test is kept away from the developer's real mc config, state directory and
MC_HOST_ variables; `lab_factory`/`lab` start labs on ephemeral loopback ports and stop them afterwards."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from recovery_tui.lab.server import Lab


def pytest_configure(config: pytest.Config) -> None:
    """In the xdist controller, before the workers start: rewrite the test modules' asserts once for all of them
    (`helpers.pyccache`)."""
    if not hasattr(config, "workerinput") and (config.getoption("numprocesses", None) or 0):
        from helpers.pyccache import prewrite

        prewrite(config, Path(__file__).parent)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long tests (`slow`) first, each part in its collected order: xdist hands out tests in this order, so a
    30 s test no longer starts near the end of a run while the other workers sit idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """A private HOME, MC_CONFIG_DIR and state directory per test; no MC_HOST_* from the outside."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith("MC_HOST_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MC_CONFIG_DIR", str(home / ".mc"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("RECOVERY_TUI_STATE_DIR", str(home / "state"))
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    yield home


@pytest.fixture(autouse=True)
def no_backoff_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore retries exactly as configured (READ_POLICY's attempts), but does not sleep between them: a site
    that refuses connections fails each call at once instead of after ~4 s of jittered backoff. Nothing here
    tests botocore's backoff; the service's own delays (`RetryPolicy.delay`) are untouched."""
    import botocore.retries.standard

    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.fixture(autouse=True)
def short_backlog_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    """The backlog's read-back settles after 1 s without a change (none PENDING) instead of 5 s: on a lab
    every change lands within milliseconds, and scenarios whose versions stay FAILED (checksum-failures)
    otherwise wait the full 5 s in every run. Only the quiet period: what counts as settled is unchanged."""
    from recovery_tui.service import backlog

    monkeypatch.setattr(backlog, "QUIET", 1.0)


@pytest.fixture
def lab_defaults() -> dict[str, Any]:
    """Keyword arguments every `lab_factory` lab gets unless a test overrides them (a suite may override this)."""
    return {}


@pytest.fixture
def lab_factory(lab_defaults: dict[str, Any]) -> Iterator[Callable[..., Lab]]:
    """`lab_factory("target-offline", **kw)` starts a lab; every lab started is stopped after the test."""
    started: list[Lab] = []

    def start(scenario: str = "partial-loss", **kw: Any) -> Lab:
        lab = Lab(scenario=scenario, **{**lab_defaults, **kw})
        lab.start()
        started.append(lab)
        return lab

    yield start
    for lab in started:
        lab.stop()


@pytest.fixture
def lab(lab_factory: Callable[..., Lab]) -> Lab:
    """A fresh partial-loss lab: `source/data` healthy, `target/data` missing versions."""
    return lab_factory("partial-loss")
