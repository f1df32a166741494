"""Every SiteClient's boto3 session shares the process's botocore data loader: the S3 model and endpoint rules are
parsed once, and nothing else is shared (each client keeps its own endpoint, credentials, retries and timeouts)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import botocore.loaders
import pytest

from recovery_tui.service import site
from recovery_tui.service.aliases import Alias
from recovery_tui.service.retry import READ_POLICY, WRITE_ONCE, RetryPolicy, Timeouts
from recovery_tui.service.secrets import Secret


def _alias(name: str, port: int, key: str) -> Alias:
    return Alias(name, f"http://127.0.0.1:{port}", f"AK-{key}", Secret(f"secret-{key}-0123456789"))


def test_later_site_clients_parse_no_botocore_data(monkeypatch: pytest.MonkeyPatch) -> None:
    site.SiteClient(_alias("warm", 9000, "w"))  # the first of the process parses what it needs
    loaded: list[str] = []
    real = botocore.loaders.JSONFileLoader.load_file

    def counting(self: Any, file_path: str) -> Any:
        loaded.append(file_path)
        return real(self, file_path)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", counting)
    for n in range(3):
        site.SiteClient(_alias(f"s{n}", 9001 + n, str(n)))
    assert loaded == []


def test_the_shared_loader_does_not_grow() -> None:
    site.SiteClient(_alias("a", 9000, "a"))
    loader = site._loader
    assert loader is not None
    paths = list(loader.search_paths)
    for n in range(3):
        site.SiteClient(_alias(f"s{n}", 9001 + n, str(n)))
    assert loader.search_paths == paths
    assert site._loader is loader
    assert len(set(paths)) == len(paths)


def test_each_client_keeps_its_own_endpoint_credentials_and_config() -> None:
    slow = site.SiteClient(_alias("slow", 9100, "slow"), timeouts=Timeouts(connect=7.0, read=40.0),
                           retry=RetryPolicy(name="FIVE", attempts=5))
    fast = site.SiteClient(_alias("fast", 9200, "fast"), timeouts=Timeouts(connect=1.0, read=2.0),
                           retry=READ_POLICY)

    def seen(client: Any) -> tuple[Any, ...]:
        cfg, creds = client.meta.config, client._request_signer._credentials
        return (client.meta.endpoint_url, creds.access_key, cfg.connect_timeout, cfg.read_timeout,
                cfg.retries["total_max_attempts"], cfg.s3["addressing_style"])

    assert seen(slow.s3) == ("http://127.0.0.1:9100", "AK-slow", 7.0, 40.0, 5, "path")
    assert seen(slow.s3_write) == ("http://127.0.0.1:9100", "AK-slow", 7.0, 40.0,
                                   WRITE_ONCE.boto_max_attempts(), "path")
    assert seen(fast.s3) == ("http://127.0.0.1:9200", "AK-fast", 1.0, 2.0, READ_POLICY.boto_max_attempts(), "path")
    assert slow.s3.meta.events is not fast.s3.meta.events


def test_the_write_client_is_built_once_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    real = site.SiteClient._make_boto

    def counting(self: site.SiteClient, session: Any, policy: RetryPolicy) -> Any:
        built.append(policy.name)
        return real(self, session, policy)

    monkeypatch.setattr(site.SiteClient, "_make_boto", counting)
    client = site.SiteClient(_alias("w", 9300, "w"))
    assert built == [READ_POLICY.name]
    together = threading.Barrier(4)

    def first_use(_: int) -> Any:
        together.wait(10)
        return client.s3_write

    with ThreadPoolExecutor(4) as pool:
        writers = list(pool.map(first_use, range(4)))
    assert built == [READ_POLICY.name, WRITE_ONCE.name]
    assert all(w is writers[0] for w in writers) and writers[0] is not client.s3
