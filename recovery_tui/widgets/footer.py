"""`Footer`: Textual's key footer, rebuilt only when what it would show changes.

Textual's `Footer` recomposes on every bindings update (each focus change, each screen shown, each
`refresh_bindings` — the Preflight calls it once per check answer), removing and mounting one `FooterKey` per
binding, and each new key is styled twice as it mounts (a `FooterKey` starts compact, then the footer's setting,
not compact, is bound to it). Profiled over the test suite, the two together were about 12 % of all CPU.

This footer draws exactly the same keys. It reads everything `Footer.compose` reads (every shown binding's key,
key display, description, action, group, enabled state and tooltip, and the command palette key) and skips a
recompose when that is equal to what its keys were last composed from. Both sides of the comparison are read
from the screen's live `active_bindings` (which asks `check_action`): the current state when an update arrives,
and the state recorded inside `compose`, in the same synchronous step that builds the keys. So a change of a
key's enabled or shown state, of its description or of the focus chain is always drawn, even one that lands
while an earlier recompose is still removing the old keys. Each key is created in the footer's own compact
setting, so it is styled once.
"""

from __future__ import annotations

from typing import Any, Hashable, Optional

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey  # not re-exported by textual.widgets (8.x)


class Footer(TextualFooter):
    """The key footer of every screen (a drop-in for `textual.widgets.Footer`, styled by its CSS rules)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._drawn: Optional[Hashable] = None
        """`shown_state()` when the current keys were composed; None before the bindings are ready."""
        self.recomposes = 0
        """How many recomposes rebuilt the keys (for tests and profiling)."""

    def shown_state(self) -> Optional[Hashable]:
        """Everything `Footer.compose` reads, as a comparable value; None while it would draw nothing yet."""
        if not self._bindings_ready:
            return None
        app = self.app
        active = self.screen.active_bindings
        keys = tuple(
            (binding.key, app.get_key_display(binding), binding.description, binding.action, binding.tooltip,
             binding.group, enabled, tooltip)
            for (_, binding, enabled, tooltip) in active.values()
            if binding.show
        )
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            found = active.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _, binding, enabled, tooltip = found
                palette = (binding.key, app.get_key_display(binding), binding.description, binding.action,
                           binding.tooltip, enabled, tooltip)
        return keys, palette

    async def recompose(self) -> None:
        if not self.is_attached or self._pruning:
            return
        shown = self.shown_state()
        if shown is not None and shown == self._drawn:
            return
        self.recomposes += 1
        await super().recompose()

    def compose(self) -> ComposeResult:
        # read in the same step as Footer.compose reads the bindings (no await in between): what is drawn
        self._drawn = self.shown_state()
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                # Textual binds the footer's `compact` to these keys (not to the command palette's): give it now
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
