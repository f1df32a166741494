"""Two in-memory sites answering ListObjectVersions with the lab's own bytes, for engine tests without servers.

`sites(src_bucket, dst_bucket, hook)` is a stand-in for `RecoveryService` as `VersionLister` uses it
(`service.site(alias).http.send` and `.ctx`): aliases "src" and "dst" serve the two lab `Bucket`s through
`recovery_tui.lab.listing.list_versions` (delimiters, markers with their `[minio_cache:…]` tag, MinIO's
shape). `hook(alias, prefix, delimiter, key_marker)` runs before every answer, on the requesting thread: it
may wait on an event, count, or raise (a `RecoveryError` is what a failed request raises).
"""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Callable, Iterable, Optional

from recovery_tui.lab import listing as lab_listing
from recovery_tui.lab.store import Bucket, Version
from recovery_tui.service.errmap import CallContext
from recovery_tui.service.http import RawResponse

Hook = Callable[[str, str, str, str], None]
Rewrite = Callable[[str, bytes], bytes]
T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


class _Http:
    def __init__(self, alias: str, bucket: Bucket, hook: Optional[Hook], rewrite: Optional[Rewrite] = None) -> None:
        self.alias, self.bucket, self.hook, self.rewrite = alias, bucket, hook, rewrite
        self.lock = threading.Lock()  # the lab's store is read on one loop thread; here on many

    def send(self, method: str, path: str, query: Iterable[tuple[str, str]], *, ctx: Any, lean: bool = False
             ) -> RawResponse:
        q = dict(query)
        if self.hook is not None:
            self.hook(self.alias, q.get("prefix", ""), q.get("delimiter", ""), q.get("key-marker", ""))
        with self.lock:
            body = lab_listing.list_versions(self.bucket, prefix=q.get("prefix", ""), delimiter=q.get("delimiter", ""),
                                             key_marker=q.get("key-marker", ""),
                                             vid_marker=q.get("version-id-marker", ""), max_keys=int(q["max-keys"]))
        raw = body.encode()
        return RawResponse(200, {}, body=self.rewrite(self.alias, raw) if self.rewrite is not None else raw)


def sites(src: Bucket, dst: Bucket, hook: Optional[Hook] = None, rewrite: Optional[Rewrite] = None) -> Any:
    """A service-like object with sites "src" and "dst" serving `src` and `dst`."""
    by_alias = {alias: SimpleNamespace(http=_Http(alias, b, hook, rewrite), ctx=lambda *a: CallContext(*a))
                for alias, b in (("src", src), ("dst", dst))}
    return SimpleNamespace(site=lambda alias: by_alias[alias])


Spec = tuple[str, str, int, bool]
"""(key, version id, size, delete marker); a key's versions are given oldest first."""


def bucket(specs: Iterable[Spec]) -> Bucket:
    """A versioned lab bucket holding `specs` (each key's last spec is its newest version)."""
    b = Bucket("data", versioning="Enabled")
    for n, (key, vid, size, dm) in enumerate(specs):
        b.add_version(Version(key, vid, b"x" * size, last_modified=T0 + timedelta(seconds=n), delete_marker=dm))
    return b


def random_pair(seed: int, shape: str) -> tuple[Bucket, Bucket]:
    """A source and a target bucket of one tree `shape` (deep, wide, mixed) with differences between them:
    versions missing on the target, extra on it, mismatched, delete markers, a prefix on one side only,
    keys beside prefixes ("a", "a.txt", "a/…", "a0") and directory markers ("d/" as a key)."""
    rng = random.Random(f"{shape}-{seed}")
    keys: list[str] = []
    if shape == "deep":
        for i in range(rng.randrange(20, 60)):
            depth = rng.randrange(1, 7)
            keys.append("/".join(rng.choice("ab") + str(rng.randrange(3)) for _ in range(depth)) + f"/k{i}")
    elif shape == "wide":
        for i in range(rng.randrange(60, 140)):
            sub = f"s{rng.randrange(3)}/" if rng.random() < 0.3 else ""
            keys.append(f"w{rng.randrange(70):02d}/{sub}k{i}")
    else:
        for i in range(rng.randrange(40, 90)):
            stem = rng.choice(("a", "b", "c", "é", "z"))
            keys.append(rng.choice((stem, f"{stem}.txt", f"{stem}0", f"{stem}/", f"{stem}/{i}", f"{stem}/x/{i}",
                                    f"{stem}/x/y/{i}", f"{stem}/ü {i}&<", f"{stem}-{i}")))
    keys.append("only-src/" + str(rng.randrange(5)))
    src: list[Spec] = []
    dst: list[Spec] = []
    for n, k in enumerate(sorted(set(keys))):
        for v in range(rng.choice((1, 1, 2, 3))):
            dm = rng.random() < 0.15
            spec = (k, f"v{n}-{v}", rng.randrange(4), dm)  # version IDs as a server writes them: no markup
            src.append(spec)
            roll = rng.random()
            if k.startswith("only-src/") or roll < 0.08:
                continue  # missing on the target
            if roll < 0.14:
                spec = (k, spec[1], spec[2] + 1, dm)  # mismatched size
            dst.append(spec)
        if rng.random() < 0.05:
            dst.append((k, f"v{n}-extra", 1, False))  # extra on the target
    return bucket(src), bucket(dst)
