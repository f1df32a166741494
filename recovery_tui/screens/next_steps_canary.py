"""The Next-steps screen's canary flow: ask → write one canary per side → wait (shown, second by second) →
tick or say what failed → ask before removing them, with the same counts in the question and the answer.

Uses `service/canary.py`. Workers run on the screen (`screen.run_worker`) and post messages to it; the
screen forwards them here. Counting: one canary OBJECT per side; each has up to two VERSIONS to remove (the
one written and its replica on the other side, when it arrived).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Optional

from textual.message import Message

from recovery_tui.mccmd import q
from recovery_tui.screens.dialogs import ConfirmModal
from recovery_tui.service.errors import NotFound

if TYPE_CHECKING:
    from recovery_tui.screens.next_steps import NextStepsScreen


def _word(c: Any, *, long: bool = False) -> str:
    """"seen in Ns"; "NOT seen" only when proven (the peer said "no such version" until the timeout);
    otherwise "unknown" (a failed write, a peer that did not answer, a cancelled wait prove nothing)."""
    if c.seen:
        return f"seen in {c.seconds}s"
    word = "NOT seen" if getattr(c, "proven_absent", False) else "unknown"
    return f"{word} ({c.error})" if long and c.error else word


@dataclass
class CanaryDone(Message):
    """The canary round trip finished (`checks`: list of `CanaryCheck`)."""

    checks: list[Any]


@dataclass
class CanaryWaiting(Message):
    """A canary is written and being looked for on the other side."""

    text: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CanaryWaiting)


@dataclass
class CanaryRemoved(Message):
    """The canary versions were deleted (with consent)."""

    count: int
    objects: int = 0


def removable_versions(canaries: list[dict[str, Any]]) -> int:
    """Versions a removal may delete: each canary where written, and its replica on the other side (looked for
    even when it was not seen in time: it may have arrived since)."""
    return 2 * sum(1 for c in canaries if c.get("version_id"))


class CanaryFlow:
    """Drives the canary round trip for one `NextStepsScreen`."""

    def __init__(self, screen: "NextStepsScreen") -> None:
        self.screen = screen
        self.busy = False

    def begin(self) -> None:
        """Ask first: these are writes."""
        s = self.screen
        message = ("Write one small object under [b].recovery-tui-canary/[/b] on each side and wait for it "
                   f"to appear on the other (up to {s.canary_timeout:.0f}s each). These are writes; "
                   "you will be asked before they are removed.")
        s.app.push_screen(ConfirmModal("Write canary objects?", message, yes="Write", no="Cancel"),
                          lambda ok: self._start() if ok else None)

    def _start(self) -> None:
        s = self.screen
        self.busy = True
        s.set_canary_line("Writing the canary objects…")
        s.run_worker(partial(self._round_trip, uuid.uuid4().hex[:12]), thread=True, exclusive=True,
                     exit_on_error=False, group="next-canary", description="Writing canary objects on both sides")

    def _round_trip(self, run_id: str) -> None:
        """Worker: write a canary on each side and wait for it on the other, saying how long it has waited."""
        from recovery_tui.service.canary import run_round_trip

        s = self.screen
        st = s.state
        timeout = s.canary_timeout

        def waiting(write: Any, peer: str, seconds: float) -> None:
            s.post_message(CanaryWaiting(f"Canary {write.alias}→{peer}: written, waiting for it on {peer}… "
                                         f"{seconds:.0f}s of up to {timeout:.0f}s"))

        checks = run_round_trip(s.service, (st.source_alias, st.source_bucket),
                                (st.target_alias, st.target_bucket or st.source_bucket), run_id,
                                timeout=timeout, progress=waiting)
        s.post_message(CanaryDone(checks))

    def done(self, checks: list[Any]) -> None:
        s = self.screen
        self.busy = False
        s.state.extra["canaries"] = [
            {"site": c.write.alias, "key": c.write.key, "version_id": c.write.version_id, "peer": c.peer_alias,
             "seen_on_peer": c.seen, "proven_absent": bool(getattr(c, "proven_absent", False)),
             "seconds": c.seconds, "error": c.error, "removed": False} for c in checks]
        ok = all(c.seen for c in checks)
        absent = any(not c.seen and getattr(c, "proven_absent", False) for c in checks)
        st = s.state
        peers = {st.source_alias: st.source_bucket, st.target_alias: st.target_bucket or st.source_bucket}
        mc = "; ".join(
            f"mc pipe {q(f'{c.write.alias}/{c.write.bucket}/{c.write.key}')}; "
            f"mc stat --version-id {c.write.version_id or 'null'} "
            f"{q(f'{c.peer_alias}/{peers.get(c.peer_alias, c.write.bucket)}/{c.write.key}')}" for c in checks)
        s.record("canary", mc=mc, result="ok" if ok else "failed" if absent else "unknown",
                 seen=[c.seen for c in checks])
        summary = "; ".join(f"{c.write.alias}→{c.peer_alias} " + _word(c, long=True) for c in checks)
        s.set_canary_line(("✔ Canary: " if ok else "✘ Canary: " if absent else "? Canary: ") + " · ".join(
            f"{c.write.alias}→{c.peer_alias} " + _word(c) for c in checks))
        if ok:
            s.tick_item("replication-verified", note=summary)
        else:
            s.notify(summary, title="Canary not replicated" if absent else "Canary result unknown",
                     severity="error" if absent else "warning", timeout=10)
        canaries = s.state.extra["canaries"]
        written = [c for c in canaries if c.get("version_id")]
        if written:  # never leave a canary behind unasked, seen or not
            n = removable_versions(canaries)
            s.app.push_screen(
                ConfirmModal("Remove the canary objects?",
                             f"{summary}.\n\nDelete the {len(written)} canary object(s) under .recovery-tui-canary/: "
                             f"up to {n} version(s) in all (each where it was written, and its replica on the "
                             "other side)? No other object is touched. No keeps them.", yes="Remove", no="Keep"),
                self._remove_answer)
        s.save_state()

    def _remove_answer(self, answer: Optional[bool]) -> None:
        if answer:
            canaries = list(self.screen.state.extra.get("canaries") or [])
            self.screen.run_worker(partial(self._remove, canaries), thread=True, exclusive=True,
                                   exit_on_error=False, group="next-canary-remove",
                                   description="Removing the canary objects")

    def _remove(self, canaries: list[dict[str, Any]]) -> None:
        """Worker: delete each canary version on both sides (a replica that never arrived is simply not there)."""
        from recovery_tui.service.canary import remove_canary

        s = self.screen
        st = s.state
        sides = {st.source_alias: st.source_bucket, st.target_alias: st.target_bucket or st.source_bucket}
        n = 0
        objects = 0
        for c in canaries:
            if not c.get("version_id"):
                continue
            objects += 1
            for alias, bucket in sides.items():
                try:
                    remove_canary(s.service, alias, bucket, c["key"], c["version_id"])
                    n += 1
                except NotFound:
                    pass
        s.post_message(CanaryRemoved(n, objects))

    def removed(self, message: CanaryRemoved) -> None:
        s = self.screen
        for c in s.state.extra.get("canaries") or []:
            c["removed"] = True
        st = s.state
        sides = {st.source_alias: st.source_bucket, st.target_alias: st.target_bucket or st.source_bucket}
        mc = "; ".join(f"mc rm --version-id {c['version_id']} {q(alias + '/' + bucket + '/' + c['key'])}"
                       for c in st.extra.get("canaries") or [] if c.get("version_id")
                       for alias, bucket in sides.items() if alias)
        s.record("canary.remove", mc=mc, result="ok", removed=message.count)
        s.notify(f"Removed {message.count} version(s) of {message.objects} canary object(s).", timeout=4)
        s.save_state()


__all__ = ["CanaryDone", "CanaryFlow", "CanaryRemoved", "CanaryWaiting", "removable_versions"]
