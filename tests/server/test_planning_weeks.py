"""slaFeasibility's weeks agree with its overall answer: each week counts the tasks that fell due in it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.db import Database
from simulator.loading import scenario_to_dict
from simulator.scenario import SLA, Calendar, Demand, Distribution, Headcount, ModelSpec, Pool, Project, Scenario
from tests.server.conftest import http_client

FEASIBILITY = """
query($input: SlaFeasibilityInput!) {
  slaFeasibility(input: $input) {
    __typename
    ... on SlaFeasibility { feasible probability firstFailingWeek weeklyProbability replications }
    ... on UserError { message field }
  }
}
"""

CHEAPEST = """
query($input: CheapestPlanInput!) {
  cheapestPlan(input: $input) {
    __typename
    ... on PlanSearch { feasible limits { kind message } best { probability } }
    ... on UserError { message field }
  }
}
"""


@pytest.fixture
async def client(database: Database) -> Any:
    async with http_client(database, auth=False) as http:
        yield http


async def _feasibility(client: httpx.AsyncClient, variables: dict[str, Any]) -> dict[str, Any]:
    body = (await client.post("/graphql", json={"query": FEASIBILITY, "variables": {"input": variables}})).json()
    assert "errors" not in body, body
    answer: dict[str, Any] = body["data"]["slaFeasibility"]
    assert answer["__typename"] == "SlaFeasibility", answer
    return answer


async def test_a_one_week_horizon_reports_its_failing_week(client: httpx.AsyncClient) -> None:
    # Given the default scenario over one week, which misses its SLA in every replication
    answer = await _feasibility(client, {"horizonWeeks": 1, "replications": 2})
    assert answer["feasible"] is False and answer["probability"] == 0.0
    # Then its only week, holding every deadline of the horizon, fails the same way
    assert answer["weeklyProbability"] == [answer["probability"]]
    assert answer["firstFailingWeek"] == 1


async def test_weeks_recombine_into_the_overall_probability(client: httpx.AsyncClient) -> None:
    # Over one week the week's attainment is the overall one, so each replication meets both or neither
    for required in (0.9, 0.95):
        sla = {"turnaroundHours": 48.0, "requiredAttainment": required}
        answer = await _feasibility(client, {"horizonWeeks": 1, "replications": 4, "seed": 3, "sla": sla})
        assert answer["weeklyProbability"] == [answer["probability"]], required
    # Over more weeks the overall attainment is the weeks' mean weighted by tasks due: every week met implies the
    # horizon met, and the horizon met implies some week met, so sum(weeks) - (n - 1) <= P(overall) <= sum(weeks)
    answer = await _feasibility(client, {"horizonWeeks": 3, "replications": 6, "seed": 1})
    weeks = answer["weeklyProbability"]
    assert len(weeks) == 3
    assert sum(weeks) - 2 - 1e-9 <= answer["probability"] <= sum(weeks) + 1e-9


async def test_a_week_whose_tasks_fell_due_with_nothing_accepted_is_the_first_failing_week(
    client: httpx.AsyncClient,
) -> None:
    # Given around-the-clock demand with a 24 h SLA, and an offer of nobody until 12 hires on day 7 (no delay):
    # week 1's tasks fall due and none is accepted in it
    base = scenario_to_dict(
        Scenario.queueing(arrivals_per_hour=16.0, mean_service_minutes=30.0, servers=10, horizon_days=14)
    )
    offer = {
        "headcount": 0,
        "ramp": [{"week": 1, "count": 12}],
        "hourlyRate": 20.0,
        "timeToHireDays": 0.0,
        "trainingDays": 0.0,
        "attritionPerWeek": 0.0,
    }
    variables = {
        "base": {"document": base},
        "offer": offer,
        "offerMode": "REPLACE",
        "sla": {"turnaroundHours": 24.0, "requiredAttainment": 0.8},
        "horizonWeeks": 2,
        "replications": 4,
        "seed": 5,
    }
    answer = await _feasibility(client, variables)
    # Then week 1 fails in every replication and is named as the first failing week
    assert answer["weeklyProbability"][0] == 0.0
    assert answer["firstFailingWeek"] == 1
    assert answer["feasible"] is False


async def test_cheapest_plan_names_a_first_week_of_unmet_deadlines_in_its_hiring_lag(client: httpx.AsyncClient) -> None:
    # Given weekday demand with a 24 h SLA and nobody in production until hires arrive around day 8
    pool = Pool(
        name="cheap",
        headcount=Headcount(production=0),
        hourly_rate=10.0,
        attrition_per_week=0.0,
        time_to_hire_days=Distribution("fixed", 7.0, 0.0),
        platform_training_days=1.0,
        project_training_days=0.0,
        test_pass_probability=1.0,
    )
    idle = Scenario(
        horizon_days=21,
        calendar=Calendar(hours_per_day=8.0, working_days=(0, 1, 2, 3, 4)),
        demand=Demand(base_per_day=400.0, projects=(Project(minutes_per_label=2.0),)),
        workforce=(pool,),
        learning=ModelSpec("none"),
        quality=ModelSpec("constant", {"error_probability": 0.0}),
        sla=SLA(turnaround_hours=24.0, required_attainment=0.9),
    )
    variables = {
        "input": {
            "base": {"document": scenario_to_dict(idle)},
            "options": [{"pool": "cheap", "counts": [0, 5, 10]}],
            "requiredProbability": 0.8,
            "screenReplications": 4,
            "confirmReplications": 4,
        }
    }
    body = (await client.post("/graphql", json={"query": CHEAPEST, "variables": variables})).json()
    assert "errors" not in body, body
    answer = body["data"]["cheapestPlan"]
    assert answer["__typename"] == "PlanSearch" and answer["feasible"] is False
    # Then week 1, whose deadlines all pass with nothing accepted, is among the weeks the hiring lag names
    lag = next(limit["message"] for limit in answer["limits"] if limit["kind"] == "HIRING_LAG")
    assert lag.startswith("week(s) 1, 2 fail before anyone hired can be in production"), lag
