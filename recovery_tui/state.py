"""The wizard's progress as plain data, saved atomically as JSON so a dropped session can be resumed.

`WizardState` holds what the operator chose and what the servers answered at
each step. The App saves it on every step change (and screens ask for a save
when something inside a step changes), so an SSH drop (SIGHUP), a crash or a
quit loses nothing: the next `recovery-tui` offers to reattach at the same step.
The file lives under the XDG state directory
(`platformdirs.user_state_dir("recovery-tui")`), or `$RECOVERY_TUI_STATE_DIR` (`Settings.state_dir`).
Lab sessions go to their own file: the lab's data lives in memory and is gone
when the lab stops, so a lab session is never offered for resume.

This module never imports Textual.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from recovery_tui.paths import state_dir, write_private
from recovery_tui.steps import Step

STATE_VERSION = 1
"""Bumped when the JSON layout changes incompatibly; older files are ignored."""

def session_path(lab: bool = False, directory: Optional[Path] = None) -> Path:
    """The session file for real runs (`session.json`) or lab runs (`lab-session.json`), in `directory`
    (the run's `Settings.state_dir`; default `paths.state_dir()`)."""
    return (directory or state_dir()) / ("lab-session.json" if lab else "session.json")


def iso(moment: Optional[datetime]) -> Optional[str]:
    """A datetime as ISO-8601 text (None stays None)."""
    return moment.isoformat() if moment is not None else None


def parse_iso(text: Optional[str]) -> Optional[datetime]:
    """ISO-8601 text back to a datetime; None or garbage gives None."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@dataclass
class ChecklistItem:
    """One item of the closing checklist (Next steps), ticked with a timestamp."""

    key: str
    """Stable identifier, e.g. "validation-passed"."""
    label: str
    """What the operator reads."""
    done: bool = False
    """Ticked."""
    at: Optional[str] = None
    """When it was ticked (ISO-8601), None while open."""
    note: str = ""
    """Free text: the evidence (e.g. "canary seen on target after 2s")."""


@dataclass
class WizardState:
    """Everything the wizard knows about the current recovery run."""

    step: Step = Step.CONNECT
    """The step shown last. Saved as its 0-based int (as every session file so far); an int is accepted."""
    lab: bool = False
    """True when running against the embedded lab."""
    source_alias: str = ""
    """The healthy site's mc alias."""
    source_bucket: str = ""
    """The bucket to resynchronise from."""
    arn: str = ""
    """The remote target ARN of the damaged site's bucket."""
    target_alias: str = ""
    """The mc alias whose endpoint matches the ARN's remote target ("" when none does)."""
    target_bucket: str = ""
    """The damaged bucket's name on the target."""
    target_endpoint: str = ""
    """host:port of the remote target, as the source knows it."""
    rule_id: str = ""
    """ID of the source's replication rule for the ARN."""
    bandwidth_limit: int = 0
    """The remote target's bandwidth limit in bytes/s (0 = unlimited)."""
    reset_id: str = ""
    """The ResetID of the resync this wizard started or reattached to."""
    older_than_days: Optional[int] = None
    """Only resync versions older than this many days (None = all)."""
    resync_started_at: Optional[str] = None
    """ISO-8601 time the resync was started (or first seen running)."""
    resync_finished_at: Optional[str] = None
    """ISO-8601 time the resync was seen Completed/Failed/Canceled."""
    resync_status: str = ""
    """Last resync status seen: Pending/Ongoing/Completed/Failed/Canceled."""
    source_versions: Optional[int] = None
    """Versions counted on the source bucket before the start (the ETA's denominator)."""
    target_versions: Optional[int] = None
    """Versions counted on the target bucket before the start."""
    replicated_count: int = 0
    """Last replicated count reported by the server for this resync."""
    replicated_size: int = 0
    """Last replicated size (bytes) reported by the server."""
    failed_count: int = 0
    """Last failed count reported by the server."""
    checklist: list[ChecklistItem] = field(default_factory=list)
    """The Next-steps checklist."""
    validation: dict[str, Any] = field(default_factory=dict)
    """Validation summary (per-side counts, differences), as written by the Validate screen."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Room for later steps' checkpoints (backlog progress, canary keys...), JSON-serialisable."""
    updated_at: Optional[str] = None
    """When this state was last saved (ISO-8601)."""
    version: int = STATE_VERSION
    """Layout version of the saved JSON."""

    def __post_init__(self) -> None:
        self.step = Step.coerce(self.step)

    @property
    def source(self) -> str:
        """`ALIAS/BUCKET` of the source, "" before Connect."""
        return f"{self.source_alias}/{self.source_bucket}" if self.source_alias and self.source_bucket else ""

    @property
    def target_label(self) -> str:
        """The damaged side as the operator knows it: `alias/bucket`, else `endpoint/bucket`."""
        where = self.target_alias or self.target_endpoint or "target"
        return f"{where}/{self.target_bucket}" if self.target_bucket else where

    @property
    def resync_running(self) -> bool:
        """True when a resync was started and not yet seen finished."""
        return bool(self.reset_id) and self.resync_finished_at is None and self.resync_status not in (
            "Completed",
            "Failed",
            "Canceled",
        )

    def tick(self, key: str, *, done: bool = True, at: Optional[datetime] = None, note: str = "") -> ChecklistItem:
        """Tick (or untick) checklist item `key`, stamping the time; raises KeyError if unknown."""
        for item in self.checklist:
            if item.key == key:
                item.done = done
                item.at = iso(at or datetime.now(timezone.utc)) if done else None
                if note:
                    item.note = note
                return item
        raise KeyError(key)

    # -- persistence -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the step as its 0-based int, readable by older builds)."""
        data = asdict(self)
        data["step"] = int(self.step)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "WizardState":
        """Build from `to_json()` output; unknown keys are ignored, missing ones defaulted."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["checklist"] = [
            ChecklistItem(**{k: v for k, v in item.items() if k in {f.name for f in fields(ChecklistItem)}})
            for item in data.get("checklist") or []
            if isinstance(item, dict) and "key" in item and "label" in item
        ]
        return cls(**values)

    def save(self, path: Optional[Path] = None, *, now: Optional[datetime] = None) -> Path:
        """Write atomically (temp file + rename) to `path` or the session file; returns the path."""
        target = path or session_path(self.lab)
        self.updated_at = iso(now or datetime.now(timezone.utc))
        return write_private(target, json.dumps(self.to_json(), indent=2, sort_keys=True))

    @classmethod
    def load(cls, path: Optional[Path] = None, *, lab: bool = False) -> Optional["WizardState"]:
        """Read a saved session; None when there is none, it is unreadable, or from another layout."""
        source = path or session_path(lab)
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return None
        try:
            return cls.from_json(data)
        except (TypeError, ValueError):
            return None

    @staticmethod
    def discard(path: Optional[Path] = None, *, lab: bool = False) -> None:
        """Delete the saved session (after a run that reached the end, or on "start over")."""
        try:
            (path or session_path(lab)).unlink()
        except OSError:
            pass

    @property
    def resumable(self) -> bool:
        """Worth offering to reattach: past Connect with a source chosen, or a whole-site run started."""
        return (self.step > 0 and bool(self.source)) or bool(self.extra.get("site"))
