"""Delivery plans: setting one over GraphQL, and delivery against each milestone (done, straight-line plan,
forecast date, ahead or behind) and against the expected time per task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from strawberry import relay

from server.auth.identity import Viewer
from server.db import Database
from server.db.access import Role
from server.db.enums import DataType, LabelStatus, TaskStatus
from server.db.models import Label, Labeler, Task, Vendor
from server.graphql import Context, schema
from server.services.crud.projects import ProjectFields, create_project
from server.services.rollups import rebuild_rollups
from server.settings import Settings
from tests.server.graphql_client import expect_data

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AS_OF = T0 + timedelta(days=14)

SET_PLAN = """
mutation($input: SetDeliveryPlanInput!) {
  setDeliveryPlan(input: $input) {
    __typename
    ... on DeliveryPlanPayload { expectedSecondsPerTask milestones budgetCheckpoints }
    ... on UserError { message field }
  }
}
"""
STATUS = """
query($projectId: ID!, $asOf: DateTime) {
  deliveryStatus(projectId: $projectId, asOf: $asOf) {
    __typename
    ... on DeliveryProgress {
      totalTasks doneTasks expectedSecondsPerTask actualSecondsPerTask
      milestones { name targetTasks doneTasks plannedByNow tasksAhead status expectedDate daysEarly }
      budgetCheckpoints { at plannedSpend spent plannedByNow projectedSpend overBy status }
    }
    ... on NotFoundError { field }
  }
}
"""


async def _project(database: Database, hourly_rate: float = 0.0) -> str:
    """100 tasks created at T0; 5 completed on each of the 14 days before AS_OF, each with one label of 30 s
    labeling and 6 s rework, by a labeler paid `hourly_rate`."""
    async with database.transaction() as session:
        project = await create_project(session, ProjectFields(name="Plan", data_type=DataType.TEXT))
        project_id = project.id
        vendor = Vendor(name="V", workforce_type="CROWD", pricing_model="HOURLY", rate=1.0)
        session.add(vendor)
        await session.flush()
        labeler = Labeler(vendor_id=vendor.id, name="L", hourly_rate=hourly_rate)
        session.add(labeler)
        await session.flush()
        labeler_id = labeler.id
        completed = [T0 + timedelta(days=day, hours=12) for day in range(14) for _ in range(5)]
        rows: list[dict[str, Any]] = [
            {
                "project_id": project_id,
                "external_id": f"t{i}",
                "created_at": T0,
                "completed_at": completed[i] if i < len(completed) else None,
                "status": TaskStatus.DONE if i < len(completed) else TaskStatus.TO_LABEL,
            }
            for i in range(100)
        ]
        ids = (await session.execute(insert(Task).returning(Task.id), rows)).scalars().all()
        await session.execute(
            insert(Label),
            [
                {
                    "task_id": ids[i],
                    "labeler_id": labeler_id,
                    "answer": {},
                    "status": LabelStatus.ACCEPTED,
                    "started_at": at - timedelta(minutes=1),
                    "submitted_at": at,
                    "seconds_to_label": 30.0,
                    "rework_seconds": 6.0,
                }
                for i, at in enumerate(completed)
            ],
        )
        await rebuild_rollups(session, project_id)  # completions are read from the rollups
    return str(relay.GlobalID("Project", str(project_id)))


def _milestone(name: str, days: int, **target: Any) -> dict[str, Any]:
    return {"name": name, "dueAt": (T0 + timedelta(days=days)).isoformat(), **target}


async def test_given_a_plan_then_each_milestone_is_met_missed_ahead_or_behind_by_the_forecast(
    database: Database,
) -> None:
    project = await _project(database)
    plan = {
        "projectId": project,
        "expectedSecondsPerTask": 40.0,
        "milestones": [
            _milestone("Half", 10, targetShare=0.5),
            _milestone("Early", 12, targetTasks=90),
            _milestone("Tight", 18, targetTasks=100),
            _milestone("All", 20, targetTasks=100),
        ],
        "budgetCheckpoints": [{"at": (T0 + timedelta(days=30)).isoformat(), "plannedSpend": 500.0}],
    }
    stored = await expect_data(database, SET_PLAN, {"input": plan})
    assert stored["setDeliveryPlan"] == {
        "__typename": "DeliveryPlanPayload",
        "expectedSecondsPerTask": 40.0,
        "milestones": 4,
        "budgetCheckpoints": 1,
    }

    data = (await expect_data(database, STATUS, {"projectId": project, "asOf": AS_OF.isoformat()}))["deliveryStatus"]

    assert (data["totalTasks"], data["doneTasks"]) == (100, 70)
    assert (data["expectedSecondsPerTask"], data["actualSecondsPerTask"]) == (40.0, 36.0)
    by_name = {m["name"]: m for m in data["milestones"]}
    assert [m["name"] for m in data["milestones"]] == ["Half", "Early", "Tight", "All"]  # by due date
    assert (by_name["Half"]["targetTasks"], by_name["Half"]["status"]) == (50, "MET")
    assert by_name["Half"]["daysEarly"] is None  # met: not forecast
    assert by_name["Early"]["status"] == "MISSED"
    # 5 a day over the last 14 days: the remaining 30 take 6 days, so T0 + 20 days
    assert by_name["All"]["expectedDate"] == (T0 + timedelta(days=20)).isoformat()
    assert by_name["All"]["plannedByNow"] == pytest.approx(70.0)
    assert (by_name["All"]["status"], by_name["All"]["daysEarly"]) == ("AHEAD", pytest.approx(0.0))
    assert by_name["Tight"]["tasksAhead"] == pytest.approx(70 - 100 * 14 / 18)
    assert (by_name["Tight"]["status"], by_name["Tight"]["daysEarly"]) == ("BEHIND", pytest.approx(-2.0))
    assert [(c["at"], c["plannedSpend"]) for c in data["budgetCheckpoints"]] == [
        ((T0 + timedelta(days=30)).isoformat(), 500.0)
    ]

    # a new plan replaces the old one whole
    await expect_data(
        database, SET_PLAN, {"input": {"projectId": project, "milestones": [_milestone("X", 30, targetTasks=1)]}}
    )
    again = (await expect_data(database, STATUS, {"projectId": project, "asOf": AS_OF.isoformat()}))["deliveryStatus"]
    assert [m["name"] for m in again["milestones"]] == ["X"]
    assert again["expectedSecondsPerTask"] is None and again["budgetCheckpoints"] == []


async def test_spend_against_budget_checkpoints_passed_and_ahead(database: Database) -> None:
    # Each label costs 36 s at $36/h = $0.36, five a day on days 0-13: $1.80 a day, $25.20 by AS_OF (day 14).
    project = await _project(database, hourly_rate=36.0)
    checkpoints = [(4, 10.0), (10, 15.0), (24, 40.0), (34, 70.0)]
    plan = {
        "projectId": project,
        "budgetCheckpoints": [{"at": (T0 + timedelta(days=d)).isoformat(), "plannedSpend": p} for d, p in checkpoints],
    }
    await expect_data(database, SET_PLAN, {"input": plan})

    data = (await expect_data(database, STATUS, {"projectId": project, "asOf": AS_OF.isoformat()}))["deliveryStatus"]

    first, second, third, fourth = data["budgetCheckpoints"]
    # Passed: what was spent by the checkpoint (20 labels by day 4, 50 by day 10).
    assert (first["spent"], first["overBy"], first["status"]) == (pytest.approx(7.2), pytest.approx(-2.8), "WITHIN")
    assert (second["spent"], second["overBy"], second["status"]) == (pytest.approx(18.0), pytest.approx(3.0), "OVER")
    assert first["projectedSpend"] is None and first["plannedByNow"] is None
    # Ahead: $25.20 now plus $1.80 a day; the straight line runs from the previous checkpoint.
    assert third["spent"] == pytest.approx(25.2)
    assert third["projectedSpend"] == pytest.approx(25.2 + 1.8 * 10)
    assert third["plannedByNow"] == pytest.approx(15.0 + 25.0 * 4 / 14)
    assert (third["overBy"], third["status"]) == (pytest.approx(3.2), "OVER_PACE")
    assert (fourth["projectedSpend"], fourth["status"]) == (pytest.approx(25.2 + 1.8 * 20), "ON_PLAN")
    assert fourth["plannedByNow"] == pytest.approx(40.0)  # its line starts at the third, still ahead


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"expectedSecondsPerTask": -1.0}, "input.expectedSecondsPerTask"),
        ({"milestones": [_milestone("A", 5, targetTasks=1, targetShare=0.5)]}, "input.milestones[0].targetTasks"),
        ({"milestones": [_milestone("A", 5)]}, "input.milestones[0].targetTasks"),
        ({"milestones": [_milestone("A", 5, targetShare=1.5)]}, "input.milestones[0].targetShare"),
        ({"milestones": [_milestone("A", 5, targetTasks=2**31 - 1)]}, "input.milestones[0].targetTasks"),
        (
            {"milestones": [{"name": "A", "dueAt": "0001-01-01T00:00:00Z", "targetTasks": 1}]},
            "input.milestones[0].dueAt",
        ),
        ({"milestones": [_milestone("A", 5, targetTasks=1), _milestone("A", 6, targetTasks=2)]}, "input.milestones"),
        (
            {"budgetCheckpoints": [{"at": T0.isoformat(), "plannedSpend": 0.0}]},
            "input.budgetCheckpoints[0].plannedSpend",
        ),
    ],
)
async def test_a_bad_plan_is_refused_naming_the_field_and_the_old_plan_stays(
    database: Database, change: dict[str, Any], field: str
) -> None:
    project = await _project(database)
    await expect_data(
        database, SET_PLAN, {"input": {"projectId": project, "milestones": [_milestone("Kept", 30, targetTasks=1)]}}
    )

    refused = await expect_data(database, SET_PLAN, {"input": {"projectId": project, **change}})

    assert refused["setDeliveryPlan"]["__typename"] == "ValidationError"
    assert refused["setDeliveryPlan"]["field"] == field
    status = (await expect_data(database, STATUS, {"projectId": project, "asOf": AS_OF.isoformat()}))["deliveryStatus"]
    assert [m["name"] for m in status["milestones"]] == ["Kept"]


async def test_delivery_status_answers_the_project_s_managers_only(database: Database) -> None:
    project = await _project(database)
    key = int(relay.GlobalID.from_id(project).node_id)

    async def as_viewer(project_ids: set[int]) -> Any:
        viewer = Viewer(role=Role.PROGRAM_MANAGER, user_id=1, project_ids=frozenset(project_ids))
        context = Context(database, Settings(), viewer=viewer)
        result = await schema.execute(STATUS, variable_values={"projectId": project}, context_value=context)
        assert result.errors is None, result.errors
        return result.data["deliveryStatus"]  # type: ignore[index]

    assert (await as_viewer({key}))["__typename"] == "DeliveryProgress"
    assert await as_viewer({key + 100}) == {"__typename": "NotFoundError", "field": "projectId"}


async def test_delivery_status_refuses_a_moment_outside_the_centuries_it_forecasts_in(database: Database) -> None:
    project = await _project(database)
    query = (
        "query($p: ID!, $a: DateTime) {"
        " deliveryStatus(projectId: $p, asOf: $a) { __typename ... on UserError { field } } }"
    )

    data = await expect_data(database, query, {"p": project, "a": "0001-01-01T00:00:00Z"})

    assert data["deliveryStatus"] == {"__typename": "ValidationError", "field": "asOf"}
