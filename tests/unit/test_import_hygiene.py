"""At run time, every module of the service, the lab, headless and the core loads without Textual, and the
lab and the service load none of each other's modules (the static contracts are in test_architecture.py).

Each check imports every module of its parts, one after another, in a fresh interpreter and names the
first module after which a forbidden one appeared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "recovery_tui"

TEXTUAL_FREE = ["service", "lab", "headless", "journal.py", "paths.py", "report.py", "state.py", "steps.py",
                "settings.py", "procedure", "exits.py", "mcflags.py", "mccheck.py", "mccmd.py", "mcduration.py"]
"""Packages (every module inside) and single modules that must load without Textual."""


def modules_of(parts: list[str]) -> list[str]:
    """Dotted names of every module in `parts` (files found on disk, so a new module is checked too)."""
    names: list[str] = []
    for part in parts:
        path = PACKAGE / part
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            rel = file.relative_to(ROOT).with_suffix("")
            dotted = ".".join(rel.parts)
            names.append(dotted[: -len(".__init__")] if dotted.endswith(".__init__") else dotted)
    return names


PROBE = """
import importlib, json, sys
modules, forbidden = json.loads(sys.argv[1]), tuple(json.loads(sys.argv[2]))
culprit = None
for name in modules:
    importlib.import_module(name)
    hits = sorted(m for m in sys.modules if m == forbidden or any(m == f or m.startswith(f + ".") for f in forbidden))
    if hits and culprit is None:
        culprit = {"after": name, "loaded": hits[:5]}
print(json.dumps({"imported": len(modules), "culprit": culprit}))
"""


def probe(modules: list[str], forbidden: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(modules), json.dumps(forbidden)], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_module_is_found() -> None:
    names = modules_of(TEXTUAL_FREE)
    assert "recovery_tui.service.client" in names and "recovery_tui.lab.server" in names
    assert "recovery_tui.headless.resync" in names and "recovery_tui.state" in names
    assert len(names) == len(set(names)) >= 50


@pytest.mark.parametrize("parts, forbidden", [
    (TEXTUAL_FREE, ["textual", "recovery_tui.app", "recovery_tui.screens", "recovery_tui.widgets"]),
    (["lab"], ["recovery_tui.service", "recovery_tui.headless", "recovery_tui.paths", "recovery_tui.journal"]),
    (["service"], ["recovery_tui.lab"]),
], ids=["no-textual", "lab-loads-no-client-module", "service-loads-no-lab-module"])
def test_modules_load_without_forbidden_ones(parts: list[str], forbidden: list[str]) -> None:
    modules = modules_of(parts)
    result = probe(modules, forbidden)
    assert result["imported"] == len(modules)
    assert result["culprit"] is None, f"{result['culprit']['after']} loads {result['culprit']['loaded']}"


def test_the_probe_catches_a_textual_import() -> None:
    """The check itself can fail: the App's module does load Textual, and is named as the culprit."""
    result = probe(["recovery_tui.service.errors", "recovery_tui.app"], ["textual"])
    assert result["culprit"] == {"after": "recovery_tui.app", "loaded": result["culprit"]["loaded"]}
    assert "textual" in result["culprit"]["loaded"]
