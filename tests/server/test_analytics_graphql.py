"""The analytics API: projectDashboard and operationsMetrics over the schema, with errors and access as data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from server.auth.identity import Viewer
from server.db import Database
from server.db.access import Role
from server.graphql import Context, schema
from server.graphql.ids import encode_id
from server.services.analytics import Scope, project_dashboard
from server.services.analytics.dashboard import scope_metrics
from server.settings import Settings
from tests.server.percentile_bound import assert_within_bound
from tests.server.test_analytics_speed_cost import _speed_world

DASHBOARD = """
query($projectId: ID!, $from: DateTime, $to: DateTime) {
  projectDashboard(projectId: $projectId, from: $from, to: $to) {
    __typename
    ... on UserError { message field }
    ... on ProjectDashboard {
      projectId projectName from to qualityTarget
      quality {
        labels benchmarkLabels benchmarkAccuracy reviews approvalRate firstPassAcceptance reworkRate
        reviewedLabels reviewedFirstPassAcceptance
      }
      agreement { units values pairwise alpha byLabeler { labelerId agreement } byProject { projectId alpha } }
      issues { raised open resolved resolvedInWindow meanHoursToResolve }
      speed {
        labels meanSeconds medianSeconds p90Seconds reviews medianReviewSeconds reworkedLabels reworkSeconds
        activeDays labelsPerDay labelingHours labelsPerLabelerHour
      }
      cost {
        cost acceptedLabels costPerAcceptedLabel hours
        usage { day projectId vendorId labels acceptedLabels hours cost }
        budget { budget spent burn remaining }
      }
      forecast { asOf remainingTasks dailyCompletions meanPerDay expectedDate earliestDate latestDate onTrack }
      sla { turnaroundHours targetShare completed withinSla attainment met openBreached byDay { day attainment } }
      days { day labels medianSeconds p90Seconds cost completedTasks slaAttainment }
      labelers { labelerId vendorId labels medianSeconds cost quality { approvalRate } agreement }
      learningCurves {
        labelerId points { tenureDay day labels meanSeconds } fitStatus tauDays tauDaysSe improvement
      }
      outliers { labelerId tenureWeek robustZ direction benchmarkAccuracy }
      labelerOutliers { labelerId profile qualityZ speedZ approval { share count cohortShare z } }
    }
  }
}
"""

METRICS = """
query($projectId: ID, $vendorId: ID, $labelerId: ID, $from: DateTime, $to: DateTime, $day: Date) {
  operationsMetrics(
    projectId: $projectId, vendorId: $vendorId, labelerId: $labelerId, from: $from, to: $to, day: $day
  ) {
    __typename
    ... on UserError { message field }
    ... on OperationsMetrics {
      from to
      speed { labels medianSeconds p90Seconds }
      cost { cost budget { spent } }
      quality { labels }
      labelers { labelerId labels }
    }
  }
}
"""


async def _run(database: Database, query: str, variables: dict[str, Any], viewer: Viewer | None = None) -> Any:
    context = Context(database, Settings(), viewer=viewer)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data


async def test_dashboard_over_graphql(database: Database) -> None:
    ids = await _speed_world(database)
    project = encode_id("Project", ids["project"])
    variables = {"projectId": project, "from": "2024-03-05T00:00:00Z", "to": "2024-03-07T00:00:00Z"}
    data = (await _run(database, DASHBOARD, variables))["projectDashboard"]
    assert data["__typename"] == "ProjectDashboard"
    assert data["projectId"] == project
    # The hand-computed figures of the speed and cost fixture (see test_analytics_speed_cost).
    assert_within_bound(data["speed"]["medianSeconds"], 40.0)
    assert_within_bound(data["speed"]["p90Seconds"], 64.0)
    assert data["cost"]["cost"] == pytest.approx(2.60)
    assert data["cost"]["budget"]["burn"] == pytest.approx(0.36)
    assert [day["day"] for day in data["days"]] == ["2024-03-05", "2024-03-06"]
    assert [day["labels"] for day in data["days"]] == [4, 3]
    assert {row["vendorId"] for row in data["cost"]["usage"]} == {
        encode_id("Vendor", ids["hourly"]),
        encode_id("Vendor", ids["per_label"]),
    }
    assert {row["labelerId"]: row["labels"] for row in data["labelers"]} == {
        encode_id("Labeler", ids["a"]): 4,
        encode_id("Labeler", ids["b"]): 3,
    }
    assert len(data["forecast"]["dailyCompletions"]) == 14
    # Two days of labels per labeler: too few points for a curve, and the answer says so instead of a number.
    assert {(c["fitStatus"], c["tauDays"], c["tauDaysSe"]) for c in data["learningCurves"]} == {
        ("TOO_FEW_POINTS", None, None)
    }


async def test_dashboard_and_metrics_over_windows_cut_inside_days(database: Database) -> None:
    ids = await _speed_world(database)
    project = encode_id("Project", ids["project"])
    # 2024-03-05T06:00-07:00 is 13:00 UTC; the window ends at 20:30 UTC the next day.
    start, end = datetime(2024, 3, 5, 13, tzinfo=UTC), datetime(2024, 3, 6, 20, 30, tzinfo=UTC)
    variables = {"projectId": project, "from": "2024-03-05T06:00:00-07:00", "to": "2024-03-06T20:30:00Z"}
    data = (await _run(database, DASHBOARD, variables))["projectDashboard"]
    assert data["__typename"] == "ProjectDashboard"
    async with database.session() as session:
        dashboard = await project_dashboard(session, ids["project"], start=start, end=end)
        by_vendor = await scope_metrics(session, Scope(vendor_id=ids["hourly"], start=start, end=end))
    assert data["speed"]["labels"] == dashboard.speed.labels > 0
    assert data["speed"]["medianSeconds"] == pytest.approx(dashboard.speed.median_seconds)
    assert data["quality"]["firstPassAcceptance"] == pytest.approx(dashboard.quality.first_pass_acceptance)
    assert data["forecast"]["remainingTasks"] == dashboard.forecast.remaining_tasks
    assert [day["day"] for day in data["days"]] == ["2024-03-05", "2024-03-06"]
    for bounds in ({"from": variables["from"]}, {"to": variables["to"]}, variables):
        vendor_variables = {
            "vendorId": encode_id("Vendor", ids["hourly"]),
            **{k: bounds.get(k) for k in ("from", "to")},
        }
        metrics = (await _run(database, METRICS, vendor_variables))["operationsMetrics"]
        assert metrics["__typename"] == "OperationsMetrics"
    assert metrics["speed"]["labels"] == by_vendor.speed.labels


async def test_metrics_of_a_day_a_vendor_and_a_labeler(database: Database) -> None:
    ids = await _speed_world(database)
    project = encode_id("Project", ids["project"])
    one_day = (await _run(database, METRICS, {"projectId": project, "day": "2024-03-05"}))["operationsMetrics"]
    # Day 1: 10, 20, 30, 50 s.
    assert one_day["from"] == "2024-03-05T00:00:00+00:00"
    assert one_day["speed"]["labels"] == 4
    assert_within_bound(one_day["speed"]["medianSeconds"], 25.0)
    vendor = (await _run(database, METRICS, {"vendorId": encode_id("Vendor", ids["per_label"])}))["operationsMetrics"]
    assert vendor["cost"]["cost"] == pytest.approx(1.0)
    assert vendor["cost"]["budget"] is None
    labeler = (await _run(database, METRICS, {"labelerId": encode_id("Labeler", ids["a"])}))["operationsMetrics"]
    # a: 100 s before the window and 10, 20, 30, 40 s in it; no window here: median of five = 30.
    assert labeler["speed"]["labels"] == 5
    assert_within_bound(labeler["speed"]["medianSeconds"], 30.0)


@pytest.mark.parametrize(
    ("variables", "typename", "field"),
    [
        ({"projectId": encode_id("Project", 999)}, "NotFoundError", "projectId"),
        ({"projectId": encode_id("Vendor", 1)}, "ValidationError", "projectId"),
        ({"from": "2024-03-05T00:00:00"}, "ValidationError", "from"),
        ({"from": "2024-03-06T00:00:00Z", "to": "2024-03-05T00:00:00Z"}, "ValidationError", "to"),
    ],
)
async def test_dashboard_errors_are_data(
    database: Database, variables: dict[str, Any], typename: str, field: str
) -> None:
    ids = await _speed_world(database)
    variables = {"projectId": encode_id("Project", ids["project"]), **variables}
    data = (await _run(database, DASHBOARD, variables))["projectDashboard"]
    assert data["__typename"] == typename
    assert data["field"] == field


async def test_metrics_refuse_day_with_a_window(database: Database) -> None:
    data = await _run(database, METRICS, {"day": "2024-03-05", "from": "2024-03-05T00:00:00Z"})
    assert data["operationsMetrics"]["__typename"] == "ValidationError"
    assert data["operationsMetrics"]["field"] == "day"


async def test_access_program_manager_and_vendor_manager(database: Database) -> None:
    ids = await _speed_world(database)
    project = encode_id("Project", ids["project"])
    own = Viewer(role=Role.PROGRAM_MANAGER, user_id=1, project_ids=frozenset({ids["project"]}))
    stranger = Viewer(role=Role.PROGRAM_MANAGER, user_id=2, project_ids=frozenset({ids["project"] + 100}))
    vendor_manager = Viewer(role=Role.VENDOR_MANAGER, user_id=3, vendor_id=ids["per_label"])
    labeler = Viewer(role=Role.LABELER, user_id=4, labeler_id=ids["a"])

    async def dashboard(viewer: Viewer) -> str:
        return str((await _run(database, DASHBOARD, {"projectId": project}, viewer))["projectDashboard"]["__typename"])

    assert await dashboard(own) == "ProjectDashboard"
    assert await dashboard(stranger) == "NotFoundError"
    assert await dashboard(vendor_manager) == "NotFoundError"
    assert await dashboard(labeler) == "NotFoundError"

    own_vendor = {"vendorId": encode_id("Vendor", ids["per_label"])}
    other_vendor = {"vendorId": encode_id("Vendor", ids["hourly"])}
    result = (await _run(database, METRICS, own_vendor, vendor_manager))["operationsMetrics"]
    assert result["__typename"] == "OperationsMetrics"
    assert result["cost"]["cost"] == pytest.approx(1.0)
    assert (await _run(database, METRICS, other_vendor, vendor_manager))["operationsMetrics"][
        "__typename"
    ] == "NotFoundError"
    assert (await _run(database, METRICS, {}, labeler))["operationsMetrics"]["__typename"] == "ValidationError"
