"""The real RecoveryService against the in-process lab (loopback, ephemeral ports).

Covers every call of the service, the resync round trip (Completed, replicated count = versions
missing on the target, identical (key, versionId) sets afterwards), the §3 errors the lab can
produce, the 426 → v4 fallback (aistor flavor), cancel on community, bad credentials and a
restricted user.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from helpers.waiting import wait_until
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.errors import (
    AccessDenied,
    AuthError,
    Conflict,
    ConnectionFailure,
    InputError,
    NotFound,
    NotSupported,
)
from recovery_tui.service.retry import RetryPolicy

from .conftest import make_service

BUCKET = "data"
ONE_ATTEMPT = RetryPolicy("TEST_ONE_ATTEMPT", attempts=1)


def arn_of(lab: Any, peer: str = "target") -> str:
    return f"arn:minio:replication::{lab.site(peer).site.deployment_id}:{BUCKET}"


def version_set(svc: RecoveryService, alias: str) -> set[tuple[str, str]]:
    return {(v.key, v.version_id) for v in svc.list_object_versions(alias, BUCKET, page_size=50)}


def wait_finished(svc: RecoveryService, arn: str) -> Any:
    def finished() -> Any:
        st = svc.resync_status("source", BUCKET, arn).for_arn(arn)
        return st if st is not None and st.finished else None

    return wait_until(finished, interval=0.1, what="the resync finished")


# --- standard S3 ---------------------------------------------------------------------------------


def test_buckets_versioning_and_listing(svc: RecoveryService) -> None:
    assert svc.list_buckets("source") == [BUCKET]
    assert svc.bucket_exists("source", BUCKET) and not svc.bucket_exists("source", "missing-bucket")
    assert svc.versioning("source", BUCKET).enabled
    paged = list(svc.list_object_versions("source", BUCKET, page_size=7))
    whole = list(svc.list_object_versions("source", BUCKET))
    assert paged == whole and len(whole) > 7
    keys = [v.key for v in whole]
    assert keys == sorted(keys)  # key order; within a key the latest first
    for a, b in zip(whole, whole[1:], strict=False):
        if a.key == b.key and a.last_modified and b.last_modified:
            assert a.last_modified >= b.last_modified
    assert len(version_set(svc, "target")) < len(whole)  # partial loss


def test_head_version_copy_to_self_and_delete_marker(svc: RecoveryService) -> None:
    versions = list(svc.list_object_versions("source", BUCKET))
    v = next(x for x in versions if not x.delete_marker)
    st = svc.head_version("source", BUCKET, v.key, v.version_id)
    assert (st.key, st.version_id, st.size, st.etag) == (v.key, v.version_id, v.size, v.etag)
    new_id = svc.copy_to_self("source", BUCKET, v.key, v.version_id)
    assert new_id and new_id != v.version_id
    assert (v.key, new_id) in version_set(svc, "source")
    dms = [x for x in versions if x.delete_marker]
    if dms:
        dm = svc.head_version("source", BUCKET, dms[0].key, dms[0].version_id)
        assert dm.delete_marker and dm.version_id == dms[0].version_id
    with pytest.raises(NotFound):
        svc.head_version("source", BUCKET, "no/such/key", v.version_id)


def test_replication_config_keeps_delete_replication(lab: Any, svc: RecoveryService) -> None:
    cfg = svc.replication_config("source", BUCKET)
    assert cfg is not None
    (rule,) = cfg.rules
    assert rule.destination_arn == arn_of(lab) and rule.delete_replication == "Enabled"
    assert rule.existing_objects_enabled
    with pytest.raises(NotFound):
        svc.replication_config("source", "missing-bucket")


def test_total_loss_target_has_no_config(lab_factory: Any, tmp_path: Path) -> None:
    svc = make_service(lab_factory("total-loss"), tmp_path)
    assert svc.replication_config("target", BUCKET) is None
    assert svc.targets("target", BUCKET) == []


# --- credentials ------------------------------------------------------------------------------------


def test_wrong_secret_is_auth_error_without_leaking(lab: Any, tmp_path: Path) -> None:
    good = lab.env()["MC_HOST_source"]
    ak = lab.source.site.access_key
    bad = good.replace(f"{ak}:{lab.source.site.secret_key}@", f"{ak}:WrongSecretValue123@")
    svc = make_service(lab, tmp_path, MC_HOST_bad=bad)
    with pytest.raises(AuthError) as info:
        svc.list_buckets("bad")
    assert "WrongSecretValue123" not in info.value.message + info.value.hint + repr(info.value)
    assert lab.source.site.secret_key not in info.value.message


def test_restricted_user_access_denied_names_action(lab: Any, tmp_path: Path) -> None:
    lab.call(lambda: lab.source.site.users.__setitem__("limited", ("limited-secret-1", frozenset({"s3:ListBucket*"}))))
    url = lab.source.url.replace("://", "://limited:limited-secret-1@")
    svc = make_service(lab, tmp_path, MC_HOST_limited=url)
    with pytest.raises(AccessDenied) as info:
        svc.replication_config("limited", BUCKET)
    assert info.value.action == "s3:GetReplicationConfiguration"
    assert "s3:GetReplicationConfiguration" in info.value.hint
    with pytest.raises(AccessDenied) as info:
        svc.start_resync("limited", BUCKET, arn_of(lab))
    assert info.value.action == "s3:ResetBucketReplicationState"


# --- health -----------------------------------------------------------------------------------------


def test_health_online_then_offline(lab: Any, svc: RecoveryService) -> None:
    up = svc.health("target")
    assert up.healthy and up.status_code == 200 and up.endpoint == lab.target.url
    lab.faults.set_offline("target", True)
    try:
        down = svc.health("target")
        assert not down.healthy and down.status_code == 0 and lab.target.endpoint in down.detail
    finally:
        lab.faults.set_offline("target", False)
    assert svc.health("target").healthy


def test_offline_site_is_connection_failure(lab: Any, tmp_path: Path) -> None:
    svc = make_service(lab, tmp_path, retry=ONE_ATTEMPT)
    lab.faults.set_offline("target", True)
    try:
        with pytest.raises(ConnectionFailure) as info:
            svc.list_buckets("target")
        assert "target" in info.value.message and lab.target.endpoint in info.value.message
    finally:
        lab.faults.set_offline("target", False)


# --- extensions ---------------------------------------------------------------------------------------


def test_remote_targets_and_target_view(lab: Any, svc: RecoveryService) -> None:
    (rt,) = svc.remote_targets("source", BUCKET)
    assert rt.arn == arn_of(lab) and rt.endpoint == lab.target.endpoint and rt.target_bucket == BUCKET
    (view,) = svc.targets("source", BUCKET)
    # the same target, read a second time: its health fields (last online, latency) move with the lab's
    # health ticks between the two reads, everything else must be identical
    assert replace(view.target, last_online=rt.last_online, latency=rt.latency) == rt
    assert view.alias == "target" and view.rule.destination_arn == rt.arn
    assert svc.site("source").admin_version == "v3"


@pytest.mark.slow
def test_resync_round_trip(lab: Any, svc: RecoveryService) -> None:
    """Like MinIO, the lab's resync `replicationCount` counts every eligible version it walked (§3 "What the
    resync does"); the versions actually transferred (= the missing ones) show in the per-ARN metrics."""
    assert svc.resync_status("source", BUCKET).targets == ()
    source_before = version_set(svc, "source")
    missing = source_before - version_set(svc, "target")
    assert missing
    arn = arn_of(lab)
    before = {t.arn: t.replicated_count for t in svc.replication_metrics("source", BUCKET).targets}.get(arn, 0)
    job = svc.start_resync("source", BUCKET, arn)
    assert job.arn == arn and job.reset_id
    done = wait_finished(svc, arn)
    assert done.status == "Completed" and done.reset_id == job.reset_id and done.failed_count == 0
    assert done.replicated_count == len(source_before)  # every version walked and verified on the target
    after = {t.arn: t.replicated_count for t in svc.replication_metrics("source", BUCKET).targets}[arn]
    assert after - before == len(missing)  # transfers: exactly the versions that were missing
    assert version_set(svc, "source") == version_set(svc, "target") == source_before


