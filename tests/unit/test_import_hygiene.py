"""The service, the lab, the journal and the headless commands are usable without the TUI: no Textual imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS_MODULES = [
    "recovery_tui.service.aliases",
    "recovery_tui.service.errors",
    "recovery_tui.service.models",
    "recovery_tui.service.client",
    "recovery_tui.lab.server",
    "recovery_tui.lab.store",
    "recovery_tui.journal",
    "recovery_tui.headless",
    "recovery_tui.headless.replicate",
    "recovery_tui.service.replstatus",
    "recovery_tui.service.resync_scope",
    "recovery_tui.mcflags",
    "recovery_tui.mccheck",
    "recovery_tui.mccmd",
    "recovery_tui.mcduration",
]


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_no_textual_in_headless_modules(module):
    code = f"import sys, importlib; importlib.import_module({module!r}); print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False", f"{module} pulls in Textual"
