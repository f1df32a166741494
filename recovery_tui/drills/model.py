"""What a drill is, as plain data: a lab scenario, a timeline of faults, objectives and mistakes.

A drill file (TOML, see `docs/DRILLS.md`) is turned into these frozen dataclasses by `loader.py`.
Nothing here imports Textual, the lab or the service: the lab's drill runner
(`recovery_tui/lab/drill_runner.py`) and the wizard's debrief both read this model.

Journal matching: every objective and mistake is a `Check` over the run's journal records
(`recovery_tui/journal.py` writes them: `action`, `result`, `mc`, `detail`). A `Matcher` compares
each field with a shell-style glob (`fnmatch`, case-sensitive); `a|b` in a glob means "a or b", and a
leading `!` negates the whole glob (`!*--dry-run*`: "anything without --dry-run"). Detail keys may be
dotted to reach into nested objects (`statuses.direction`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Mapping, Optional

SITES: tuple[str, ...] = ("source", "target")
"""The lab's two sites (aliases `source` and `target`)."""

RESYNC_STATUSES: tuple[str, ...] = ("Pending", "Ongoing", "Completed", "Failed", "Canceled")

FLAVORS: tuple[str, ...] = ("community", "aistor")
"""Lab server flavours: community MinIO, or AIStor (resync cancel, and a copy onto itself recomputes a checksum)."""

SEVERITIES: tuple[str, ...] = ("minor", "critical")
"""A critical mistake fails the drill even when every objective is met."""


@dataclass(frozen=True)
class Param:
    """One parameter of a timeline action."""

    kind: type
    required: bool = True
    default: Any = None
    choices: tuple[str, ...] = ()


ACTIONS: dict[str, dict[str, Param]] = {
    "offline": {"site": Param(str, choices=SITES)},
    "online": {"site": Param(str, choices=SITES)},
    "latency": {"site": Param(str, choices=SITES), "seconds": Param(float)},
    "fail-replication": {"pattern": Param(str)},
    "clear-replication-failures": {},
    "wipe": {"site": Param(str, choices=SITES), "bucket": Param(str, required=False, default="data")},
    "clear": {},
    "resync-pace": {"seconds": Param(float)},
    "start-resync": {"site": Param(str, required=False, default="source", choices=SITES),
                     "bucket": Param(str, required=False, default="data")},
    "hold-resync": {"percent": Param(float)},
    "release-resync": {},
}
"""Timeline actions and their parameters; the lab's drill runner implements each one.

* `offline`/`online` — a site stops listening (connections refused) / listens again on the same port.
* `latency` — extra seconds on every request of a site (0 removes it).
* `fail-replication` / `clear-replication-failures` — replication of keys matching a glob fails.
* `wipe` — a bucket loses every version (its configuration stays).
* `clear` — every fault above removed.
* `resync-pace` — seconds each resync worker spends per version from now on (the lab's pace).
* `start-resync` — the lab starts a resync itself, through its own S3 API, as an operator
  who was there before the trainee would have (to the site's only remote target).
* `hold-resync` / `release-resync` — resyncs stop taking versions at `percent` % until released (only
  on a lab whose fault controller has `hold_resync`; the runner says so before the drill starts)."""

TRIGGER_KEYS: tuple[str, ...] = ("at_start", "seconds", "after", "resync_percent", "resync_status", "site",
                                 "journal", "result")


@dataclass(frozen=True)
class Matcher:
    """Matches journal records: each field is a glob (`*` matches anything, `a|b` either)."""

    action: str = "*"
    result: str = "*"
    mc: str = "*"
    detail: tuple[tuple[str, str], ...] = ()
    """(key, glob) pairs on the record's `detail` object; a missing key never matches."""

    def matches(self, record: Mapping[str, Any]) -> bool:
        if not _glob(str(record.get("action", "")), self.action):
            return False
        if not _glob(str(record.get("result", "")), self.result):
            return False
        if not _glob(str(record.get("mc", "")), self.mc):
            return False
        detail = record.get("detail") or {}
        for key, pattern in self.detail:
            found, value = _dig(detail, key)
            if not found or not _glob(_text(value), pattern):
                return False
        return True

    def describe(self) -> str:
        parts = [f"action {self.action}"]
        if self.result != "*":
            parts.append(f"result {self.result}")
        if self.mc != "*":
            parts.append(f"mc {self.mc}")
        parts += [f"{k} {v}" for k, v in self.detail]
        return ", ".join(parts)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _dig(doc: Any, dotted: str) -> tuple[bool, Any]:
    """`doc["a"]["b"]` for "a.b" (a key holding a dot literally is tried first)."""
    if isinstance(doc, Mapping) and dotted in doc:
        return True, doc[dotted]
    for part in dotted.split("."):
        if not isinstance(doc, Mapping) or part not in doc:
            return False, None
        doc = doc[part]
    return True, doc


