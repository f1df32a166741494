"""Lab scenarios: seeded, deterministic data sets for the demo, operator training and tests.

Every scenario but the whole-site ones (`site-loss`, `site-replication`: see `lab/sitescen.py`)
builds the same active-active pair: bucket `data` on both sites, versioning
Enabled, a remote target each way (ARN `arn:minio:replication::<peer deployment id>:data`) and
one rule each way with ExistingObjectReplication, DeleteMarkerReplication and DeleteReplication
Enabled. The objects are written straight into both stores (source COMPLETED, target REPLICA),
then the scenario damages the target. Runs on the lab's event-loop thread.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any, Optional

from recovery_tui.lab import store  # light: the CLI reads SCENARIOS for --help (replconfig loads aiohttp)

BUCKET = "data"
REPORTS_BUCKET = "recovery-tui-reports"
"""Created on both sites by the `aistor` flavour: where `validate --engine inventory` writes its reports."""
DEFAULT_OBJECTS_LARGE = 100_000

SCENARIOS: tuple[tuple[str, str], ...] = (
    ("healthy", "both sites hold the same versions; replication in sync"),
    ("partial-loss", "a seeded subset of versions is gone from the target"),
    ("total-loss", "target bucket emptied and its replication rules and remote target removed"),
    ("target-offline", "partial-loss with the target site offline"),
    ("checksum-failures", "partial-loss plus source versions FAILED until copied onto themselves"),
    ("large", "many versions (--objects N, default 100000) with a small loss on the target"),
    ("source-loss", "partial-loss on the site named 'source': the alias that sounds healthy is the damaged one"),
    ("site-loss", "16 buckets: 13 damaged on the target (one empty, one of --objects N versions, default "
                  "50000), 2 that cannot be resynced, 1 replicating to a third deployment"),
    ("site-replication", "the two sites are site-replication peers; 7 buckets damaged on the target"),
    ("site-many", "many small replicated buckets (--objects N, default 1000), each damaged on the target"),
)
NAMES: tuple[str, ...] = tuple(n for n, _ in SCENARIOS)

PREFIXES = ("docs/", "images/", "logs/2024/", "reports/q3/", "ünïcødé/")
STEMS = ("agenda", "budget", "plan", "notes", "photo", "draft", "summary", "invoice", "Übersicht",
         "日本語のファイル", "résumé final", "emoji-🚀", "a+b=c", "space name")
EXTS = (".txt", ".docx", ".json", ".png", ".csv")
EMPTY_META: dict[str, str] = {}
"""Shared by bulk-seeded versions (`large`): never mutate a version's metadata in place."""


def arn_for(peer: Any, bucket: str = BUCKET) -> str:
    """The ARN a site uses for its peer's bucket (`generateARN` with the peer deployment ID)."""
    return f"arn:minio:replication::{peer.site.deployment_id}:{bucket}"


def _vid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _rule_id(rng: random.Random) -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuv"  # xid's base32hex
    return "".join(rng.choice(alphabet) for _ in range(20))


def _setup_pair(lab: Any, rng: random.Random) -> tuple[str, str]:
    """Buckets, versioning, targets and rules both ways; returns (source→target ARN, reverse ARN)."""
    from recovery_tui.lab import replconfig

    arns = []
    for rt, peer in ((lab.source, lab.target), (lab.target, lab.source)):
        site: store.Site = rt.site
        b = site.buckets.get(BUCKET)
        if b is None:
            b = site.buckets[BUCKET] = store.Bucket(BUCKET)
        b.versioning = "Enabled"
        arn = arn_for(peer)
        site.targets[BUCKET] = [store.LabTarget(
            arn=arn, source_bucket=BUCKET, endpoint=f"{peer.host}:{peer.port}", target_bucket=BUCKET,
            secure=bool(getattr(peer, "tls", False)),
            access_key=peer.site.access_key, secret_key=peer.site.secret_key,
            region=peer.site.region, health_check_ns=60_000_000_000, last_online=store.utcnow())]
        rule = replconfig.active_active_rule(arn, rule_id=_rule_id(rng), priority=1)
        b.replication_xml = replconfig.render(replconfig.LabConfig(rules=[rule]))
        arns.append(arn)
    return arns[0], arns[1]


