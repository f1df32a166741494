"""Whole-site lab scenarios: `site-loss` (many buckets damaged on the target) and `site-replication`.

`site-loss`: the healthy site `source` replicates many buckets to the damaged site `target`
(bucket replication, one remote target and rule per bucket, active-active where the target kept
its reverse rule). The target lost data in every bucket, in different ways:

* 13 recoverable buckets of different sizes: `empty` (0 objects), `archive` (the big one:
  `--objects` versions, default 50,000), and eleven between 10 and 300 keys (fewer with `--objects`
  below 5,000, see `scale_for`: small labs for tests). Some were wiped
  (versions, reverse rule and remote target gone), the others lost a quarter of their versions;
* `legacy`: its rule has no existing-object replication (a resync is refused: §3 step 4);
* `staging`: the target bucket itself is gone (a resync start answers 404, §3 step 6);
* `partner-share`: its only rule sends to a third deployment (`127.0.0.1:9`, nothing listens):
  it has nothing to do with the damaged site and must not appear in a plan.

`site-replication`: both sites are peers of one site-replication group (`lab/siterepl.py`); every
bucket has a remote target for the peer carrying its `deploymentID`, seven buckets, the target lost
data in all of them.

`site-many`: `--objects N` (default 1,000) small buckets, each replicated to the target, which lost
one version of each: the scale case (discovery of a thousand buckets, the fleet monitor's thousand rows).

Seeding runs on the lab's loop thread (see `scenarios.apply`).
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any, Optional

from recovery_tui.lab import replconfig, store
from recovery_tui.lab.redact import register

DEFAULT_BIG = 50_000
BIG_BUCKET = "archive"
THIRD_ENDPOINT = "127.0.0.1:9"
"""The third deployment of `partner-share`: the discard port, so a probe is refused at once."""

# name, keys (None = the big bucket), damage on the target: "none" | "wipe" | "partial"
SITE_LOSS_BUCKETS: tuple[tuple[str, Optional[int], str], ...] = (
    ("empty", 0, "none"),
    (BIG_BUCKET, None, "partial"),
    ("photos", 180, "wipe"),
    ("invoices", 90, "partial"),
    ("logs", 300, "partial"),
    ("backups", 40, "wipe"),
    ("reports", 120, "partial"),
    ("media", 60, "wipe"),
    ("docs", 75, "partial"),
    ("ml-data", 220, "partial"),
    ("web-assets", 25, "wipe"),
    ("audit", 10, "partial"),
    ("crm", 150, "wipe"),
)
NO_EXISTING = "legacy"
TARGET_MISSING = "staging"
THIRD_PARTY = "partner-share"

SITE_REPL_BUCKETS: tuple[tuple[str, Optional[int], str], ...] = (
    ("empty", 0, "none"),
    (BIG_BUCKET, None, "partial"),
    ("photos", 120, "wipe"),
    ("invoices", 60, "partial"),
    ("logs", 150, "partial"),
    ("backups", 30, "wipe"),
    ("docs", 45, "partial"),
)
DEFAULT_BIG_SITE_REPL = 5_000

NAMES = ("site-loss", "site-replication", "site-many")
DEFAULT_MANY = 1_000
DEFAULT_BUCKET = "photos"
"""The bucket the one-bucket wizard preselects on these scenarios (wiped on the target)."""


def default_bucket(name: str) -> str:
    """The bucket the one-bucket wizard preselects on scenario `name`."""
    return "bucket-0000" if name == "site-many" else DEFAULT_BUCKET


def _arn(deployment_id: str, bucket: str) -> str:
    return f"arn:minio:replication::{deployment_id}:{bucket}"


def _bucket(site: store.Site, name: str) -> store.Bucket:
    b = site.buckets.get(name)
    if b is None:
        b = site.buckets[name] = store.Bucket(name)
    b.versioning = "Enabled"
    return b


def _target(rt: Any, peer: Any, bucket: str, *, site_repl: bool) -> store.LabTarget:
    return store.LabTarget(
        arn=_arn(peer.site.deployment_id, bucket), source_bucket=bucket, endpoint=f"{peer.host}:{peer.port}",
        target_bucket=bucket, secure=bool(getattr(peer, "tls", False)), access_key=peer.site.access_key,
        secret_key=peer.site.secret_key, region=peer.site.region, health_check_ns=60_000_000_000,
        last_online=store.utcnow(), deployment_id=peer.site.deployment_id if site_repl else "")


def _link(rng: random.Random, rt: Any, peer: Any, bucket: str, *, existing: bool = True,
          site_repl: bool = False) -> str:
    """A remote target and a rule from `rt`'s bucket to `peer`'s bucket of the same name; returns the ARN."""
    tgt = _target(rt, peer, bucket, site_repl=site_repl)
    rt.site.targets[bucket] = [tgt]
    rule = replconfig.active_active_rule(tgt.arn, rule_id=_rule_id(rng), priority=1)
    if not existing:
        rule.existing_object_replication = "Disabled"
    rt.site.buckets[bucket].replication_xml = replconfig.render(replconfig.LabConfig(rules=[rule]))
    return tgt.arn


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _rule_id(rng: random.Random) -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuv"
    return "".join(rng.choice(alphabet) for _ in range(20))


def _fill(rng: random.Random, src: store.Bucket, dst: Optional[store.Bucket], arn: str, n_keys: int) -> None:
    """`n_keys` keys with 1–4 versions each (some delete markers) on both sides, in sync."""
    now = store.utcnow().replace(microsecond=0)
    base = now - timedelta(days=rng.randint(20, 90))
    tag = src.name.encode()
    for k in range(n_keys):
        key = f"{('data', 'tmp', 'year=2024', 'ünï')[k % 4]}/{src.name}-{k:05d}.bin"
        n = (1, 1, 2, 3, 4)[k % 5]
        t = base + timedelta(minutes=k)
        for i in range(n):
            t += timedelta(seconds=rng.randint(1, 3_600))
            dm = i > 0 and i == n - 1 and k % 7 == 0
            size = (0, 64, 700, 2_048)[(k + i) % 4]
            body = (tag + b" v%d " % i) * (1 + size // 8) if size else b""
            body = body[:size]
            vid = _uuid(rng)
            s = store.Version(key, vid, body, last_modified=t, delete_marker=dm, replication_status="COMPLETED")
            s.target_status = {arn: "COMPLETED"}
            src.add_version(s)
            if dst is not None:
                dst.add_version(store.Version(key, vid, body, last_modified=t, delete_marker=dm,
                                              etag=s.etag or None, replication_status="REPLICA"))


def _fill_big(rng: random.Random, src: store.Bucket, dst: store.Bucket, arn: str, versions: int) -> None:
    """`versions` versions built in bulk (4 per key); the target keeps about 7 in 8."""
    from recovery_tui.lab.scenarios import _fast_version

    data = b"lab site-loss archive payload\n" * 3
    etag = store.etag_of(data)
    done: dict[str, str] = {arn: "COMPLETED"}
    replica: dict[str, str] = {}
    now = store.utcnow().replace(microsecond=0)
    times = [now - timedelta(days=120) + timedelta(seconds=53 * i) for i in range(4)]
    prefix = _uuid(rng)[:24]
    s_list, d_list = [], []
    getbits = rng.getrandbits
    for made in range(versions):
        k, i = divmod(made, 4)
        key = f"year={2020 + k % 5}/batch-{k // 1000:03d}/part-{k:06d}.parquet"
        vid = f"{prefix}{made:012x}"
        dm = i == 3 and k % 9 == 0
        s_list.append(_fast_version(key, vid, data, etag, times[i], dm, "COMPLETED", done))
        if getbits(3):
            d_list.append(_fast_version(key, vid, data, etag, times[i], dm, "REPLICA", replica))
    src.bulk_load(s_list)
    dst.bulk_load(d_list)


def _damage(rng: random.Random, lab: Any, name: str, how: str) -> None:
    dst: store.Bucket = lab.target.site.buckets[name]
    if how == "wipe":
        dst.wipe()
        dst.replication_xml = None
        lab.target.site.targets[name] = []
    elif how == "partial" and name != BIG_BUCKET:
        for v in list(dst.iter_versions()):
            if rng.random() < 0.25:
                dst.remove_version(v.key, v.version_id)


def scale_for(objects: Optional[int]) -> float:
    """How much of its default size each small bucket gets: all of it by default; with `--objects` below
    5,000 (small labs for tests) proportionally less, at least a tenth."""
    return 1.0 if objects is None else min(1.0, max(0.1, objects / 5_000))


def _keys(keys: int, scale: float) -> int:
    return 0 if keys == 0 else max(2, round(keys * scale))


def _seed_buckets(lab: Any, rng: random.Random, spec: tuple[tuple[str, Optional[int], str], ...],
                  big: int, *, site_repl: bool, scale: float = 1.0) -> None:
    for name, keys, how in spec:
        src = _bucket(lab.source.site, name)
        dst = _bucket(lab.target.site, name)
        arn = _link(rng, lab.source, lab.target, name, site_repl=site_repl)
        _link(rng, lab.target, lab.source, name, site_repl=site_repl)
        if keys is None:
            _fill_big(rng, src, dst, arn, big)
        else:
            _fill(rng, src, dst, arn, _keys(keys, scale))
        _damage(rng, lab, name, how)


def _seed_many(lab: Any, rng: random.Random, n: int) -> None:
    """`n` small replicated buckets (`bucket-0000`, …), two versions each, the newest lost on the target."""
    width = max(4, len(str(n - 1)))
    for i in range(n):
        name = f"bucket-{i:0{width}d}"
        src, dst = _bucket(lab.source.site, name), _bucket(lab.target.site, name)
        arn = _link(rng, lab.source, lab.target, name)
        _link(rng, lab.target, lab.source, name)
        _fill(rng, src, dst, arn, 1)
        for v in list(dst.iter_versions())[:1]:
            dst.remove_version(v.key, v.version_id)


def seed(lab: Any, name: str, rng: random.Random, objects: Optional[int]) -> None:
    """Build scenario `name` (one of NAMES) into `lab`'s two stores."""
    if name == "site-many":
        _seed_many(lab, rng, DEFAULT_MANY if objects is None else objects)
        return
    if name == "site-replication":
        big = DEFAULT_BIG_SITE_REPL if objects is None else objects
        _seed_buckets(lab, rng, SITE_REPL_BUCKETS, big, site_repl=True, scale=scale_for(objects))
        from recovery_tui.lab.siterepl import enable

        enable(lab)
        return
    big = DEFAULT_BIG if objects is None else objects
    scale = scale_for(objects)
    _seed_buckets(lab, rng, SITE_LOSS_BUCKETS, big, site_repl=False, scale=scale)
    # legacy: replicated, but its rule was created without existing-object replication.
    src, dst = _bucket(lab.source.site, NO_EXISTING), _bucket(lab.target.site, NO_EXISTING)
    arn = _link(rng, lab.source, lab.target, NO_EXISTING, existing=False)
    _link(rng, lab.target, lab.source, NO_EXISTING, existing=False)
    _fill(rng, src, dst, arn, _keys(30, scale))
    _damage(rng, lab, NO_EXISTING, "partial")
    # staging: the damaged site lost the bucket itself.
    src = _bucket(lab.source.site, TARGET_MISSING)
    arn = _link(rng, lab.source, lab.target, TARGET_MISSING)
    _fill(rng, src, None, arn, _keys(20, scale))
    # partner-share: replicates to a third deployment only.
    src = _bucket(lab.source.site, THIRD_PARTY)
    third_id = _uuid(rng)
    register("partner-secret-0")
    tgt = store.LabTarget(arn=_arn(third_id, THIRD_PARTY), source_bucket=THIRD_PARTY, endpoint=THIRD_ENDPOINT,
                          target_bucket=THIRD_PARTY, access_key="PARTNERACCESSKEY", secret_key="partner-secret-0",
                          health_check_ns=60_000_000_000)
    lab.source.site.targets[THIRD_PARTY] = [tgt]
    rule = replconfig.active_active_rule(tgt.arn, rule_id=_rule_id(rng), priority=1)
    src.replication_xml = replconfig.render(replconfig.LabConfig(rules=[rule]))
    _fill(rng, src, None, tgt.arn, _keys(15, scale))


def recoverable(name: str, objects: Optional[int] = None) -> tuple[str, ...]:
    """The buckets of scenario `name` a plan must offer for resync (tests and docs)."""
    if name == "site-many":
        n = DEFAULT_MANY if objects is None else objects
        return tuple(f"bucket-{i:0{max(4, len(str(n - 1)))}d}" for i in range(n))
    spec = SITE_REPL_BUCKETS if name == "site-replication" else SITE_LOSS_BUCKETS
    return tuple(sorted(n for n, _, _ in spec))


__all__ = ["NAMES", "seed", "recoverable", "BIG_BUCKET", "NO_EXISTING", "TARGET_MISSING", "THIRD_PARTY"]
