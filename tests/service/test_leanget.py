"""The listing's lean GET (`leanget`, `SignedHttp.send(lean=True)`) answers exactly as urllib3's path does.

A local HTTP/1.1 server counts the requests and answers as each test scripts it: the lean path sends the
same headers, returns the same status, headers and body, retries and raises as the usual path does, hands
anything but a plain Content-Length answer back to urllib3 (sending the GET again), never re-sends after a
timeout, and never reuses a connection whose answer ran past its length or said `Connection: close`.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator

import pytest

from recovery_tui.service import leanget
from recovery_tui.service.aliases import Alias
from recovery_tui.service.errmap import CallContext
from recovery_tui.service.errors import ConnectionFailure
from recovery_tui.service.http import HttpStatusError, SignedHttp
from recovery_tui.service.retry import RetryPolicy, Timeouts
from recovery_tui.service.secrets import Secret

BODY = b"<?xml version=\"1.0\"?><ListVersionsResult>" + b"<Version>x</Version>" * 5000 + b"</ListVersionsResult>"
CTX = CallContext("list object versions", "s3:ListBucketVersions", "s", "http://127.0.0.1", "data")
QUERY = [("max-keys", "1000"), ("prefix", "a b/ü"), ("versions", "")]
NO_RETRY = RetryPolicy(name="none", attempts=1)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        srv: Any = self.server
        with srv.lock:
            srv.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}, self.client_address[1]))
            step = srv.script.pop(0) if srv.script else srv.default
        step(self)

    def log_message(self, *a: Any) -> None:
        pass


def plain(status: int = 200, body: bytes = BODY, extra: tuple[tuple[str, str], ...] = ()) -> Callable[[Any], None]:
    def answer(h: Any) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/xml")
        h.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
    return answer


def chunked(h: Any) -> None:
    h.send_response(200)
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    for i in range(0, len(BODY), 7000):
        part = BODY[i:i + 7000]
        h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
    h.wfile.write(b"0\r\n\r\n")


@pytest.fixture
def server() -> Iterator[Any]:
    srv: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.lock, srv.seen, srv.script, srv.default = threading.Lock(), [], [], plain()
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _http(srv: Any, read: float = 10.0) -> SignedHttp:
    alias = Alias(name="s", url=f"http://127.0.0.1:{srv.server_address[1]}", access_key="AKIA",
                  secret_key=Secret("sec/ret"))
    return SignedHttp(alias, timeouts=Timeouts(connect=5.0, read=read))


@pytest.fixture
def lean_uses(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per lean attempt: True when it answered, False when it handed the request back."""
    uses: list[bool] = []
    real = leanget.get

    def counting(*a: Any, **kw: Any) -> Any:
        try:
            got = real(*a, **kw)
        except leanget.Unreadable:
            uses.append(False)
            raise
        uses.append(got is not None)
        return got

    monkeypatch.setattr(leanget, "get", counting)
    return uses


def test_same_answer_and_headers_as_urllib3(server: Any, lean_uses: list[bool]) -> None:
    http = _http(server)
    usual = http.send("GET", "/data", QUERY, ctx=CTX)
    leans = [http.send("GET", "/data", QUERY, ctx=CTX, lean=True) for _ in range(3)]
    assert lean_uses == [True, True, True]  # the usual request left its connection open in the pool
    for got in leans:
        assert (got.status, got.body) == (usual.status, usual.body) == (200, BODY)
        assert {k: v for k, v in got.headers.items() if k != "Date"} == \
            {k: v for k, v in usual.headers.items() if k != "Date"}
    (path0, h0, port0), *rest = server.seen
    assert all(p == path0 for p, _, _ in rest) and path0 == "/data?max-keys=1000&prefix=a%20b%2F%C3%BC&versions="
    unsigned = {"x-amz-date", "authorization"}
    for _, h, port in rest:
        assert {k: v for k, v in h.items() if k not in unsigned} == {k: v for k, v in h0.items() if k not in unsigned}
        assert port == port0  # one kept-alive connection throughout
    assert h0["host"] == f"127.0.0.1:{server.server_address[1]}" and h0["accept-encoding"] == "identity"


@pytest.mark.parametrize("answer", [
    chunked,
    plain(extra=(("Content-Encoding", "gzip"),), body=gzip.compress(BODY)),
])
def test_other_answers_are_sent_again_the_usual_way(server: Any, lean_uses: list[bool], answer: Any) -> None:
    http = _http(server)
    http.send("GET", "/data", QUERY, ctx=CTX)  # opens the connection
    server.script = [answer, answer, answer]
    got = http.send("GET", "/data", QUERY, ctx=CTX, lean=True)
    assert got.body == BODY  # de-chunked / decoded by urllib3, as without lean
    assert lean_uses == [False] and len(server.seen) == 3
    # a server that answers in that shape once is asked every later page once, the usual way only
    again = http.send("GET", "/data", QUERY, ctx=CTX, lean=True)
    assert again.body == BODY and lean_uses == [False] and len(server.seen) == 4


