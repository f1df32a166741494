"""Read a drill file (TOML) into a `model.Drill`, with errors that name the file, line, key and problem.

    drill = parse(text, origin="my-drill.toml", scenarios=lab_scenario_names)

Every problem raises `DrillError` with a one-line message such as
`my-drill.toml:14: timeline[2].when.seconds: must be a number of seconds (0 or more), got "30s"`.
Unknown keys are errors too (a typo must never be silently ignored), and they list the keys allowed there.
"""

from __future__ import annotations

import re
import sys
from typing import Any, Optional, Sequence

from recovery_tui.drills import model
from recovery_tui.drills.locate import PathPart, format_path, line_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")

TOP_KEYS = ("name", "title", "scenario", "summary", "briefing", "procedure", "lab", "timeline", "objectives",
            "mistakes")
LAB_KEYS = ("objects", "seed", "resync_delay", "flavor")
CHECK_KEYS = ("id", "text", "event", "after", "before", "after_fault", "before_fault", "count", "absent", "advice",
              "procedure", "severity")
MATCH_KEYS = ("action", "result", "mc", "detail")


class DrillError(ValueError):
    """A drill that cannot be used: malformed file, unknown name, bad value. `str()` is one line."""

    def __init__(self, message: str, *, origin: str = "", line: Optional[int] = None, key: str = "",
                 hint: str = "") -> None:
        self.message, self.origin, self.line, self.key, self.hint = message, origin, line, key, hint
        where = origin + (f":{line}" if line else "")
        text = ": ".join(p for p in (where, key, message) if p)
        super().__init__(text + (f" — {hint}" if hint else ""))


