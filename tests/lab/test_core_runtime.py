"""Lab lifecycle, health endpoints, fault injection (Python API and HTTP control endpoint) and TLS."""

from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator

import botocore.exceptions
import pytest
import requests

from helpers.waiting import wait_until
from recovery_tui.lab.server import Lab


@pytest.fixture
def lab() -> Iterator[Lab]:
    """A private lab for tests that break things."""
    with Lab(scenario=None) as lab:
        yield lab


def _refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("path", ["live", "ready", "cluster", "cluster/read"])
def test_health_unauthenticated(core_lab: Lab, path: str) -> None:
    url = f"{core_lab.source.url}/minio/health/{path}"
    r = requests.get(url, timeout=5)
    assert r.status_code == 200 and r.content == b""
    assert requests.head(url, timeout=5).status_code == 200
    if path == "cluster":
        assert r.headers["x-minio-write-quorum"] == "1"


def test_env_and_fixed_keys() -> None:
    with Lab(scenario=None, source_keys=("SRCKEY", "src-secret-1234"), target_keys=("TGTKEY", "tgt-secret-5678")) \
            as lab:
        env = lab.env()
        assert env["MC_HOST_source"] == f"http://SRCKEY:src-secret-1234@127.0.0.1:{lab.source.port}"
        assert env["MC_HOST_target"].startswith("http://TGTKEY:tgt-secret-5678@127.0.0.1:")
        assert lab.source.port != lab.target.port and lab.source.port > 0
        assert "secret" not in repr(lab) and "secret" not in repr(lab.source)
        assert lab.call(lambda: threading.current_thread().name) == "recovery-tui-lab"

        async def coro(x: int) -> int:
            return x * 2

        assert lab.call(coro, 21) == 42
        with pytest.raises(ZeroDivisionError):
            lab.call(lambda: 1 / 0)


def test_clean_stop_is_idempotent() -> None:
    lab = Lab(scenario=None).start()
    port, thread = lab.source.port, lab._thread
    assert not _refused(port)
    lab.stop()
    lab.stop()
    assert _refused(port) and thread is not None and not thread.is_alive()


def test_offline_refuses_then_returns_on_same_port(lab: Lab, core_make_client: Callable[..., Any]) -> None:
    s3 = core_make_client(lab.target, timeout=2)
    s3.create_bucket(Bucket="data")
    port = lab.target.port
    lab.faults.set_offline("target", True)
    assert _refused(port)
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        s3.list_buckets()  # also drops the client's pooled keep-alive connection
    assert lab.faults.is_offline("target") and requests.get(lab.source.url + "/minio/health/live").ok
    lab.faults.set_offline("target", False)
    assert lab.target.port == port
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["data"]


def test_latency_is_a_round_trip_of_two_legs(lab: Lab, core_make_client: Callable[..., Any]) -> None:
    """A request is handled half the latency after it arrived, and its answer leaves half the latency after the
    handling (a WAN round trip's two ways), so the write is in place well before the client hears of it."""
    s3 = core_make_client(lab.source, timeout=30)
    s3.create_bucket(Bucket="legs")
    bucket = lab.source.site.buckets["legs"]
    lab.faults.set_latency("source", 3.0)
    with ThreadPoolExecutor(1) as pool:
        t0 = time.perf_counter()
        put = pool.submit(s3.put_object, Bucket="legs", Key="legs.txt", Body=b"x")
        wait_until(lambda: bucket.latest("legs.txt") is not None, timeout=20, what="the PUT handled")
        handled = time.perf_counter() - t0
        assert not put.done(), "the answer waits out the second leg"
        assert 1.5 <= handled < 2.5  # the first leg (load can only lengthen it), not the whole latency
        put.result()
        assert time.perf_counter() - t0 >= 3.0
        assert lab.faults.delayed("source") == 0


def test_latency_is_applied_without_serialising(lab: Lab) -> None:
    url = lab.source.url + "/minio/health/live"
    lab.faults.set_latency("source", 0.2)
    t0 = time.perf_counter()
    assert requests.get(url, timeout=30).ok
    assert time.perf_counter() - t0 >= 0.2  # a lower bound: load can only lengthen it
    lab.faults.set_latency("source", 600)  # far longer than the test: only the release below ends these
    with ThreadPoolExecutor(10) as pool:
        pending = [pool.submit(requests.get, url, timeout=60) for _ in range(10)]
        wait_until(lambda: lab.faults.delayed("source") == 10, what="ten requests delayed at once")
        assert lab.faults.delayed("target") == 0 and not any(f.done() for f in pending)
        lab.faults.set_latency("source", 0)  # 0 removes it, for the requests already waiting too
        assert all(f.result().ok for f in pending)
    assert lab.faults.delayed("source") == 0
    assert requests.get(url, timeout=30).ok


