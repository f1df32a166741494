"""A keyboard-scrollable checklist: each item pass / warn / block (or info, or still checking) with a fix hint."""

from __future__ import annotations

import textwrap
from typing import Iterable

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from recovery_tui.procedure.checklist import CheckItem, Status

ICONS: dict[str, tuple[str, str]] = {
    "pending": ("…", "dim"),
    "pass": ("✔", "bold green"),
    "warn": ("!", "bold yellow"),
    "block": ("✘", "bold red"),
    "info": ("i", "bold cyan"),
    "unknown": ("?", "bold yellow"),
}
"""Icon and style per status; words follow the icon so colour is never the only signal."""

WORDS: dict[str, str] = {"pending": "pending", "pass": "pass", "warn": "warn", "block": "BLOCK", "info": "info",
                         "unknown": "unknown"}
"""The status word printed after the icon (at most 7 characters, then a space before the label)."""


class Checklist(OptionList):
    """Renders `CheckItem`s; `update_item()` replaces one in place, keeping the highlight."""

    DEFAULT_CSS = """
    Checklist {
        height: 1fr;
        border: round $primary-darken-2;
        padding: 0 0;
        &:focus { border: round $accent; }
    }
    """

    def __init__(self, items: Iterable[CheckItem] = (), *, id: str | None = None) -> None:
        self._items: dict[str, CheckItem] = {i.key: i for i in items}
        """Items by key, in display order."""
        super().__init__(id=id)

    def on_mount(self) -> None:
        self.add_options([self._option(i) for i in self._items.values()])
        if self.option_count:
            self.highlighted = 0

    LABEL_WIDTH = 24
    """Columns for the item's label; details start after it."""

    def _width(self) -> int:
        width = self.scrollable_content_region.width if self.is_mounted else 0
        return max(width - 4, 56) if width else 72

    def _prompt(self, item: CheckItem) -> Text:
        icon, style = ICONS[item.status]
        width = self._width()
        lead = 10 + self.LABEL_WIDTH
        text = Text()
        text.append(f"{icon} {WORDS[item.status]:<7} ", style=style)
        text.append(f"{item.label:<{self.LABEL_WIDTH}}", style="bold")
        if item.detail:
            lines = textwrap.wrap(item.detail, max(width - lead, 20)) or [""]
            text.append(lines[0])
            for line in lines[1:]:
                text.append("\n" + "\u00a0" * lead + line)
        if item.hint and item.status in ("warn", "block", "info", "unknown"):
            for i, line in enumerate(textwrap.wrap(item.hint, max(width - 11, 20))):
                text.append("\n" + "\u00a0" * 9)
                style = "italic yellow" if item.status != "info" else "italic"
                text.append(("→ " if i == 0 else "  ") + line, style=style)
        return text

    def _option(self, item: CheckItem) -> Option:
        return Option(self._prompt(item), id=item.key)

    @property
    def items(self) -> list[CheckItem]:
        """Items in display order."""
        return list(self._items.values())

    def get(self, key: str) -> CheckItem:
        """The item with `key` (KeyError if none)."""
        return self._items[key]

    def update_item(self, item: CheckItem) -> None:
        """Replace (or append) the item with the same key."""
        if item.key in self._items:
            self._items[item.key] = item
            self.replace_option_prompt(item.key, self._prompt(item))
        else:
            self._items[item.key] = item
            self.add_option(self._option(item))

    def statuses(self) -> dict[str, Status]:
        """key → status."""
        return {k: i.status for k, i in self._items.items()}

    @property
    def blocking(self) -> bool:
        """True while any item blocks or is still being checked."""
        return any(i.status in ("block", "pending") for i in self._items.values())