def test_resync_errors(lab: Any, svc: RecoveryService) -> None:
    arn = arn_of(lab)
    with pytest.raises(InputError, match="No target ARN"):
        svc.start_resync("source", BUCKET, "")
    with pytest.raises(InputError, match="malformed ARN"):
        svc.start_resync("source", BUCKET, "arn:aws:s3:::data")
    with pytest.raises(InputError):
        svc.start_resync("source", BUCKET, arn, older_than_days=0)
    with pytest.raises(NotFound) as nf:
        svc.start_resync("source", "missing-bucket", arn)
    assert nf.value.code == "NoSuchBucket"
    unknown = "arn:minio:replication::00000000-0000-4000-8000-000000000000:data"
    with pytest.raises(NotFound) as nf:
        svc.start_resync("source", BUCKET, unknown)
    assert nf.value.code == "XMinioAdminRemoteTargetNotFoundError"
    site = svc.site("source")
    with pytest.raises(InputError) as bad:  # older-than that Go cannot parse (XML InvalidArgument)
        site.raw(site.ctx("start a resync", bucket=BUCKET), "PUT", f"/{BUCKET}",
                 [("replication-reset", ""), ("arn", arn), ("older-than", "7days")])
    assert bad.value.code == "InvalidArgument"
    lab.faults.set_offline("target", True)
    try:
        with pytest.raises(ConnectionFailure) as conn:
            svc.start_resync("source", BUCKET, arn)
        assert conn.value.code == "XMinioAdminReplicationRemoteConnectionError"
        assert "source cannot reach the target" in conn.value.hint
    finally:
        lab.faults.set_offline("target", False)


