"""Keeps every test away from the developer's real mc config, state directory and MC_HOST_ variables."""

from __future__ import annotations

import os

import pytest


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
