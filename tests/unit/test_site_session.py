"""`SiteSession.choose_plan`: the buckets the operator included, across a plan read again (r on the plan)."""

from __future__ import annotations

from recovery_tui.procedure.site_ops import SiteSession
from recovery_tui.service.sitemodels import BUCKET_MODE, BucketPlan, SitePlan


def _plan(ready: set[str], broken: set[str] = frozenset()) -> SitePlan:  # type: ignore[assignment]
    rows = [BucketPlan(b, recoverable=True) for b in sorted(ready)]
    rows += [BucketPlan(b, recoverable=False, reason="no rule") for b in sorted(broken)]
    return SitePlan("source", "target", BUCKET_MODE, tuple(rows))


def test_a_first_plan_includes_every_recoverable_bucket() -> None:
    session = SiteSession("source", "target")
    session.choose_plan(_plan({"a", "b"}, {"c"}))
    assert session.included == {"a", "b"}


def test_reading_the_plan_again_keeps_the_operators_choice() -> None:
    session = SiteSession("source", "target")
    session.choose_plan(_plan({"a", "b", "c"}, {"d"}))
    session.included.discard("b")  # left out by the operator
    session.choose_plan(_plan({"a", "b", "d"}, {"c"}))  # d's rule was fixed meanwhile; c broke
    assert session.included == {"a", "d"}
    session.included = set()  # a: none
    session.choose_plan(_plan({"a", "b", "d"}))
    assert session.included == set()


def test_after_a_reattach_the_interrupted_runs_choice_wins() -> None:
    session = SiteSession("source", "target", resume_included={"a", "x"})
    session.choose_plan(_plan({"a", "b"}))
    assert session.included == {"a"}
