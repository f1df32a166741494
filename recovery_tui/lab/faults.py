"""Fault injection for the lab: a thread-safe Python API and an HTTP control endpoint.

Python API (`lab.faults`, a `FaultController`; every method is safe from any thread except
the lab's own loop thread, where the `a*` coroutine variants must be awaited instead):

* `set_offline(site, offline)` — "source"/"target" stops listening (connections refused, open
  connections dropped) or listens again on the SAME port.
* `set_latency(site, seconds)` — extra delay added to every request of that site, as a round trip's two
  legs: half before the request is handled, half before its answer leaves (requests still run
  concurrently); 0 removes it, also for the requests already waiting. `delayed(site)`: how many
  requests of the site are waiting out a leg right now.
* `fail_replication(pattern)` / `clear_replication_failures()` — glob (fnmatch) on object
  keys; the replicator asks `should_fail(key) -> bool` before replicating a version.
* `wipe_bucket(site, bucket)` — the bucket loses every version (configuration stays).
* `set_inventory(site, fault=None, pace=0.0, rows_per_file=None)` — how that site's next inventory
  runs go (aistor flavour, `lab/inventory_run.py`): a fault (`fail`, `stall`, `missing-file`,
  `truncate`, `schema`, `partial`), seconds to wait between batches of keys, rows per report file.
* `delete_bucket(site, bucket)` — the bucket is gone, configuration and targets included.
* `restart(site)` — in-memory state is reloaded from "disk" (the site-replication resync status).
* `set_diff_error(after)` — fault `diff-error after N`: every replication diff stream sends N entries,
  then the line the server sends when its walk fails (`{"error":{}}` with zero times, §7) and closes
  (at its end if it has fewer entries); `None` removes the fault.
* `set_copy_checksum(mode)` — what a copy onto itself does with the checksum: "keep" (community, §22)
  or "recompute" (see lab/checksums.py). Server behaviour, not a fault: `clear()` leaves it.
* `hold_resync(percent)` / `release_resync()` — every resync stops taking versions once it has taken
  `percent` % of them (0 <= percent < 100): the versions in flight finish and the job sits, Ongoing, at
  exactly that count until released. `held_resyncs()` lists the jobs sitting there (what a test waits on).
* `clear()` — all sites online, no latency, no replication failures, no diff error, no resync hold, no inventory faults.
* `state() -> dict` — the current faults and a per-site summary (no secrets), with `resync_starts`: resyncs
  begun per bucket since the lab started (what proves a run never started a bucket twice).

HTTP control endpoint (unauthenticated, served on both sites, loopback only):

* `POST /_lab/fault` with a JSON body, answered with `{"ok": true, "state": {...}}`:
  `{"action":"offline","site":"target","value":true}`, `{"action":"latency","site":"source",
  "seconds":0.02}`, `{"action":"fail-replication","pattern":"docs/*"}`,
  `{"action":"clear-replication-failures"}`, `{"action":"wipe","site":"target","bucket":"data"}`,
  `{"action":"inventory","site":"source","fault":"fail","pace":0.01,"rows_per_file":1000}`,
  `{"action":"delete-bucket","site":"source","bucket":"logs"}`, `{"action":"restart","site":"source"}`,
  `{"action":"diff-error","after":3}` (`"after": null` removes it), `{"action":"copy-checksum",
  "mode":"recompute"}`, `{"action":"hold-resync","percent":50}`, `{"action":"release-resync"}`,
  `{"action":"clear"}`. Errors: 400/404 `{"ok": false, "error": "..."}`.
* `GET /_lab/state` — the same state document.
"""

from __future__ import annotations

import asyncio
import json
import threading
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Optional

from aiohttp import web

if TYPE_CHECKING:
    from recovery_tui.lab.server import Lab, SiteRuntime

LOOPBACK = ("127.0.0.1", "::1")
INVENTORY_FAULTS = (None, "fail", "stall", "missing-file", "truncate", "schema", "partial")
LATENCY_STEP = 0.05
"""Seconds between two looks at the latency while a request waits it out."""


