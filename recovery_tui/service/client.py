"""`RecoveryService`: the typed façade every screen and headless command calls.

It resolves mc alias names through an `AliasBook`, keeps one `SiteClient` per
alias (created lazily, cached, thread-safe), and returns the frozen dataclasses
of `models.py`. Every failure is a `RecoveryError` with a title and a fix hint;
no botocore or urllib3 exception escapes. Retry policies (retry.py): reads run
under READ_POLICY, resync start/cancel and copy-to-self under WRITE_ONCE, the
health probe under HEALTH_PROBE.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Iterator, Optional

import botocore.exceptions

from .aliases import Alias, AliasBook
from .diffstream import read_diff
from .errors import AuthError, ConnectionFailure, NotFound, NotSupported, RecoveryError
from .http import ca_bundle_for, to_recovery_error
from .models import (
    BucketVersioning,
    DiffEntry,
    HealthReport,
    LatestVersion,
    ObjectStat,
    ObjectVersion,
    RemoteTarget,
    ReplicationConfig,
    ReplicationMetrics,
    ReplicationRule,
    ResyncJob,
    ResyncStatus,
    TargetView,
    VersionsPage,
)
from .parsers import (
    encode_older_than,
    encode_older_than_hours,
    parse_go_time,
    parse_head,
    parse_metrics,
    parse_remote_targets,
    parse_replication_config,
    parse_resync_start,
    parse_resync_status,
    parse_server_info,
    parse_versioning,
    parse_versions_page,
    validate_arn,
)
from .replstatus import ReplicationStatus, replication_status
from .retry import DEFAULT_TIMEOUTS, HEALTH_PROBE, HEALTH_TIMEOUTS, READ_POLICY, WRITE_ONCE, RetryPolicy, Timeouts
from .rule_write import AddedRule, add_rule
from .site import SiteClient

__all__ = ["RecoveryService", "SiteClient", "encode_older_than", "validate_arn"]

A_GET_REPL = "s3:GetReplicationConfiguration"
A_RESET = "s3:ResetBucketReplicationState"
A_TARGETS = "admin:GetBucketTarget"
A_DIFF = "admin:ReplicationDiff"
A_INFO = "admin:ServerInfo"


class RecoveryService:
    """Typed calls by alias and bucket name; see the module docstring for the error and retry contract."""

    def __init__(
        self,
        aliases: AliasBook,
        *,
        region: str = "us-east-1",
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = READ_POLICY,
        ca_bundle: Optional[str] = None,
    ) -> None:
        self.aliases = aliases
        self.region = region
        self.timeouts = timeouts
        self.retry = retry
        self.ca_bundle = ca_bundle if ca_bundle is not None else ca_bundle_for(aliases.env)
        """Extra CAs (`~/.mc/certs/CAs/*`, `SSL_CERT_FILE`) combined with the defaults; None = defaults only."""
        self._sites: dict[str, SiteClient] = {}
        self._lock = threading.Lock()

    def site(self, alias: str) -> SiteClient:
        """The cached SiteClient of `alias` (ConfigError when the alias does not resolve)."""
        with self._lock:
            client = self._sites.get(alias)
            if client is None:
                client = SiteClient(
                    self.aliases.get(alias), region=self.region, timeouts=self.timeouts,
                    retry=self.retry, ca_bundle=self.ca_bundle,
                )
                self._sites[alias] = client
            return client

    # --- bucket basics --------------------------------------------------------------------------------

    def list_buckets(self, alias: str) -> list[str]:
        s = self.site(alias)
        resp = s.call(s.ctx("list buckets", "s3:ListAllMyBuckets"), s.s3.list_buckets)
        return sorted(b["Name"] for b in resp.get("Buckets", []))

    def bucket_exists(self, alias: str, bucket: str) -> bool:
        s = self.site(alias)
        try:
            s.call(s.ctx("check the bucket", "s3:ListBucket", bucket), s.s3.head_bucket, Bucket=bucket)
        except NotFound:
            return False
        return True

    def versioning(self, alias: str, bucket: str) -> BucketVersioning:
        s = self.site(alias)
        resp = s.call(s.ctx("read versioning", "s3:GetBucketVersioning", bucket), s.s3.get_bucket_versioning,
                      Bucket=bucket)
        return parse_versioning(resp)

    # --- replication configuration and targets ---------------------------------------------------------

    def replication_config(self, alias: str, bucket: str) -> Optional[ReplicationConfig]:
        """Parsed from the raw XML (DeleteReplication kept, §1); None when the bucket has no configuration."""
        s = self.site(alias)
        try:
            resp = s.raw(s.ctx("read the replication configuration", A_GET_REPL, bucket), "GET", f"/{bucket}",
                         [("replication", "")])
        except NotFound as exc:
            if exc.code == "ReplicationConfigurationNotFoundError":
                return None
            raise
        return parse_replication_config(resp.body)

    def remote_targets(self, alias: str, bucket: str) -> list[RemoteTarget]:
        """list-remote-targets with both `bucket` and `type` always sent (§2); `null` → []."""
        s = self.site(alias)
        resp = s.admin(s.ctx("list remote targets", A_TARGETS, bucket), "GET", "list-remote-targets",
                       [("bucket", bucket), ("type", "")])
        return parse_remote_targets(resp.body)

    def site_replication_group(self, alias: str) -> str:
        """The site-replication group `alias` is in ("" when none; `unnamed` for a group without a name), §15.1."""
        from .siterepl import site_replication_info

        info = site_replication_info(self, alias)
        return (info.name or "unnamed") if info.enabled else ""

    def targets(self, alias: str, bucket: str) -> list[TargetView]:
        """Rules joined with remote targets, as `mc replicate ls` shows them ([] with no configuration)."""
        config = self.replication_config(alias, bucket)
        if config is None:
            return []
        by_arn = {t.arn: t for t in self.remote_targets(alias, bucket)}
        others = [a for a in self.aliases.all() if a.name != alias]
        views = []
        for rule in sorted(config.rules, key=lambda r: (r.priority, r.id)):
            target = by_arn.get(rule.destination_arn)
            views.append(TargetView(rule=rule, target=target, alias=_alias_for(target, others)))
        return views

    def add_replication_rule(self, alias: str, bucket: str, remote_alias: str, remote_bucket: str,
                             like: ReplicationRule) -> AddedRule:
        """`mc replicate add ALIAS/BUCKET --remote-bucket REMOTE/BUCKET` with `like`'s flags, filter and priority:
        set-remote-target (encrypted body), read the configuration, write it back with the rule (`rule_write`)."""
        return add_rule(self.site(alias), bucket, self.aliases.get(remote_alias), remote_bucket, like)

    # --- resync -----------------------------------------------------------------------------------------

    def start_resync(
        self,
        alias: str,
        bucket: str,
        arn: str,
        older_than_days: Optional[int] = None,
        reset_id: Optional[str] = None,
        *,
        older_than_hours: Optional[int] = None,
    ) -> ResyncJob:
        """`PUT /B?replication-reset&arn=…[&older-than=<Go duration of N hours>]&reset-id=…` under WRITE_ONCE (§3).

        `older_than_hours` is what mc sends for its `--older-than` (whole hours, §19): sent only when above
        zero, exactly as mc does; `older_than_days` (the wizard's field) is the same with hours = days × 24.
        """
        arn = validate_arn(arn)
        query = [("replication-reset", ""), ("arn", arn)]
        if older_than_days is not None:
            query.append(("older-than", encode_older_than(older_than_days)))
        elif older_than_hours is not None and older_than_hours > 0:
            query.append(("older-than", encode_older_than_hours(older_than_hours)))
        query.append(("reset-id", reset_id or str(uuid.uuid4())))
        s = self.site(alias)
        resp = s.raw(s.ctx("start a resync", A_RESET, bucket, arn), "PUT", f"/{bucket}", query, policy=WRITE_ONCE)
        return parse_resync_start(resp.body, arn)

    def resync_status(self, alias: str, bucket: str, arn: Optional[str] = None) -> ResyncStatus:
        """`GET /B?replication-reset-status[&arn=]` (§4); `{}` → ResyncStatus(targets=())."""
        query = [("replication-reset-status", "")]
        if arn:
            query.append(("arn", arn))
        s = self.site(alias)
        resp = s.raw(s.ctx("read the resync status", A_RESET, bucket, arn or ""), "GET", f"/{bucket}", query)
        return parse_resync_status(resp.body)

    def cancel_resync(self, alias: str, bucket: str, arn: str) -> str:
        """`PUT /B?replication-reset-cancel&arn=` (AIStor only, §5a): the raw body is the cancelled reset ID.

        Any other answer means the server lacks the call (community MinIO falls through to
        PutBucket: 409 BucketAlreadyOwnedByYou) and raises NotSupported; credential errors stay
        AuthError. The bucket is checked first so a community server never creates it.
        """
        arn = validate_arn(arn)
        if not self.bucket_exists(alias, bucket):
            raise NotFound(f"Bucket {alias}/{bucket} does not exist", title="No such bucket",
                           hint=f"Check the bucket name (mc ls {alias}).", code="NoSuchBucket", status=404)
        s = self.site(alias)
        ctx = s.ctx("cancel the resync", A_RESET, bucket, arn)
        resp, err = s.raw_status(ctx, "PUT", f"/{bucket}", [("replication-reset-cancel", ""), ("arn", arn)],
                                 policy=WRITE_ONCE)
        if err is not None:
            mapped = to_recovery_error(err, ctx)
            if isinstance(mapped, AuthError):
                raise mapped
            raise NotSupported("bucket resync cancel is not supported by this server", code=mapped.code,
                               status=err.status, hint="Wait for the resync to finish; only AIStor can cancel it.")
        body = resp.body.decode("utf-8", "replace").strip().strip('"') if resp else ""
        if not body:
            raise NotSupported("bucket resync cancel is not supported by this server",
                               status=resp.status if resp else 0,
                               hint="Wait for the resync to finish; only AIStor can cancel it.")
        return body

    # --- metrics and diff -------------------------------------------------------------------------------

    def replication_metrics(self, alias: str, bucket: str) -> ReplicationMetrics:
        """`GET /B?replication-metrics=2` (V2, §6), raw server keys."""
        s = self.site(alias)
        resp = s.raw(s.ctx("read replication metrics", A_GET_REPL, bucket), "GET", f"/{bucket}",
                     [("replication-metrics", "2")])
        return parse_metrics(resp.body)

    def replication_status(self, alias: str, bucket: str) -> ReplicationStatus:
        """`mc replicate status` (§21): metrics V2, remote targets, config; never the MRF endpoint."""
        return replication_status(self, alias, bucket)

    def replication_diff(
        self, alias: str, bucket: str, arn: Optional[str] = None, prefix: str = "", verbose: bool = False
    ) -> Iterator[DiffEntry]:
        """The diff stream (§7). Opened now (pre-stream errors raise here); entries are decoded lazily.

        A stream cut mid-body raises ConnectionFailure from the iterator; it never ends silently.
        """
        query = [("bucket", bucket)]
        if arn:
            query.append(("arn", arn))
        if prefix:
            query.append(("prefix", prefix))
        if verbose:
            query.append(("verbose", "true"))
        s = self.site(alias)
        ctx = s.ctx("list unreplicated versions (replication diff)", A_DIFF, bucket, arn or "")
        resp = s.admin(ctx, "POST", "replication/diff", query, stream=True, headers={"Accept-Encoding": "identity"})
        return read_diff(resp, ctx)

    # --- health -----------------------------------------------------------------------------------------

    def health(self, alias: str) -> HealthReport:
        """`/minio/health/cluster` (unauthenticated) plus admin `info` when allowed (§10). Never raises for
        an unreachable site: healthy=False, status_code=0 and the reason in `detail`."""
        s = self.site(alias)
        ctx = s.ctx("check health", "")
        try:
            resp, err = None, None
            try:
                resp = s.http.send("GET", "/minio/health/cluster", ctx=ctx, policy=HEALTH_PROBE, sign=False,
                                   timeouts=HEALTH_TIMEOUTS)
            except Exception as exc:  # HttpStatusError carries the status; ConnectionFailure means no answer
                if isinstance(exc, ConnectionFailure):
                    return HealthReport(endpoint=s.alias.url, healthy=False, status_code=0, detail=exc.message)
                err = exc
            status = resp.status if resp else getattr(err, "status", 0)
            headers = resp.headers if resp else getattr(err, "headers", {})
            state = {k.lower(): v for k, v in headers.items()}.get("x-minio-server-status", "")
            detail = f"cluster check answered {status}" + (f" ({state})" if state else "")
            info: dict[str, object] = {}
            try:
                info = parse_server_info(s.admin(s.ctx("read server info", A_INFO), "GET", "info").body)
            except RecoveryError as exc:
                detail += f"; admin info unavailable: {exc.title}"
            return HealthReport(endpoint=s.alias.url, healthy=status == 200, status_code=status, detail=detail,
                                **info)  # type: ignore[arg-type]
        except RecoveryError as exc:
            return HealthReport(endpoint=s.alias.url, healthy=False, status_code=exc.status, detail=exc.message)

    # --- objects ----------------------------------------------------------------------------------------

    def list_versions_page(
        self, alias: str, bucket: str, prefix: str = "", delimiter: str = "", key_marker: str = "",
        version_id_marker: str = "", page_size: int = 1000,
    ) -> VersionsPage:
        """One ListObjectVersions page (Versions and DeleteMarkers merged: key order, newest first)."""
        s = self.site(alias)
        kw: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": page_size}
        if delimiter:
            kw["Delimiter"] = delimiter
        if key_marker:
            kw["KeyMarker"] = key_marker
            if version_id_marker:
                kw["VersionIdMarker"] = version_id_marker
        page = s.call(s.ctx("list object versions", "s3:ListBucketVersions", bucket), s.s3.list_object_versions, **kw)
        return VersionsPage(
            versions=tuple(parse_versions_page(page)),
            common_prefixes=tuple(p.get("Prefix", "") for p in page.get("CommonPrefixes") or []),
            truncated=bool(page.get("IsTruncated")),
            next_key_marker=str(page.get("NextKeyMarker", "") or ""),
            next_version_id_marker=str(page.get("NextVersionIdMarker", "") or ""),
        )

    def list_object_versions(
        self, alias: str, bucket: str, prefix: str = "", delimiter: str = "", page_size: int = 1000
    ) -> Iterator[ObjectVersion]:
        """Every version and delete marker under `prefix`, page by page (key order, newest first)."""
        key_marker = vid_marker = ""
        while True:
            page = self.list_versions_page(alias, bucket, prefix, delimiter, key_marker, vid_marker, page_size)
            yield from page.versions
            if not page.truncated or not page.next_key_marker:
                return
            key_marker, vid_marker = page.next_key_marker, page.next_version_id_marker

    def head_version(self, alias: str, bucket: str, key: str, version_id: str) -> ObjectStat:
        """HeadObject of one version. Any 405 (a delete marker, or a version whose versioned delete waits to
        replicate, §17) is returned as an ObjectStat with delete_marker=True (the server has queued its
        heal), not raised."""
        s = self.site(alias)

        def delete_marker(exc: botocore.exceptions.ClientError) -> Optional[dict[str, object]]:
            meta = exc.response.get("ResponseMetadata", {})
            hdrs = {k.lower(): v for k, v in (meta.get("HTTPHeaders") or {}).items()}
            if meta.get("HTTPStatusCode") == 405:
                return {"VersionId": hdrs.get("x-amz-version-id", version_id), "DeleteMarker": True,
                        "LastModified": _http_date(hdrs.get("last-modified", "")),
                        "ReplicationStatus": hdrs.get("x-minio-replication-deletemarker-status", "")}
            return None

        resp = s.call(s.ctx("read an object version", "s3:GetObject", bucket), s.s3.head_object,
                      intercept=delete_marker, Bucket=bucket, Key=key, VersionId=version_id)
        return parse_head(key, version_id, resp)

    def latest_version(self, alias: str, bucket: str, key: str) -> Optional[LatestVersion]:
        """What a client reading `key` gets now: `HEAD /bucket/key` without a versionId (READ_POLICY).

        200 → the latest object version (its ID and ETag); 404 with `x-amz-delete-marker: true` → the
        latest is a delete marker (§17); a plain 404 → no version is visible (None).
        """
        from .http import HttpStatusError, to_recovery_error

        s = self.site(alias)
        ctx = s.ctx("read the latest version of a key", "s3:GetObject", bucket)
        try:
            resp = s.http.send("HEAD", f"/{bucket}/{key}", ctx=ctx)
        except HttpStatusError as exc:
            hdrs = {k.lower(): v for k, v in exc.headers.items()}
            if exc.status == 404 and hdrs.get("x-amz-delete-marker") == "true":
                return LatestVersion(key, hdrs.get("x-amz-version-id", ""), "", True)
            if exc.status == 404:
                return None
            raise to_recovery_error(exc, ctx) from None
        hdrs = {k.lower(): v for k, v in resp.headers.items()}
        return LatestVersion(key, hdrs.get("x-amz-version-id", "null"), hdrs.get("etag", "").strip('"'), False)

    def copy_to_self(self, alias: str, bucket: str, key: str, version_id: str) -> str:
        """CopyObject of a version onto its own key (metadata directive COPY, versionId in the copy source so
        the server accepts it, no X-Amz-Replication-Status; §8), WRITE_ONCE. Returns the new version ID."""
        s = self.site(alias)
        resp = s.call(
            s.ctx("copy the version to itself", "s3:PutObject (and s3:GetObject on the source)", bucket),
            s.s3_write.copy_object, Bucket=bucket, Key=key, MetadataDirective="COPY",
            CopySource={"Bucket": bucket, "Key": key, "VersionId": version_id},
        )
        return str(resp.get("VersionId", ""))


def _alias_for(target: Optional[RemoteTarget], aliases: list[Alias]) -> str:
    if target is None:
        return ""
    for a in aliases:
        if a.matches_endpoint(target.endpoint, target.secure):
            return a.name
    return ""


def _http_date(text: str) -> Optional[datetime]:
    try:
        return parse_go_time(parsedate_to_datetime(text)) if text else None
    except (TypeError, ValueError):
        return None
