"""`recovery-tui replicate status ALIAS/BUCKET [--json]` against the lab (issue 13 item 6, facts §6, §21).

mc's three calls in mc's order and never the MRF endpoint; the figures equal the server's own document;
both sides (source: what it sent; target: replicas received); a one-way target says it has no outbound rule
(exit 0, where mc fails); an offline link exits 1; a missing bucket exits 2.
"""

from __future__ import annotations

import json
import time
from typing import Any, Iterator

import pytest

from helpers.labkit import use_lab_env
from recovery_tui.cli import main
from recovery_tui.lab.scenarios import arn_for
from recovery_tui.lab.server import Lab


@pytest.fixture(scope="module")
def synced_lab() -> Iterator[Lab]:
    """partial-loss after a resync: the source sent versions, the target received them as replicas."""
    lab = Lab(scenario="partial-loss", objects=60).start()
    try:
        from recovery_tui.service.aliases import AliasBook
        from recovery_tui.service.client import RecoveryService

        svc = RecoveryService(AliasBook(env=lab.env()))
        arn = arn_for(lab.target)
        svc.start_resync("source", "data", arn)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            st = svc.resync_status("source", "data", arn).for_arn(arn)
            if st is not None and st.status == "Completed":
                break
            time.sleep(0.1)
        yield lab
    finally:
        lab.stop()


def run(capsys: Any, monkeypatch: Any, lab: Lab, *argv: str) -> tuple[int, str, str]:
    use_lab_env(lab, monkeypatch)
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _server_doc(lab: Lab, site: str) -> dict[str, Any]:
    rt = lab.site(site)
    arns = [t.arn for t in rt.site.targets.get("data", [])]
    return lab.call(lambda: rt.replicator.metrics.v2("data", arns))  # type: ignore[union-attr]


def test_three_calls_in_mc_order_and_never_mrf(synced_lab: Lab, monkeypatch: Any) -> None:
    from recovery_tui.service.http import SignedHttp as HttpClient

    seen: list[str] = []
    original = HttpClient.send

    def spy(self: Any, method: str, path: str, *a: Any, **kw: Any) -> Any:
        query = kw.get("query") or (a[0] if a else ())
        seen.append(f"{method} {path}?{'&'.join(k for k, _ in query)}")
        return original(self, method, path, *a, **kw)

    monkeypatch.setattr(HttpClient, "send", spy)
    from recovery_tui.service.aliases import AliasBook
    from recovery_tui.service.client import RecoveryService

    RecoveryService(AliasBook(env=synced_lab.env())).replication_status("source", "data")
    assert [s.split("?")[0] for s in seen] == ["GET /data", "GET /minio/admin/v3/list-remote-targets", "GET /data"]
    assert "replication-metrics" in seen[0] and seen[2].endswith("?replication")
    assert not any("mrf" in s for s in seen)


def test_source_figures_are_the_server_s(synced_lab: Lab, capsys: Any, monkeypatch: Any) -> None:
    code, out, _ = run(capsys, monkeypatch, synced_lab, "replicate", "status", "source/data", "--json")
    assert code == 0 and len(out.splitlines()) == 1
    doc = json.loads(out)
    assert list(doc)[:5] == ["op", "url", "status", "replicationstats", "remoteTargets"]
    assert doc["op"] == "status" and doc["url"] == "source/data" and doc["status"] == "success"
    server = _server_doc(synced_lab, "source")
    arn = arn_for(synced_lab.target)
    ours = doc["recoveryTui"]
    [t] = ours["targets"]
    want = server["currStats"]["Stats"][arn]
    assert t["arn"] == arn and t["replicatedCount"] == want["replicationCount"] > 0
    assert t["replicatedSize"] == want["completedReplicationSize"]
    assert t["failed"]["total"] == int(want["failed"]["totals"]["count"])
    assert t["online"] is True and t["endpoint"] == synced_lab.target.endpoint
    assert doc["replicationstats"]["currStats"]["queued"]["peak"] == server["currStats"]["queued"]["max"]
    assert [r["arn"] for r in doc["remoteTargets"]] == [arn]
    assert all("secretKey" not in json.dumps(r) for r in doc["remoteTargets"])


def test_target_side_shows_replicas_received(synced_lab: Lab, capsys: Any, monkeypatch: Any) -> None:
    code, out, _ = run(capsys, monkeypatch, synced_lab, "replicate", "status", "target/data", "--json")
    doc = json.loads(out)
    server = _server_doc(synced_lab, "target")["currStats"]
    assert code == 0 and doc["recoveryTui"]["received"]["count"] == server["replicaCount"] > 0
    code, out, _ = run(capsys, monkeypatch, synced_lab, "replicate", "status", "target/data")
    assert code == 0 and f"Received:      {server['replicaCount']:,} objects" in out
    assert "Link:          ● online" in out and "Errors:" in out and "Transfer Rate:" in out


def test_one_way_target_says_it_has_no_outbound_rule(capsys: Any, monkeypatch: Any) -> None:
    lab = Lab(scenario="total-loss", objects=30).start()  # the target lost its rules and remote target
    try:
        code, out, err = run(capsys, monkeypatch, lab, "replicate", "status", "target/data")
        assert code == 0 and "has no outbound replication rule" in out, (out, err)
        code, out, _ = run(capsys, monkeypatch, lab, "replicate", "status", "target/data", "--json")
        doc = json.loads(out)
        assert code == 0 and doc["recoveryTui"]["outboundRule"] is False and doc["status"] == "success"
    finally:
        lab.stop()


@pytest.mark.slow
def test_offline_link_exits_1_and_missing_bucket_2(capsys: Any, monkeypatch: Any) -> None:
    lab = Lab(scenario="target-offline", objects=30).start()
    try:
        deadline = time.monotonic() + 20
        while True:  # the lab's health checker marks the link offline within a period
            code, out, _ = run(capsys, monkeypatch, lab, "replicate", "status", "source/data")
            if code == 1 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert code == 1 and "OFFLINE" in out
        code, out, err = run(capsys, monkeypatch, lab, "replicate", "status", "source/nosuch")
        assert code == 2 and "does not exist" in err
    finally:
        lab.stop()
