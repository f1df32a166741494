"""`Step.CONNECT` (1 of 7) · Connect: pick the healthy source alias and bucket, or type `ALIAS/BUCKET`.

Buckets that carry a replication configuration are listed first and marked:
only those can drive a resync.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from recovery_tui.procedure.source_pick import LikelySource, likely_source
from recovery_tui.screens.base import StepScreen
from recovery_tui.service.aliases import parse_bucket_path
from recovery_tui.service.errors import NotFound, RecoveryError
from recovery_tui.steps import Step

if TYPE_CHECKING:
    from recovery_tui.service.aliases import BucketPath
    from recovery_tui.service.client import RecoveryService
    from recovery_tui.state import WizardState

CONFIG_PROBE_LIMIT = 60
"""Buckets per alias whose replication configuration is probed (the rest are listed unmarked)."""

NO_ALIASES = (
    "No mc aliases found (none in MC_HOST_* nor in mc's config.json).\n\n"
    "Define one, then restart recovery-tui:\n"
    "  mc alias set NAME URL ACCESS SECRET\n"
    "or\n  export MC_HOST_NAME=https://KEY:SECRET@host:port\n\n"
    "To practise first: recovery-tui --lab"
)
"""Shown in place of the alias list when there is none."""


@dataclass
class BucketsLoaded(Message):
    """The buckets of one alias, replication-configured first."""

    alias: str
    buckets: list[tuple[str, bool]]
    """(bucket, has a replication configuration), configured first, then by name."""
    probed_all: bool = True
    """False when there were more buckets than `CONFIG_PROBE_LIMIT`."""


@dataclass
class SourceGuessed(Message):
    """The alias/bucket most likely healthy (it replicates to another alias), or None."""

    guess: Optional[LikelySource]


@dataclass
class SourceChecked(Message):
    """A typed `ALIAS/BUCKET` exists: the step can finish."""

    alias: str
    bucket: str


class ConnectScreen(StepScreen):
    """Pick the source: aliases on the left, that alias's buckets on the right, a path input below."""

    STEP = Step.CONNECT
    AUTO_FOCUS = "#buckets"
    EXPLAIN = (
        "A resync copies every version from the [b]healthy[/b] site back to the damaged one, so it starts on "
        "the healthy side. Pick that site's alias and the bucket to rebuild. Only a bucket with a replication "
        "rule (marked ⇄, listed first) can drive a resync. A whole damaged site? [b]w[/b] plans every bucket at once."
    )
    BINDINGS = [
        Binding("r", "reload", "Reload", id="connect.reload"),
        Binding("slash", "type_path", "Type path", id="connect.type"),
        Binding("w", "whole_site", "Whole site", id="connect.site"),
    ]

    def __init__(
        self,
        service: "RecoveryService",
        state: "WizardState",
        *,
        aliases: list[str],
        source: Optional["BucketPath"] = None,
        id: Optional[str] = None,
    ) -> None:
        super().__init__(service, state, id=id)
        self.aliases = aliases
        """Known alias names, MC_HOST_ ones first."""
        self.preselect = source
        """`--source` preselection (or the state's source when coming back)."""
        if self.preselect is None and state.source_alias and state.source_bucket:
            from recovery_tui.service.aliases import BucketPath

            self.preselect = BucketPath(state.source_alias, state.source_bucket)
        self.current_alias: str = ""
        """The alias whose buckets are listed."""
        self.current_bucket: str = ""
        """The highlighted bucket."""
        self._moved = False
        """The operator moved the alias highlight (a late guess then leaves it alone)."""
        self._buckets_want_focus = True
        """Focus the bucket list once it has loaded (a loading list cannot hold the focus, so Textual moves it
        to the aliases; the first Enter must still pick a bucket). Cleared when the operator browses aliases."""
        self._guess: Optional[LikelySource] = None
        """The likely healthy source, once guessed."""

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="body"):
            with Vertical(id="alias-col"):
                yield Label("Aliases (shift+tab)" if self.aliases else "Aliases", classes="section-title")
                if self.aliases:
                    yield OptionList(*[Option(name, id=name) for name in self.aliases], id="aliases")
                else:
                    yield Static("(none)", id="aliases-none")
            with Vertical(id="bucket-col"):
                yield Label("Buckets  (⇄ = replication configured)", classes="section-title", id="buckets-title")
                if self.aliases:
                    yield OptionList(id="buckets")
                else:
                    yield Static(NO_ALIASES, id="no-aliases")
        with Horizontal(id="path-row"):
            yield Label("or type ALIAS/BUCKET ", id="path-label")
            yield Input(
                value=str(self.preselect) if self.preselect else "", placeholder="source/data", id="path"
            )
        yield Static("", id="connect-status", classes="status-line")

    def on_mount(self) -> None:
        if not self.aliases:
            self._status("No aliases yet: define one and restart (q quits).")
            return
        aliases = self.query_one("#aliases", OptionList)
        first = self.preselect.alias if self.preselect and self.preselect.alias in self.aliases else self.aliases[0]
        aliases.highlighted = self.aliases.index(first)
        self.query_one("#buckets", OptionList).focus()  # the first Enter picks a bucket, never just an alias
        if self.preselect is None and len(self.aliases) > 1:
            self.guess_source(list(self.aliases))

    @work(thread=True, exclusive=True, exit_on_error=False, group="guess", description="Looking for the healthy side")
    def guess_source(self, aliases: list[str]) -> None:
        """Which alias's bucket replicates to another alias (the damaged side of a total loss does not)."""
        self.post_message(SourceGuessed(likely_source(self.service, aliases)))

    def on_source_guessed(self, message: SourceGuessed) -> None:
        guess = message.guess
        if guess is None or self._moved or self.preselect is not None:
            return
        from recovery_tui.service.aliases import BucketPath

        self.preselect = BucketPath(guess.alias, guess.bucket)
        self._guess = guess
        aliases = self.query_one("#aliases", OptionList)
        if self.current_alias != guess.alias:
            aliases.highlighted = self.aliases.index(guess.alias)
            return
        buckets = self.query_one("#buckets", OptionList)
        if buckets.loading:  # the listing under way applies the preselection when it lands
            return
        ids = [buckets.get_option_at_index(i).id for i in range(buckets.option_count)]
        if guess.bucket in ids:  # highlight in place: a reload would take the focus away mid-keystroke
            buckets.highlighted = ids.index(guess.bucket)
            self._status(self._pick_hint())
        else:
            self.show_alias(guess.alias)

    def mc_command(self) -> str:
        if self.current_alias and self.current_bucket:
            return f"{self.STEP.mc} {self.current_alias}/{self.current_bucket} --json"
        if self.current_alias:
            return f"mc ls {self.current_alias}"
        return "mc alias list"

    def _status(self, text: str, *, error: bool = False) -> None:
        line = self.query_one("#connect-status", Static)
        line.update(Text(text))
        line.set_class(error, "-error")

    # -- aliases and buckets --------------------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#aliases")
    def _alias_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        alias = str(event.option.id)
        if self.current_alias and self.query_one("#aliases", OptionList).has_focus:
            self._moved = True
            self._buckets_want_focus = False
        if alias != self.current_alias:
            self.show_alias(alias)

    def show_alias(self, alias: str) -> None:
        """List `alias`'s buckets (in a worker)."""
        self.current_alias, self.current_bucket = alias, ""
        self.query_one("#buckets-title", Label).update(f"Source bucket on {alias}  (⇄ = replication configured)")
        buckets = self.query_one("#buckets", OptionList)
        buckets.clear_options()
        buckets.loading = True
        self._status(f"Listing buckets on {alias}…")
        self.refresh_mc_command()
        self.load_buckets(alias)

    @on(OptionList.OptionSelected, "#aliases")
    def _alias_selected(self) -> None:
        self._buckets_want_focus = True
        self.query_one("#buckets", OptionList).focus()
        self._status(f"Now pick the bucket on {self.current_alias} (Enter): it becomes the SOURCE, the side read from.")

    def reentered(self) -> None:
        """Back from a later step: list the buckets again (they may have changed)."""
        if not self.aliases:
            return
        self._buckets_want_focus = True
        if self.current_alias:
            self.show_alias(self.current_alias)
        self.query_one("#buckets", OptionList).focus()

    def action_reload(self) -> None:
        """List the highlighted alias's buckets again."""
        if self.current_alias:
            self.show_alias(self.current_alias)

    def action_whole_site(self) -> None:
        """The other choice of this step: every damaged bucket of a site in one plan (issue 11)."""
        from recovery_tui.screens.site_base import PickDamagedModal, site_flow_start

        healthy = self.current_alias or (self.aliases[0] if self.aliases else "")
        if not healthy:
            self.notify("Define the two sites' aliases first.", severity="warning", timeout=4)
            return
        self.app.push_screen(PickDamagedModal(healthy, self.aliases),
                             lambda damaged: site_flow_start(self.app, healthy, damaged) if damaged else None)

    def action_type_path(self) -> None:
        """Focus the ALIAS/BUCKET input."""
        self.query_one("#path", Input).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="buckets", description="Listing buckets")
    def load_buckets(self, alias: str) -> None:
        """List `alias`'s buckets and probe which carry a replication configuration."""
        names = self.service.list_buckets(alias)
        marked: list[tuple[str, bool]] = []
        for i, name in enumerate(sorted(names)):
            has = False
            if i < CONFIG_PROBE_LIMIT:
                try:
                    has = self.service.replication_config(alias, name) is not None
                except RecoveryError:
                    has = False
            marked.append((name, has))
        marked.sort(key=lambda item: (not item[1], item[0]))
        self.post_message(BucketsLoaded(alias, marked, probed_all=len(names) <= CONFIG_PROBE_LIMIT))

    def on_buckets_loaded(self, message: BucketsLoaded) -> None:
        if message.alias != self.current_alias:
            return
        buckets = self.query_one("#buckets", OptionList)
        buckets.loading = False
        buckets.clear_options()
        if self._buckets_want_focus and not isinstance(self.focused, Input):
            buckets.focus()
        for name, has in message.buckets:
            prompt = Text()
            prompt.append("⇄ " if has else "  ", style="bold green")
            prompt.append(name)
            if has:
                prompt.append("  replication configured", style="dim")
            buckets.add_option(Option(prompt, id=name))
        configured = sum(1 for _, has in message.buckets if has)
        if not message.buckets:
            self._status(f"{message.alias} has no buckets. Pick another alias, or type ALIAS/BUCKET.")
            return
        more = "" if message.probed_all else f" (first {CONFIG_PROBE_LIMIT} probed)"
        names = [name for name, _ in message.buckets]
        wanted = self.preselect.bucket if self.preselect and self.preselect.alias == message.alias else ""
        buckets.highlighted = names.index(wanted) if wanted in names else 0
        self.current_bucket = self.current_bucket or names[buckets.highlighted or 0]
        self._status(f"{len(message.buckets)} bucket(s), {configured} with replication{more}. {self._pick_hint()}")

    def _pick_hint(self) -> str:
        """What Enter does now, and why this bucket is offered first."""
        g = self._guess
        why = f"{g.reason}: likely the healthy side. " if g and (g.alias, g.bucket) == (
            self.current_alias, self.current_bucket) else ""
        return f"{why}Enter takes {self.current_alias}/{self.current_bucket} as the SOURCE (healthy, read from)."

    @on(OptionList.OptionHighlighted, "#buckets")
    def _bucket_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.current_bucket = str(event.option.id)
        self.refresh_mc_command()
        if self.query_one("#buckets", OptionList).has_focus:
            self._status(self._pick_hint())

    @on(OptionList.OptionSelected, "#buckets")
    def _bucket_selected(self, event: OptionList.OptionSelected) -> None:
        self.choose(self.current_alias, str(event.option.id))

    # -- typed path --------------------------------------------------------------------------------------

    @on(Input.Submitted, "#path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        try:
            path = parse_bucket_path(event.value)
        except RecoveryError as exc:
            self._status(exc.one_line(), error=True)
            return
        if self.aliases and path.alias not in self.aliases:
            known = ", ".join(self.aliases[:6])
            self._status(f"Unknown alias '{path.alias}'. Known: {known}.", error=True)
            return
        self._status(f"Checking {path.alias}/{path.bucket}…")
        self.check_source(path.alias, path.bucket)

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect", description="Checking the bucket")
    def check_source(self, alias: str, bucket: str) -> None:
        """Make sure a typed bucket exists before moving on."""
        if not self.service.bucket_exists(alias, bucket):
            raise NotFound(
                f"bucket '{bucket}' does not exist on {alias}",
                title="Bucket not found",
                hint="Check the name with `mc ls " + alias + "`, or pick one from the list.",
            )
        self.post_message(SourceChecked(alias, bucket))

    def on_source_checked(self, message: SourceChecked) -> None:
        self.choose(message.alias, message.bucket)

    def worker_failed(self, worker: Worker[Any]) -> None:
        error = worker.error
        text = error.one_line() if isinstance(error, RecoveryError) else "unexpected error"
        if worker.group == "buckets":
            self.query_one("#buckets", OptionList).loading = False
            self._status(f"Cannot list buckets on {self.current_alias}: {text}  (r retries)", error=True)
        else:
            self._status(text, error=True)

    # -- done -----------------------------------------------------------------------------------------------

    def choose(self, alias: str, bucket: str) -> None:
        """Record the source in the state (clearing later choices if it changed) and finish the step."""
        state = self.state
        if (state.source_alias, state.source_bucket) != (alias, bucket):
            state.arn = state.target_alias = state.target_bucket = state.target_endpoint = state.rule_id = ""
            state.reset_id = ""
            state.resync_status = ""
            state.resync_started_at = state.resync_finished_at = None
            state.source_versions = state.target_versions = None
        state.source_alias, state.source_bucket = alias, bucket
        self.record("wizard.source", mc=f"mc replicate ls {alias}/{bucket} --json", source=f"{alias}/{bucket}")
        self.finish()
