"""Drive the whole wizard on a lab with the keyboard, as far as the scenario allows.

Connect → Targets → Preflight → Start (typed confirmation) → Monitor (until the resync ends) →
Validate (+ backlog re-trigger: dry run, then "Send") → Next steps (canaries written, then removed
with consent; report exported). Returns the names of the stages reached, so a test can assert how
far a scenario got and why it stopped.
"""

from __future__ import annotations

from typing import Any

from helpers.pilot import settle, to_preflight, wait_for


def _name(app: Any) -> str:
    return type(app.screen).__name__


async def drive_full_wizard(pilot: Any, app: Any, *, monitor_timeout: float = 40.0) -> list[str]:
    """Go as far as possible; returns the stages reached ("preflight", "monitor", ... "report")."""
    from textual.widgets import Button

    reached: list[str] = []
    await to_preflight(pilot)
    if _name(app) != "PreflightScreen":
        return reached
    reached.append("preflight")
    if app.screen.query_one("#start", Button).disabled:
        return reached
    await pilot.press("s")
    await settle(pilot)
    await pilot.press("s")
    await wait_for(pilot, lambda: _name(app) == "TypeToConfirmModal", what="typed confirmation")
    await pilot.press(*app.state.source_bucket, "enter")
    await wait_for(pilot, lambda: _name(app) == "MonitorScreen", what="monitor")
    reached.append("monitor")
    monitor = app.screen
    monitor.interval = 0.2
    monitor.action_refresh_now() if hasattr(monitor, "action_refresh_now") else None
    await wait_for(pilot, lambda: app.state.resync_status in ("Completed", "Failed", "Canceled"),
                   timeout=monitor_timeout, what="resync end")
    reached.append(f"resync-{app.state.resync_status.lower()}")
    await pilot.press("v")
    await settle(pilot)
    if _name(app) == "ConfirmModal":
        await pilot.press("y")
    await wait_for(pilot, lambda: _name(app) == "ValidateScreen", what="validate screen")
    validate = app.screen
    await wait_for(pilot, lambda: validate.report is not None, timeout=30, what="validation report")
    reached.append("validate")
    await pilot.press("b")
    await wait_for(pilot, lambda: "backlog" in app.state.extra or _name(app) == "ConfirmModal",
                   timeout=20, what="backlog dry run")
    if _name(app) == "ConfirmModal":
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.state.extra.get("backlog", {}).get("dry_run", True),
                       timeout=30, what="backlog run")
        reached.append("backlog")
    await settle(pilot)
    after = app.state.extra.get("backlog", {})
    if after.get("still_failed"):  # versions still FAILED: the wizard offers --clear-checksum; decline it here
        await wait_for(pilot, lambda: getattr(app.screen, "title_text", "") == "Try --clear-checksum?",
                       timeout=20, what="clear-checksum offer")
        await pilot.press("n")
        reached.append("clear-checksum-declined")
        await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    if _name(app) == "ConfirmModal":
        await pilot.press("y")
    await wait_for(pilot, lambda: _name(app) == "NextStepsScreen", what="next steps")
    nxt = app.screen
    await wait_for(pilot, lambda: nxt.plan is not None, timeout=20, what="next-steps plan")
    reached.append("next-steps")
    nxt.canary_timeout = 3.0  # total-loss has no way back: do not wait the full default (the lab replicates in ms)
    await pilot.press("k")
    await wait_for(pilot, lambda: _name(app) == "ConfirmModal", what="canary confirmation")
    await pilot.press("y")
    await wait_for(pilot, lambda: _name(app) == "ConfirmModal" or bool(app.state.extra.get("canaries")),
                   timeout=40, what="canary written")
    await wait_for(pilot, lambda: _name(app) == "ConfirmModal", timeout=40, what="removal consent")
    await pilot.press("y")
    await wait_for(pilot, lambda: all(c.get("removed") for c in app.state.extra.get("canaries", [{}])),
                   timeout=20, what="canaries removed")
    reached.append("canaries")
    await pilot.press("x")
    await settle(pilot)
    if app.state.extra.get("report"):
        reached.append("report")
    return reached
