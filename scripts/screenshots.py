"""Regenerate `screenshots/`: walks the embedded lab at 80x24 and saves an SVG of every screen and modal.

Run from the repository root:

    python scripts/screenshots.py            # every shot
    python scripts/screenshots.py start      # only shots whose name contains "start"

Each shot is (name, scenario, steps): a fresh lab and app, then `steps` (an async
function of the pilot) brings the app to the state to capture. To add a screen,
append a line to SHOTS. The lab uses fixed ports and credentials, and no SVG may
contain the lab's secret keys (the script checks before writing).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any, Awaitable, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recovery_tui.app import make_app  # noqa: E402
from recovery_tui.lab.server import Lab  # noqa: E402
from recovery_tui.service.aliases import AliasBook, BucketPath  # noqa: E402
from recovery_tui.service.client import RecoveryService  # noqa: E402

OUT = ROOT / "screenshots"
"""Where the SVGs go."""
SIZE = (80, 24)
"""The terminal every shot is taken at."""
KEYS = {
    "source": ("LABSHOTSOURCE0000001", "shotSecretSource000000000000000000000001"),
    "target": ("LABSHOTTARGET0000002", "shotSecretTarget000000000000000000000002"),
}
"""Fixed lab credentials (never shown: the scan below proves it)."""
PORTS = (29201, 29202)
"""Fixed lab ports, so the images do not change from run to run."""

Steps = Callable[[Any], Awaitable[None]]


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Wait for workers and the messages they post."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.3)


async def connect(pilot: Any) -> None:
    await settle(pilot)


async def targets(pilot: Any) -> None:
    await connect(pilot)
    await pilot.press("enter")  # the focus starts on the buckets
    await settle(pilot)


async def preflight(pilot: Any) -> None:
    await targets(pilot)
    await pilot.press("enter")
    await settle(pilot, 5)


async def start(pilot: Any) -> None:
    await preflight(pilot)
    await pilot.press("s")
    await settle(pilot)


async def start_modal(pilot: Any) -> None:
    await start(pilot)
    await pilot.press("s")
    await settle(pilot)
    await pilot.press("d", "a", "t", "a")
    await pilot.pause()


async def monitor(pilot: Any) -> None:
    await start_modal(pilot)
    await pilot.press("enter")
    await settle(pilot, 2)
    await pilot.pause(1.0)


async def quit_modal(pilot: Any) -> None:
    await monitor(pilot)
    await pilot.press("q")
    await pilot.pause()


async def monitor_completed(pilot: Any) -> None:
    await monitor(pilot)
    for _ in range(300):  # the lab's resync finishes in seconds
        if pilot.app.state.resync_status == "Completed":
            break
        await pilot.pause(0.1)
    await settle(pilot)


async def validate(pilot: Any) -> None:
    await monitor_completed(pilot)
    await pilot.press("v")
    await settle(pilot, 5)


async def next_steps(pilot: Any) -> None:
    await validate(pilot)
    await pilot.press("n")
    await settle(pilot, 5)


async def site_plan(pilot: Any) -> None:
    await connect(pilot)
    await pilot.press("w", "enter")
    await settle(pilot, 5)


async def site_monitor(pilot: Any) -> None:
    await site_plan(pilot)
    await pilot.press("s", *"target", "enter")
    await settle(pilot, 6)  # the fleet runner's worker ends when every bucket has ended


async def site_validate(pilot: Any) -> None:
    await site_monitor(pilot)
    await pilot.press("v")
    await settle(pilot, 6)


async def site_report(pilot: Any) -> None:
    await site_validate(pilot)
    await pilot.press("n")
    await settle(pilot, 5)


SHOTS: list[tuple[str, str, Steps]] = [
    ("01-connect", "partial-loss", connect),
    ("02-targets", "partial-loss", targets),
    ("03-preflight", "partial-loss", preflight),
    ("03-preflight-target-offline", "target-offline", preflight),
    ("04-start", "partial-loss", start),
    ("04-start-confirm-modal", "partial-loss", start_modal),
    ("05-monitor", "partial-loss", monitor),
    ("05-quit-while-running-modal", "partial-loss", quit_modal),
    ("05-monitor-completed", "partial-loss", monitor_completed),
    ("06-validate", "partial-loss", validate),
    ("07-next-steps", "partial-loss", next_steps),
    ("07-next-steps-total-loss", "total-loss", next_steps),
    ("08-site-plan", "site-loss", site_plan),
    ("09-site-monitor", "site-loss", site_monitor),
    ("10-site-validate", "site-loss", site_validate),
    ("11-site-report", "site-loss", site_report),
    ("12-site-replication-plan", "site-replication", site_plan),
    ("13-site-replication-monitor", "site-replication", site_monitor),
]
"""(file name, lab scenario, steps to reach the state)."""


async def take(name: str, scenario: str, steps: Steps) -> Path:
    """One fresh lab + app, walk `steps`, save `screenshots/<name>.svg`."""
    site = {"objects": 2000, "resync_delay": 0.0} if scenario.startswith("site-") else {}
    with Lab(scenario=scenario, seed=7, source_port=PORTS[0], target_port=PORTS[1],
             source_keys=KEYS["source"], target_keys=KEYS["target"], **site) as lab, \
            tempfile.TemporaryDirectory() as tmp:
        book = AliasBook(env={**lab.env(), "MC_CONFIG_DIR": tmp})
        app = make_app(RecoveryService(book), aliases=book.names(), lab=True,
                       source=BucketPath("source", "data"), persist=False)
        async with app.run_test(size=SIZE) as pilot:
            await steps(pilot)
            svg = app.export_screenshot(title=f"recovery-tui · {name}")
    for _, secret in KEYS.values():
        if secret in svg:
            raise SystemExit(f"refusing to write {name}.svg: it contains a lab secret")
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


async def main(filters: list[str]) -> int:
    chosen = [s for s in SHOTS if not filters or any(f in s[0] for f in filters)]
    for name, scenario, steps in chosen:
        path = await take(name, scenario, steps)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
