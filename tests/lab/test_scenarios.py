"""Scenario invariants (seeded data on both sites) and the config/format helpers they rely on."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from recovery_tui.lab import gofmt, replconfig, scenarios, store

from fixtures_repl import BUCKET, make_lab, raw, version_set


def _fake_lab() -> SimpleNamespace:
    def rt(name: str, port: int) -> SimpleNamespace:
        return SimpleNamespace(site=store.Site(name, f"AK{name}", f"SK{name}"), host="127.0.0.1", port=port)
    return SimpleNamespace(source=rt("source", 1), target=rt("target", 2), faults=None)


@pytest.mark.parametrize("name", ["healthy", "partial-loss", "total-loss", "target-offline", "checksum-failures"])
def test_scenario_invariants(name: str) -> None:
    lab = make_lab(name)
    try:
        src, dst = lab.source.site, lab.target.site
        sb, tb = src.buckets[BUCKET], dst.buckets[BUCKET]
        assert sb.versioning == tb.versioning == "Enabled"
        assert 150 <= sb.count_versions() <= 300
        versions = list(sb.iter_versions())
        assert any(v.delete_marker for v in versions)
        assert any(not v.key.isascii() for v in versions)
        assert len({v.key.split("/")[0] for v in versions}) >= 4
        assert any(len(sb.versions[k]) > 1 for k in sb.keys)
        arn = f"arn:minio:replication::{dst.deployment_id}:data"
        assert [t.arn for t in src.targets[BUCKET]] == [arn]
        rules = replconfig.parse(sb.replication_xml or b"")
        assert [(r.destination, r.existing_object_replication, r.delete_marker_replication, r.delete_replication)
                for r in rules] == [(arn, "Enabled", "Enabled", "Enabled")]
        assert all(v.replication_status in ("COMPLETED", "FAILED") for v in versions)
        assert all(v.replication_status == "REPLICA" for v in tb.iter_versions())
        s_ids = {(v.key, v.version_id) for v in versions}
        t_ids = {(v.key, v.version_id) for v in tb.iter_versions()}
        assert t_ids <= s_ids
        if name == "healthy":
            assert s_ids == t_ids and version_set(lab.source) == version_set(lab.target)
            t0 = {(v.key, v.version_id): (v.etag, v.last_modified) for v in tb.iter_versions()}
            assert all(t0[(v.key, v.version_id)] == (v.etag, v.last_modified) for v in versions)
        elif name == "total-loss":
            assert not t_ids and tb.replication_xml is None and dst.targets.get(BUCKET) == []
        else:
            assert 0 < len(s_ids - t_ids) < len(s_ids)
        if name == "target-offline":
            assert lab.faults.is_offline("target")
            # and the source has seen it so already, not at its next health probe (up to a second later)
            assert not src.targets[BUCKET][0].online
        assert any(v.checksum_broken for v in versions) == (name == "checksum-failures")
        # the reverse direction is configured too (active-active) unless the target lost it
        if name != "total-loss":
            assert dst.targets[BUCKET][0].arn == f"arn:minio:replication::{src.deployment_id}:data"
    finally:
        lab.stop()


def test_scenarios_are_deterministic() -> None:
    a, b = _fake_lab(), _fake_lab()
    scenarios.apply(a, "partial-loss", seed=7)
    scenarios.apply(b, "partial-loss", seed=7)
    ids = [[(v.key, v.version_id, v.size) for v in lab.target.site.buckets[BUCKET].iter_versions()] for lab in (a, b)]
    assert ids[0] == ids[1]
    c = _fake_lab()
    scenarios.apply(c, "partial-loss", seed=8)
    assert [(v.key, v.version_id) for v in c.target.site.buckets[BUCKET].iter_versions()] != ids[0]


@pytest.mark.slow
def test_large_seeds_fast() -> None:
    lab = _fake_lab()
    t0 = time.process_time()  # this process's CPU, not the wall clock: other processes cannot slow it
    scenarios.apply(lab, "large", objects=200_000)
    elapsed = time.process_time() - t0
    sb, tb = lab.source.site.buckets[BUCKET], lab.target.site.buckets[BUCKET]
    assert sb.count_versions() == 200_000
    assert 0.97 * 200_000 < tb.count_versions() < 200_000
    assert elapsed < 10  # ~1.5 s of CPU here; 1M in ~8 s
    assert len({v.version_id for v in sb.iter_versions("docs/batch-0000/")}) == \
        sum(1 for _ in sb.iter_versions("docs/batch-0000/"))


def test_large_lab_lists_and_resyncs_status(tmp_path: object) -> None:
    lab = make_lab("large", objects=2_000)
    try:
        r = raw(lab.source, "GET", "/data", [("versions", ""), ("max-keys", "5")])
        assert r.status == 200 and r.text.count("<VersionId>") == 5
    finally:
        lab.stop()


def test_unknown_scenario() -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        scenarios.apply(_fake_lab(), "nope")
    assert [n for n, _ in scenarios.SCENARIOS] == ["healthy", "partial-loss", "total-loss", "target-offline",
                                                   "checksum-failures", "large", "source-loss", "site-loss",
                                                   "site-replication", "site-many"]


def test_source_loss_damages_the_site_named_source() -> None:
    lab = make_lab("source-loss")
    try:
        src, dst = lab.source.site.buckets[BUCKET], lab.target.site.buckets[BUCKET]
        s_ids = {(v.key, v.version_id) for v in src.iter_versions()}
        t_ids = {(v.key, v.version_id) for v in dst.iter_versions()}
        assert s_ids < t_ids, "the alias named source holds fewer versions: the target is the healthy side"
        assert lab.target.site.targets[BUCKET][0].arn.endswith(f"{lab.source.site.deployment_id}:data")
    finally:
        lab.stop()


# -- replconfig ---------------------------------------------------------------------------------
S2 = (b'<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Role></Role><Rule><Status>Enabled'
      b'</Status><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><DeleteReplication>'
      b'<Status>Disabled</Status></DeleteReplication><Prefix>key-prefix</Prefix><Destination><Bucket>'
      b'arn:minio:replication:::destinationbucket</Bucket></Destination></Rule><Rule><Status>Enabled</Status>'
      b'<Priority>3</Priority><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>'
      b'<DeleteReplication><Status>Disabled</Status></DeleteReplication><Prefix>key-prefix</Prefix><Destination>'
      b'<Bucket>arn:minio:replication:::destinationbucket2</Bucket></Destination></Rule></ReplicationConfiguration>')


def test_normalise_s2_like_the_server_get() -> None:
    # S2 is a ParseConfig fixture (its ARNs have no ID, so a PUT would fail destination checks)
    out = replconfig.render(replconfig.parse_config(S2)).decode()
    assert out.startswith("<ReplicationConfiguration><Rule><Status>Enabled</Status><Priority>0</Priority>")
    assert "xmlns" not in out and not out.startswith("<?xml")
    assert out.count("<Filter><Prefix></Prefix></Filter>") == 2
    assert out.count("<ExistingObjectReplication><Status></Status></ExistingObjectReplication>") == 2
    assert out.count("<ReplicaModifications><Status>Enabled</Status></ReplicaModifications>") == 2
    assert out.endswith("</Rule><Role></Role></ReplicationConfiguration>")


def _rule(extra: str = "", prio: str = "1", dmr: str = "<DeleteMarkerReplication><Status>Enabled</Status>"
          "</DeleteMarkerReplication>", arn: str = "arn:minio:replication::u:dst") -> str:
    return (f"<Rule><Status>Enabled</Status><Priority>{prio}</Priority>{dmr}<Destination><Bucket>{arn}</Bucket>"
            f"</Destination>{extra}</Rule>")


@pytest.mark.parametrize("rules,code,msg", [
    (_rule(dmr=""), "MalformedXML", "DeleteMarkerReplication must be specified"),
    (_rule(prio="-1"), "MalformedXML", "Priority must be specified"),
    (_rule() + _rule(), "MalformedXML", "Replication configuration has duplicate priority"),
    (_rule("<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>"), "MalformedXML",
     "Delete marker replication is not supported if any Tag filter is specified"),
    (_rule(arn="arn:minio:replication::u:other"), "XMinioAdminRemoteTargetNotFoundError", ""),
    ("", "MalformedXML", "Replication configuration should have at least one rule"),
])
def test_validation_errors(rules: str, code: str, msg: str) -> None:
    site = store.Site("s", "a", "b")
    site.buckets["src"] = store.Bucket("src", versioning="Enabled")
    site.targets["src"] = [store.LabTarget("arn:minio:replication::u:dst", "src", "h:1", "dst", "a", "b")]
    with pytest.raises(replconfig.ConfigInvalid) as ei:
        replconfig.validate_and_normalise(f"<ReplicationConfiguration>{rules}</ReplicationConfiguration>".encode(),
                                          site, "src")
    assert ei.value.code == code and msg in ei.value.message


def test_versioning_required_and_too_many_rules() -> None:
    site = store.Site("s", "a", "b")
    site.buckets["src"] = store.Bucket("src")
    with pytest.raises(replconfig.ConfigInvalid, match="Versioning must be 'Enabled'"):
        replconfig.validate_and_normalise(b"<ReplicationConfiguration/>", site, "src")
    many = "".join(_rule(prio=str(i)) for i in range(1001))
    with pytest.raises(replconfig.ConfigInvalid, match="maximum of 1000 rules"):
        replconfig.validate_and_normalise(f"<ReplicationConfiguration>{many}</ReplicationConfiguration>".encode(),
                                          None, "src")


@pytest.mark.parametrize("text,ns", [("168ns", 168), ("1.44µs", 1440), ("1.44us", 1440), ("1h30m", 5_400_000_000_000),
                                     ("0", 0), ("-2s", -2_000_000_000), (".5ms", 500_000)])
def test_go_parse_duration(text: str, ns: int) -> None:
    assert gofmt.parse_duration(text) == ns


@pytest.mark.parametrize("text,err", [("7d", 'time: unknown unit "d" in duration "7d"'),
                                      ("7", 'time: missing unit in duration "7"'),
                                      ("abc", 'time: invalid duration "abc"'), ("", 'time: invalid duration ""')])
def test_go_parse_duration_errors(text: str, err: str) -> None:
    with pytest.raises(gofmt.DurationError) as ei:
        gofmt.parse_duration(text)
    assert str(ei.value) == err
