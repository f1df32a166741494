"""The whole-site canary round's sample picker (issue 11 item 5: "one canary round per bucket or a chosen sample").

`CanarySampleModal` lists the included buckets, biggest first, each marked or not; the marked ones get a canary.
Keyboard only: space marks/unmarks the highlighted bucket, `a` all or none, `b` marks only the K biggest, `r`
K at random, `+`/`-` change K, `w` writes the canaries in the marked buckets (this modal is the consent: it says
what is written), escape cancels. Dismisses with the marked buckets' names, or None.
The picking itself is `service.sitecanary.sample` (the same as `recovery-tui site canary --sample K --pick …`).
"""

from __future__ import annotations

from typing import Optional, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from recovery_tui.screens.dialogs import MODAL_CSS
from recovery_tui.service.sitecanary import by_size, sample
from recovery_tui.service.sitemodels import BucketPlan
from recovery_tui.widgets.footer import Footer

DEFAULT_K = 3
"""The sample size `b`/`r` start from."""


class CanarySampleModal(ModalScreen[Optional[list[str]]]):
    """Which buckets get a canary (see the module docstring)."""

    DEFAULT_CSS = MODAL_CSS + """
    CanarySampleModal { align: center middle; background: $background 60%; }
    CanarySampleModal #canary-pick { height: auto; max-height: 9; border: round $primary-darken-2; }
    CanarySampleModal #canary-count { width: 100%; color: $text-muted; }
    """
    BINDINGS = [
        Binding("a", "all", "All/none", id="canary-pick.all"),
        Binding("b", "biggest", "Biggest K", id="canary-pick.biggest"),
        Binding("r", "random", "Random K", id="canary-pick.random"),
        Binding("plus,equals_sign", "size(1)", "K+1", id="canary-pick.more"),
        Binding("minus", "size(-1)", "K-1", id="canary-pick.less"),
        Binding("w", "write", "Write canaries", id="canary-pick.write"),
        Binding("escape", "cancel", "Cancel", id="canary-pick.cancel"),
    ]

    seed: Optional[int] = None
    """The random pick's seed (None: a new pick each time; tests fix it)."""

    def __init__(self, rows: Sequence[BucketPlan], one_way: Sequence[str] = (), *, id: Optional[str] = None) -> None:
        super().__init__(id=id)
        self.rows = by_size(rows)
        self.one_way = set(one_way)
        self.k = min(DEFAULT_K, max(1, len(self.rows)))

    def compose(self) -> ComposeResult:
        width = max([6] + [len(b.bucket) for b in self.rows])
        with Vertical(classes="modal-box"):
            yield Label("Canary round: which buckets?", classes="modal-title")
            yield Static("[b]w[/b] writes ONE small object under [b].recovery-tui-canary/[/b] on each side of every "
                         "marked bucket and waits for it on the other side. No other key is written. A canary not "
                         "proven shows as unknown, never as a pass.", classes="modal-body")
            yield SelectionList[str](*[Selection(self._prompt(b, width), b.bucket, True) for b in self.rows],
                                     id="canary-pick")
            yield Static("", id="canary-count")
        yield Footer()

    @staticmethod
    def _versions(b: BucketPlan) -> str:
        return "versions not counted" if b.source_versions is None else f"{b.source_versions:,} versions"

    def _prompt(self, b: BucketPlan, width: int) -> str:
        note = " · one way (rules back missing)" if b.bucket in self.one_way else ""
        return f"{b.bucket:<{width}}  {self._versions(b)}{note}"

    def on_mount(self) -> None:
        self.query_one("#canary-pick", SelectionList).focus()
        self._count()

    def on_selection_list_selected_changed(self) -> None:
        self._count()

    @property
    def marked(self) -> list[str]:
        chosen = set(self.query_one("#canary-pick", SelectionList).selected)
        return [b.bucket for b in self.rows if b.bucket in chosen]

    def _count(self) -> None:
        self.query_one("#canary-count", Static).update(
            f"{len(self.marked)} of {len(self.rows)} marked · b the {self.k} biggest · r {self.k} at random "
            "(+/- changes it) · a all/none")

    def _mark(self, names: list[str]) -> None:
        picker = self.query_one("#canary-pick", SelectionList)
        picker.deselect_all()
        for name in names:
            picker.select(name)
        self._count()

    def action_all(self) -> None:
        every = [b.bucket for b in self.rows]
        self._mark([] if len(self.marked) == len(every) else every)

    def action_biggest(self) -> None:
        self._mark(sample(self.rows, "biggest", self.k))

    def action_random(self) -> None:
        self._mark(sample(self.rows, "random", self.k, seed=self.seed))

    def action_size(self, delta: int) -> None:
        self.k = min(max(1, self.k + delta), max(1, len(self.rows)))
        self._count()

    def action_write(self) -> None:
        marked = self.marked
        if not marked:
            self.notify("No bucket is marked: space marks one, a marks all.", severity="warning", timeout=4)
            return
        self.dismiss(marked)

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["CanarySampleModal", "DEFAULT_K"]