class FaultController:
    """Runtime faults of one `Lab` (see the module docstring for the API)."""

    def __init__(self, lab: "Lab") -> None:
        self._lab = lab
        self._lock = threading.Lock()
        self._latency: dict[str, float] = {}
        self._patterns: list[str] = []
        self._inventory: dict[str, tuple[Optional[str], float, Optional[int]]] = {}
        self._resync_hold: Optional[float] = None
        self._delayed: dict[str, int] = {}
        self._diff_error_after: Optional[int] = None

    # -- latency -------------------------------------------------------------------------------
    def set_latency(self, site: str, seconds: float) -> None:
        self._lab.site(site)
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        with self._lock:
            self._latency[site] = float(seconds)

    def latency(self, site: str) -> float:
        with self._lock:
            return self._latency.get(site, 0.0)

    async def delay(self, site: str, share: float = 1.0) -> None:
        """Hold one request of `site` for `share` of the latency (loop thread); a lowered latency releases it
        sooner. The server takes it in two legs, a half before it handles a request and a half before the
        answer leaves (`server.SiteRuntime`), as a round trip's two ways."""
        if self.latency(site) <= 0:
            return
        loop = asyncio.get_running_loop()
        start = loop.time()
        with self._lock:
            self._delayed[site] = self._delayed.get(site, 0) + 1
        try:
            while (remaining := self.latency(site) * share - (loop.time() - start)) > 0:
                await asyncio.sleep(min(remaining, LATENCY_STEP))
        finally:
            with self._lock:
                self._delayed[site] -= 1

    def delayed(self, site: str) -> int:
        """Requests of `site` waiting out the latency right now."""
        with self._lock:
            return self._delayed.get(site, 0)

    # -- replication failures ------------------------------------------------------------------
    def fail_replication(self, pattern: str) -> None:
        with self._lock:
            if pattern not in self._patterns:
                self._patterns.append(pattern)

    def clear_replication_failures(self) -> None:
        with self._lock:
            self._patterns.clear()

    def should_fail(self, key: str) -> bool:
        """Whether replication of `key` must fail (any `fail_replication` glob matches)."""
        with self._lock:
            patterns = tuple(self._patterns)
        return any(fnmatchcase(key, p) for p in patterns)

    # -- replication diff ----------------------------------------------------------------------
    def set_diff_error(self, after: Optional[int]) -> None:
        """Fault `diff-error after N` (see the module docstring); None removes it."""
        if after is not None and (isinstance(after, bool) or not isinstance(after, int) or after < 0):
            raise ValueError("'after' must be a whole number of entries (0 or more) or null")
        with self._lock:
            self._diff_error_after = after

    def diff_error_after(self) -> Optional[int]:
        with self._lock:
            return self._diff_error_after

    def set_copy_checksum(self, mode: str) -> None:
        from recovery_tui.lab.checksums import COPY_MODES

        if mode not in COPY_MODES:
            raise ValueError(f"'mode' must be one of {', '.join(COPY_MODES)}")
        self._lab.copy_checksum = mode

    # -- resync hold ---------------------------------------------------------------------------
    def hold_resync(self, percent: float) -> None:
        """Resyncs stop taking versions at `percent` % of theirs until `release_resync()`."""
        percent = float(percent)
        if not 0 <= percent < 100:
            raise ValueError("'percent' must be at least 0 and under 100")
        with self._lock:
            self._resync_hold = percent

    def release_resync(self) -> None:
        with self._lock:
            self._resync_hold = None

    def resync_hold(self) -> Optional[float]:
        """The hold in percent, None when resyncs run freely (asked by each resync worker)."""
        with self._lock:
            return self._resync_hold

    def held_resyncs(self) -> list[dict[str, Any]]:
        """The resync jobs sitting at the hold, nothing in flight: `{"site", "bucket", "arn", "count"}`."""
        out: list[dict[str, Any]] = []
        for rt in (self._lab.source, self._lab.target):
            resync = getattr(rt.replicator, "resync", None)
            for (bucket, arn), count in (resync.held() if resync is not None else {}).items():
                out.append({"site": rt.site.name, "bucket": bucket, "arn": arn, "count": count})
        return out

    # -- offline -------------------------------------------------------------------------------
    def set_offline(self, site: str, offline: bool) -> None:
        self._lab.call(self.aset_offline, site, offline)

    async def aset_offline(self, site: str, offline: bool,
                           keep: Optional["asyncio.BaseTransport"] = None) -> None:
        """Loop-thread variant; `keep` is a connection not to drop (the control request's own)."""
        rt = self._lab.site(site)
        if offline:
            await rt.go_offline(keep=keep)
        else:
            await rt.go_online()

    def is_offline(self, site: str) -> bool:
        return not self._lab.site(site).site.online

    # -- data ----------------------------------------------------------------------------------
    def wipe_bucket(self, site: str, bucket: str) -> None:
        self._lab.call(self._wipe, site, bucket)

    def _wipe(self, site: str, bucket: str) -> None:
        b = self._lab.site(site).site.buckets.get(bucket)
        if b is None:
            raise KeyError(f"no bucket {bucket!r} on site {site!r}")
        b.wipe()

    # -- inventory runs --------------------------------------------------------------------------
    def set_inventory(self, site: str, fault: Optional[str] = None, *, pace: float = 0.0,
                      rows_per_file: Optional[int] = None) -> None:
        self._lab.site(site)
        if fault not in INVENTORY_FAULTS:
            raise ValueError(f"unknown inventory fault {fault!r}")
        if pace < 0 or (rows_per_file is not None and rows_per_file < 1):
            raise ValueError("pace must be >= 0 and rows_per_file >= 1")
        with self._lock:
            self._inventory[site] = (fault, float(pace), rows_per_file)

    def inventory(self, site: str) -> tuple[Optional[str], float, Optional[int]]:
        """(fault, pace, rows per file) for that site's inventory runs."""
        with self._lock:
            return self._inventory.get(site, (None, 0.0, None))
    def delete_bucket(self, site: str, bucket: str) -> None:
        """The bucket is removed with everything in it (`mc rb --force`): versions, configuration, targets."""
        self._lab.call(self._delete_bucket, site, bucket)

    def _delete_bucket(self, site: str, bucket: str) -> None:
        s = self._lab.site(site).site
        if s.buckets.pop(bucket, None) is None:
            raise KeyError(f"no bucket {bucket!r} on site {site!r}")
        s.targets.pop(bucket, None)

    # -- restart -------------------------------------------------------------------------------
    def restart(self, site: str) -> None:
        """The server restarts: state MinIO keeps in memory and rebuilds from disk is reloaded (today the
        site-replication resync status, which a cancel leaves "Ongoing" in memory, §15.4)."""
        self._lab.call(self._restart, site)

    def _restart(self, site: str) -> None:
        restart = getattr(self._lab.site(site).site.site_repl, "restart", None)  # a lab.siterepl state, if any
        if restart is not None:
            restart()

    # -- everything ----------------------------------------------------------------------------
    def clear(self) -> None:
        self._lab.call(self.aclear)

    async def aclear(self, keep: Optional["asyncio.BaseTransport"] = None) -> None:
        with self._lock:
            self._latency.clear()
            self._patterns.clear()
            self._inventory.clear()
            self._resync_hold = None
            self._diff_error_after = None
        for rt in (self._lab.source, self._lab.target):
            if not rt.site.online:
                await rt.go_online()

    def state(self) -> dict[str, Any]:
        """Faults and a per-site summary; contains no secret."""
        with self._lock:
            latency = dict(self._latency)
            patterns = list(self._patterns)
            hold = self._resync_hold
            diff_error = self._diff_error_after
        sites: dict[str, Any] = {}
        for rt in (self._lab.source, self._lab.target):
            buckets = {name: {"versioning": b.versioning, "keys": len(b.keys),
                              "versions": b.count_versions(), "replication": b.replication_xml is not None}
                       for name, b in list(rt.site.buckets.items())}
            sites[rt.site.name] = {"url": rt.url, "port": rt.port, "online": rt.site.online,
                                   "latency": latency.get(rt.site.name, 0.0), "flavor": rt.site.flavor,
                                   "buckets": buckets, "resync_starts": _starts(rt)}
        with self._lock:
            inventory = {k: {"fault": f, "pace": p, "rows_per_file": r} for k, (f, p, r) in self._inventory.items()}
        return {"sites": sites, "fail_replication": patterns, "diff_error_after": diff_error,
                "copy_checksum": getattr(self._lab, "copy_checksum", "keep"), "inventory": inventory,
                "resync_hold": {"percent": hold, "held": self.held_resyncs()}}


