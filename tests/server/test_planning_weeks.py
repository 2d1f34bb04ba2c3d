"""slaFeasibility's weeks agree with its overall answer: each week counts the tasks that fell due in it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.db import Database
from simulator.loading import scenario_to_dict
from simulator.scenario import Scenario
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
