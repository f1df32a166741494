"""No resync-backlog run changes what clients read, on any lab scenario (canary keys aside).

For every key on both sites the latest version (ID, ETag, delete-marker flag) is read straight from
the lab's store before and after each kind of run (HEAD re-trigger, --clear-checksum --yes):
- on the source the latest stays the same; the one allowed change is a --clear-checksum copy of the
  latest itself, which serves the same ETag under a new version ID (the old latest stays right below);
- on the target the latest either stays the same or becomes exactly the source's latest (replication
  doing its job): it never moves to content the source does not serve.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from helpers.labkit import drain_replication, use_lab_env
from recovery_tui.cli import main
from recovery_tui.lab.scenarios import NAMES
from recovery_tui.lab.server import Lab

pytestmark = pytest.mark.slow  # every backlog mode on every scenario

Latest = dict[str, tuple[str, str, bool]]


def latest_by_key(lab: Lab, site: str) -> Latest:
    b = lab.site(site).site.buckets.get("data")

    def read() -> Latest:
        if b is None:
            return {}
        return {k: (vs[0].version_id, vs[0].etag or "", vs[0].delete_marker) for k, vs in b.versions.items() if vs}

    return lab.call(read)


def second_version(lab: Lab, key: str) -> str:
    return lab.call(lambda: lab.site("source").site.buckets["data"].versions[key][1].version_id)


def check(lab: Lab, src0: Latest, dst0: Latest) -> None:
    src1, dst1 = latest_by_key(lab, "source"), latest_by_key(lab, "target")
    assert set(src1) == set(src0)
    for key, (vid, etag, dm) in src0.items():
        nvid, netag, ndm = src1[key]
        assert (netag, ndm) == (etag, dm), f"source {key}: what clients read changed"
        if nvid != vid:  # only a copy of the latest onto itself; the old latest sits right below it
            assert second_version(lab, key) == vid, f"source {key}: latest replaced by something else"
    for key, now in dst1.items():
        if dst0.get(key) != now:
            assert key in src1 and now[1:] == src1[key][1:], f"target {key}: moved away from the source"


@pytest.mark.parametrize("scenario", NAMES)
def test_backlog_runs_never_change_the_latest_version(scenario: str, lab_factory: Callable[..., Lab],
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    lab = lab_factory(scenario, objects=45 if scenario != "large" else 300)
    use_lab_env(lab, monkeypatch)
    src0, dst0 = latest_by_key(lab, "source"), latest_by_key(lab, "target")
    for argv in (["resync-backlog", "source/data", "--dry-run"],
                 ["resync-backlog", "source/data", "--clear-checksum", "--dry-run"],
                 ["resync-backlog", "source/data", "--clear-checksum", "--validate"],
                 ["resync-backlog", "source/data"],
                 ["resync-backlog", "source/data", "--clear-checksum", "--yes"]):
        try:
            main(argv)
        except SystemExit:
            pass
        capsys.readouterr()
        drain_replication(lab)  # what the run queued has landed
        check(lab, src0, dst0)


def test_checksum_failures_scenario_refuses_what_would_revert_or_undelete(
        lab_factory: Callable[..., Lab], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The operator's reproduction: on checksum-failures some FAILED versions are noncurrent or deleted.
    They are refused (listed with the reason) and the run exits 1; the rest are copied."""
    lab = lab_factory("checksum-failures")
    use_lab_env(lab, monkeypatch)
    src = lab.source.site.buckets["data"]
    broken: list[Any] = lab.call(lambda: [v for v in src.iter_versions() if v.checksum_broken])
    latest = latest_by_key(lab, "source")
    unsafe = [v for v in broken if latest[v.key][0] != v.version_id]
    assert unsafe, "the scenario must hold FAILED versions that are not their key's latest"
    code = main(["resync-backlog", "source/data", "--clear-checksum", "--yes"])
    out = capsys.readouterr().out
    assert code == 1 and "cannot be cleared without changing what clients read" in out
    assert "✓ Replication trigger completed" not in out
    for v in unsafe[:3]:
        assert v.key in out
