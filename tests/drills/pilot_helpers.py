"""Helpers for the drill pilot tests: the app `recovery-tui --lab --drill NAME` builds, and keyboard moves.

Waits are bounded waits on the app's state or the drill runner's events, never sleeps; the drill's
clock can be advanced (`Clock.offset`) so "30 s later" passes at once.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from textual.pilot import Pilot

from helpers.pilot import screen_text
from recovery_tui.app import RecoveryApp, make_app
from recovery_tui.drills import Catalog
from recovery_tui.lab.scenarios import NAMES
from recovery_tui.screens.dialogs import ConfirmModal, TypeToConfirmModal
from recovery_tui.screens.drill import BriefingScreen, DebriefScreen
from recovery_tui.steps import Step
from recovery_tui.training import DrillSession


class Clock:
    """time.monotonic plus an offset the test advances."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


def drill_app(name: str, *, clock: Clock | None = None, resync_delay: float = 0.02,
              **session_kw: Any) -> tuple[RecoveryApp, DrillSession]:
    """The app and drill session the CLI builds for `--lab --drill NAME` (a fast resync, a test clock)."""
    catalog = Catalog(scenarios=NAMES)
    session = DrillSession(catalog, catalog.get(name), resync_delay=resync_delay, clock=clock, poll=0.02,
                           **session_kw)
    service, names, source = session.prepare()
    return make_app(service, aliases=names, lab=True, source=source, drill=session), session


async def wait_for(pilot: Pilot[Any], cond: Callable[[], Any], timeout: float = 30.0, what: Any = "") -> Any:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = cond()
        if value:
            return value
        if loop.time() > end:
            raise AssertionError(f"not reached in {timeout:g}s: {what() if callable(what) else what or cond}; "
                                 f"on {type(pilot.app.screen).__name__}: {screen_text(pilot.app)[-700:]!r}")
        await pilot.pause(0.05)


def on_step(app: RecoveryApp, step: Step) -> bool:
    return getattr(app.screen, "STEP", None) == step and not isinstance(app.screen, (ConfirmModal,))


def fired(session: DrillSession) -> list[str]:
    runner = session.runner
    return [f.id for f in runner.fired()] if runner is not None else []


async def begin(pilot: Pilot[Any], app: RecoveryApp) -> None:
    """Briefing → enter → Connect."""
    await wait_for(pilot, lambda: isinstance(app.screen, BriefingScreen), what="briefing")
    await pilot.press("enter")
    await wait_for(pilot, lambda: on_step(app, Step.CONNECT), what="connect")


async def pick_source(pilot: Pilot[Any], app: RecoveryApp, alias: str = "source") -> None:
    """Connect: choose `alias`/data (source: the preselected alias and its bucket) → Targets."""
    await settle(pilot, app)
    if alias != "source":  # type it: the lists' focus depends on where the trainee left them
        await pilot.press("slash", "ctrl+u", *f"{alias}/data", "enter")
    else:
        await pilot.press("enter")  # the focus starts on the bucket list: pick the highlighted `data`
    await wait_for(pilot, lambda: on_step(app, Step.TARGETS), what="targets")


async def settle(pilot: Pilot[Any], app: RecoveryApp, rounds: int = 3) -> None:
    """Let workers finish and their messages land."""
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def to_preflight(pilot: Pilot[Any], app: RecoveryApp) -> None:
    """Targets → enter (the highlighted ARN) → Preflight, every check finished."""
    await settle(pilot, app)
    await pilot.press("enter")
    await wait_for(pilot, lambda: on_step(app, Step.PREFLIGHT), what="preflight")
    await wait_for(pilot, lambda: getattr(app.screen, "findings", None) is not None, timeout=60,
                   what="preflight checks done")
    await settle(pilot, app)


async def override_direction(pilot: Pilot[Any], app: RecoveryApp) -> None:
    """Preflight blocked by the reversed direction: o, type the override word, wait for the checks again."""
    from recovery_tui.procedure.preflight_checks import OVERRIDE_WORD

    await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmModal), what="override question")
    await pilot.press(*OVERRIDE_WORD, "enter")
    await wait_for(pilot, lambda: on_step(app, Step.PREFLIGHT) and getattr(app.screen, "can_start", False),
                   timeout=60, what="preflight re-checked, start allowed")
    await settle(pilot, app)


