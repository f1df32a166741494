"""A drill run's lab and timeline, for `recovery-tui --lab --drill [NAME]` (the wizard side of a drill).

    session = DrillSession(catalog, drill)        # drill None: the App shows the picker first
    service, aliases, source = session.prepare()  # starts the drill's lab (blocking, ~1 s)
    session.begin(journal)                        # the trainee starts: the timeline starts playing
    session.observe(record)                       # every journal record of the run (journal triggers)
    session.stop()                                # timeline, lab and the throw-away mc config dir

The App holds a DrillSession without importing the lab (it reads `drill`, `catalog`, and calls the
methods above); the lab's `DrillRunner` plays the timeline; each fired event is written to the run's
journal as a `drill.fault` record, which the debrief's scoring reads. Never imports Textual.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from typing import Any, Callable, Mapping, Optional

from recovery_tui.drills import Catalog
from recovery_tui.drills.model import Drill
from recovery_tui.service.aliases import AliasBook, BucketPath


class DrillSession:
    """One drill run: its lab (once prepared), its timeline runner (once begun), its journal hooks."""

    def __init__(self, catalog: Catalog, drill: Optional[Drill] = None, *, objects: Optional[int] = None,
                 region: str = "us-east-1", resync_delay: Optional[float] = None,
                 clock: Optional[Callable[[], float]] = None, poll: float = 0.1) -> None:
        self.catalog = catalog
        self.drill = drill
        """None until picked (the App shows the picker)."""
        self.objects = objects
        self.region = region
        self.resync_delay = resync_delay
        """Overrides the drill's (and the interactive) resync pace: RECOVERY_TUI_LAB_RESYNC_DELAY, or a test's."""
        self.clock = clock
        self.poll = poll
        self.lab: Any = None
        self.runner: Any = None
        self.config_dir: Optional[str] = None
        self._lock = threading.Lock()

    # -- lab -------------------------------------------------------------------------------------------
    def prepare(self, drill: Optional[Drill] = None) -> tuple[Any, list[str], BucketPath]:
        """Start the drill's lab; returns (service, alias names, preselected source)."""
        from recovery_tui.lab.server import Lab, training_resync_delay
        from recovery_tui.service.client import RecoveryService

        if drill is not None:
            self.drill = drill
        if self.drill is None:
            raise ValueError("no drill chosen")
        d = self.drill
        delay = self.resync_delay if self.resync_delay is not None else (
            d.lab.resync_delay if d.lab.resync_delay is not None else training_resync_delay(d.scenario, None))
        self.lab = Lab(scenario=d.scenario, objects=self.objects or d.lab.objects, seed=d.lab.seed,
                       resync_delay=delay, flavor=d.lab.flavor)
        self.lab.start()
        from recovery_tui.lab.drill_runner import DrillRunner

        problems = DrillRunner(self.lab, d).unsupported()
        if problems:
            self.stop()
            from recovery_tui.service.errors import InputError

            raise InputError(f"this lab cannot play drill {d.name}: " + "; ".join(problems))
        self.config_dir = tempfile.mkdtemp(prefix="recovery-tui-drill-mc-")
        book = AliasBook(env={**self.lab.env(), "MC_CONFIG_DIR": self.config_dir})
        return RecoveryService(book, region=self.region), book.names(), BucketPath("source", "data")

    # -- timeline --------------------------------------------------------------------------------------
    def begin(self, journal: Any) -> None:
        """Start playing the timeline; each fired event goes to `journal` as a `drill.fault` record."""
        from recovery_tui.lab.drill_runner import DrillRunner

        if self.lab is None or self.drill is None:
            raise RuntimeError("prepare() the drill's lab first")

        def on_fire(fired: Any) -> None:
            journal.record("drill.fault", mc="", result="failed" if fired.error else "ok", **fired.record_detail())

        kw: dict[str, Any] = {"on_fire": on_fire, "poll": self.poll}
        if self.clock is not None:
            kw["clock"] = self.clock
        self.runner = DrillRunner(self.lab, self.drill, **kw).start()
        journal.record("drill.start", mc="", result="ok", drill=self.drill.name, title=self.drill.title,
                       scenario=self.drill.scenario, origin=self.drill.origin)

    @property
    def begun(self) -> bool:
        return self.runner is not None

    def observe(self, record: Mapping[str, Any]) -> None:
        """A record the run wrote to its journal (for the timeline's journal triggers)."""
        runner = self.runner
        if runner is not None:
            runner.observe(record)

    def lab_env(self) -> dict[str, str]:
        """The lab's MC_HOST_ lines (the lab's own throw-away keys), for running printed mc commands."""
        return dict(self.lab.env()) if self.lab is not None else {}

    # -- end -------------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop the timeline, then the lab; remove the throw-away mc config dir. Idempotent."""
        with self._lock:
            runner, self.runner = self.runner, None
            lab, self.lab = self.lab, None
            config_dir, self.config_dir = self.config_dir, None
        if runner is not None:
            runner.stop()
        if lab is not None:
            lab.stop()
        if config_dir:
            shutil.rmtree(config_dir, ignore_errors=True)


__all__ = ["DrillSession"]
