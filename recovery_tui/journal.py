"""The audit journal: one JSONL record per action, under the XDG state directory.

Every run gets an ID; each record says who (OS user), what (action), when (UTC),
the equivalent `mc` command, and the result. Text is passed through
`secrets.redact` before it is written, so a secret never reaches the disk.
`recovery-tui journal` lists runs and shows one (`cli_main`).

Location: `$RECOVERY_TUI_STATE_DIR/journal/` when set, else
`platformdirs.user_state_dir("recovery-tui")/journal/`, one file per run:
`<run-id>.jsonl`. Files are created with mode 0600.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from recovery_tui.paths import state_dir
from recovery_tui.service.errors import InputError
from recovery_tui.service.secrets import redact


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def _clean(value: Any) -> Any:
    """Redact every string inside a JSON-able value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return redact(str(value))


class Journal:
    """Appends records for one run. Thread-safe; never raises on a disk problem (it warns once)."""

    def __init__(
        self,
        *,
        run_id: Optional[str] = None,
        directory: Optional[Path] = None,
        mode: str = "",
        warn: Optional[Callable[[str], None]] = None,
    ) -> None:
        self.run_id = run_id or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
        """Sortable run ID: start time plus a short random suffix."""
        self.directory = directory or state_dir() / "journal"
        self.path = self.directory / f"{self.run_id}.jsonl"
        self.mode = mode
        """How the tool runs: "wizard", "lab", or the headless command name."""
        self.warn = warn or (lambda text: sys.stderr.write(f"recovery-tui: {text}\n"))
        """Where a disk problem is reported, once: stderr by default; the TUI passes a toast."""
        self._lock = threading.Lock()
        self._warned = False

    def record(self, action: str, *, mc: str = "", result: str = "ok", **detail: Any) -> None:
        """Append one record: action (e.g. "resync.start"), the equivalent mc command, the result."""
        entry: dict[str, Any] = {
            "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "run": self.run_id,
            "user": _user(),
            "host": socket.gethostname(),
            "mode": self.mode,
            "action": action,
            "mc": mc,
            "result": result,
        }
        if detail:
            entry["detail"] = detail
        line = json.dumps(_clean(entry), ensure_ascii=False, default=str)
        with self._lock:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
            except OSError as exc:
                if not self._warned:
                    self._warned = True
                    self.warn(f"journal not written ({exc.strerror}: {self.path})")


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    path: Path
    started: str
    user: str
    mode: str
    actions: int
    last_action: str
    failures: int


def read_run(path: Path) -> list[dict]:
    """The records of one run file; a torn last line (crash mid-write) is skipped."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def list_runs(directory: Optional[Path] = None) -> list[RunSummary]:
    """Every run, newest first."""
    directory = directory or state_dir() / "journal"
    runs = []
    for path in sorted(directory.glob("*.jsonl"), reverse=True):
        records = read_run(path)
        if not records:
            continue
        runs.append(
            RunSummary(
                run_id=path.stem,
                path=path,
                started=records[0].get("ts", ""),
                user=records[0].get("user", ""),
                mode=records[0].get("mode", ""),
                actions=len(records),
                last_action=records[-1].get("action", ""),
                failures=sum(1 for r in records if r.get("result") not in ("ok", "dry-run")),
            )
        )
    return runs


def find_run(prefix: str, runs: Iterable[RunSummary]) -> RunSummary:
    matches = [r for r in runs if r.run_id.startswith(prefix)]
    if not matches:
        raise InputError(f"no journal run starts with '{prefix}'", hint="List runs with: recovery-tui journal")
    if len(matches) > 1:
        raise InputError(f"'{prefix}' matches {len(matches)} runs", hint="Give more characters of the run ID.")
    return matches[0]


def cli_main(args: Any) -> int:
    """`recovery-tui journal [RUN] [--json]`."""
    from rich.console import Console
    from rich.table import Table

    runs = list_runs()
    console = Console()
    if args.run is None:
        if args.json:
            print(json.dumps([{**r.__dict__, "path": str(r.path)} for r in runs], indent=1))
            return 0
        if not runs:
            console.print(f"No runs recorded yet in {state_dir() / 'journal'}.")
            return 0
        # Below 120 columns: no start-time column (a run ID begins with it: 20261204T003315Z), the failures beside
        # the actions, no frame; so 80 columns show every field whole rather than `2026-…`, `resyn…`, `failu…`.
        wide = console.width >= 120
        if wide:
            table = Table("run", "started (UTC)", "user", "mode", "actions", "failures", "last action")
        else:
            table = Table("run", "user", "mode", "actions", "last action", box=None, pad_edge=False,
                          header_style="bold", caption="A run ID begins with its start time (UTC).",
                          caption_justify="left")
        table.columns[0].no_wrap = True  # the ID is what `recovery-tui journal RUN` takes: never fold it
        for r in runs:
            if wide:
                table.add_row(r.run_id, r.started[:19], r.user, r.mode, str(r.actions), str(r.failures),
                              r.last_action)
            else:
                table.add_row(r.run_id, r.user, r.mode, f"{r.actions}" + (f" ({r.failures} failed)" if r.failures
                                                                          else ""), r.last_action)
        console.print(table)
        return 0
    run = find_run(args.run, runs)
    records = read_run(run.path)
    if args.json:
        print(json.dumps(records, indent=1, ensure_ascii=False))
        return 0
    table = Table("time (UTC)", "action", "result", "equivalent mc command", title=f"run {run.run_id} · {run.user}")
    for rec in records:
        table.add_row(rec.get("ts", "")[11:23], rec.get("action", ""), rec.get("result", ""), rec.get("mc", ""))
    console.print(table)
    return 0
