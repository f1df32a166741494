"""`Footer`: Textual's key footer, rebuilt only when what it shows changes.

Textual's Footer recomposes on every bindings update (each focus change, each screen shown, each
`refresh_bindings`), mounting a new FooterKey per binding, and each new key restyles itself twice while it
mounts (its `compact` starts True, then the footer's False is bound to it). Measured over the test suite that
was ~12 % of all CPU. This footer draws exactly the same keys: it skips a recompose when the keys it would
show (key, label, action, enabled, tooltip, group) are unchanged, and gives each new key the footer's
`compact` before it mounts, so it is styled once.
"""

from __future__ import annotations

from typing import Any, Hashable, Optional

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey


class Footer(TextualFooter):
    """The key footer of every screen (drop-in for `textual.widgets.Footer`)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._shown: Optional[Hashable] = None

    def _what_it_shows(self) -> Hashable:
        """Everything `compose` reads: the shown bindings and the footer's own options."""
        if not self._bindings_ready:
            return None
        keys = tuple(
            (binding.key, self.app.get_key_display(binding), binding.description, binding.action,
             enabled, tooltip, binding.tooltip, getattr(binding.group, "description", None),
             getattr(binding.group, "compact", None))
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )
        return (keys, self.show_command_palette, self.app.ENABLE_COMMAND_PALETTE, self.compact,
                self.combine_groups)

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        shown = self._what_it_shows()
        if shown is not None and shown == self._shown:
            return
        self._shown = shown
        await super().recompose()

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.set_reactive(FooterKey.compact, self.compact)  # styled once, not twice, as it mounts
            yield widget
