"""Planning queries at the edges of their inputs, as a script sends them: each bad value is a ValidationError naming
the client's field, and figures stay within what they can be."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from server.db import Database
from simulator.loading import scenario_to_dict
from simulator.scenario import Calendar, Headcount, Scenario
from tests.server.conftest import http_client

FEASIBILITY = """
query($input: SlaFeasibilityInput!) {
  slaFeasibility(input: $input) {
    __typename
    ... on SlaFeasibility { probability slaAttainment { mean ciLow ciHigh } totalCost { mean } }
    ... on ValidationError { message field value }
  }
}
"""
CHEAPEST = """
query($input: CheapestPlanInput!) {
  cheapestPlan(input: $input) {
    __typename
    ... on PlanSearch { feasible }
    ... on ValidationError { message field value }
  }
}
"""
COMPARE = """
query($input: CompareScenariosInput!) {
  compareScenarios(input: $input) {
    __typename
    ... on ScenarioComparison { variants { name summary { name mean ciLow ciHigh } } }
    ... on ValidationError { message field value }
  }
}
"""
CREATE_PROJECT = """
mutation($input: CreateProjectInput!) {
  createProject(input: $input) { ... on ProjectPayload { project { id } } }
}
"""
IMPORT = """
mutation($input: ImportHistoryInput!) {
  importHistory(input: $input) { __typename ... on ImportHistoryPayload { created } }
}
"""
BACKTEST = """
query($id: ID!, $train: Int!, $horizon: Int!) {
  backtest(projectId: $id, trainWeeks: $train, horizonWeeks: $horizon, replications: 2) {
    __typename
    ... on ValidationError { message field value }
  }
}
"""
OFFER = {"headcount": 3, "hourlyRate": 14.0}
SMALL = {"horizonWeeks": 1, "replications": 2}
# A small team and a few tasks a day: two replications disagree enough for a t interval to pass 0 and 1.
_DEFAULT = Scenario(horizon_days=7)
FEW_TASKS = scenario_to_dict(
    replace(
        _DEFAULT,
        demand=replace(_DEFAULT.demand, base_per_day=3.0),
        sla=replace(_DEFAULT.sla, turnaround_hours=6.0),
        workforce=(replace(_DEFAULT.workforce[0], headcount=Headcount(production=1)),),
    )
)


@pytest.fixture
async def client(database: Database) -> Any:
    async with http_client(database, auth=False) as http:
        yield http


async def _answer(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = (await client.post("/graphql", json={"query": query, "variables": variables})).json()
    assert "errors" not in body, body
    answer: dict[str, Any] = next(iter(body["data"].values()))
    return answer


async def _refused(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], field: str, *, whole: bool = False
) -> dict[str, Any]:
    """The ValidationError on ``field``; its message starts with the field unless it is about a ``whole`` item."""
    answer = await _answer(client, query, variables)
    assert answer["__typename"] == "ValidationError", answer
    assert answer["field"] == field, answer
    assert whole or answer["message"].startswith(field), answer
    return answer


async def test_a_negative_seed_is_refused_on_the_seed_field(client: httpx.AsyncClient) -> None:
    feasibility = {"input": {**SMALL, "seed": -1}}
    answer = await _refused(client, FEASIBILITY, feasibility, "input.seed")
    assert answer["value"] == "-1"
    cheapest = {"input": {"options": [{"pool": "default", "counts": [0, 2]}], "seed": -5}}
    assert (await _refused(client, CHEAPEST, cheapest, "input.seed"))["value"] == "-5"
    compare = {"input": {"variants": [{"name": "more", "demandMultiplier": 1.2}], "seed": -7, "replications": 2}}
    assert (await _refused(client, COMPARE, compare, "input.seed"))["value"] == "-7"


async def test_intervals_stay_within_what_the_figure_can_be(client: httpx.AsyncClient) -> None:
    # Given two replications of a few tasks a day, whose t interval of the mean reaches past 0 and 1
    variables = {
        "input": {
            "base": {"document": FEW_TASKS},
            "variants": [{"name": "more", "demandMultiplier": 2.0}],
            "replications": 2,
            "seed": 0,
        }
    }
    answer = await _answer(client, COMPARE, variables)
    assert answer["__typename"] == "ScenarioComparison"
    estimates = {(v["name"], e["name"]): e for v in answer["variants"] for e in v["summary"]}
    # Then an attainment's interval stays in [0, 1] and counts and costs stay >= 0, around the same mean.
    attainment = estimates["baseline", "sla_attainment"]
    assert attainment["ciLow"] == 0.0 and attainment["ciHigh"] == 1.0
    assert 0.0 < attainment["mean"] < 1.0
    for (_, name), estimate in estimates.items():
        assert estimate["ciLow"] is None or estimate["ciLow"] >= 0.0, (name, estimate)
        if name == "sla_attainment":
            assert estimate["ciHigh"] <= 1.0
    assert estimates["baseline", "backlog_end"]["ciLow"] == 0.0


async def test_a_variant_that_breaks_the_scenario_is_named_by_its_own_field(client: httpx.AsyncClient) -> None:
    def variants(*items: dict[str, Any]) -> dict[str, Any]:
        return {"input": {"variants": list(items), "replications": 2}}

    # A multiplier taking demand past the simulator's limit is the multiplier's error, at the variant's index.
    answer = await _refused(
        client,
        COMPARE,
        variants({"name": "a", "demandMultiplier": 1.1}, {"name": "b", "demandMultiplier": 1e300}),
        "input.variants[1].demandMultiplier",
    )
    assert "10,000,000 tasks a day" in answer["message"] and answer["value"] == "1e+300"
    # Taking more people than the pool has is refused rather than quietly left at 0 people.
    answer = await _refused(
        client, COMPARE, variants({"name": "a", "headcountDelta": -1000}), "input.variants[0].headcountDelta"
    )
    assert "'default' has in production (10)" in answer["message"]
    await _refused(
        client, COMPARE, variants({"name": "a", "headcountDelta": 2**31 - 1}), "input.variants[0].headcountDelta"
    )


async def test_more_demand_scales_a_planned_week_and_its_launches(client: httpx.AsyncClient) -> None:
    # Given a week's demand given as a plan with a launch: the planned week replaces the base rate
    launch = {"name": "L", "start_day": 2, "extra_tasks": 70, "duration_days": 3}
    plan = {"weekly_volumes": [700.0], "launches": [launch]}
    base = replace(_DEFAULT, demand=replace(_DEFAULT.demand, params=plan))
    variables = {"base": {"document": scenario_to_dict(base)}, "replications": 2}
    # When demand grows by half
    variants = [{"name": "demand +50%", "demandMultiplier": 1.5}]
    answer = await _answer(client, COMPARE, {"input": {**variables, "variants": variants}})
    # Then so do the planned tasks, rather than the row repeating the baseline
    completed = {
        v["name"]: next(m["mean"] for m in v["summary"] if m["name"] == "tasks_completed") for v in answer["variants"]
    }
    assert completed["demand +50%"] == pytest.approx(1.5 * completed["baseline"], rel=0.1)


async def test_a_spike_that_changes_nothing_is_refused_naming_its_place_in_the_variant(
    client: httpx.AsyncClient,
) -> None:
    def spikes(*items: dict[str, float]) -> dict[str, Any]:
        return {"input": {"variants": [{"name": "launch", "spikes": list(items)}], "replications": 2}}

    real = {"startDay": 1, "durationDays": 2, "multiplier": 2.0}
    # A spike multiplying demand by 1, or starting after the (4-week) horizon, would repeat the baseline's row
    answer = await _refused(
        client, COMPARE, spikes(real, {**real, "multiplier": 1.0}), "input.variants[0].spikes[1].multiplier"
    )
    assert "has no effect" in answer["message"]
    answer = await _refused(client, COMPARE, spikes({**real, "startDay": 28}), "input.variants[0].spikes[0].startDay")
    assert "after the scenario's 28-day horizon" in answer["message"]
    # A bad spike is named where the client wrote it, not as the scenario's demand.spikes
    await _refused(
        client, COMPARE, spikes(real, {**real, "durationDays": 0}), "input.variants[0].spikes[1].durationDays"
    )


async def test_variants_whose_rows_could_not_be_told_apart_are_refused(client: httpx.AsyncClient) -> None:
    def variants(*items: dict[str, Any]) -> dict[str, Any]:
        return {"input": {"variants": list(items), "replications": 2}}

    await _refused(client, COMPARE, variants({"name": "baseline", "demandMultiplier": 1.2}), "input.variants[0].name")
    twice = variants({"name": "a", "demandMultiplier": 1.2}, {"name": "a", "demandMultiplier": 1.3})
    answer = await _refused(client, COMPARE, twice, "input.variants[1].name")
    assert answer["value"] == "a"
    same = variants({"name": "a", "demandMultiplier": 1.2}, {"name": "b", "demandMultiplier": 1.2})
    answer = await _refused(client, COMPARE, same, "input.variants[1]", whole=True)
    assert "repeats variants[0]" in answer["message"]


@pytest.mark.parametrize("mode", ["ADD", "REPLACE"])
@pytest.mark.parametrize(
    ("offer", "field"),
    [
        ({"speedFactor": 0.0}, "input.offer.speedFactor"),
        ({"name": ""}, "input.offer.name"),
        ({"learningPlateauShare": 0.0}, "input.offer.learningPlateauShare"),
        ({"learningTauWeeks": -1.0}, "input.offer.learningTauWeeks"),
        ({"hoursPerDay": 0.0}, "input.offer.hoursPerDay"),
        ({"hoursPerDay": 25.0}, "input.offer.hoursPerDay"),
    ],
)
async def test_a_bad_offer_is_named_by_the_offer_field(
    client: httpx.AsyncClient, mode: str, offer: dict[str, Any], field: str
) -> None:
    variables = {"input": {**SMALL, "offer": {**OFFER, **offer}, "offerMode": mode}}
    await _refused(client, FEASIBILITY, variables, field)


@pytest.mark.parametrize("name", ["default", "Default", " default", "DEFAULT  "])
async def test_an_added_offer_named_like_a_pool_of_the_team_is_refused(client: httpx.AsyncClient, name: str) -> None:
    # Given the default team's pool "default", an offer added under its name, in any case or spacing, would make
    # two pools a reader cannot tell apart in the answer's hires
    variables = {"input": {**SMALL, "offer": {**OFFER, "name": name}, "offerMode": "ADD"}}
    answer = await _refused(client, FEASIBILITY, variables, "input.offer.name")
    assert "must differ from the current team's pools (default)" in answer["message"]
    # Replacing the team, the name is free
    replaced = await _answer(client, FEASIBILITY, {"input": {**variables["input"], "offerMode": "REPLACE"}})
    assert replaced["__typename"] == "SlaFeasibility"


@pytest.mark.parametrize("mode", ["ADD", "REPLACE"])
async def test_an_offered_person_works_the_offers_hours_not_the_calendars_day(
    client: httpx.AsyncClient, mode: str
) -> None:
    # Given a calendar whose day spans 16 hours, as a calibrated one spanning several vendors' shifts does, a team
    # paid nothing, and more work than anyone can do
    free = replace(_DEFAULT.workforce[0], hourly_rate=0.0, attrition_per_week=0.0)
    base = replace(_DEFAULT, calendar=Calendar(hours_per_day=16.0), workforce=(free,))
    busy = replace(base, demand=replace(base.demand, base_per_day=5000.0))
    offer = {**OFFER, "attritionPerWeek": 0.0}
    costs = {}
    for hours in (None, 4.0):
        given = offer if hours is None else {**offer, "hoursPerDay": hours}
        variables = {"base": {"document": scenario_to_dict(busy)}, "offer": given, "offerMode": mode}
        answer = await _answer(client, FEASIBILITY, {"input": {**SMALL, **variables}})
        costs[hours] = answer["totalCost"]["mean"]
    # When 3 people are offered at $14 an hour, they are paid for 8 hours on each of the week's 5 working days
    # (the offer's default), not for the calendar's 16, and for 4 when the offer says so
    assert costs[None] == pytest.approx(3 * 8 * 5 * 14.0)
    assert costs[4.0] == pytest.approx(3 * 4 * 5 * 14.0)


@pytest.mark.parametrize("mode", ["ADD", "REPLACE"])
async def test_an_offer_of_nobody_is_refused_and_one_hiring_through_its_ramp_is_answered(
    client: httpx.AsyncClient, mode: str
) -> None:
    nobody = {"input": {**SMALL, "offer": {**OFFER, "headcount": 0}, "offerMode": mode}}
    answer = await _refused(client, FEASIBILITY, nobody, "input.offer.headcount")
    assert ("base's alone" if mode == "ADD" else "nobody would work") in answer["message"]
    ramp = {**OFFER, "headcount": 0, "ramp": [{"week": 0, "count": 0}]}
    await _refused(client, FEASIBILITY, {"input": {**SMALL, "offer": ramp, "offerMode": mode}}, "input.offer.headcount")
    hiring = {**OFFER, "headcount": 0, "ramp": [{"week": 0, "count": 2}]}
    answer = await _answer(client, FEASIBILITY, {"input": {**SMALL, "offer": hiring, "offerMode": mode}})
    assert answer["__typename"] == "SlaFeasibility"


@pytest.mark.parametrize(
    ("demand", "field"),
    [
        ({"trendPerWeek": 1e300}, "input.demand.trendPerWeek"),
        ({"weeklyPlan": [1e300]}, "input.demand.weeklyPlan"),
        ({"basePerDay": 10.0, "weeklyPlan": [1e300]}, "input.demand.basePerDay"),
    ],
)
async def test_a_request_over_the_budget_names_the_demand_it_was_given(
    client: httpx.AsyncClient, demand: dict[str, Any], field: str
) -> None:
    answer = await _refused(client, FEASIBILITY, {"input": {**SMALL, "demand": demand}}, field)
    assert "simulation budget" in answer["message"]


async def test_a_request_over_the_budget_without_a_base_names_its_replications(client: httpx.AsyncClient) -> None:
    # The built-in scenario is none of the client's choosing: how many runs they asked for is what they can change.
    options = [{"pool": "default", "counts": [0, 2, 4, 8]}]
    confirm = {"options": options, "screenReplications": 500, "confirmReplications": 500, "finalists": 10}
    answer = await _refused(client, CHEAPEST, {"input": confirm}, "input.confirmReplications")
    assert answer["value"] == "500" and "simulation budget" in answer["message"]
    screen = {"options": [{**options[0], "days": [0, 1, 2, 3, 4, 5, 6]}], "screenReplications": 400}
    await _refused(client, CHEAPEST, {"input": {**screen, "confirmReplications": 400}}, "input.screenReplications")


async def test_a_question_whose_sla_no_task_can_be_judged_on_is_refused(client: httpx.AsyncClient) -> None:
    # No demand: every replication would count as missing the SLA while no week fails.
    answer = await _refused(
        client, FEASIBILITY, {"input": {**SMALL, "demand": {"basePerDay": 0.0}}}, "input.demand.basePerDay"
    )
    assert "no tasks" in answer["message"]
    await _refused(client, FEASIBILITY, {"input": {**SMALL, "demand": {"weekly": [0.0] * 7}}}, "input.demand.weekly")
    # A turnaround as long as the horizon: no task falls due within it.
    sla = {"turnaroundHours": 168.0, "requiredAttainment": 0.9}
    answer = await _refused(client, FEASIBILITY, {"input": {**SMALL, "sla": sla}}, "input.sla.turnaroundHours")
    assert "168-hour horizon" in answer["message"]
    document = scenario_to_dict(Scenario(horizon_days=1))
    cheapest = {"input": {"base": {"document": document}, "options": [{"pool": "default", "counts": [0, 1]}]}}
    await _refused(client, CHEAPEST, cheapest, "input.base.document.horizon_days")
    # Just inside the horizon it is answered.
    sla = {"turnaroundHours": 167.0, "requiredAttainment": 0.9}
    assert (await _answer(client, FEASIBILITY, {"input": {**SMALL, "sla": sla}}))["__typename"] == "SlaFeasibility"


async def _project_with_days_of_history(client: httpx.AsyncClient, days: int) -> str:
    """A project whose imported history spans ``days`` days, ten labels a day."""
    created = await _answer(client, CREATE_PROJECT, {"input": {"name": f"{days} days", "dataType": "TEXT"}})
    project: str = created["project"]["id"]
    start = datetime(2026, 9, 7, 9, tzinfo=UTC)
    tasks = []
    for i in range(days * 10):
        at = start + timedelta(days=i // 10, minutes=7 * (i % 10))
        result = [{"from_name": "s", "to_name": "text", "type": "choices", "value": {"choices": ["A"]}}]
        label = {"id": i + 1, "completed_by": 7, "created_at": (at + timedelta(minutes=30)).isoformat()}
        label |= {"lead_time": 60.0, "was_cancelled": False, "result": result}
        tasks.append({"id": i + 1, "data": {"text": str(i)}, "created_at": at.isoformat(), "annotations": [label]})
    variables = {"input": {"format": "LABELSTUDIO", "projectId": project, "content": json.dumps(tasks)}}
    assert (await _answer(client, IMPORT, variables))["created"] == days * 10
    return project


async def test_a_backtest_on_too_short_a_history_says_what_it_lacks(client: httpx.AsyncClient) -> None:
    # Given a project with five days of history: no trainWeeks would do, so the project is at fault
    short = await _project_with_days_of_history(client, 5)
    answer = await _refused(client, BACKTEST, {"id": short, "train": 2, "horizon": 1}, "projectId")
    assert "0 whole week(s) of history" in answer["message"] and "at least 3" in answer["message"]
    # Given four weeks: a 4-week horizon leaves nothing to train on, so the horizon is at fault
    month = await _project_with_days_of_history(client, 28)
    answer = await _refused(client, BACKTEST, {"id": month, "train": 2, "horizon": 4}, "horizonWeeks")
    assert "must be at most 2" in answer["message"]
    answer = await _refused(client, BACKTEST, {"id": month, "train": 3, "horizon": 2}, "trainWeeks")
    assert "between 2 and 2" in answer["message"]


CALIBRATE_PLAN = """
query($id: ID!) {
  calibrateScenario(projectId: $id, demandFrom: DELIVERY_PLAN) {
    __typename
    ... on CalibrationResult { document fitted { warnings } }
    ... on ValidationError { message field value }
  }
}
"""
SET_PLAN = """
mutation($input: SetDeliveryPlanInput!) {
  setDeliveryPlan(input: $input) { __typename }
}
"""


async def test_a_delivery_plan_too_far_ahead_or_already_met_says_so(client: httpx.AsyncClient) -> None:
    # Given three weeks of history (210 tasks done, ending 2026-09-28)
    project = await _project_with_days_of_history(client, 21)

    async def plan(due: str, target: int) -> None:
        milestones = [{"name": "m", "dueAt": due, "targetTasks": target}]
        variables = {"input": {"projectId": project, "milestones": milestones}}
        assert (await _answer(client, SET_PLAN, variables))["__typename"] == "DeliveryPlanPayload"

    # A milestone twenty years ahead is the plan's fault, not the history's.
    await plan("2046-10-01T00:00:00Z", 1000)
    answer = await _refused(client, CALIBRATE_PLAN, {"id": project}, "demandFrom")
    assert "within 3,653 days" in answer["message"] and "too little history" not in answer["message"]
    # A milestone already reached asks for nothing: a warning, and a feasibility question on it names the plan.
    await plan("2026-12-01T00:00:00Z", 10)
    calibrated = await _answer(client, CALIBRATE_PLAN, {"id": project})
    assert any("already reached" in warning for warning in calibrated["fitted"]["warnings"])
    question = {"input": {"base": {"document": calibrated["document"]}, "replications": 2}}
    await _refused(client, FEASIBILITY, question, "input.base.document.demand.params.weekly_volumes")
