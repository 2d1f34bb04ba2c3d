"""The analytics API over windows users write: offsets, bounds on a label's own time, windows inside one day, from
or to alone, empty windows, ties, and the forecast's as-of, on both databases, against the raw rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest

from server.db import Database
from server.db.enums import LabelerStage, LabelStatus, PricingModel, ReviewVerdict
from server.db.models import LabelerStageEvent
from server.graphql import Context, schema
from server.graphql.ids import encode_id
from server.services.analytics import Scope
from server.services.analytics.outliers import fetch_outliers
from server.settings import Settings
from tests.server.test_analytics_world import World, day

METRICS = """
query($projectId: ID, $vendorId: ID, $labelerId: ID, $from: DateTime, $to: DateTime) {
  operationsMetrics(projectId: $projectId, vendorId: $vendorId, labelerId: $labelerId, from: $from, to: $to) {
    __typename
    ... on UserError { message field }
    ... on OperationsMetrics {
      quality { labels reviews approvalRate firstPassAcceptance reviewedFirstPassAcceptance reworkRate }
      speed { labels meanSeconds medianSeconds p90Seconds reviews medianReviewSeconds labelingHours }
      cost { cost labelingCost reviewCost reviewHours }
      labelers { labelerId labels medianSeconds p90Seconds }
    }
  }
}
"""

DASHBOARD = """
query($projectId: ID!, $from: DateTime, $to: DateTime, $asOf: DateTime) {
  projectDashboard(projectId: $projectId, from: $from, to: $to, asOf: $asOf) {
    __typename
    ... on UserError { message field }
    ... on ProjectDashboard {
      quality { labels reviews approvalRate firstPassAcceptance reviewedFirstPassAcceptance reworkRate }
      speed { labels meanSeconds medianSeconds p90Seconds reviews medianReviewSeconds labelingHours }
      cost { cost labelingCost reviewCost }
      forecast { asOf remainingTasks dailyCompletions meanPerDay expectedDate earliestDate latestDate }
      sla { completed withinSla openBreached }
      days { day labels medianSeconds p90Seconds completedTasks }
      labelers { labelerId labels medianSeconds p90Seconds }
      agreement { units values pairwise alpha }
    }
  }
}
"""


async def _run(database: Database, query: str, variables: dict[str, Any]) -> Any:
    result = await schema.execute(query, variable_values=variables, context_value=Context(database, Settings()))
    assert result.errors is None, result.errors
    return result.data


# Ties: many equal times, even counts. All inside day 1 and day 2 so windows inside one day are exact.
TIMES_DAY1 = [(1, 10.0), (2, 10.0), (3, 10.0), (4, 20.0), (12, 20.0), (13, 30.0)]
TIMES_DAY2 = [(0, 10.0), (6, 10.0), (12, 40.0), (23.5, 40.0)]


async def _world(database: Database) -> dict[str, Any]:
    async with database.transaction() as session:
        w = World(session)
        hourly = await w.vendor(PricingModel.HOURLY)
        project = await w.project(budget=100.0, sla_turnaround_hours=24.0)
        a = await w.labeler(hourly, hourly_rate=36.0)
        b = await w.labeler(hourly, hourly_rate=72.0)
        qa = await w.labeler(hourly, hourly_rate=36.0)
        labels, reviews = [], []
        for k, times in ((1, TIMES_DAY1), (2, TIMES_DAY2)):
            for i, (hours, seconds) in enumerate(times):
                who = a if i % 2 == 0 else b
                task = await w.task(project, created_at=day(0, 1))
                label = await w.label(task, who, at=day(k, hours), seconds=seconds)
                labels.append((day(k, hours), seconds, who.id))
                if i % 3 == 0:
                    await w.review(label, qa, ReviewVerdict.THUMBS_UP, seconds=30.0, at=day(k, hours))
                    reviews.append((day(k, hours), 30.0, who.id))
        return {"project": project.id, "vendor": hourly.id, "a": a.id, "b": b.id, "labels": labels, "reviews": reviews}


def _expected(labels: list[tuple[datetime, float, int]], start: datetime | None, end: datetime | None) -> list[float]:
    return [s for at, s, _ in labels if (start is None or at >= start) and (end is None or at < end)]


def _iso(moment: datetime, offset: timezone = UTC) -> str:
    return moment.astimezone(offset).isoformat()


PLUS_0530 = timezone(timedelta(hours=5, minutes=30))
MINUS_0700 = timezone(timedelta(hours=-7))

WINDOWS = {
    "one hour": (day(1, 1), day(1, 2)),
    "one minute on a label": (
        day(1, 12),
        day(
            1,
            12,
        )
        + timedelta(minutes=1),
    ),
    "ending on a label": (day(1, 0), day(1, 12)),
    "starting on a label": (day(1, 12), day(1, 20)),
    "inside one day": (day(1, 0.5), day(1, 23.5)),
    "across midnight": (day(1, 12), day(2, 12)),
    "no labels": (day(1, 14), day(1, 15)),
    "before any data": (day(-30), day(-29, 5)),
}


@pytest.mark.parametrize("name", sorted(WINDOWS))
@pytest.mark.parametrize("offset", [UTC, PLUS_0530, MINUS_0700], ids=["Z", "+05:30", "-07:00"])
async def test_windows_match_the_rows(database: Database, name: str, offset: timezone) -> None:
    world = await _world(database)
    start, end = WINDOWS[name]
    values = _expected(world["labels"], start, end)
    variables = {
        "projectId": encode_id("Project", world["project"]),
        "from": _iso(start, offset),
        "to": _iso(end, offset),
    }
    data = (await _run(database, METRICS, variables))["operationsMetrics"]
    assert data["__typename"] == "OperationsMetrics", data
    assert data["speed"]["labels"] == len(values)
    if values:
        assert data["speed"]["medianSeconds"] == pytest.approx(float(np.percentile(values, 50)))
        assert data["speed"]["p90Seconds"] == pytest.approx(float(np.percentile(values, 90)))
    else:
        assert data["speed"]["medianSeconds"] is None
    # Every window here lies inside one day or crosses one midnight between two cut days: percentiles are exact.
    by_labeler: dict[str, list[float]] = {}
    for at, seconds, labeler_id in world["labels"]:
        if start <= at < end:
            by_labeler.setdefault(encode_id("Labeler", labeler_id), []).append(seconds)
    labelers = {row["labelerId"]: row for row in data["labelers"]}
    assert set(labelers) == set(by_labeler)
    for labeler_id, times in by_labeler.items():
        assert labelers[labeler_id]["medianSeconds"] == pytest.approx(float(np.percentile(times, 50)))
        assert labelers[labeler_id]["p90Seconds"] == pytest.approx(float(np.percentile(times, 90)))
    dash = (await _run(database, DASHBOARD, variables))["projectDashboard"]
    assert dash["__typename"] == "ProjectDashboard", dash
    assert dash["speed"]["labels"] == len(values)
    assert sum(d["labels"] for d in dash["days"]) == len(values)


@pytest.mark.parametrize("name", sorted(WINDOWS))
async def test_vendor_and_labeler_scopes_match_the_rows(database: Database, name: str) -> None:
    world = await _world(database)
    start, end = WINDOWS[name]
    for key, who in (("vendorId", None), ("labelerId", world["a"]), ("labelerId", world["b"])):
        values = [s for at, s, by in world["labels"] if start <= at < end and (who is None or by == who)]
        ident = encode_id("Vendor", world["vendor"]) if who is None else encode_id("Labeler", who)
        variables = {key: ident, "from": _iso(start, PLUS_0530), "to": _iso(end, MINUS_0700)}
        data = (await _run(database, METRICS, variables))["operationsMetrics"]
        assert data["__typename"] == "OperationsMetrics", data
        assert data["speed"]["labels"] == len(values), (key, who)
        reviews = sum(1 for at, _, by in world["reviews"] if start <= at < end and (who is None or by == who))
        assert data["speed"]["reviews"] == reviews
        assert data["quality"]["reviews"] == reviews
        if values:
            assert data["speed"]["medianSeconds"] == pytest.approx(float(np.percentile(values, 50)))
            assert data["speed"]["p90Seconds"] == pytest.approx(float(np.percentile(values, 90)))


async def test_the_same_instants_written_with_other_offsets_give_the_same_answer(database: Database) -> None:
    """Given the same window and as-of written in UTC, +05:30 and -07:00, when the dashboard is asked for each,
    then the three answers are identical, text included (every moment comes back in UTC)."""
    world = await _world(database)
    start, end, as_of = day(1, 12), day(2, 12), day(2, 2)
    answers = []
    for offset in (UTC, PLUS_0530, MINUS_0700):
        variables = {
            "projectId": encode_id("Project", world["project"]),
            "from": _iso(start, offset),
            "to": _iso(end, offset),
            "asOf": _iso(as_of, offset),
        }
        answers.append((await _run(database, DASHBOARD_WITH_WINDOW, variables))["projectDashboard"])
    assert answers[1] == answers[0]
    assert answers[2] == answers[0]
    assert answers[0]["forecast"]["asOf"] == "2024-03-06T02:00:00+00:00"
    assert (answers[0]["from"], answers[0]["to"]) == ("2024-03-05T12:00:00+00:00", "2024-03-06T12:00:00+00:00")


DASHBOARD_WITH_WINDOW = DASHBOARD.replace("... on ProjectDashboard {", "... on ProjectDashboard {\n      from to")


async def test_labels_before_production_are_in_weeks_before_tenure_week_zero(database: Database) -> None:
    """Given a labeler who entered PRODUCTION on day 14 and labeled on days 4, 8, 13, 14 and 20, when the
    outliers' labeler-weeks are read, then the weeks are floor(days since PRODUCTION / 7), as pandas counts them:
    -2, -1, -1, 0, 0; the labels of the week before PRODUCTION are not folded into tenure week 0."""
    async with database.transaction() as session:
        w = World(session)
        vendor = await w.vendor(PricingModel.HOURLY)
        project = await w.project()
        labeler = await w.labeler(vendor)
        session.add(LabelerStageEvent(labeler_id=labeler.id, stage=LabelerStage.PRODUCTION, entered_at=day(14, 9)))
        for k in (4, 8, 13, 14, 20):
            await w.label(await w.task(project), labeler, at=day(k, 10), seconds=10.0 * k)
    async with database.session() as session:
        weeks = await fetch_outliers(session, Scope(project_id=project.id), min_labels=1)
    expected: dict[int, list[float]] = {}
    for k in (4, 8, 13, 14, 20):
        expected.setdefault((k - 14) // 7, []).append(10.0 * k)
    assert {row.tenure_week: row.labels for row in weeks} == {week: len(v) for week, v in expected.items()}
    assert {row.tenure_week: row.mean_seconds for row in weeks} == pytest.approx(
        {week: sum(v) / len(v) for week, v in expected.items()}
    )


ISSUES = """
query($projectId: ID, $labelerId: ID, $from: DateTime, $to: DateTime) {
  operationsMetrics(projectId: $projectId, labelerId: $labelerId, from: $from, to: $to) {
    ... on OperationsMetrics { issues { raised open resolved resolvedInWindow } }
  }
}
"""


@pytest.mark.parametrize("scope", ["projectId", "labelerId"])
async def test_issues_are_open_or_resolved_as_of_the_end_of_the_window(database: Database, scope: str) -> None:
    """Given issues raised on day 1 and resolved at noon, exactly at the next midnight, on day 3 or never, when a
    window ending at that midnight counts them, then an issue is resolved when it was resolved before the end
    (the end is exclusive, as for every metric) and open otherwise, whatever its status today."""
    async with database.transaction() as session:
        w = World(session)
        project = await w.project()
        raiser = await w.labeler(await w.vendor())
        resolved_at = [day(1, 12), day(2), day(3), None]
        for when in resolved_at:
            await w.issue(project, at=day(1, 1), resolved_at=when, raised_by=raiser)
    ident = encode_id("Project", project.id) if scope == "projectId" else encode_id("Labeler", raiser.id)
    for start, end in ((day(1), day(2)), (day(1), day(2, 6)), (day(0, 12), None), (None, day(2, 12))):
        variables = {scope: ident, "from": start and _iso(start, PLUS_0530), "to": end and _iso(end, MINUS_0700)}
        issues = (await _run(database, ISSUES, variables))["operationsMetrics"]["issues"]
        resolved = sum(when is not None and (end is None or when < end) for when in resolved_at)
        in_window = sum(
            when is not None and (start is None or when >= start) and (end is None or when < end)
            for when in resolved_at
        )
        expected = {"raised": 4, "open": 4 - resolved, "resolved": resolved, "resolvedInWindow": in_window}
        assert issues == expected, (start, end)


BUDGET = """
query($projectId: ID, $vendorId: ID, $labelerId: ID, $from: DateTime, $to: DateTime) {
  operationsMetrics(projectId: $projectId, vendorId: $vendorId, labelerId: $labelerId, from: $from, to: $to) {
    ... on OperationsMetrics { cost { budget { budget spent burn remaining } } }
  }
}
"""


async def test_the_budget_is_the_whole_projects_or_none(database: Database) -> None:
    """Given a project with a budget of 100 whose two labelers cost 0.10 and 0.20 before the window's end, when
    its metrics are asked for the whole project and for one labeler or vendor within it, then the project's
    budget burn counts both, and a slice of the project gives no budget (what remains of it is not the slice's)."""
    async with database.transaction() as session:
        w = World(session)
        vendor, other = await w.vendor(PricingModel.HOURLY), await w.vendor(PricingModel.HOURLY)
        project = await w.project(budget=100.0)
        a, b = await w.labeler(vendor, hourly_rate=36.0), await w.labeler(other, hourly_rate=72.0)
        await w.label(await w.task(project), a, at=day(1, 3), seconds=10.0)  # 0.10
        await w.label(await w.task(project), b, at=day(1, 4), seconds=10.0)  # 0.20
    window = {"projectId": encode_id("Project", project.id), "from": _iso(day(1, 12)), "to": _iso(day(2, 5))}
    whole = (await _run(database, BUDGET, window))["operationsMetrics"]["cost"]["budget"]
    assert whole == pytest.approx({"budget": 100.0, "spent": 0.30, "burn": 0.003, "remaining": 99.70})
    for key, ident in (("vendorId", encode_id("Vendor", vendor.id)), ("labelerId", encode_id("Labeler", b.id))):
        sliced = (await _run(database, BUDGET, {**window, key: ident}))["operationsMetrics"]["cost"]["budget"]
        assert sliced is None, key


FIRST_PASS = """
query($projectId: ID, $labelerId: ID, $from: DateTime, $to: DateTime) {
  operationsMetrics(projectId: $projectId, labelerId: $labelerId, from: $from, to: $to) {
    ... on OperationsMetrics { quality { labels firstPassAcceptance reviewedLabels reviewedFirstPassAcceptance } }
  }
}
"""


@pytest.mark.parametrize(
    ("start", "end"), [(day(1), day(3)), (day(1, 2.5), day(2, 3.5)), (day(1, 2), day(1, 5)), (None, day(2, 1))]
)
async def test_first_pass_acceptance_both_ways(
    database: Database, start: datetime | None, end: datetime | None
) -> None:
    """Given labels accepted without review, accepted at their first review, rejected, reworked then accepted and
    still awaiting review, when first-pass acceptance is read over whole days and windows cut inside them, then it
    is, from the rows: accepted with no rework over labels with a verdict, and beside it accepted with no rework
    over labels that had a review."""
    kinds = ["unreviewed", "first review", "rejected", "reworked", "waiting"] * 2
    async with database.transaction() as session:
        w = World(session)
        vendor = await w.vendor(PricingModel.HOURLY)
        project = await w.project()
        labeler, reviewer = await w.labeler(vendor), await w.labeler(vendor)
        rows = []
        for i, kind in enumerate(kinds):
            at = day(1 + i // 5, 1 + i % 5)
            status = {
                "rejected": LabelStatus.REJECTED,
                "waiting": LabelStatus.SUBMITTED,
            }.get(kind, LabelStatus.ACCEPTED)
            rework = 1 if kind == "reworked" else 0
            label = await w.label(await w.task(project), labeler, at=at, status=status, rework_count=rework)
            if kind in ("first review", "rejected", "reworked"):
                verdict = ReviewVerdict.THUMBS_DOWN if kind != "first review" else ReviewVerdict.THUMBS_UP
                await w.review(label, reviewer, verdict, seconds=5.0, at=at + timedelta(minutes=10))
            rows.append((at, status, rework, kind in ("first review", "rejected", "reworked")))
    mine = [row for row in rows if (start is None or row[0] >= start) and (end is None or row[0] < end)]
    passed = [at for at, status, rework, _ in mine if status == LabelStatus.ACCEPTED and rework == 0]
    decided = [at for at, status, rework, _ in mine if status != LabelStatus.SUBMITTED or rework > 0]
    reviewed = [row for row in mine if row[3]]
    reviewed_passed = [row for row in reviewed if row[1] == LabelStatus.ACCEPTED and row[2] == 0]
    for key, ident in (
        ("projectId", encode_id("Project", project.id)),
        ("labelerId", encode_id("Labeler", labeler.id)),
    ):
        variables = {key: ident, "from": start and _iso(start, PLUS_0530), "to": end and _iso(end)}
        quality = (await _run(database, FIRST_PASS, variables))["operationsMetrics"]["quality"]
        assert quality["labels"] == len(mine)
        assert quality["firstPassAcceptance"] == pytest.approx(len(passed) / len(decided))
        assert quality["reviewedLabels"] == len(reviewed)
        assert quality["reviewedFirstPassAcceptance"] == pytest.approx(len(reviewed_passed) / len(reviewed))
