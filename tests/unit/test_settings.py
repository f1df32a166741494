"""One `Settings` per run, built from argv + environment + defaults; nothing else reads the environment."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

import pytest

from recovery_tui import settings as settings_mod
from recovery_tui.cli import build_parser
from recovery_tui.paths import state_dir
from recovery_tui.service import parsepool
from recovery_tui.settings import DEFAULT_REGION, Settings, current, in_effect

PACKAGE = Path(__file__).resolve().parents[2] / "recovery_tui"


def test_built_from_argv_environment_and_defaults(tmp_path: Path) -> None:
    args = build_parser().parse_args(["--lab", "--scenario", "healthy", "--source", "source/data", "--fresh",
                                      "--region", "eu-west-1"])
    env = {"RECOVERY_TUI_STATE_DIR": str(tmp_path), "RECOVERY_TUI_PARSE_PROCESSES": "3",
           "RECOVERY_TUI_LAB_RESYNC_DELAY": "0.05", "MC_HOST_x": "http://AK:SECRETSECRET@h:9000"}
    s = Settings.from_args(args, env)
    assert (s.lab, s.scenario, s.source, s.fresh, s.region, s.insecure) == (True, "healthy", "source/data", True,
                                                                            "eu-west-1", False)
    assert (s.state_dir, s.parse_processes, s.lab_resync_delay) == (tmp_path, 3, 0.05)
    assert s.env["MC_HOST_x"].endswith("@h:9000") and "SECRETSECRET" not in repr(s)
    with pytest.raises(TypeError):
        s.env["MC_HOST_y"] = "changed"  # type: ignore[index]


def test_a_subcommand_insecure_and_the_defaults() -> None:
    s = Settings.from_args(build_parser().parse_args(["targets", "source/data", "--insecure"]), {})
    assert s.insecure and s.region == DEFAULT_REGION and s.lab_resync_delay is None and not s.lab


@pytest.mark.parametrize("value, expected", [("junk", 0.1), ("-1", 0.0), ("", None)])
def test_an_unreadable_lab_pace_falls_back_to_the_labs_default(value: str, expected: object) -> None:
    from recovery_tui.lab.resync import DEFAULT_DELAY

    assert settings_mod.LAB_DEFAULT_RESYNC_DELAY == DEFAULT_DELAY
    assert Settings.from_args(None, {"RECOVERY_TUI_LAB_RESYNC_DELAY": value}).lab_resync_delay == expected


def test_outside_a_run_the_environment_is_read_when_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECOVERY_TUI_STATE_DIR", str(tmp_path / "a"))
    monkeypatch.setenv("RECOVERY_TUI_PARSE_PROCESSES", "0")
    assert state_dir() == tmp_path / "a" and parsepool.workers() == 0
    monkeypatch.setenv("RECOVERY_TUI_STATE_DIR", str(tmp_path / "b"))
    assert state_dir() == tmp_path / "b"


def test_during_a_run_its_settings_win_and_are_restored_after(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    monkeypatch.setenv("RECOVERY_TUI_STATE_DIR", str(tmp_path / "env"))
    run = Settings.from_args(None, {"RECOVERY_TUI_STATE_DIR": str(tmp_path / "run"),
                                    "RECOVERY_TUI_PARSE_PROCESSES": "5"})
    with in_effect(run):
        monkeypatch.setenv("RECOVERY_TUI_STATE_DIR", str(tmp_path / "later"))  # built once: a later change is not seen
        assert current() is run and state_dir() == tmp_path / "run" and parsepool.workers() == 5
    assert state_dir() == tmp_path / "later"


def _environment_readers(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv") and \
                isinstance(node.value, ast.Name) and node.value.id == "os":
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "os" and \
                any(a.name in ("environ", "getenv", "environb") for a in node.names):
            lines.append(node.lineno)
    return lines


def _may_name_a_reader(source: str) -> bool:
    """Whether `source` can name `environ`, `environb` or `getenv` at all. Python compares identifiers after NFKC
    normalisation (PEP 3131), so a file whose normalised text contains neither word holds no reader and need not
    be parsed (parsing every module of the package cost ~2 CPU-s; a handful contain the words)."""
    text = unicodedata.normalize("NFKC", source)
    return "environ" in text or "getenv" in text


def test_nothing_but_settings_reads_the_environment() -> None:
    offenders, parsed = {}, 0
    for file in sorted(PACKAGE.rglob("*.py")):
        if file.name == "settings.py" and file.parent == PACKAGE:
            continue
        source = file.read_text(encoding="utf-8")
        if not _may_name_a_reader(source):
            continue
        parsed += 1
        found = _environment_readers(ast.parse(source))
        if found:
            offenders[str(file.relative_to(PACKAGE))] = found
    assert offenders == {}
    assert parsed > 0  # some modules name the words (settings' callers, docstrings): the filter lets them through
    assert _environment_readers(ast.parse("import os\nx = os.environ.get('A')\n")) == [2]  # the scan can fail
    spelled = "import os\nx = os.\uff45nviron.get('A')\n"  # a fullwidth "e": the same name to Python
    assert _may_name_a_reader(spelled) and _environment_readers(ast.parse(spelled)) == [2]