def test_resync_no_existing_objects_and_disabled_rule(lab: Any, svc: RecoveryService) -> None:
    arn = arn_of(lab)
    s3 = svc.site("source").s3

    def put_rule(status: str, existing: str) -> None:
        s3.put_bucket_replication(Bucket=BUCKET, ReplicationConfiguration={"Role": "", "Rules": [{
            "ID": "r1", "Status": status, "Priority": 1, "Filter": {"Prefix": ""},
            "DeleteMarkerReplication": {"Status": "Enabled"}, "Destination": {"Bucket": arn},
            "ExistingObjectReplication": {"Status": existing}}]})

    put_rule("Enabled", "Disabled")
    with pytest.raises(Conflict) as c:
        svc.start_resync("source", BUCKET, arn)
    assert c.value.code == "XMinioReplicationNoExistingObjects" and "mc replicate update" in c.value.hint
    put_rule("Disabled", "Enabled")
    with pytest.raises(Conflict) as c:
        svc.start_resync("source", BUCKET, arn)
    assert c.value.code == "BadRequest" and "ineligible" in c.value.message


def test_resync_already_in_progress(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory("partial-loss")
    svc = make_service(lab, tmp_path)
    arn = arn_of(lab)
    lab.faults.hold_resync(50)  # the first resync is still running when the second start comes
    svc.start_resync("source", BUCKET, arn)
    with pytest.raises(Conflict) as c:
        svc.start_resync("source", BUCKET, arn)
    assert "already in progress" in c.value.message and c.value.title == "Resync already in progress"


def test_target_not_versioned(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory("total-loss")
    svc = make_service(lab, tmp_path)
    svc.site("target").s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    with pytest.raises(Conflict) as c:
        svc.start_resync("source", BUCKET, arn_of(lab))
    assert c.value.code == "RemoteTargetNotVersionedError"


def test_metrics_and_diff(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory("checksum-failures")
    svc = make_service(lab, tmp_path)
    arn = arn_of(lab)
    m = svc.replication_metrics("source", BUCKET)
    assert m.uptime_seconds >= 0 and arn in {t.arn for t in m.targets}
    entries = list(svc.replication_diff("source", BUCKET, arn=arn))
    assert entries and all(e.status_for(arn) in ("FAILED", "PENDING", "") for e in entries)
    failed = {(e.object, e.version_id) for e in entries if e.status_for(arn) == "FAILED"}
    for key, vid in failed:
        assert svc.head_version("source", BUCKET, key, vid).replication_status == "FAILED"
    with pytest.raises(InputError):
        list(svc.replication_diff("source", BUCKET, arn="arn:minio:replication::nope:data"))
    with pytest.raises(NotFound):
        svc.replication_diff("source", "missing-bucket")


def test_cancel_not_supported_on_community(lab: Any, svc: RecoveryService) -> None:
    with pytest.raises(NotSupported, match="not supported by this server"):
        svc.cancel_resync("source", BUCKET, arn_of(lab))
    assert svc.list_buckets("source") == [BUCKET]  # the PUT fall-through created nothing


def test_admin_v4_on_aistor_and_cancel(lab_factory: Any, tmp_path: Path) -> None:
    """The lab's AIStor flavor serves admin v3 and v4 (so the v3 → v4 fallback itself is exercised in
    test_client_local.py); here the v4 path is used for real, and cancel is supported."""
    lab = lab_factory("partial-loss", flavor="aistor")
    svc = make_service(lab, tmp_path)
    site = svc.site("source")
    site._admin_version = "v4"  # as if a 426 on v3 had been seen
    (rt,) = svc.remote_targets("source", BUCKET)
    assert rt.arn == arn_of(lab) and site.admin_version == "v4"
    job = svc.start_resync("source", BUCKET, arn_of(lab))
    cancelled = svc.cancel_resync("source", BUCKET, arn_of(lab))
    assert cancelled == job.reset_id


def test_admin_v4_on_community_is_not_supported(lab: Any, svc: RecoveryService) -> None:
    svc.site("source")._admin_version = "v4"
    with pytest.raises(NotSupported) as info:
        svc.remote_targets("source", BUCKET)
    assert info.value.code == "XMinioAdminVersionMismatch" and info.value.status == 426


def test_tls_needs_the_lab_ca(lab_factory: Any, tmp_path: Path) -> None:
    from recovery_tui.service.aliases import AliasBook

    lab = lab_factory("healthy", tls=True)
    with pytest.raises(ConnectionFailure) as info:
        make_service(lab, tmp_path, retry=ONE_ATTEMPT).list_buckets("source")
    assert info.value.title == "TLS failure" and lab.source.endpoint in info.value.message
    trusted = make_service(lab, tmp_path, SSL_CERT_FILE=lab.ca_pem_path)
    assert trusted.list_buckets("source") == [BUCKET] and trusted.health("source").healthy
    insecure = RecoveryService(AliasBook(env={**lab.env(), "MC_CONFIG_DIR": str(tmp_path)}, insecure=True))
    assert insecure.list_buckets("target") == [BUCKET]


def test_resync_errors_without_config_or_arn(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory("total-loss")
    svc = make_service(lab, tmp_path)
    with pytest.raises(NotFound) as nf:  # the target lost its rules
        svc.start_resync("target", BUCKET, arn_of(lab, "source"))
    assert nf.value.code == "ReplicationConfigurationNotFoundError"
    site = svc.site("source")
    with pytest.raises(InputError) as bad:  # no arn at all (the service never sends this; §3 step 8)
        site.raw(site.ctx("start a resync", bucket=BUCKET), "PUT", f"/{BUCKET}", [("replication-reset", "")])
    assert bad.value.code == "BadRequest" and bad.value.title == "ARN required"