def _starts(rt: Any) -> dict[str, int]:
    """Resyncs begun per bucket on this site (`Resyncer.starts`)."""
    return dict(getattr(getattr(rt.replicator, "resync", None), "starts", {}))


def _json(doc: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(doc).encode(), content_type="application/json")


def _field(doc: dict[str, Any], name: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"missing string field {name!r}")
    return value


async def handle_control(rt: "SiteRuntime", request: web.Request) -> web.Response:
    """Serve `/_lab/fault` and `/_lab/state` (loopback clients only)."""
    if request.remote not in LOOPBACK:
        return _json({"ok": False, "error": "control endpoint is loopback only"}, 403)
    faults = rt.lab.faults
    if request.path == "/_lab/state" and request.method in ("GET", "HEAD"):
        return _json(faults.state())
    if request.path != "/_lab/fault" or request.method != "POST":
        return _json({"ok": False, "error": "unknown control endpoint"}, 404)
    try:
        doc = json.loads(await request.read() or b"{}")
        if not isinstance(doc, dict):
            raise ValueError("body must be a JSON object")
        action = str(doc.get("action", ""))
        site = str(doc.get("site", ""))
        keep = request.transport
        if action == "offline":
            value = doc.get("value", True)
            if not isinstance(value, bool):
                raise ValueError("'value' must be true or false")
            await faults.aset_offline(site, value, keep=keep)
        elif action == "online":
            await faults.aset_offline(site, False)
        elif action == "latency":
            faults.set_latency(site, float(doc.get("seconds", 0)))
        elif action == "fail-replication":
            faults.fail_replication(_field(doc, "pattern"))
        elif action == "clear-replication-failures":
            faults.clear_replication_failures()
        elif action == "diff-error":
            faults.set_diff_error(doc.get("after"))
        elif action == "copy-checksum":
            faults.set_copy_checksum(_field(doc, "mode"))
        elif action == "wipe":
            faults._wipe(site, _field(doc, "bucket"))
        elif action == "inventory":
            rows = doc.get("rows_per_file")
            faults.set_inventory(site, doc.get("fault"), pace=float(doc.get("pace", 0)),
                                 rows_per_file=int(rows) if rows is not None else None)
        elif action == "delete-bucket":
            faults._delete_bucket(site, _field(doc, "bucket"))
        elif action == "restart":
            faults._restart(site)
        elif action == "hold-resync":
            percent = doc.get("percent")
            if isinstance(percent, bool) or not isinstance(percent, (int, float)):
                raise ValueError("'percent' must be a number")
            faults.hold_resync(percent)
        elif action == "release-resync":
            faults.release_resync()
        elif action == "clear":
            await faults.aclear(keep=keep)
        else:
            raise ValueError(f"unknown action {action!r}")
    except KeyError as exc:
        return _json({"ok": False, "error": str(exc).strip('"')}, 404)
    except (ValueError, TypeError) as exc:
        return _json({"ok": False, "error": str(exc)}, 400)
    resp = _json({"ok": True, "state": faults.state()})
    if not rt.site.online:
        resp.force_close()
    return resp
