"""The architecture as code: the import-linter contracts in pyproject.toml hold on this tree, and break
when a seam is crossed (each contract is shown failing on a copy of the package with one bad import added).

docs/ARCHITECTURE.md draws the same rules.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "recovery_tui"
CONFIG = ROOT / "pyproject.toml"

CONTRACT_IDS = {
    "no-textual", "lab-service-independent", "lab-self-contained", "ui-no-lab", "widgets-no-service",
    "ui-no-requests", "procedure-no-textual", "drills-pure", "serve-runs-the-wizard-as-a-process",
}


def lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    """Run every contract against the `recovery_tui` found under `package_parent`."""
    code = (
        "import sys\n"
        "from importlinter.cli import lint_imports\n"
        f"sys.exit(lint_imports(config_filename={str(CONFIG)!r}, no_cache=True, no_logo=True, verbose=False))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(package_parent), COLUMNS="400", NO_COLOR="1")
    return subprocess.run([sys.executable, "-c", code], cwd=package_parent, env=env, capture_output=True,
                          text=True, timeout=120)


def contract_names() -> dict[str, str]:
    """Contract id → name, read from pyproject.toml."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    data = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    return {c["id"]: c["name"] for c in data["tool"]["importlinter"]["contracts"]}


def broken(output: str) -> set[str]:
    """The ids of the contracts the report lists as BROKEN."""
    return {cid for cid, name in contract_names().items() if re.search(re.escape(name) + r"\s+BROKEN", output)}


def test_every_seam_has_its_contract() -> None:
    assert set(contract_names()) == CONTRACT_IDS


def test_contracts_hold_on_this_tree() -> None:
    out = lint(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"Contracts: {len(CONTRACT_IDS)} kept, 0 broken." in out.stdout


CROSSINGS = [
    # (module file under recovery_tui/, the bad import appended to it, the contracts it must break)
    ("lab/server.py", "from recovery_tui.service.secrets import redact as _r",
     {"lab-service-independent", "lab-self-contained"}),
    # the screens and the procedure reach service.models, so they now reach the lab too (indirect imports count)
    ("service/models.py", "import recovery_tui.lab.store",
     {"lab-service-independent", "ui-no-lab", "procedure-no-textual"}),
    ("lab/store.py", "import recovery_tui.paths", {"lab-self-contained"}),
    # serve reports bad input with the service's InputError, so it reaches Textual through it too
    ("service/errors.py", "import textual",
     {"no-textual", "procedure-no-textual", "serve-runs-the-wizard-as-a-process"}),
    # the procedure's whole-site flow (procedure/site_ops.py) runs canaries, so it reaches canary.py too
    ("service/canary.py", "def _late():\n    from textual.widgets import Static\n    return Static",
     {"no-textual", "procedure-no-textual"}),
    ("headless/output.py", "from recovery_tui.widgets import mc_command", {"no-textual"}),
    ("journal.py", "from recovery_tui.messages import StepDone", {"no-textual"}),
    ("screens/base.py", "import recovery_tui.lab.store", {"ui-no-lab"}),
    ("widgets/resync_progress.py", "from recovery_tui.service.models import ResyncTargetStatus",
     {"widgets-no-service"}),
    ("screens/targets.py", "import boto3", {"ui-no-requests"}),
    ("procedure/next_steps_plan.py", "from recovery_tui.widgets.checklist import Checklist",
     {"procedure-no-textual", "no-textual"}),
    # monitor_math is used by a widget: reaching the service from it breaks the widgets' contract too
    ("procedure/monitor_math.py", "import recovery_tui.service.models", {"widgets-no-service"}),
    ("lab/drill_runner.py", "from recovery_tui.drills.model import Drill", {"lab-self-contained"}),
    # the debrief screen scores with drills.scoring: the lab would reach the UI through it
    ("drills/scoring.py", "import recovery_tui.lab.server", {"drills-pure", "ui-no-lab"}),
    ("drills/model.py", "from recovery_tui.service.errors import InputError", {"drills-pure"}),
    # serve is one of the core modules too (listed in no-textual, as every part that is not the UI)
    ("serve/server.py", "import recovery_tui.app", {"serve-runs-the-wizard-as-a-process", "no-textual"}),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean copy of the package (no caches), copied again per crossing."""
    base = tmp_path_factory.mktemp("pristine")
    shutil.copytree(PACKAGE, base / "recovery_tui", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return base


@pytest.mark.parametrize("module, line, expected", CROSSINGS, ids=[c[0] + ":" + c[1].split()[1] for c in CROSSINGS])
def test_a_crossed_import_breaks_its_contract(pristine: Path, tmp_path: Path, module: str, line: str,
                                              expected: set[str]) -> None:
    shutil.copytree(pristine / "recovery_tui", tmp_path / "recovery_tui")
    target = tmp_path / "recovery_tui" / module
    assert target.is_file(), module
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + line + "\n", encoding="utf-8")
    out = lint(tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert broken(out.stdout) == expected, out.stdout
    offender = "recovery_tui." + module[:-3].replace("/", ".")
    assert offender in out.stdout, out.stdout


def test_the_lab_contract_names_every_other_part_of_the_package() -> None:
    """`lab-self-contained` lists modules by name: a new top-level module must join the list (or this fails)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    contracts = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    forbidden = set(next(c for c in contracts if c["id"] == "lab-self-contained")["forbidden_modules"])
    parts = {f"recovery_tui.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    parts |= {f"recovery_tui.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py") if p.parent.name != "lab"}
    assert forbidden == parts
