"""Driving the App under `App.run_test()`: let workers land, wait for a condition, reach Preflight, read text."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from helpers.waiting import DEFAULT_TIMEOUT


async def settle(pilot: Any, rounds: int = 3, *, failed_ok: bool = False) -> None:
    """Let workers finish and their messages land (several rounds: one message can start another worker).

    `failed_ok`: a worker that fails is expected (its error is what the test looks at), not a test error."""
    from textual.worker import WorkerFailed

    for _ in range(rounds):
        await pilot.pause()
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerFailed:
            if not failed_ok:
                raise
    await pilot.pause()


async def wait_for(pilot: Any, cond: Callable[[], bool], timeout: float = DEFAULT_TIMEOUT, what: str = "",
                   interval: float = 0.02) -> None:
    """Poll `cond` while the app runs; fail naming `what` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"condition not reached within {timeout:g}s: {what or cond}")
        await pilot.pause(interval)


async def to_preflight(pilot: Any) -> None:
    """Connect (source/data) → Targets (first ARN) → Preflight, waiting for every check."""
    await settle(pilot)
    await pilot.press("enter")  # the focus starts on the buckets: pick the highlighted `data`
    await settle(pilot)
    await pilot.press("enter")  # pick the highlighted ARN
    await settle(pilot, 5)


def keep_notifications(app: Any) -> Any:
    """Remember every toast `app` shows (`app.kept_notes`): a toast expires on the clock, and a test that reads it
    after a slow step must not race that clock. Returns `app`."""
    notes: list[str] = []
    show = app.notify

    def notify(message: str, *args: Any, **kw: Any) -> Any:
        notes.append(f"{kw.get('title', '')} {message}")
        return show(message, *args, **kw)

    app.notify = notify
    app.kept_notes = notes
    return app


def screen_text(app: Any) -> str:
    """Every Static/Label text of the current screen and every toast shown so far (all of them when the app was
    given to `keep_notifications`, else the ones still on screen), joined (for message assertions)."""
    from textual.widgets import Static

    parts = []
    for widget in app.screen.query(Static):
        try:
            parts.append(str(widget.render()))
        except Exception:
            continue
    kept = getattr(app, "kept_notes", None)
    if kept is not None:
        parts.extend(kept)
    else:
        parts.extend(f"{note.title} {note.message}" for note in list(getattr(app, "_notifications", [])))
    return "\n".join(parts)


def footer_keys(footer: Any) -> list[tuple[str, str, bool]]:
    """What a `Footer` shows, left to right: (key, description, enabled) per key."""
    from textual.widgets._footer import FooterKey

    return [(k.key, k.description, not k.has_class("-disabled")) for k in footer.query(FooterKey)]


class Keys:
    """Presses keys and counts them (the keystroke budgets of the keyboard-only walks), settling after each."""

    def __init__(self, pilot: Any) -> None:
        self.pilot, self.count = pilot, 0

    async def __call__(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)
        await settle(self.pilot, 4)