def test_no_reuse_after_connection_close_or_a_longer_answer(server: Any, lean_uses: list[bool]) -> None:
    http = _http(server)
    http.send("GET", "/data", QUERY, ctx=CTX)
    server.script = [plain(extra=(("Connection", "close"),))]
    assert http.send("GET", "/data", QUERY, ctx=CTX, lean=True).body == BODY
    http.send("GET", "/data", QUERY, ctx=CTX, lean=True)  # no open connection left: the usual path opens one
    http.send("GET", "/data", QUERY, ctx=CTX, lean=True)
    assert lean_uses == [True, False, True]
    ports = [port for _, _, port in server.seen]
    assert ports[0] == ports[1] != ports[2] == ports[3]
    ok = b"HTTP/1.1 200 OK\r\n"
    assert _read(ok + b"Content-Length: 3\r\n\r\nabcEXTRA") == (200, {"Content-Length": "3"}, b"abc", False)
    assert _read(ok + b"Content-Length: 3\r\n\r\nab", b"c")[2:] == (b"abc", True)
    assert _read(ok + b"Connection: close\r\nContent-Length: 3\r\n\r\nab", b"c")[2:] == (b"abc", False)
    for head in (b"Transfer-Encoding: chunked\r\nContent-Length: 3", b"Content-Length: 3\r\n folded",
                 b"Content-Length: -3", b"X: 1"):
        with pytest.raises(leanget._Unsupported):
            _read(b"HTTP/1.1 200 OK\r\n" + head + b"\r\n\r\nabc")
    with pytest.raises(leanget._Unsupported):
        _read(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc")
    with pytest.raises(ConnectionResetError):
        _read(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc")  # the server hung up mid-answer


def test_an_answer_arriving_in_pieces_is_read_whole() -> None:
    """The head cut before its end (the plain way, not the peek) and a large body in several pieces."""
    body = bytes(range(256)) * 4096  # 1 MiB
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
    for parts in ([head[:20], head[20:] + body[:100], body[100:300_000], body[300_000:]],
                  [head + body[:5], body[5:]]):
        assert _read(*parts, pause=0.05) == (200, {"Content-Length": str(len(body))}, body, True)
    with pytest.raises(ConnectionResetError):
        _read(head[:20], pause=0.05)  # the server hung up before its head ended


def _read(*parts: bytes, pause: float = 0.0) -> tuple[int, dict[str, str], bytes, bool]:
    """`read_answer` on a socket whose peer wrote `parts` (one write each) and closed its side."""
    a, b = socket.socketpair()

    def write() -> None:
        for part in parts:
            a.sendall(part)
            time.sleep(pause)  # (with a pause, the reader has read each part before the next one comes)
        a.shutdown(socket.SHUT_WR)

    writer = threading.Thread(target=write)
    try:
        writer.start()
        if not pause:
            writer.join()
        b.settimeout(10)
        return leanget.read_answer(b)
    finally:
        writer.join()
        a.close()
        b.close()


def test_status_errors_and_retries_like_the_usual_path(server: Any, lean_uses: list[bool]) -> None:
    http = _http(server)
    http.send("GET", "/data", QUERY, ctx=CTX)
    err = b"<Error><Code>NoSuchBucket</Code></Error>"
    server.script = [plain(503, b"slow down"), plain()]
    retrying = RetryPolicy(name="t", attempts=3, base_delay=0.0, max_delay=0.0, retry_statuses=frozenset({503}))
    assert http.send("GET", "/data", QUERY, ctx=CTX, lean=True, policy=retrying).body == BODY
    server.script = [plain(404, err)]
    with pytest.raises(HttpStatusError) as lean_exc:
        http.send("GET", "/data", QUERY, ctx=CTX, lean=True)
    server.script = [plain(404, err)]
    with pytest.raises(HttpStatusError) as usual_exc:
        http.send("GET", "/data", QUERY, ctx=CTX)
    assert (lean_exc.value.status, lean_exc.value.body) == (usual_exc.value.status, usual_exc.value.body) == (404, err)
    assert lean_uses == [True, True, True] and len(server.seen) == 5


def test_a_timeout_is_a_connection_failure_without_sending_again(server: Any, lean_uses: list[bool]) -> None:
    http = _http(server, read=0.3)
    http.send("GET", "/data", QUERY, ctx=CTX)
    release = threading.Event()

    def hang(h: Any) -> None:
        release.wait(10)
        plain()(h)

    server.script = [hang]
    try:
        with pytest.raises(ConnectionFailure) as exc:
            http.send("GET", "/data", QUERY, ctx=CTX, lean=True, policy=NO_RETRY)
    finally:
        release.set()
    assert exc.value.title == "Timed out"
    assert len(server.seen) == 2 and lean_uses == []  # raised, not handed back: never sent twice
    assert http.send("GET", "/data", QUERY, ctx=CTX, lean=True).body == BODY  # the timed-out connection was dropped
