"""`recovery-tui site canary SRC DST` (issue 11 item 5, headless): a round over named buckets or a sample, the
`--json` shape, exit 0 only when every sampled bucket was seen both ways (an unproven one is "unknown", exit 1),
canaries only in the sampled buckets, each write journaled with the mc commands it stands for, bad input exit 2."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from helpers.labkit import run_cli as run
from helpers.labkit import site_loss_lab, use_lab_env
from recovery_tui.journal import list_runs, read_run
from recovery_tui.lab.server import Lab
from recovery_tui.service.canary import CANARY_PREFIX


@pytest.fixture
def loss(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    with site_loss_lab(40) as lab:
        use_lab_env(lab, monkeypatch)
        yield lab


def canary_buckets(lab: Lab) -> dict[str, set[str]]:
    """site → the buckets holding a canary key."""
    return dict(lab.call(lambda: {rt.site.name: {n for n, b in rt.site.buckets.items()
                                                 if any(k.startswith(CANARY_PREFIX) for k in b.keys)}
                                  for rt in (lab.source, lab.target)}))


def test_named_buckets_seen_both_ways_exit_0_and_journaled(loss: Lab, capsys: Any) -> None:
    code, out, err = run(capsys, "site", "canary", "source", "target", "--buckets", "logs,audit", "--yes", "--json",
                         "--timeout", "20")
    doc = json.loads(out)
    assert code == 0, err
    assert {"source", "target", "run_id", "sample", "buckets", "seen", "not_seen", "unknown"} <= set(doc)
    assert doc["sample"] == {"how": "marked", "size": 2, "of": 13}
    assert {b["bucket"]: b["verdict"] for b in doc["buckets"]} == {"logs": "seen both ways", "audit": "seen both ways"}
    assert all(len(b["checks"]) == 2 and all(c["seen"] for c in b["checks"]) for b in doc["buckets"])
    assert canary_buckets(loss) == {"source": {"logs", "audit"}, "target": {"logs", "audit"}}
    records = [r for run_ in list_runs() if run_.mode == "site-canary" for r in read_run(run_.path)]
    writes = [r for r in records if r["action"] == "site.canary"]
    assert sorted(r["detail"]["bucket"] for r in writes) == ["audit", "logs"]
    assert all(r["mc"].startswith("echo canary | mc pipe source/") and "mc stat --version-id" in r["mc"]
               for r in writes)


@pytest.mark.slow
def test_one_way_bucket_is_unknown_exit_1(loss: Lab, capsys: Any) -> None:
    code, out, _ = run(capsys, "site", "canary", "source", "target", "--buckets", "photos", "--yes", "--json",
                       "--timeout", "20")
    doc = json.loads(out)
    (row,) = doc["buckets"]
    assert code == 1 and row["verdict"] == "unknown" and row["one_way"] is True and doc["unknown"] == 1
    assert [(c["from"], c["to"], c["seen"]) for c in row["checks"]] == [("source", "target", True)]
    code, out, _ = run(capsys, "site", "canary", "source", "target", "--buckets", "photos", "--yes", "--timeout", "20")
    assert code == 1 and "? unknown" in out and "not tested" in out and "✓" not in out


def test_sample_of_the_biggest(loss: Lab, capsys: Any) -> None:
    code, out, err = run(capsys, "site", "canary", "source", "target", "--sample", "2", "--yes", "--json",
                         "--timeout", "20")
    doc = json.loads(out)
    assert doc["sample"] == {"how": "biggest", "size": 2, "of": 13}
    picked = [b["bucket"] for b in doc["buckets"]]
    code_plan, plan_out, _ = run(capsys, "site", "plan", "source", "target", "--json")
    sizes = {b["bucket"]: b["source_versions"] for b in json.loads(plan_out)["buckets"] if b["recoverable"]}
    assert sorted(sizes, key=lambda b: (-sizes[b], b))[:2] == picked
    assert code == (0 if all(b["verdict"] == "seen both ways" for b in doc["buckets"]) else 1), err
    assert canary_buckets(loss)["source"] == set(picked)


@pytest.mark.parametrize("argv, needle", [
    (["--sample", "0", "--yes"], "--sample must be at least 1"),
    (["--sample", "2", "--buckets", "logs", "--yes"], "give one"),
    (["--buckets", "legacy", "--yes"], "cannot be resynced"),
    (["--buckets", "logs"], "needs confirmation"),
])
def test_bad_input_exit_2_and_nothing_written(loss: Lab, capsys: Any, argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, "site", "canary", "source", "target", *argv)
    assert code == 2 and out == "" and needle in err
    assert canary_buckets(loss) == {"source": set(), "target": set()}
