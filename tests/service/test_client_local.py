"""RecoveryService against a scripted loopback HTTP server: behaviour the lab cannot easily provoke.

Diff streams cut mid-body, the admin 426 → v4 fallback being remembered, READ_POLICY retrying a
503 (Retry-After honoured) while WRITE_ONCE does not, and a refused health probe.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

import pytest

from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.errors import ConnectionFailure, ServerError
from recovery_tui.service.retry import READ_POLICY, WRITE_ONCE

from . import samples as S

Script = Callable[[BaseHTTPRequestHandler], None]


class Server:
    """Routes `METHOD path` (no query) to a script; records every request line."""

    def __init__(self) -> None:
        self.routes: dict[str, Script] = {}
        self.seen: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _go(self) -> None:
                outer.seen.append(f"{self.command} {self.path}")
                script = outer.routes.get(f"{self.command} {self.path.split('?')[0]}")
                if script is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    script(self)

            do_GET = do_PUT = do_POST = do_HEAD = _go

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(status: int, body: bytes, headers: dict[str, str] | None = None) -> Script:
    def script(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return script


def chunked(pieces: list[bytes], terminate: bool) -> Script:
    def script(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for p in pieces:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
            h.wfile.flush()
        if terminate:
            h.wfile.write(b"0\r\n\r\n")
        h.close_connection = True

    return script


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


def service(url: str, tmp_path: Path) -> RecoveryService:
    host = url.replace("http://", "http://localak:localsecret-123@")
    return RecoveryService(AliasBook(env={"MC_HOST_site": host, "MC_CONFIG_DIR": str(tmp_path)}))


def test_diff_stream_with_keepalives_then_clean_end(server: Server, tmp_path: Path) -> None:
    line = S.DIFF_LINE.encode()
    server.routes["POST /minio/admin/v3/replication/diff"] = chunked(
        [b" ", b" \n" + line[:30], line[30:] + b"\n", b" "], True)
    entries = list(service(server.url, tmp_path).replication_diff("site", "src", arn=S.ARN))
    assert [e.object for e in entries] == ["a/b.txt"]
    assert "arn=arn%3Aminio" in server.seen[0] and "bucket=src" in server.seen[0]


@pytest.mark.parametrize("terminate", [True, False], ids=["ends-mid-object", "connection-dropped"])
def test_diff_stream_cut_short_raises(server: Server, tmp_path: Path, terminate: bool) -> None:
    line = S.DIFF_LINE.encode()
    server.routes["POST /minio/admin/v3/replication/diff"] = chunked([line + b"\n", line[:25]], terminate)
    it = service(server.url, tmp_path).replication_diff("site", "src")
    first = next(it)
    assert first.object == "a/b.txt"
    with pytest.raises(ConnectionFailure) as info:
        list(it)
    assert info.value.title == "Diff stream cut short"


def test_admin_426_falls_back_to_v4_and_remembers(server: Server, tmp_path: Path) -> None:
    mismatch = S.json_error("XMinioAdminVersionMismatch", "This 'admin' API is not supported by server in 'aistor'")
    server.routes["GET /minio/admin/v3/list-remote-targets"] = reply(426, mismatch)
    server.routes["GET /minio/admin/v4/list-remote-targets"] = reply(200, b"null\n")
    svc = service(server.url, tmp_path)
    assert svc.remote_targets("site", "src") == []
    assert svc.remote_targets("site", "src") == []
    paths = [s.split("?")[0] for s in server.seen]
    assert paths == ["GET /minio/admin/v3/list-remote-targets", "GET /minio/admin/v4/list-remote-targets",
                     "GET /minio/admin/v4/list-remote-targets"]
    assert server.seen[0].endswith("?bucket=src&type=")
    assert svc.site("site").admin_version == "v4"


def test_read_policy_retries_503_write_once_does_not(server: Server, tmp_path: Path) -> None:
    calls = {"n": 0}
    busy = S.xml_error("SlowDown", "Please reduce your request rate.")

    def flaky(h: BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            reply(503, busy, {"Retry-After": "0"})(h)
        else:
            reply(200, b"{}\n")(h)

    server.routes["GET /src"] = flaky
    server.routes["PUT /src"] = reply(503, busy, {"Retry-After": "0"})
    svc = service(server.url, tmp_path)
    assert svc.resync_status("site", "src").targets == ()
    assert calls["n"] == 2 and READ_POLICY.attempts == 3
    with pytest.raises(ServerError) as info:
        svc.start_resync("site", "src", S.ARN, older_than_days=7, reset_id="rid-1")
    assert info.value.retryable and info.value.code == "SlowDown" and WRITE_ONCE.attempts == 1
    puts = [s for s in server.seen if s.startswith("PUT")]
    assert len(puts) == 1 and "older-than=168ns" in puts[0] and "reset-id=rid-1" in puts[0]


def test_boto_calls_get_the_policys_attempts_write_once_one(server: Server, tmp_path: Path) -> None:
    """The boto3 clients too: a CopyObject answered 503 is sent once (WRITE_ONCE), a read three times (READ_POLICY)."""
    busy = S.xml_error("SlowDown", "Please reduce your request rate.")
    server.routes["PUT /src/k"] = reply(503, busy)
    server.routes["GET /src"] = reply(503, busy)
    svc = service(server.url, tmp_path)
    with pytest.raises(ServerError) as info:
        svc.copy_to_self("site", "src", "k", "v1")
    assert info.value.retryable
    assert [s.split("?")[0] for s in server.seen] == ["PUT /src/k"]
    server.seen.clear()
    with pytest.raises(ServerError):
        svc.versioning("site", "src")
    assert [s.split("?")[0] for s in server.seen] == ["GET /src"] * READ_POLICY.attempts


def test_health_refused_is_a_report_not_an_exception(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    report = service(f"http://127.0.0.1:{port}", tmp_path).health("site")
    assert not report.healthy and report.status_code == 0 and f"127.0.0.1:{port}" in report.detail
    assert "localsecret-123" not in report.detail


def test_health_503_with_server_status(server: Server, tmp_path: Path) -> None:
    server.routes["GET /minio/health/cluster"] = reply(503, b"", {"x-minio-server-status": "offline"})
    server.routes["GET /minio/admin/v3/info"] = reply(
        200, json.dumps({"mode": "initializing", "deploymentID": "d1"}).encode())
    report = service(server.url, tmp_path).health("site")
    assert not report.healthy and report.status_code == 503 and "offline" in report.detail
    assert report.mode == "initializing" and report.deployment_id == "d1"