def test_wipe_and_replication_failures(lab: Lab, core_make_client: Callable[..., Any]) -> None:
    s3 = core_make_client(lab.target)
    s3.create_bucket(Bucket="data")
    s3.put_bucket_versioning(Bucket="data", VersioningConfiguration={"Status": "Enabled"})
    for i in range(3):
        s3.put_object(Bucket="data", Key=f"k{i}", Body=b"v")
    lab.faults.wipe_bucket("target", "data")
    assert "Versions" not in s3.list_object_versions(Bucket="data")
    assert s3.get_bucket_versioning(Bucket="data")["Status"] == "Enabled"
    with pytest.raises(KeyError):
        lab.faults.wipe_bucket("target", "nope")
    lab.faults.fail_replication("docs/*")
    assert lab.faults.should_fail("docs/a.txt") and not lab.faults.should_fail("img/a.png")
    lab.faults.clear_replication_failures()
    assert not lab.faults.should_fail("docs/a.txt")


def test_control_endpoint(lab: Lab, core_make_client: Callable[..., Any]) -> None:
    ctl = lab.source.url + "/_lab/fault"
    s3 = core_make_client(lab.target)
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key="x", Body=b"1")
    r = requests.post(ctl, json={"action": "offline", "site": "target", "value": True}, timeout=5)
    assert r.status_code == 200 and r.json()["state"]["sites"]["target"]["online"] is False
    assert _refused(lab.target.port)
    r = requests.post(ctl, json={"action": "offline", "site": "target", "value": False}, timeout=5)
    assert r.ok and not _refused(lab.target.port)
    r = requests.post(ctl, json={"action": "latency", "site": "source", "seconds": 0.05}, timeout=5)
    assert r.ok and lab.faults.latency("source") == 0.05
    assert requests.post(ctl, json={"action": "fail-replication", "pattern": "docs/*"}, timeout=5).ok
    assert lab.faults.should_fail("docs/1")
    r = requests.post(ctl, json={"action": "wipe", "site": "target", "bucket": "data"}, timeout=5)
    assert r.ok and r.json()["state"]["sites"]["target"]["buckets"]["data"]["versions"] == 0
    # a site can take itself offline through its own control endpoint
    r = requests.post(lab.target.url + "/_lab/fault", json={"action": "offline", "site": "target"}, timeout=5)
    assert r.ok and _refused(lab.target.port)
    assert requests.post(ctl, json={"action": "clear"}, timeout=5).ok
    assert lab.faults.latency("source") == 0 and not lab.faults.should_fail("docs/1")
    assert not _refused(lab.target.port)
    state = requests.get(lab.target.url + "/_lab/state", timeout=5)
    assert state.ok and set(state.json()["sites"]) == {"source", "target"}
    for secret in (lab.source.site.secret_key, lab.target.site.secret_key):
        assert secret not in state.text
    assert requests.post(ctl, json={"action": "explode"}, timeout=5).status_code == 400
    assert requests.post(ctl, json={"action": "latency", "site": "moon", "seconds": 1}, timeout=5).status_code == 404
    assert requests.post(ctl, data=b"{not json", timeout=5).status_code == 400
    assert requests.post(ctl, json={"action": "wipe", "site": "target"}, timeout=5).status_code == 400


def test_tls_with_generated_ca(core_make_client: Callable[..., Any]) -> None:
    lab = Lab(scenario=None, tls=True).start()
    try:
        assert lab.source.url.startswith("https://127.0.0.1:") and lab.ca_pem_path
        assert lab.env()["MC_HOST_source"].startswith("https://")
        ca = lab.ca_pem_path
        s3 = core_make_client(lab.source, verify=ca)
        s3.create_bucket(Bucket="secure")
        s3.put_object(Bucket="secure", Key="k", Body=b"tls")
        assert s3.get_object(Bucket="secure", Key="k")["Body"].read() == b"tls"
        assert requests.get(lab.target.url + "/minio/health/live", verify=ca, timeout=5).ok
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(lab.target.url + "/minio/health/live", timeout=5)
    finally:
        lab.stop()
    assert not os.path.exists(ca)