def _glob(text: str, pattern: str) -> bool:
    if pattern.startswith("!"):
        return not _glob(text, pattern[1:])
    return any(fnmatchcase(text, p) for p in pattern.split("|"))


def prose(text: str) -> str:
    """A TOML multi-line string as flowing paragraphs: single line breaks become spaces."""
    paragraphs = [" ".join(line.strip() for line in block.splitlines() if line.strip())
                  for block in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def fault_matcher(fault_id: str) -> Matcher:
    """The journal record the wizard writes when the drill's timeline event `fault_id` fires."""
    return Matcher(action="drill.fault", detail=(("id", fault_id),))


@dataclass(frozen=True)
class Check:
    """An objective (met when the condition holds) or a mistake (made when it holds).

    Condition: at least `count` records match `event`, counting only records after the first
    record matching `after` (none yet: nothing counts) and before the first record matching
    `before` (none: every record counts). With `absent`, the condition is the opposite:
    fewer than `count` such records."""

    id: str
    text: str
    event: Matcher
    after: Optional[Matcher] = None
    before: Optional[Matcher] = None
    count: int = 1
    absent: bool = False
    advice: str = ""
    """For a mistake: what to do instead. For an objective: why it matters."""
    procedure: tuple[str, ...] = ()
    """Excerpt IDs (see `procedure.toml`) shown with this check in the debrief."""
    severity: str = "minor"


@dataclass(frozen=True)
class Trigger:
    """When a timeline event fires (see `docs/DRILLS.md`).

    `seconds` alone is a delay from the drill's start (or from event `after`); next to a state
    condition (`resync_percent`, `resync_status`, `journal`) it is a deadline: whichever comes first.
    Several state conditions must all hold at once. `after` alone fires right after that event."""

    at_start: bool = False
    seconds: Optional[float] = None
    after: Optional[str] = None
    resync_percent: Optional[float] = None
    resync_status: Optional[str] = None
    site: Optional[str] = None
    """Whose resync `resync_percent`/`resync_status` watch (default: any site's)."""
    journal: Optional[Matcher] = None

    @property
    def stateful(self) -> bool:
        return self.resync_percent is not None or self.resync_status is not None or self.journal is not None

    def describe(self) -> str:
        parts = []
        if self.at_start:
            parts.append("at the start")
        if self.resync_percent is not None:
            parts.append(f"when the {self.site + ' ' if self.site else ''}resync reaches {self.resync_percent:g} %")
        if self.resync_status is not None:
            parts.append(f"when the {self.site + ' ' if self.site else ''}resync is {self.resync_status}")
        if self.journal is not None:
            parts.append(f"when the trainee's journal shows {self.journal.describe()}")
        if self.seconds is not None:
            base = f"event '{self.after}'" if self.after else "the start"
            if self.stateful:
                parts.append(f"or at the latest {self.seconds:g} s after {base}")
            else:
                parts.append(f"{self.seconds:g} s after {base}")
        elif self.after:
            parts.append(f"after event '{self.after}'")
        return " ".join(parts)


@dataclass(frozen=True)
class TimelineEvent:
    id: str
    when: Trigger
    action: str
    params: tuple[tuple[str, Any], ...] = ()
    note: str = ""
    """What happened, in the trainee's words, for the debrief ("the target site went offline")."""

    def param(self, name: str) -> Any:
        for key, value in self.params:
            if key == name:
                return value
        spec = ACTIONS.get(self.action, {}).get(name)
        return spec.default if spec is not None else None

    def describe(self) -> str:
        args = " ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.action}{' ' + args if args else ''} {self.when.describe()}"


@dataclass(frozen=True)
class LabSettings:
    objects: Optional[int] = None
    seed: int = 0
    resync_delay: Optional[float] = None
    """Seconds per version per resync worker; None keeps the interactive lab's pace."""
    flavor: str = "community"
    """The lab's server flavour (see FLAVORS)."""


@dataclass(frozen=True)
class Drill:
    name: str
    title: str
    scenario: str
    summary: str
    briefing: str
    lab: LabSettings = field(default_factory=LabSettings)
    timeline: tuple[TimelineEvent, ...] = ()
    objectives: tuple[Check, ...] = ()
    mistakes: tuple[Check, ...] = ()
    procedure: tuple[str, ...] = ()
    """Excerpt IDs the debrief always shows (the procedure this drill rehearses)."""
    origin: str = ""
    """Where it was loaded from: "built-in" or a file path."""

    def event(self, event_id: str) -> Optional[TimelineEvent]:
        return next((e for e in self.timeline if e.id == event_id), None)


__all__ = ["ACTIONS", "FLAVORS", "SITES", "RESYNC_STATUSES", "SEVERITIES", "TRIGGER_KEYS", "Param", "Matcher", "Check",
           "Trigger", "TimelineEvent", "LabSettings", "Drill", "fault_matcher", "prose"]
