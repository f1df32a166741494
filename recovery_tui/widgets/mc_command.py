"""Shows the `mc` command equivalent to what the screen does, selectable and copyable with a key."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class McCommand(Static):
    """One line (wrapping if it must) with the equivalent `mc` command; the screen binds `c` to copy it."""

    DEFAULT_CSS = """
    McCommand {
        height: auto;
        max-height: 3;
        width: 100%;
        padding: 0 1;
        background: $boost;
        color: $text-muted;
    }
    """

    ALLOW_SELECT = True
    """The text can be selected with the mouse too."""

    command: reactive[str] = reactive("", layout=True)
    """The command without the leading `$ `; "" hides the line."""

    def __init__(self, command: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(McCommand.command, command)

    def render(self) -> Text:
        if not self.command:
            return Text("mc: (nothing to run yet)", style="dim")
        text = Text("$ ", style="bold")
        text.append(self.command)
        text.append("   c copy", style="dim italic")
        return text
