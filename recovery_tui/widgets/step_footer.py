"""`StepFooter`: Textual's `Footer`, each key created in the footer's own compact setting.

Textual's `FooterKey` starts compact and is then bound to the footer's (not compact) setting, so every key
is styled twice, and the footer builds its keys twice before step 1 is painted (once for the screen's keys,
again when the focus lands): on the wizard's start-up that was a tenth of the work before the first frame
(issue 9, U1). Here each key starts with the footer's setting, so the binding changes nothing: the same keys,
the same classes, the same look.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not re-exported by textual.widgets (8.x)


class StepFooter(Footer):
    """The footer of the wizard's screens (key hints); styled by every `Footer` rule."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