def _fast_version(key: str, vid: str, data: bytes, etag: str, mtime: datetime, dm: bool,
                  status: str, tstatus: dict[str, str]) -> store.Version:
    """Build a Version without __init__ (bulk seeding: shared metadata/status dicts, no hashing)."""
    v = store.Version.__new__(store.Version)
    v.key, v.version_id, v.last_modified, v.delete_marker = key, vid, mtime, dm
    v.data = b"" if dm else data
    v.size = 0 if dm else len(data)
    v.etag = "" if dm else etag
    v.content_type = "application/octet-stream"
    v.metadata = EMPTY_META
    v.replication_status = status
    v.target_status = tstatus
    v.checksum_broken = False
    return v


def _seed_small(lab: Any, rng: random.Random, arn: str, n_keys: int) -> None:
    """~`n_keys` keys with 1–5 versions each, some delete markers; both sites in sync."""
    src: store.Bucket = lab.source.site.buckets[BUCKET]
    dst: store.Bucket = lab.target.site.buckets[BUCKET]
    now = store.utcnow().replace(microsecond=0)
    keys: set[str] = set()
    while len(keys) < n_keys:
        keys.add(rng.choice(PREFIXES) + rng.choice(STEMS) + f"-{rng.randint(1, 40)}" + rng.choice(EXTS))
    for key in sorted(keys):
        n = rng.choice((1, 1, 2, 2, 3, 3, 4, 5))
        t = now - timedelta(days=rng.randint(1, 60), seconds=rng.randint(0, 86_399))
        for i in range(n):
            t += timedelta(minutes=rng.randint(1, 2_000), milliseconds=rng.randint(0, 999))
            t = min(t, now - timedelta(seconds=n - i))
            dm = i > 0 and rng.random() < (0.35 if i == n - 1 else 0.05)
            size = rng.choice((0, 17, 512, 1_024, 3_000, 8_192))
            body = (f"{key} v{i + 1}\n".encode() * (1 + size // 16))[:size] if size else b""
            vid = _vid(rng)
            s = store.Version(key, vid, body, last_modified=t, delete_marker=dm,
                              replication_status="COMPLETED")
            s.target_status = {arn: "COMPLETED"}
            r = store.Version(key, vid, body, last_modified=t, delete_marker=dm, etag=s.etag or None,
                              replication_status="REPLICA")
            src.add_version(s)
            dst.add_version(r)


def _lose(lab: Any, rng: random.Random, fraction: float, site: str = "target") -> list[tuple[str, str]]:
    """Remove a seeded `fraction` of a site's versions; returns the (key, versionId) removed."""
    dst: store.Bucket = getattr(lab, site).site.buckets[BUCKET]
    gone = [(v.key, v.version_id) for v in dst.iter_versions() if rng.random() < fraction]
    for key, vid in gone:
        dst.remove_version(key, vid)
    return gone


def _seed_large(lab: Any, rng: random.Random, arn: str, objects: int) -> None:
    """`objects` versions on the source (and the target, minus ~1%), built in bulk.

    The versions are dated from the start of the current UTC day, not from the second the seeding began: a
    replica keeps its source's modification time (the replicator sends `X-Minio-Source-Mtime`, facts §11),
    so the two sides list the same bytes for a version, also when the benchmarks seed the two sides in two
    lab processes with the same seed (`benchmarks/labproc.pair`), seconds apart."""
    src: store.Bucket = lab.source.site.buckets[BUCKET]
    dst: store.Bucket = lab.target.site.buckets[BUCKET]
    data = b"lab large scenario payload\n" * 4
    etag = store.etag_of(data)
    done: dict[str, str] = {arn: "COMPLETED"}  # shared: the replicator replaces, never mutates
    replica: dict[str, str] = {}
    now = store.utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    times = [now - timedelta(days=90) + timedelta(seconds=37 * i) for i in range(8)]
    per_key = 4
    n_keys = max(1, (objects + per_key - 1) // per_key)
    width = len(str(n_keys))
    getbits = rng.getrandbits
    # Version IDs: a seeded UUIDv4 prefix plus a counter in the node field: unique, fast to build.
    base = str(uuid.UUID(int=getbits(128), version=4))[:24]
    s_list: list[store.Version] = []
    d_list: list[store.Version] = []
    fast = _fast_version
    made = 0
    for k in range(n_keys):
        key = f"{PREFIXES[k % 4]}batch-{k // 1000:04d}/obj-{k:0{width}d}.bin"
        for i in range(min(per_key, objects - made)):
            vid = f"{base}{made:012x}"
            dm = i == per_key - 1 and k % 10 == 0
            t = times[i]
            s_list.append(fast(key, vid, data, etag, t, dm, "COMPLETED", done))
            if getbits(7):  # ~127/128 survive on the target
                d_list.append(fast(key, vid, data, etag, t, dm, "REPLICA", replica))
            made += 1
    src.bulk_load(s_list)
    dst.bulk_load(d_list)


def apply(lab: Any, name: str, *, objects: Optional[int] = None, seed: int = 0) -> None:
    """Seed `lab` with scenario `name` (see SCENARIOS); deterministic for a given seed.

    The store is mutated on the lab's loop thread (through `lab.call` when available); the
    `target-offline` fault is injected afterwards (`_take_target_offline`).
    """
    if name not in NAMES:
        raise ValueError(f"unknown scenario {name!r}; choose one of: {', '.join(NAMES)}")
    call = getattr(lab, "call", None)
    offline = call(_seed, lab, name, objects, seed) if call is not None else _seed(lab, name, objects, seed)
    if offline:
        import asyncio

        try:
            on_loop_thread = asyncio.get_running_loop() is getattr(lab, "_loop", None)
        except RuntimeError:
            on_loop_thread = False
        if on_loop_thread:  # cannot block on the loop from its own thread
            asyncio.get_running_loop().create_task(_take_target_offline(lab))
        else:
            lab.call(_take_target_offline, lab)


async def _take_target_offline(lab: Any) -> None:
    """The target site goes down and the source has already seen it down: the scenario starts in its steady state.

    The source's health loop (replication.py) probes its remote targets' host once a second, so without this probe the
    source would keep reporting the target online for up to a second after the lab started, and what a reader of
    the scenario saw (the Preflight's health item, `replicate status`) would depend on how soon it asked."""
    await lab.faults.aset_offline("target", True)
    check_health = getattr(lab.source.replicator, "check_health", None)
    if check_health is not None:
        await check_health()


def _seed(lab: Any, name: str, objects: Optional[int], seed: int) -> bool:
    """Build the scenario's data; returns whether the target must then go offline."""
    rng = random.Random(f"recovery-tui-lab:{seed}")
    from recovery_tui.lab import sitescen

    if getattr(lab, "flavor", "community") == "aistor":  # where the inventory jobs write, on every scenario
        for rt in (lab.source, lab.target):
            rt.site.buckets.setdefault(REPORTS_BUCKET, store.Bucket(REPORTS_BUCKET))
    if name in sitescen.NAMES:
        sitescen.seed(lab, name, rng, objects)
        return False
    arn, _reverse = _setup_pair(lab, rng)
    if name == "large":
        _seed_large(lab, rng, arn, DEFAULT_OBJECTS_LARGE if objects is None else objects)
        return False
    n_keys = 60 if objects is None else max(1, objects // 3)
    _seed_small(lab, rng, arn, n_keys)
    if name == "healthy":
        return False
    if name == "total-loss":
        tsite: store.Site = lab.target.site
        tsite.buckets[BUCKET].wipe()
        tsite.buckets[BUCKET].replication_xml = None
        tsite.targets[BUCKET] = []
        return False
    gone = _lose(lab, rng, 0.25, site="source" if name == "source-loss" else "target")
    if name == "checksum-failures":
        src: store.Bucket = lab.source.site.buckets[BUCKET]
        candidates = [src.get_version(k, v) for k, v in gone]
        objs = [v for v in candidates if v is not None and not v.delete_marker]
        for v in rng.sample(objs, k=max(1, len(objs) // 4)) if objs else []:
            v.checksum_broken = True
            v.target_status = {arn: "FAILED"}
            v.replication_status = "FAILED"
    return name == "target-offline"


def describe() -> str:
    """One line per scenario, for `--help` texts."""
    return "\n".join(f"{n:<18} {d}" for n, d in SCENARIOS)


__all__ = ["SCENARIOS", "NAMES", "BUCKET", "apply", "arn_for", "describe"]
