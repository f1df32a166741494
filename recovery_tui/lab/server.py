"""The lab's runtime: two MinIO-compatible sites served by aiohttp on one background event loop.

    with Lab(scenario=None) as lab:            # ephemeral ports, random credentials
        os.environ.update(lab.env())           # MC_HOST_source / MC_HOST_target
        lab.call(lambda: lab.source.site.buckets.keys())   # run code on the loop thread

Every request goes through `SiteRuntime._handle`: offline check → `/_lab/*` control endpoint
(`lab/faults.py`) → injected latency → health (`/minio/health/*`, unauthenticated) → SigV4
(`lab/auth.py`) → admin (`/minio/admin/{version}/{subpath}` → `extensions.handle_admin`) or
S3 (`lab/s3_api.py`). `LabError`s become MinIO's XML/JSON/HEAD error forms. Store mutation
happens only on the loop thread; other threads use `Lab.call()`. Servers bind 127.0.0.1 only,
and the access log is off. Secrets appear only in `SiteRuntime.mc_host()` / `Lab.env()`.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import secrets as _random
import string
import threading
from typing import Any, Callable, Optional
from urllib.parse import unquote

from aiohttp import web

from recovery_tui.lab import s3_api, store
from recovery_tui.lab.auth import authenticate
from recovery_tui.lab.errors import LabError, error_response, host_id, new_request_id
from recovery_tui.lab.faults import FaultController, handle_control
from recovery_tui.lab.redact import redact, register

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
REQUEST_LOG_SIZE = 10_000
_ANSWER_LEG = web.RequestKey("answer_leg", bool)
"""Set on a request that took the latency's first half: its answer takes the second (`SiteRuntime._answer_leg`)."""
_ALNUM = string.ascii_uppercase + string.digits


def random_keys() -> tuple[str, str]:
    """A fresh (access key, secret key) pair, URL-safe."""
    ak = "LAB" + "".join(_random.choice(_ALNUM) for _ in range(17))
    sk = "".join(_random.choice(string.ascii_letters + string.digits) for _ in range(40))
    return ak, sk