class _Reader:
    def __init__(self, text: str, origin: str, scenarios: Optional[Sequence[str]], excerpts: Sequence[str]) -> None:
        self.text, self.origin, self.scenarios, self.excerpts = text, origin, scenarios, excerpts

    def fail(self, path: Sequence[PathPart], message: str, hint: str = "") -> DrillError:
        return DrillError(message, origin=self.origin, line=line_of(self.text, path), key=format_path(path),
                          hint=hint)

    # -- generic value checks --------------------------------------------------------------------
    def table(self, doc: Any, path: list[PathPart], allowed: Sequence[str]) -> dict[str, Any]:
        if not isinstance(doc, dict):
            raise self.fail(path, f"must be a table, got {_kind(doc)}")
        for key in doc:
            if key not in allowed:
                raise self.fail([*path, key], "unknown key", hint=f"allowed here: {', '.join(allowed)}")
        return doc

    def string(self, doc: dict[str, Any], path: list[PathPart], key: str, *, required: bool = True,
               default: str = "", pattern: Optional[re.Pattern[str]] = None, what: str = "") -> str:
        if key not in doc:
            if required:
                raise self.fail(path, f"missing required key '{key}'")
            return default
        value = doc[key]
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail([*path, key], f"must be a non-empty string, got {_kind(value)}")
        if pattern is not None and not pattern.match(value):
            raise self.fail([*path, key], f"{value!r} is not a valid {what or key}")
        return value

    def number(self, doc: dict[str, Any], path: list[PathPart], key: str, *, low: float = 0.0,
               high: Optional[float] = None, what: str = "number") -> Optional[float]:
        if key not in doc:
            return None
        value = doc[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low or \
                (high is not None and value > high) or value != value:
            span = f"from {low:g} to {high:g}" if high is not None else f"{low:g} or more"
            raise self.fail([*path, key], f"must be a {what} ({span}), got {_show(value)}")
        return float(value)

    def choice(self, value: Any, path: list[PathPart], choices: Sequence[str], what: str) -> str:
        if not isinstance(value, str) or value not in choices:
            raise self.fail(path, f"unknown {what} {_show(value)}", hint=f"known: {', '.join(choices)}")
        return value

    def excerpt_ids(self, doc: dict[str, Any], path: list[PathPart], key: str) -> tuple[str, ...]:
        if key not in doc:
            return ()
        value = doc[key]
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise self.fail([*path, key], f"must be an excerpt ID or a list of them, got {_kind(value)}")
        for i, item in enumerate(items):
            if item not in self.excerpts:
                where = [*path, key] + ([i] if isinstance(value, list) else [])
                raise self.fail(where, f"unknown procedure excerpt {item!r}",
                                hint=f"known: {', '.join(sorted(self.excerpts))}")
        return tuple(items)

    # -- parts -------------------------------------------------------------------------------------
    def matcher(self, doc: Any, path: list[PathPart]) -> model.Matcher:
        doc = self.table(doc, path, MATCH_KEYS)
        if "action" not in doc:
            raise self.fail(path, "missing required key 'action' (a glob on the journal's action, e.g. "
                                  "\"resync.start\")")
        fields = {k: self.string(doc, path, k, required=(k == "action"), default="*") for k in ("action", "result",
                                                                                                  "mc")}
        detail: list[tuple[str, str]] = []
        if "detail" in doc:
            raw = doc["detail"]
            if not isinstance(raw, dict):
                raise self.fail([*path, "detail"], f"must be a table of key = glob, got {_kind(raw)}")
            for k, v in raw.items():
                if isinstance(v, bool):
                    v = "true" if v else "false"
                if not isinstance(v, (str, int, float)):
                    raise self.fail([*path, "detail", k], f"must be a string or number, got {_kind(v)}")
                detail.append((str(k), str(v)))
        return model.Matcher(detail=tuple(detail), **fields)

    def check(self, doc: Any, path: list[PathPart], fault_ids: Sequence[str]) -> model.Check:
        doc = self.table(doc, path, CHECK_KEYS)
        cid = self.string(doc, path, "id", pattern=ID, what="ID (letters, digits, . _ -)")
        text = self.string(doc, path, "text")
        if "event" not in doc:
            raise self.fail(path, "missing required key 'event' (the journal records this check looks for)")
        event = self.matcher(doc["event"], [*path, "event"])
        bounds: dict[str, Optional[model.Matcher]] = {"after": None, "before": None}
        for side in ("after", "before"):
            if side in doc and f"{side}_fault" in doc:
                raise self.fail([*path, f"{side}_fault"], f"give either '{side}' or '{side}_fault', not both")
            if side in doc:
                bounds[side] = self.matcher(doc[side], [*path, side])
            elif f"{side}_fault" in doc:
                fid = self.string(doc, path, f"{side}_fault")
                if fid not in fault_ids:
                    raise self.fail([*path, f"{side}_fault"], f"no timeline event with id {fid!r}",
                                    hint=f"timeline ids: {', '.join(fault_ids) or 'none'}")
                bounds[side] = model.fault_matcher(fid)
        count = self.number(doc, path, "count", low=1, what="whole number")
        if count is not None and count != int(count):
            raise self.fail([*path, "count"], f"must be a whole number (1 or more), got {_show(doc['count'])}")
        absent = doc.get("absent", False)
        if not isinstance(absent, bool):
            raise self.fail([*path, "absent"], f"must be true or false, got {_show(absent)}")
        severity = self.choice(doc.get("severity", "minor"), [*path, "severity"], model.SEVERITIES, "severity")
        return model.Check(id=cid, text=text, event=event, after=bounds["after"], before=bounds["before"],
                           count=int(count or 1), absent=absent, advice=self.string(doc, path, "advice",
                                                                                    required=False),
                           procedure=self.excerpt_ids(doc, path, "procedure"), severity=severity)

    def trigger(self, doc: Any, path: list[PathPart], earlier: Sequence[str]) -> model.Trigger:
        doc = self.table(doc, path, model.TRIGGER_KEYS)
        if not doc:
            raise self.fail(path, "empty: say when the event fires (at_start, seconds, after, resync_percent, "
                                  "resync_status or journal)")
        at_start = doc.get("at_start", False)
        if at_start is not True and "at_start" in doc:
            raise self.fail([*path, "at_start"], f"must be true when given, got {_show(at_start)}")
        if at_start and len(doc) > 1:
            raise self.fail([*path, "at_start"], "at_start = true cannot be combined with other conditions")
        seconds = self.number(doc, path, "seconds", what="number of seconds")
        percent = self.number(doc, path, "resync_percent", low=0, high=100, what="percentage")
        status = None
        if "resync_status" in doc:
            status = self.choice(doc["resync_status"], [*path, "resync_status"], model.RESYNC_STATUSES,
                                 "resync status")
        site = None
        if "site" in doc:
            site = self.choice(doc["site"], [*path, "site"], model.SITES, "site")
            if percent is None and status is None:
                raise self.fail([*path, "site"], "'site' only applies with resync_percent or resync_status")
        after = None
        if "after" in doc:
            after = self.string(doc, path, "after")
            if after not in earlier:
                raise self.fail([*path, "after"], f"no earlier timeline event with id {after!r}",
                                hint=f"events defined before this one: {', '.join(earlier) or 'none'}")
        journal = None
        if "journal" in doc:
            journal = model.Matcher(action=self.string(doc, path, "journal"),
                                    result=self.string(doc, path, "result", required=False, default="*"))
        elif "result" in doc:
            raise self.fail([*path, "result"], "'result' only applies with 'journal'")
        trig = model.Trigger(at_start=bool(at_start), seconds=seconds, after=after, resync_percent=percent,
                             resync_status=status, site=site, journal=journal)
        if not (trig.at_start or trig.stateful or seconds is not None or after is not None):
            raise self.fail(path, "say when the event fires (at_start, seconds, after, resync_percent, "
                                  "resync_status or journal)")
        return trig

    def event(self, doc: Any, path: list[PathPart], earlier: Sequence[str]) -> model.TimelineEvent:
        if not isinstance(doc, dict):
            raise self.fail(path, f"must be a table, got {_kind(doc)}")
        action = self.string(doc, path, "action")
        spec = model.ACTIONS.get(action)
        if spec is None:
            raise self.fail([*path, "action"], f"unknown action {action!r}",
                            hint=f"known: {', '.join(model.ACTIONS)}")
        doc = self.table(doc, path, ("id", "when", "action", "note", *spec))
        eid = self.string(doc, path, "id", pattern=ID, what="ID (letters, digits, . _ -)")
        if eid in earlier:
            raise self.fail([*path, "id"], f"duplicate timeline id {eid!r}")
        if "when" not in doc:
            raise self.fail(path, "missing required key 'when' (e.g. when = { resync_percent = 40 })")
        trig = self.trigger(doc["when"], [*path, "when"], earlier)
        params: list[tuple[str, Any]] = []
        for name, param in spec.items():
            if name not in doc:
                if param.required:
                    raise self.fail(path, f"action {action!r} needs '{name}'")
                continue
            value = doc[name]
            if param.kind is float:
                params.append((name, self.number(doc, path, name, what="number")))
            elif param.choices:
                params.append((name, self.choice(value, [*path, name], param.choices, name)))
            else:
                params.append((name, self.string(doc, path, name)))
        return model.TimelineEvent(id=eid, when=trig, action=action, params=tuple(params),
                                   note=self.string(doc, path, "note", required=False))

    def drill(self, doc: dict[str, Any]) -> model.Drill:
        self.table(doc, [], TOP_KEYS)
        name = self.string(doc, [], "name", pattern=NAME, what="drill name (lower-case letters, digits, -)")
        scenario = self.string(doc, [], "scenario")
        if self.scenarios is not None and scenario not in self.scenarios:
            raise self.fail(["scenario"], f"unknown lab scenario {scenario!r}",
                            hint=f"known: {', '.join(self.scenarios)}")
        lab = model.LabSettings()
        if "lab" in doc:
            raw = self.table(doc["lab"], ["lab"], LAB_KEYS)
            objects = self.number(raw, ["lab"], "objects", low=1, what="whole number")
            seed = self.number(raw, ["lab"], "seed", low=0, what="whole number")
            for key, value in (("objects", objects), ("seed", seed)):
                if value is not None and value != int(value):
                    raise self.fail(["lab", key], f"must be a whole number, got {_show(raw[key])}")
            flavor = self.choice(raw.get("flavor", "community"), ["lab", "flavor"], model.FLAVORS, "lab flavor")
            lab = model.LabSettings(objects=int(objects) if objects else None, seed=int(seed or 0),
                                    resync_delay=self.number(raw, ["lab"], "resync_delay", what="number of seconds"),
                                    flavor=flavor)
        timeline: list[model.TimelineEvent] = []
        for i, raw in enumerate(self.array(doc, "timeline", required=False)):
            timeline.append(self.event(raw, ["timeline", i], [e.id for e in timeline]))
        fault_ids = [e.id for e in timeline]
        checks: dict[str, list[model.Check]] = {"objectives": [], "mistakes": []}
        seen: set[str] = set()
        for kind in ("objectives", "mistakes"):
            for i, raw in enumerate(self.array(doc, kind, required=(kind == "objectives"))):
                check = self.check(raw, [kind, i], fault_ids)
                if check.id in seen:
                    raise self.fail([kind, i, "id"], f"duplicate id {check.id!r} (objectives and mistakes share "
                                                      "one set of ids)")
                seen.add(check.id)
                checks[kind].append(check)
        return model.Drill(name=name, title=self.string(doc, [], "title"), scenario=scenario,
                           summary=self.string(doc, [], "summary"),
                           briefing=self.string(doc, [], "briefing", required=False), lab=lab,
                           timeline=tuple(timeline), objectives=tuple(checks["objectives"]),
                           mistakes=tuple(checks["mistakes"]), procedure=self.excerpt_ids(doc, [], "procedure"),
                           origin=self.origin)

    def array(self, doc: dict[str, Any], key: str, *, required: bool) -> list[Any]:
        if key not in doc:
            if required:
                raise self.fail([], f"missing required key '{key}' (at least one [[{key}]] entry)")
            return []
        value = doc[key]
        if not isinstance(value, list) or (required and not value):
            raise self.fail([key], f"must be one or more [[{key}]] tables, got {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
             dict: "a table"}
    text = names.get(type(value), type(value).__name__)
    return f"{text} {_show(value)}" if isinstance(value, (bool, int, float, str)) else text


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def parse(text: str, *, origin: str = "<drill>", scenarios: Optional[Sequence[str]] = None,
          excerpts: Sequence[str] = ()) -> model.Drill:
    """Parse and check a drill file's text; `scenarios` are the lab's scenario names (None: not checked),
    `excerpts` the known procedure excerpt IDs."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(m.group(1)) if m else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) if m else message
        col = f" (column {m.group(2)})" if m else ""
        raise DrillError(f"not valid TOML: {message}{col}", origin=origin, line=line) from None
    return _Reader(text, origin, scenarios, excerpts).drill(doc)
