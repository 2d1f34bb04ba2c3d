"""A delivery plan as the simulator's demand: the pace each milestone asks for, per week from where history ends,
in `calibrateScenario(demandFrom: DELIVERY_PLAN)`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.db import Database
from server.db.models import Project, Task
from server.graphql.ids import encode_id
from server.services.demo.seed import seed_demo
from server.services.plan_demand import PlannedTarget, plan_weekly_volumes
from tests.server.graphql_client import expect_data

DAY0 = datetime(2026, 1, 5, tzinfo=UTC)


def _due(days: float) -> datetime:
    return DAY0 + timedelta(days=days)


def test_each_milestone_spreads_what_it_still_needs_over_the_days_before_it() -> None:
    # 100 done; 170 by day 10 is 7 a day, then 280 by day 21 is 10 a day over days 10-21.
    targets = [PlannedTarget(_due(21), 280), PlannedTarget(_due(10), 170)]
    assert plan_weekly_volumes(targets, 100, DAY0) == pytest.approx([7 * 7, 7 * 3 + 10 * 4, 10 * 7])


def test_targets_passed_or_reached_need_nothing_and_a_plan_behind_us_is_empty() -> None:
    assert plan_weekly_volumes([PlannedTarget(_due(-3), 500)], 0, DAY0) == []
    # 300 done already covers the first target; the second needs 100 more over days 7-14.
    targets = [PlannedTarget(_due(7), 200), PlannedTarget(_due(14), 400)]
    assert plan_weekly_volumes(targets, 300, DAY0) == pytest.approx([0.0, 100.0])
    # Three days into week 2: a partial last week, nothing spread past the due date.
    assert plan_weekly_volumes([PlannedTarget(_due(10), 100)], 0, DAY0) == pytest.approx([70.0, 30.0])


def test_milestones_due_at_one_instant_ask_for_the_largest_target() -> None:
    # 590 more by day 7 (800 - 210 done), whichever order the two come in: none of it lost to a zero-length span.
    for targets in ([PlannedTarget(_due(7), 500), PlannedTarget(_due(7), 800)], [PlannedTarget(_due(7), 800)]):
        assert plan_weekly_volumes(targets, 210, DAY0) == pytest.approx([590.0])
    assert plan_weekly_volumes([PlannedTarget(_due(7), 800), PlannedTarget(_due(7), 500)], 210, DAY0) == [590.0]


CALIBRATE = """
query($id: ID!, $from: DemandSource!) {
  calibrateScenario(projectId: $id, demandFrom: $from) {
    __typename
    ... on CalibrationResult { document }
    ... on UserError { message field }
  }
}
"""
SET_PLAN = """
mutation($input: SetDeliveryPlanInput!) {
  setDeliveryPlan(input: $input) { __typename ... on UserError { message field } }
}
"""


async def test_calibrate_with_the_plans_demand(database: Database) -> None:
    anchor = datetime(2026, 1, 5, tzinfo=UTC)  # history ends here: the scenario's day 0
    await seed_demo(database, seed=7, anchor=anchor, scale=0.25)
    async with database.session() as session:
        project_id = (await session.execute(select(Project.id).order_by(Project.id).limit(1))).scalar_one()
    gid = encode_id("Project", project_id)

    refused = (await expect_data(database, CALIBRATE, {"id": gid, "from": "DELIVERY_PLAN"}))["calibrateScenario"]
    assert refused["__typename"] == "ValidationError" and refused["field"] == "demandFrom"
    assert "needs a delivery plan with a milestone after 2026-01-05T00:00:00+00:00" in refused["message"]

    history = (await expect_data(database, CALIBRATE, {"id": gid, "from": "HISTORY"}))["calibrateScenario"]["document"]
    assert "weekly_volumes" not in history["demand"].get("params", {})
    milestones = [
        {"name": "Backlog cleared", "dueAt": (anchor + timedelta(days=14)).isoformat(), "targetShare": 1.0},
        {"name": "Next batch", "dueAt": (anchor + timedelta(days=42)).isoformat(), "targetTasks": 10**6},
    ]
    plan = await expect_data(database, SET_PLAN, {"input": {"projectId": gid, "milestones": milestones}})
    assert plan["setDeliveryPlan"]["__typename"] == "DeliveryPlanPayload"

    planned = (await expect_data(database, CALIBRATE, {"id": gid, "from": "DELIVERY_PLAN"}))["calibrateScenario"]
    document = planned["document"]
    params = document["demand"]["params"]
    assert params["start_date"] == "2026-01-05"
    volumes = params["weekly_volumes"]
    assert len(volumes) == 6 and document["horizon_days"] == 42  # out to the last milestone
    async with database.session() as session:
        created = (await session.execute(select(Task.completed_at).where(Task.project_id == project_id))).all()
    done = sum(1 for (at,) in created if at is not None and at <= anchor)
    # The open tasks in the first two weeks, evenly; then the rest of the million over the next four.
    assert volumes[:2] == pytest.approx([(len(created) - done) / 2] * 2, abs=1e-3)
    assert volumes[2:] == pytest.approx([(10**6 - len(created)) / 4] * 4, abs=1e-3)
