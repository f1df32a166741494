"""Fixtures for the inventory tests: aistor/community labs, a service over them, bounded waits on lab state."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from recovery_tui.lab.server import Lab
from recovery_tui.service.aliases import AliasBook, BucketPath
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.inventory_engine import InventoryOptions

for _needed in ("duckdb", "pyarrow"):  # looked up, not imported: the tests import them when they run
    if importlib.util.find_spec(_needed) is None:
        pytest.skip(f"could not import {_needed!r}: the inventory engine needs it", allow_module_level=True)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One xdist worker runs every inventory test: duckdb and pyarrow (~0.4 CPU-s of imports) load in that
    worker only, not in each."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("inventory"))

SRC, DST = BucketPath("source", "data"), BucketPath("target", "data")


def service_for(lab: Lab) -> RecoveryService:
    return RecoveryService(AliasBook(dict(lab.env())))


def options(tmp_path: Path, **kw: Any) -> InventoryOptions:
    """Fast polling, differences written under the test's folder."""
    base: dict[str, Any] = {"poll_interval": 0.02, "diffs_path": tmp_path / "differences.jsonl"}
    return InventoryOptions(**{**base, **kw})


def inventory_requests(lab: Lab, site: str) -> list[tuple[str, str]]:
    return [(m, p) for m, p in lab.site(site).request_log if "minio-inventory" in p]


def diff_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def jobs(lab: Lab, site: str) -> dict[Any, Any]:
    return dict(lab.site(site).site.inventory_jobs)


def objects_under(lab: Lab, site: str, bucket: str, prefix: str) -> list[str]:
    b = lab.site(site).site.buckets.get(bucket)
    return [] if b is None else [k for k in b.keys if k.startswith(prefix)]


@pytest.fixture
def aistor(lab_factory: Callable[..., Lab]) -> Callable[..., Lab]:
    """`aistor("partial-loss", objects=None)` → a started aistor-flavour lab (reports bucket created)."""

    def start(scenario: str = "partial-loss", objects: Optional[int] = None) -> Lab:
        return lab_factory(scenario, flavor="aistor", objects=objects)

    return start