class SiteRuntime:
    """One running site: its store, its listener, and its replicator."""

    def __init__(self, lab: "Lab", site: store.Site, port: int, tls: bool) -> None:
        self.lab = lab
        self.site = site
        self.host = HOST
        self.port = port
        self.tls = tls
        self.replicator: Optional[object] = None
        """`replication.Replicator(rt)`, attached by `Lab.start()`."""
        self._runner: Optional[web.AppRunner] = None
        self._tcp: Optional[web.TCPSite] = None
        self._ssl: Any = None
        self._host_id = host_id(site.deployment_id)
        self.request_log: collections.deque[tuple[str, str]] = collections.deque(maxlen=REQUEST_LOG_SIZE)
        """The last requests this site received, as (method, raw path with query), oldest first."""

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """host:port, as a remote target's `endpoint`."""
        return f"{self.host}:{self.port}"

    def mc_host(self) -> str:
        """`http://ACCESS:SECRET@127.0.0.1:PORT` — the only place the site's secret is printed."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.site.access_key}:{self.site.secret_key}@{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"SiteRuntime({self.site.name!r}, {self.url!r})"

    # -- lifecycle (loop thread) ---------------------------------------------------------------
    async def start(self, ssl_ctx: Any) -> None:
        app = web.Application(client_max_size=1 << 31)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        app.on_response_prepare.append(self._answer_leg)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        self._ssl = ssl_ctx
        await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        self._tcp = web.TCPSite(self._runner, self.host, self.port, ssl_context=self._ssl, reuse_address=True)
        await self._tcp.start()
        server = self._tcp._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        self.site.online = True

    async def go_offline(self, keep: Optional[asyncio.BaseTransport] = None) -> None:
        """Stop listening and drop open connections (except `keep`), like a dead server."""
        self.site.online = False
        if self._tcp is not None:
            await self._tcp.stop()
            self._tcp = None
        if self._runner is not None and self._runner.server is not None:
            for handler in list(self._runner.server.connections):
                tr = handler.transport
                if tr is not None and tr is not keep:
                    tr.abort()

    async def go_online(self) -> None:
        if self._tcp is None:
            await self._listen()
        self.site.online = True

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._tcp = None

    # -- request dispatch ----------------------------------------------------------------------
    async def _answer_leg(self, request: web.Request, response: web.StreamResponse) -> None:
        """The latency fault's second half, before an answer's first byte leaves (aiohttp's `on_response_prepare`,
        so a streamed answer's too). A round trip's two ways: a request's handling starts half the latency after
        it arrived and its answer leaves half the latency after the handling. (The whole latency before the
        handling made requests that arrived while the loop was busy start their wait together, then be handled
        one after another when it ended, each wave waiting for the ones ahead: a round trip at 20 ms took 20 ms
        plus 0.8 ms for each of 16 concurrent 1,000-version listings, a queue no real server's link adds.)"""
        if request.get(_ANSWER_LEG):
            await self.lab.faults.delay(self.site.name, 0.5)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if not self.site.online:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        path = request.path
        if path.startswith("/_lab/"):
            return await handle_control(self, request)
        self.request_log.append((request.method, request.raw_path))
        await self.lab.faults.delay(self.site.name, 0.5)  # the request's way in; the answer's: `_answer_leg`
        request[_ANSWER_LEG] = True
        rid = new_request_id()
        admin = path.startswith("/minio/admin/")
        try:
            if path.startswith("/minio/health/"):
                resp: web.StreamResponse = _health(path)
            elif admin:
                await authenticate(self, request, admin=True)
                version, _, sub = path[len("/minio/admin/"):].partition("/")
                resp = await _admin(self, request, version, sub)
            else:
                await authenticate(self, request)
                resp = await s3_api.handle_s3(self, request)
        except LabError as err:
            if not admin and not path.startswith("/minio/"):
                bucket, key = s3_api.split_path(request.raw_path)
                err.bucket, err.key = err.bucket or bucket, err.key or key
            resp = error_response(err, method=request.method, resource=unquote(request.raw_path.split("?")[0]),
                                  request_id=rid, hostid=self._host_id, region=self.site.region, as_json=admin)
        except web.HTTPException:
            raise
        except Exception as exc:  # a lab bug: answer like MinIO's InternalError, never leak secrets
            log.error("lab %s: %s %s failed: %s", self.site.name, request.method, path, redact(repr(exc)))
            resp = error_response(LabError("InternalError"), method=request.method, resource=path,
                                  request_id=rid, hostid=self._host_id, as_json=admin)
        if not resp.prepared:
            resp.headers.setdefault("x-amz-request-id", rid)
            resp.headers.setdefault("x-amz-id-2", self._host_id)
            resp.headers.setdefault("Server", "MinIO")
        return resp


async def _admin(rt: SiteRuntime, request: web.Request, version: str, sub: str) -> web.StreamResponse:
    try:
        from recovery_tui.lab import extensions
    except ImportError:
        raise LabError("XMinioAdminVersionMismatch", json=True) from None
    return await extensions.handle_admin(rt, request, version, sub)


def _health(path: str) -> web.Response:
    if path in ("/minio/health/live", "/minio/health/ready"):
        return web.Response(status=200)
    if path == "/minio/health/cluster":
        return web.Response(status=200, headers={"x-minio-write-quorum": "1",
                                                 "x-minio-storage-class-defaults": "true"})
    if path == "/minio/health/cluster/read":
        return web.Response(status=200, headers={"x-minio-read-quorum": "1"})
    return web.Response(status=404)


TRAINING_RESYNC_DELAY = 0.6
"""Seconds per version per resync worker in interactive sessions: the ~160 versions of the small
scenarios take about ten seconds, long enough to watch the monitor move."""


SITE_TRAINING_RESYNC_DELAY = 0.02
"""The whole-site scenarios hold thousands of versions (50,000 in one bucket): a faster pace, so a site
recovery takes minutes, while the small buckets still visibly move."""


def training_resync_delay(scenario: Optional[str], explicit: Optional[float] = None) -> Optional[float]:
    """The resync pace for an interactive lab (`--lab`, `lab serve`); None keeps the default.

    An `explicit` pace (the caller's RECOVERY_TUI_LAB_RESYNC_DELAY, from its Settings) wins, and the `large`
    scenario keeps the fast default (at the training pace its 100k versions would take hours)."""
    if explicit is not None:
        return explicit
    if scenario == "large":
        return None
    if scenario in ("site-loss", "site-replication", "site-many"):
        return SITE_TRAINING_RESYNC_DELAY
    return TRAINING_RESYNC_DELAY


class Lab:
    """Two sites, `source` and `target`, on one event loop in a daemon thread."""

    def __init__(self, *, scenario: Optional[str] = "healthy", objects: Optional[int] = None, seed: int = 0,
                 source_port: int = 0, target_port: int = 0, source_keys: Optional[tuple[str, str]] = None,
                 target_keys: Optional[tuple[str, str]] = None, tls: bool = False,
                 flavor: str = "community", resync_delay: Optional[float] = None,
                 copy_checksum: str = "") -> None:
        from recovery_tui.lab.checksums import COPY_MODES

        self.scenario = scenario
        self.resync_delay = resync_delay
        """Seconds each resync worker waits per version; None keeps the lab's default (see lab/resync.py).
        Interactive sessions slow it down so a trainee can watch the monitor move."""
        self.objects = objects
        self.seed = seed
        self.tls = tls
        self.flavor = flavor
        if copy_checksum and copy_checksum not in COPY_MODES:
            raise ValueError(f"copy_checksum must be one of {', '.join(COPY_MODES)}")
        self.copy_checksum = copy_checksum or ("recompute" if flavor == "aistor" else "keep")
        """What a CopyObject onto itself does with the source checksum (lab/checksums.py): "keep" as community
        MinIO does (§22: a broken checksum stays broken), "recompute" (the copy replicates). Default by flavor."""
        sites = []
        for name, keys, port in (("source", source_keys, source_port), ("target", target_keys, target_port)):
            ak, sk = keys or random_keys()
            register(sk)
            sites.append(SiteRuntime(self, store.Site(name, ak, sk, flavor=flavor), port, tls))
        self.source, self.target = sites
        self.faults = FaultController(self)
        self.ca_pem_path: Optional[str] = None
        """With `tls=True`: the self-signed certificate (its own CA), removed by `stop()`."""
        self._cert: Any = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._state = "new"

    def __repr__(self) -> str:
        return f"Lab(source={self.source.url!r}, target={self.target.url!r}, state={self._state!r})"

    def site(self, name: str) -> SiteRuntime:
        if name == "source":
            return self.source
        if name == "target":
            return self.target
        raise KeyError(f"unknown lab site {name!r} (expected 'source' or 'target')")

    def env(self) -> dict[str, str]:
        return {"MC_HOST_source": self.source.mc_host(), "MC_HOST_target": self.target.mc_host()}

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the lab is not running")
        return self._loop

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "Lab":
        if self._state != "new":
            raise RuntimeError(f"a lab can be started once (state {self._state})")
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="recovery-tui-lab", daemon=True)
        self._thread.start()
        ready.wait()
        self._state = "running"
        try:
            self.call(self._astart)
            if self.scenario is not None:
                from recovery_tui.lab import scenarios
                scenarios.apply(self, self.scenario, objects=self.objects, seed=self.seed)
        except BaseException:
            self.stop()
            raise
        return self

    def _run(self, ready: threading.Event) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()

    async def _astart(self) -> None:
        ssl_ctx = None
        if self.tls:
            from recovery_tui.lab import tls
            self._cert = tls.generate()
            self.ca_pem_path = self._cert.cert_path
            ssl_ctx = self._cert.server_context()
        for rt in (self.source, self.target):
            await rt.start(ssl_ctx)
        replicator_cls = _replicator_class()
        if replicator_cls is not None:
            for rt in (self.source, self.target):
                rt.replicator = replicator_cls(rt)
                if self.resync_delay is not None:
                    rt.replicator.resync.delay = self.resync_delay  # type: ignore[attr-defined]
                await rt.replicator.start()  # type: ignore[attr-defined]

    async def _astop(self) -> None:
        for rt in (self.source, self.target):
            rep = rt.replicator
            if rep is not None and hasattr(rep, "stop"):
                try:
                    await rep.stop()
                except Exception as exc:
                    log.warning("replicator stop failed: %s", redact(repr(exc)))
        for rt in (self.source, self.target):
            await rt.stop()
        # whatever still runs on the loop (an inventory run, a held resync job) ends with the servers, as a
        # process that exits ends its jobs; cancelled and awaited, not left pending for the garbage collector
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def stop(self) -> None:
        """Shut both sites down, stop the loop and join its thread. Idempotent."""
        if self._state in ("new", "stopped") or self._loop is None:
            self._state = "stopped"
            return
        self._state = "stopping"
        loop, thread = self._loop, self._thread
        try:
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(self._astop(), loop).result(timeout=10)
        except Exception as exc:
            log.warning("lab shutdown: %s", redact(repr(exc)))
        finally:
            if loop.is_running():
                loop.call_soon_threadsafe(loop.stop)
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=10)
            if not loop.is_running():
                loop.close()
            if self._cert is not None:
                self._cert.remove()
            self._state = "stopped"

    def __enter__(self) -> "Lab":
        return self.start() if self._state == "new" else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- running code on the loop --------------------------------------------------------------
    def call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Run `fn(*args, **kw)` on the loop thread and return its result (awaited if a coroutine)."""
        loop = self.loop
        if self._thread is threading.current_thread():
            if inspect.iscoroutinefunction(fn):
                raise RuntimeError("Lab.call of a coroutine from the loop thread would deadlock; await it")
            return fn(*args, **kw)

        async def runner() -> Any:
            result = fn(*args, **kw)
            if inspect.isawaitable(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(runner(), loop).result()


def _replicator_class() -> Optional[type]:
    try:
        from recovery_tui.lab import replication
    except ImportError:
        return None
    cls = getattr(replication, "Replicator", None)
    return cls if isinstance(cls, type) else None
