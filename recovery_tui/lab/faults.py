"""Fault injection for the lab: a thread-safe Python API and an HTTP control endpoint.

Python API (`lab.faults`, a `FaultController`; every method is safe from any thread except
the lab's own loop thread, where the `a*` coroutine variants must be awaited instead):

* `set_offline(site, offline)` — "source"/"target" stops listening (connections refused, open
  connections dropped) or listens again on the SAME port.
* `set_latency(site, seconds)` — extra delay added to every request of that site (requests
  still run concurrently); 0 removes it.
* `fail_replication(pattern)` / `clear_replication_failures()` — glob (fnmatch) on object
  keys; the replicator asks `should_fail(key) -> bool` before replicating a version.
* `wipe_bucket(site, bucket)` — the bucket loses every version (configuration stays).
* `delete_bucket(site, bucket)` — the bucket is gone, configuration and targets included.
* `restart(site)` — in-memory state is reloaded from "disk" (the site-replication resync status).
* `clear()` — all sites online, no latency, no replication failures.
* `state() -> dict` — the current faults and a per-site summary (no secrets).

HTTP control endpoint (unauthenticated, served on both sites, loopback only):

* `POST /_lab/fault` with a JSON body, answered with `{"ok": true, "state": {...}}`:
  `{"action":"offline","site":"target","value":true}`, `{"action":"latency","site":"source",
  "seconds":0.02}`, `{"action":"fail-replication","pattern":"docs/*"}`,
  `{"action":"clear-replication-failures"}`, `{"action":"wipe","site":"target","bucket":"data"}`,
  `{"action":"delete-bucket","site":"source","bucket":"logs"}`, `{"action":"restart","site":"source"}`,
  `{"action":"clear"}`. Errors: 400/404 `{"ok": false, "error": "..."}`.
* `GET /_lab/state` — the same state document.
"""

from __future__ import annotations

import json
import threading
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Optional

from aiohttp import web

if TYPE_CHECKING:
    import asyncio

    from recovery_tui.lab.server import Lab, SiteRuntime

LOOPBACK = ("127.0.0.1", "::1")


class FaultController:
    """Runtime faults of one `Lab` (see the module docstring for the API)."""

    def __init__(self, lab: "Lab") -> None:
        self._lab = lab
        self._lock = threading.Lock()
        self._latency: dict[str, float] = {}
        self._patterns: list[str] = []

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
        state = self._lab.site(site).site.site_repl
        if state is not None:
            state.restart()

    # -- everything ----------------------------------------------------------------------------
    def clear(self) -> None:
        self._lab.call(self.aclear)

    async def aclear(self, keep: Optional["asyncio.BaseTransport"] = None) -> None:
        with self._lock:
            self._latency.clear()
            self._patterns.clear()
        for rt in (self._lab.source, self._lab.target):
            if not rt.site.online:
                await rt.go_online()

    def state(self) -> dict[str, Any]:
        """Faults and a per-site summary; contains no secret."""
        with self._lock:
            latency = dict(self._latency)
            patterns = list(self._patterns)
        sites: dict[str, Any] = {}
        for rt in (self._lab.source, self._lab.target):
            buckets = {name: {"versioning": b.versioning, "keys": len(b.keys),
                              "versions": b.count_versions(), "replication": b.replication_xml is not None}
                       for name, b in list(rt.site.buckets.items())}
            sites[rt.site.name] = {"url": rt.url, "port": rt.port, "online": rt.site.online,
                                   "latency": latency.get(rt.site.name, 0.0), "flavor": rt.site.flavor,
                                   "buckets": buckets}
        return {"sites": sites, "fail_replication": patterns}


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
        elif action == "wipe":
            faults._wipe(site, _field(doc, "bucket"))
        elif action == "delete-bucket":
            faults._delete_bucket(site, _field(doc, "bucket"))
        elif action == "restart":
            faults._restart(site)
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
