"""A scrollable, filterable table of version differences (missing on target, extra on target, mismatched).

Rows come from the validation engine's samples (`VersionDiff`: kind, key,
version_id, detail). `/` opens a text filter on key and version ID; `f` cycles
the class shown. The table never decides anything: it shows what it is given,
plus how many rows exist in total when only a sample was kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Protocol, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Input

KINDS: tuple[str, ...] = ("all", "missing_on_target", "extra_on_target", "mismatched")
"""The class filter's cycle."""

KIND_LABEL = {"missing_on_target": "missing", "extra_on_target": "extra", "mismatched": "mismatch"}
"""Short names for the Class column."""

KIND_STYLE = {"missing_on_target": "bold red", "extra_on_target": "bold yellow", "mismatched": "bold magenta"}


class DiffLike(Protocol):
    """What a row needs (the engine's `VersionDiff` has it)."""

    @property
    def kind(self) -> str: ...

    @property
    def key(self) -> str: ...

    @property
    def version_id(self) -> str: ...

    @property
    def detail(self) -> str: ...


@dataclass(frozen=True)
class DiffRow:
    """One row as shown."""

    kind: str
    key: str
    version_id: str
    detail: str = ""


def rows_from(diffs: Iterable[DiffLike]) -> list[DiffRow]:
    """Copy engine samples into plain rows (sorted by key, then version ID)."""
    rows = [DiffRow(d.kind, d.key, d.version_id, d.detail) for d in diffs]
    return sorted(rows, key=lambda r: (r.key, r.version_id, r.kind))


def filter_rows(rows: Sequence[DiffRow], kind: str = "all", text: str = "") -> list[DiffRow]:
    """Rows of class `kind` ("all" for every class) whose key or version ID contains `text` (case-insensitive)."""
    needle = text.strip().lower()
    return [
        r for r in rows
        if (kind == "all" or r.kind == kind)
        and (not needle or needle in r.key.lower() or needle in r.version_id.lower())
    ]


class DiffTable(Vertical):
    """Filter line (hidden until `/`), then the rows in a `DataTable` whose top border carries the
    counts and whose bottom border shows the highlighted row's full key and detail."""

    DEFAULT_CSS = """
    DiffTable { height: 1fr; min-height: 5; }
    DiffTable > #diff-filter { display: none; height: 1; border: none; padding: 0 1; }
    DiffTable.-filtering > #diff-filter { display: block; }
    DiffTable > DataTable {
        border-title-color: $text-muted; border-title-align: left;
        border-subtitle-color: $text; border-subtitle-align: left;
        overflow-x: hidden;
    }
    DiffTable > DataTable { height: 1fr; }
    """

    def __init__(self, *, id: Optional[str] = None) -> None:
        super().__init__(id=id)
        self._rows: list[DiffRow] = []
        self._totals: dict[str, int] = {}
        self.kind = "all"
        """The class filter: one of `KINDS`."""
        self.text = ""
        """The text filter."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter by key or version ID (enter: table, escape: close)", id="diff-filter",
                    disabled=True)
        table: DataTable[Text | str] = DataTable(id="diff-rows", cursor_type="row", zebra_stripes=True)
        table.add_column("Class", key="kind", width=8)
        table.add_column("Key", key="key", width=24)
        table.add_column("Version ID", key="vid", width=36)
        yield table

    # -- data ---------------------------------------------------------------------------------------

    @property
    def rows(self) -> list[DiffRow]:
        """All rows given (before filtering)."""
        return list(self._rows)

    def shown_rows(self) -> list[DiffRow]:
        """The rows that pass the filters."""
        return filter_rows(self._rows, self.kind, self.text)

    def set_rows(self, rows: Sequence[DiffRow], totals: Optional[dict[str, int]] = None) -> None:
        """Show `rows`; `totals` (class → exact count) lets the caption say when only a sample is listed."""
        self._rows = list(rows)
        self._totals = dict(totals or {})
        self._refill()

    def cycle_kind(self) -> str:
        """Show the next class (all → missing → extra → mismatch → all); returns it."""
        self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
        self._refill()
        return self.kind

    def open_filter(self) -> None:
        """Show and focus the text filter."""
        self.add_class("-filtering")
        field = self.query_one("#diff-filter", Input)
        field.disabled = False
        field.focus()

    def _refill(self) -> None:
        if not self.is_mounted:
            return
        table = self.query_one("#diff-rows", DataTable)
        table.clear()
        shown = self.shown_rows()
        for i, r in enumerate(shown):
            table.add_row(
                Text(KIND_LABEL.get(r.kind, r.kind), style=KIND_STYLE.get(r.kind, "")),
                Text(r.key, overflow="ellipsis", no_wrap=True),
                r.version_id,
                key=f"{i}",
            )
        total = sum(self._totals.values()) if self._totals else len(self._rows)
        if self.kind != "all":
            total = self._totals.get(self.kind, len([r for r in self._rows if r.kind == self.kind]))
        what = "every class" if self.kind == "all" else KIND_LABEL.get(self.kind, self.kind)
        cap = f"Showing {len(shown):,} of {total:,} ({what}"
        cap += f', filter "{self.text}")' if self.text else ")"
        if total > len(self._rows) and not self.text:
            cap += " — only a sample is listed"
        cap += " · f class · / filter"
        if len(cap) > 74:
            cap = cap.replace(" — only a sample is listed", " (sample)")
        if not self._rows and not any(self._totals.values()):
            cap = "No differences"
        table.border_title = cap
        self._show_detail(0 if shown else None)

    def _show_detail(self, index: Optional[int]) -> None:
        """The highlighted row's full key and detail, on the table's bottom border."""
        table = self.query_one("#diff-rows", DataTable)
        shown = self.shown_rows()
        if index is None or not 0 <= index < len(shown):
            table.border_subtitle = ""
            return
        r = shown[index]
        text = r.key + (f" · {r.detail}" if r.detail else "")
        table.border_subtitle = text if len(text) <= 72 else "…" + text[-71:]

    @on(DataTable.RowHighlighted, "#diff-rows")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def on_mount(self) -> None:
        self._refill()

    def focus_rows(self) -> None:
        """Put the keyboard on the table."""
        self.query_one("#diff-rows", DataTable).focus()

    @on(Input.Changed, "#diff-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.text = event.value
        self._refill()

    @on(Input.Submitted, "#diff-filter")
    def _filter_submitted(self) -> None:
        self.query_one("#diff-rows", DataTable).focus()

    def close_filter(self) -> bool:
        """Hide the filter line if it is open (keeps its text); returns True if it was open."""
        if not self.has_class("-filtering"):
            return False
        self.remove_class("-filtering")
        self.query_one("#diff-filter", Input).disabled = True
        self.query_one("#diff-rows", DataTable).focus()
        return True


__all__ = ["DiffRow", "DiffTable", "KINDS", "filter_rows", "rows_from"]
