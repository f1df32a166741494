"""Incident drills: scripted lab incidents with objectives, scored from the run's journal.

* `model.py` — the data (Drill, TimelineEvent, Trigger, Check, Matcher); `loader.py` reads a TOML file.
* `library/*.toml` — the built-in drills; an instructor adds one as a file (see `docs/DRILLS.md`) in
  `~/.config/recovery-tui/drills/`, in a directory given with `--drills-dir`, or by path (`--drill FILE`).
* `procedure.toml` — the procedure excerpts a debrief quotes (shipped as data).
* `scoring.py` scores a journal; `debrief.py` renders the debrief (Markdown + JSON).
* The lab side (`recovery_tui/lab/drill_runner.py`) plays a drill's timeline on a running lab.

This package imports neither Textual, nor the lab, nor the service.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from recovery_tui.drills.loader import DrillError, parse
from recovery_tui.drills.model import Drill

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PACKAGE_DIR = Path(__file__).parent
LIBRARY_DIR = PACKAGE_DIR / "library"
"""The built-in drills."""


@dataclass(frozen=True)
class Excerpt:
    id: str
    source: str
    section: str
    text: str


_EXCERPTS: Optional[dict[str, Excerpt]] = None


def excerpts() -> dict[str, Excerpt]:
    """The procedure excerpts shipped in `procedure.toml`, by ID."""
    global _EXCERPTS
    if _EXCERPTS is None:
        doc = tomllib.loads((PACKAGE_DIR / "procedure.toml").read_text(encoding="utf-8"))
        _EXCERPTS = {k: Excerpt(k, v["source"], v["section"], v["text"].strip())
                     for k, v in doc["excerpts"].items()}
    return _EXCERPTS


def user_drills_dir() -> Path:
    """`~/.config/recovery-tui/drills` (the platform's user configuration directory)."""
    import platformdirs

    return Path(platformdirs.user_config_dir("recovery-tui")) / "drills"


def load_file(path: Path, *, scenarios: Optional[Sequence[str]] = None) -> Drill:
    """Read and check one drill file (DrillError on any problem, naming the file and line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DrillError("no such drill file", origin=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DrillError(f"cannot read the drill file ({getattr(exc, 'strerror', None) or exc})",
                         origin=str(path)) from None
    return parse(text, origin=str(path), scenarios=scenarios, excerpts=tuple(excerpts()))


def looks_like_path(text: str) -> bool:
    return text.endswith(".toml") or "/" in text or "\\" in text


class Catalog:
    """The drills on offer: built-ins, then each directory in `dirs` (a later file of the same name wins).

    Malformed files in a directory do not hide the others: they are kept in `problems`."""

    def __init__(self, dirs: Sequence[Path] = (), *, scenarios: Optional[Sequence[str]] = None,
                 include_user_dir: bool = False) -> None:
        self.scenarios = scenarios
        self.dirs = [LIBRARY_DIR, *([user_drills_dir()] if include_user_dir else []), *dirs]
        self.drills: dict[str, Drill] = {}
        self.problems: list[DrillError] = []
        for directory in self.dirs:
            if not directory.is_dir():
                if directory in dirs:
                    self.problems.append(DrillError("not a directory", origin=str(directory)))
                continue
            for path in sorted(directory.glob("*.toml")):
                try:
                    drill = load_file(path, scenarios=scenarios)
                except DrillError as exc:
                    self.problems.append(exc)
                    continue
                if directory == LIBRARY_DIR:
                    drill = _builtin(drill)
                self.drills[drill.name] = drill

    def names(self) -> list[str]:
        return sorted(self.drills)

    def get(self, name: str) -> Drill:
        """A drill by name, or by file path (anything ending .toml or containing a slash)."""
        if looks_like_path(name):
            return load_file(Path(name).expanduser(), scenarios=self.scenarios)
        if name in self.drills:
            return self.drills[name]
        broken = [p for p in self.problems if Path(p.origin).stem == name]
        if broken:
            raise broken[0]
        raise DrillError(f"unknown drill '{name}'", hint=f"known drills: {', '.join(self.names()) or 'none'}; "
                                                         "or give a drill file's path")


def _builtin(drill: Drill) -> Drill:
    from dataclasses import replace

    return replace(drill, origin="built-in")


__all__ = ["Catalog", "DrillError", "Drill", "Excerpt", "excerpts", "load_file", "user_drills_dir", "LIBRARY_DIR"]
