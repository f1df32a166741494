"""Parsers against the facts file's verbatim samples and derived payloads, plus the pure resync inputs."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from recovery_tui.service.diffstream import StreamCut, iter_diff
from recovery_tui.service.errors import InputError, ServerError
from recovery_tui.service.mcjson import parse_mc_export, render_mc_replicate_ls_json, rule_to_mc_json
from recovery_tui.service.parsers import (
    encode_older_than,
    ns_to_seconds,
    parse_go_time,
    parse_metrics,
    parse_remote_targets,
    parse_replication_config,
    parse_resync_start,
    parse_resync_status,
    parse_server_info,
    parse_versions_page,
    validate_arn,
)

from . import samples as S


def test_go_times_and_durations() -> None:
    assert parse_go_time("0001-01-01T00:00:00Z") is None
    assert parse_go_time("") is None
    assert parse_go_time("2025-05-01T09:59:58.123456789Z") == datetime(2025, 5, 1, 9, 59, 58, 123456, timezone.utc)
    assert parse_go_time("2025-05-01T12:00:00+02:00") == datetime(2025, 5, 1, 10, 0, tzinfo=timezone.utc)
    assert ns_to_seconds(60000000000) == 60.0
    assert ns_to_seconds(None) == 0.0


def test_s2_xml_with_namespace_and_legacy_prefix() -> None:
    cfg = parse_replication_config(S.S2_XML)
    assert [r.destination_arn for r in cfg.rules] == [
        "arn:minio:replication:::destinationbucket",
        "arn:minio:replication:::destinationbucket2",
    ]
    first, second = cfg.rules
    assert (first.priority, second.priority) == (0, 3)
    assert first.filter.prefix == "key-prefix" and first.filter.tags == ()
    assert first.delete_replication == "Disabled" and first.delete_marker_replication == "Disabled"
    assert first.replica_modifications == "Enabled"  # server default when absent
    assert first.existing_object_replication == ""  # element absent
    assert cfg.role == ""


def test_derived_server_xml_keeps_delete_replication() -> None:
    cfg = parse_replication_config(S.S1_DERIVED_XML)
    (rule,) = cfg.rules
    assert rule.id == "cr1" and rule.enabled and rule.priority == 1
    assert rule.delete_replication == "Enabled"
    assert rule.delete_marker_replication == "Enabled"
    assert rule.existing_objects_enabled
    assert rule.destination_arn == S.ARN
    assert rule.filter.describe() == "(whole bucket)"
    assert cfg.rules_for(S.ARN) == (rule,)


def test_filter_and_tags_and_bad_xml() -> None:
    xml = (
        "<ReplicationConfiguration><Rule><ID>t</ID><Status>Disabled</Status><Priority>2</Priority>"
        "<Destination><Bucket>x</Bucket><StorageClass>STANDARD</StorageClass></Destination><Filter><And>"
        "<Prefix>Tax</Prefix><Tag><Key>Year</Key><Value>2019</Value></Tag><Tag><Key>C</Key><Value>A</Value></Tag>"
        "</And></Filter><ExistingObjectReplication><Status>Disabled</Status></ExistingObjectReplication></Rule>"
        "<Role>arn:minio:replication::r:dst</Role></ReplicationConfiguration>"
    )
    (rule,) = parse_replication_config(xml).rules
    assert rule.filter.prefix == "Tax"
    assert [(t.key, t.value) for t in rule.filter.tags] == [("Year", "2019"), ("C", "A")]
    assert rule.storage_class == "STANDARD" and not rule.enabled and not rule.existing_objects_enabled
    assert parse_replication_config(xml).role == "arn:minio:replication::r:dst"
    with pytest.raises(ServerError):
        parse_replication_config("<ReplicationConfiguration><Rule>")


def test_s1_mc_export_parses_and_renders_as_mc_ls_json() -> None:
    """S1 is mc's export, not a wire payload: it feeds `parse_mc_export`, and the UI's mc-style rendering."""
    cfg = parse_mc_export(S.S1_MC_EXPORT)
    (rule,) = cfg.rules
    assert rule.destination_arn.endswith(":destbucket") and rule.storage_class == "STANDARD"
    assert rule.filter.prefix == "Tax" and [t.key for t in rule.filter.tags] == ["Year", "Company"]
    assert rule.delete_replication == "Disabled" and rule.existing_object_replication == ""
    rendered = rule_to_mc_json(rule)
    assert list(rendered) == [
        "ID", "Status", "Priority", "DeleteMarkerReplication", "DeleteReplication", "Destination", "Filter",
        "SourceSelectionCriteria", "ExistingObjectReplication",
    ]
    assert rendered["Filter"] == {
        "And": {"Prefix": "Tax", "Tag": [{"Key": "Year", "Value": "2019"}, {"Key": "Company", "Value": "AcmeCorp"}]},
        "Tag": {},
    }
    # the procedure's sample: an unfiltered rule shows "Filter": {"And": {}, "Tag": {}}
    (plain,) = parse_replication_config(S.S1_DERIVED_XML).rules
    doc = json.loads(render_mc_replicate_ls_json([plain]))
    assert doc["op"] == "" and doc["status"] == "success" and doc["url"] == ""
    assert doc["rule"]["Filter"] == {"And": {}, "Tag": {}}
    assert doc["rule"]["DeleteReplication"] == {"Status": "Enabled"}
    assert render_mc_replicate_ls_json([plain]).splitlines()[1] == ' "op": "",'  # one-space indent


def test_remote_targets_masked_credentials_and_null() -> None:
    assert parse_remote_targets(b"null") == []
    assert parse_remote_targets(b"null\n") == []
    (t,) = parse_remote_targets(S.BUCKET_TARGETS)
    assert t.arn == S.ARN and t.endpoint == "127.0.0.1:9002" and t.target_bucket == "dst"
    assert t.access_key == "repluser" and t.url == "http://127.0.0.1:9002"
    assert t.health_check_seconds == 60.0 and t.total_downtime_seconds == 1.5
    assert (t.latency.curr, t.latency.avg, t.latency.max) == (0.002, 0.001, 0.005)
    assert t.reset_before == datetime(2025, 5, 1, 10, 0, tzinfo=timezone.utc) and t.reset_id == "7c3e"
    assert t.online and t.bandwidth_limit == 100000000
    assert "secret" not in repr(t).lower()
    with pytest.raises(ServerError):
        parse_remote_targets(b'{"not":"a list"}')


def test_resync_start_and_status() -> None:
    job = parse_resync_start(S.RESYNC_START, S.ARN)
    assert job.arn == S.ARN and job.reset_id == "7c3e9a51-0d7b-4a8e-9d1c-2b1f7e6a5d40"
    with pytest.raises(ServerError):
        parse_resync_start(b"{}")
    assert parse_resync_status(b"{}").targets == ()
    st = parse_resync_status(S.RESYNC_STATUS)
    t = st.for_arn(S.ARN)
    assert t is not None and t.status == "Ongoing" and t.running and not t.finished
    assert (t.replicated_count, t.replicated_size, t.failed_count) == (18, 2469606195, 0)
    assert t.last_object == "path/obj" and t.bucket == "data"
    assert t.start_time == datetime(2025, 5, 1, 10, 0, 0, 123000, timezone.utc)
    started = parse_resync_status(S.RESYNC_START).targets[0]
    assert started.start_time is None and started.last_update is None and started.status == ""


def test_metrics_v2_reads_raw_server_keys() -> None:
    m = parse_metrics(S.METRICS_V2)
    assert m.uptime_seconds == 3600 and m.replicated_count == 12 and m.replica_count == 7
    assert (m.queued_count, m.queued_bytes) == (3.0, 300.0)
    assert (m.failed.last_minute, m.failed.last_hour, m.failed.total) == (1, 5, 11)
    (t,) = m.targets
    assert t.arn == S.ARN and t.replicated_count == 12 and t.failed.total == 9
    assert t.bandwidth_limit == 100000000 and t.current_bandwidth == 512.5
    v1 = parse_metrics(json.dumps(json.loads(S.METRICS_V2)["currStats"]))
    assert v1.replicated_count == 12 and v1.uptime_seconds == 0
    assert parse_metrics(b'{"uptime":5,"currStats":{}}').targets == ()


def test_diff_stream_keepalives_error_and_cut() -> None:
    err_line = '{"object":"x","versionId":"null","error":{},"replTimestamp":"0001-01-01T00:00:00Z",' \
               '"lastModified":"0001-01-01T00:00:00Z","deletemarker":true}'
    raw = (" \n  " + S.DIFF_LINE + "\n \n \n" + err_line + "\n").encode()
    chunks = [raw[i : i + 7] for i in range(0, len(raw), 7)]  # split mid-object and mid-keep-alive
    a, b = list(iter_diff(chunks))
    assert a.object == "a/b.txt" and a.status == "FAILED" and a.status_for(S.ARN) == "FAILED"
    assert a.targets == ((S.ARN, "FAILED"),) and not a.error and not a.delete_marker
    assert a.replicated_at == datetime(2025, 5, 1, 10, 0, tzinfo=timezone.utc)
    assert b.error and b.delete_marker and b.version_id == "null" and b.last_modified is None
    assert list(iter_diff([b" ", b" \n", b" "])) == []
    with pytest.raises(StreamCut):
        list(iter_diff([(S.DIFF_LINE + "\n").encode(), S.DIFF_LINE[:40].encode()]))


def test_diff_entry_pending_delete_statuses() -> None:
    """§17: `dStatus` overall, `drStatus` per target; a target with only `drStatus` has no replication status."""
    line = ('{"object":"k","versionId":"v","targets":{"%s":{"rStatus":"FAILED","drStatus":"PENDING"},'
            '"arn:other":{"drStatus":"FAILED"}},"rStatus":"FAILED","dStatus":"FAILED",'
            '"replTimestamp":"0001-01-01T00:00:00Z","lastModified":"2025-05-01T09:59:58Z","deletemarker":true}\n'
            % S.ARN)
    (e,) = list(iter_diff([line.encode()]))
    assert (e.purge_status, e.purge_status_for(S.ARN), e.purge_status_for("arn:other")) == ("FAILED", "PENDING",
                                                                                               "FAILED")
    assert e.targets == ((S.ARN, "FAILED"),)
    assert e.purge_targets == tuple(sorted(((S.ARN, "PENDING"), ("arn:other", "FAILED"))))
    (plain,) = list(iter_diff([(S.DIFF_LINE + "\n").encode()]))
    assert plain.purge_status == "" and plain.purge_status_for(S.ARN) == ""


def test_versions_page_merges_markers_newest_first() -> None:
    t = lambda s: datetime(2025, 1, 1, 0, 0, s, tzinfo=timezone.utc)  # noqa: E731
    page = {
        "Versions": [
            {"Key": "a", "VersionId": "a2", "IsLatest": False, "LastModified": t(2), "Size": 3, "ETag": '"e"'},
            {"Key": "b", "VersionId": "b1", "IsLatest": True, "LastModified": t(1), "Size": 1, "ETag": '"f"'},
            {"Key": "a", "VersionId": "a1", "IsLatest": False, "LastModified": t(1), "Size": 3, "ETag": '"e"'},
        ],
        "DeleteMarkers": [{"Key": "a", "VersionId": "dm", "IsLatest": True, "LastModified": t(3)}],
    }
    out = parse_versions_page(page)
    assert [(o.key, o.version_id) for o in out] == [("a", "dm"), ("a", "a2"), ("a", "a1"), ("b", "b1")]
    assert out[0].delete_marker and out[1].etag == "e" and out[3].size == 1


def test_server_info() -> None:
    info = parse_server_info(b'{"mode":"online","deploymentID":"d-1","region":"us-east-1","versions":{"count":4},'
                             b'"objects":{"count":3},"deletemarkers":{"count":1}}')
    assert info == {"mode": "online", "deployment_id": "d-1", "region": "us-east-1", "versions": 4, "objects": 3,
                    "delete_markers": 1}


@pytest.mark.parametrize("days,wire", [(1, "24ns"), (7, "168ns"), (60, "1.44µs"), (365, "8.76µs"), (50, "1.2µs")])
def test_older_than_encoding(days: int, wire: str) -> None:
    """As minio-go writes it: Go's Duration.String() of N×24 ns (mc's `60d` → `1.44µs`, §19)."""
    assert encode_older_than(days) == wire


@pytest.mark.parametrize("ns,text", [(0, "0s"), (999, "999ns"), (1000, "1µs"), (1001, "1.001µs"),
                                     (1_500_000, "1.5ms"), (1_500_000_000, "1.5s"), (61 * 10**9, "1m1s"),
                                     (3600 * 10**9, "1h0m0s"), (-1_500_000_000, "-1.5s")])
def test_go_duration_string(ns: int, text: str) -> None:
    from recovery_tui.service.godur import go_duration

    assert go_duration(ns) == text


@pytest.mark.parametrize("bad", [0, -1, 1.5, "7", True, None, 10**6])
def test_older_than_rejects(bad: object) -> None:
    with pytest.raises(InputError):
        encode_older_than(bad)  # type: ignore[arg-type]


def test_arn_validation() -> None:
    assert validate_arn(" " + S.ARN + " ") == S.ARN
    assert validate_arn("arn:minio:replication:us-east-1:c5be6b16-769d-432a-9ef1-4567081f3566:destbucket")
    with pytest.raises(InputError, match="No target ARN"):
        validate_arn("")
    for bad in ("arn:aws:s3:::bucket", "arn:minio:replication::id", "arn:minio:replication:::dst", "dst"):
        with pytest.raises(InputError, match="malformed ARN"):
            validate_arn(bad)
