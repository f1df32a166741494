"""The "why this step" pane: the procedure in our own words, toggled with a key."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static


class ExplainPane(VerticalScroll, can_focus=False):
    """A short, scrollable explanation of the current step; hidden with the `.-hidden` class."""

    DEFAULT_CSS = """
    ExplainPane {
        height: auto;
        max-height: 6;
        border: round $secondary;
        border-title-color: $secondary;
        padding: 0 1;
        margin: 0 0;
    }
    ExplainPane.-hidden { display: none; }
    ExplainPane > Static { width: 100%; }
    """

    def __init__(self, text: str, *, shown: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = text
        """Rich-markup explanation."""
        self.border_title = "Why this step (e)"
        self.set_class(not shown, "-hidden")

    def compose(self):  # type: ignore[override]
        yield Static(self._text, markup=True)

    @property
    def shown(self) -> bool:
        """True while the pane is visible."""
        return not self.has_class("-hidden")

    def toggle(self) -> bool:
        """Show or hide the pane; returns the new visibility."""
        self.toggle_class("-hidden")
        return self.shown