async def start_resync(pilot: Pilot[Any], app: RecoveryApp, bucket: str = "data") -> None:
    """Preflight → s → Start → s → type the bucket → Monitor."""
    await pilot.press("s")
    await wait_for(pilot, lambda: on_step(app, Step.START), what="start")
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmModal), what="type-to-confirm")
    await pilot.press(*bucket, "enter")
    await wait_for(pilot, lambda: on_step(app, Step.MONITOR), what="monitor")


async def watch_to_end(pilot: Pilot[Any], app: RecoveryApp) -> None:
    await wait_for(pilot, lambda: app.state.resync_status in ("Completed", "Failed"), timeout=60, what="resync end")


async def validate(pilot: Pilot[Any], app: RecoveryApp) -> Any:
    """Monitor → v → Validate; returns the finished report."""
    await pilot.press("v")
    if isinstance(app.screen, ConfirmModal):
        await pilot.press("y")
    await wait_for(pilot, lambda: on_step(app, Step.VALIDATE), what="validate")
    return await wait_for(pilot, lambda: app.screen.report, timeout=60, what="validation report")  # type: ignore


CLEAR_OFFER = "Try --clear-checksum?"
"""The question Validate asks when versions are still FAILED after a re-trigger."""


async def retrigger(pilot: Pilot[Any], app: RecoveryApp, *, clear_checksum: bool = False) -> None:
    """Validate → b: dry run, confirm, wait for the run's end. Versions still FAILED afterwards bring the
    --clear-checksum offer: "Not now" unless `clear_checksum` (then its dry run starts)."""
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="re-trigger confirmation")
    await pilot.press("y")
    await wait_for(pilot, lambda: (app.state.extra.get("backlog") or {}).get("dry_run") is False, timeout=60,
                   what="re-trigger done")
    await settle(pilot, app)
    if isinstance(app.screen, ConfirmModal) and app.screen.title_text == CLEAR_OFFER:
        await pilot.press("y" if clear_checksum else "n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmModal) or clear_checksum,
                       what="the offer answered")


async def revalidate_until_in_sync(pilot: Pilot[Any], app: RecoveryApp, tries: int = 10) -> Any:
    """r until IN SYNC (the re-triggered versions replicate in the background), at most `tries` times."""
    report = app.screen.report  # type: ignore[attr-defined]
    for _ in range(tries):
        if report is not None and report.in_sync:
            return report
        previous = report
        await pilot.press("r")
        def fresh(previous: Any = previous) -> Any:
            r = app.screen.report  # type: ignore[attr-defined]
            return r if r is not None and r is not previous else None

        report = await wait_for(pilot, fresh, timeout=60, what="re-run")
    return report


async def finish_run(pilot: Pilot[Any], app: RecoveryApp) -> DebriefScreen:
    """Validate → n → Next steps → d (confirm open items) → the final debrief."""
    await pilot.press("n")
    if isinstance(app.screen, ConfirmModal):
        await pilot.press("y")
    await wait_for(pilot, lambda: on_step(app, Step.NEXT_STEPS), what="next steps")
    await pilot.press("d")
    if isinstance(app.screen, ConfirmModal):
        await pilot.press("y")
    return await debrief(pilot, app)


async def debrief(pilot: Pilot[Any], app: RecoveryApp) -> DebriefScreen:
    screen = await wait_for(pilot, lambda: app.screen if isinstance(app.screen, DebriefScreen) else None,
                            what="debrief")
    await wait_for(pilot, lambda: screen.result is not None and screen.paths is not None, what="debrief written")
    return screen


async def quit_to_debrief(pilot: Pilot[Any], app: RecoveryApp) -> DebriefScreen:
    await pilot.press("q")
    return await debrief(pilot, app)


def ids(checks: Any) -> set[str]:
    return {c.id for c in checks}
