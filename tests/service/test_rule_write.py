"""Recreating the reverse rule as `mc replicate add` does (facts §2, §9.3, §20), client against the lab.

The client encrypts the BucketTarget with its own madmin implementation; the lab decrypts it with its own.
Each test reads what the server holds afterwards (rules, remote targets, versions), never a return value.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from recovery_tui.service.client import RecoveryService
from recovery_tui.service.errors import InputError, NotFound, RecoveryError
from recovery_tui.service.madmin import encrypt_data
from recovery_tui.service.rule_write import bucket_target, merged_config, put_config, rule_element

from .conftest import make_service


def versions(svc: RecoveryService, alias: str) -> set[tuple[str, str, str, bool]]:
    return {(v.key, v.version_id, v.etag, v.delete_marker) for v in svc.list_object_versions(alias, "data")}


def source_rule(svc: RecoveryService) -> Any:
    cfg = svc.replication_config("source", "data")
    assert cfg is not None
    return cfg.rules[0]


def test_total_loss_rule_recreated_and_read_back(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory("total-loss")
    svc = make_service(lab, tmp_path)
    assert svc.replication_config("target", "data") is None and svc.remote_targets("target", "data") == []
    before = {side: versions(svc, side) for side in ("source", "target")}
    like = source_rule(svc)

    added = svc.add_replication_rule("target", "data", "source", "data", like)

    remotes = svc.remote_targets("target", "data")
    assert [r.arn for r in remotes] == [added.arn]
    assert added.arn.startswith("arn:minio:replication::") and added.arn.endswith(":data")
    assert remotes[0].endpoint == lab.source.url.split("://", 1)[1] and remotes[0].target_bucket == "data"
    assert remotes[0].access_key == lab.source.site.access_key
    assert lab.target.site.target_by_arn("data", added.arn).secret_key == lab.source.site.secret_key
    cfg = svc.replication_config("target", "data")
    assert cfg is not None and len(cfg.rules) == 1
    rule = cfg.rules[0]
    assert (rule.id, rule.destination_arn, rule.priority, rule.status) == (added.rule_id, added.arn, like.priority,
                                                                           "Enabled")
    assert (rule.delete_marker_replication, rule.delete_replication, rule.existing_object_replication,
            rule.replica_modifications) == (like.delete_marker_replication, like.delete_replication,
                                            like.existing_object_replication, like.replica_modifications)
    assert {side: versions(svc, side) for side in ("source", "target")} == before  # no object touched

    # the rule works: a write on the target now replicates to the source (bounded wait on the source)
    s3 = svc.site("target").s3
    put = s3.put_object(Bucket="data", Key="probe/after-rule.txt", Body=b"hello")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if lab.source.site.buckets["data"].get_version("probe/after-rule.txt", put["VersionId"]) is not None:
            break
        time.sleep(0.1)
    assert lab.source.site.buckets["data"].get_version("probe/after-rule.txt", put["VersionId"]) is not None


def test_identical_target_keeps_its_arn_and_a_taken_priority_is_refused(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory("total-loss")
    svc = make_service(lab, tmp_path)
    like = source_rule(svc)
    first = svc.add_replication_rule("target", "data", "source", "data", like)
    with pytest.raises(InputError, match="priority"):
        svc.add_replication_rule("target", "data", "source", "data", like)
    assert [r.arn for r in svc.remote_targets("target", "data")] == [first.arn]  # the same target, not a second
    assert len(svc.replication_config("target", "data").rules) == 1


def test_put_config_with_an_unknown_arn_is_refused(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory("total-loss")
    svc = make_service(lab, tmp_path)
    bogus = "arn:minio:replication::00000000-0000-4000-8000-000000000000:data"
    body = merged_config(None, rule_element(source_rule(svc), bogus, "r1"))
    with pytest.raises(NotFound) as err:
        put_config(svc.site("target"), "data", body)
    assert err.value.code == "XMinioAdminRemoteTargetNotFoundError"
    assert svc.replication_config("target", "data") is None


def _set_target(svc: RecoveryService, doc: dict[str, Any], password: str) -> Any:
    site = svc.site("target")
    body = encrypt_data(password, json.dumps(doc).encode())
    return site.admin(site.ctx("set a remote target"), "PUT", "set-remote-target", [("bucket", "data")], body=body)


@pytest.mark.slow
def test_set_remote_target_refusals(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory("total-loss")
    svc = make_service(lab, tmp_path)
    remote = svc.aliases.get("source")
    doc = bucket_target(remote, "data", "data")

    def code(doc: dict[str, Any], password: str = lab.target.site.secret_key) -> str:
        with pytest.raises(RecoveryError) as err:
            _set_target(svc, doc, password)
        return f"{err.value.status} {err.value.code}"

    assert code(doc, "not-the-secret") == "400 XMinioAdminConfigBadJSON"
    lab.source.site.buckets["data"].versioning = "Suspended"
    assert code(doc) == "400 RemoteTargetNotVersionedError"
    lab.source.site.buckets["data"].versioning = "Enabled"
    assert code({**doc, "targetbucket": "nope"}) == "404 XMinioAdminRemoteTargetNotFoundError"
    own = svc.aliases.get("target")
    assert code({**doc, "endpoint": own.url.split("://", 1)[1]}) == "400 XMinioAdminRemoteIdenticalToSource"
    assert code({**doc, "bandwidthlimit": 5}) == "400 XMinioAdminReplicationBandwidthLimitError"
    assert code({**doc, "credentials": {**doc["credentials"], "secretKey": "wrong"}}) == \
        "503 XMinioAdminReplicationRemoteConnectionError"
    assert svc.remote_targets("target", "data") == []  # nothing was created by any refusal
    answer = _set_target(svc, doc, lab.target.site.secret_key)
    assert answer.body.startswith(b'"arn:minio:replication::') and answer.body.endswith(b':data"')


def test_set_remote_target_update_overlays_flagged_fields_only(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory("total-loss")
    svc = make_service(lab, tmp_path)
    added = svc.add_replication_rule("target", "data", "source", "data", source_rule(svc))
    site = svc.site("target")
    doc = {**bucket_target(svc.aliases.get("source"), "data", "data"), "arn": added.arn,
           "healthCheckDuration": 30_000_000_000, "replicationSync": True}

    def update(query: list[tuple[str, str]], arn: str = added.arn) -> Any:
        body = encrypt_data(lab.target.site.secret_key, json.dumps({**doc, "arn": arn}).encode())
        return site.admin(site.ctx("update a remote target"), "PUT", "set-remote-target",
                          [("bucket", "data"), ("update", "true"), *query], body=body)

    with pytest.raises(NotFound) as err:
        update([("sync", "true")], arn="arn:minio:replication::00000000-0000-4000-8000-000000000000:data")
    assert err.value.code == "XMinioAdminRemoteTargetNotFoundError"
    assert update([("healthcheck", "true")]).body == json.dumps(added.arn).encode()
    (target,) = svc.remote_targets("target", "data")
    assert target.health_check_seconds == 30 and target.replication_sync is False  # sync was not flagged
