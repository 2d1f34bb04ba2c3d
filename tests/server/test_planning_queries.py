"""Planning queries over HTTP: scenario versions, field-level errors, feasibility, what-ifs, plans, calibration."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from server.db import Database
from server.db.models import Project
from server.graphql.ids import encode_id
from server.services.demo.seed import seed_demo
from simulator.loading import scenario_to_dict
from simulator.scenario import Demand, Headcount, ModelSpec, Review, Scenario
from tests.server.conftest import http_client

SAVE_SCENARIO = """
mutation($input: SaveScenarioInput!) {
  saveScenario(input: $input) {
    __typename
    ... on ScenarioPayload { scenario { id name version document } }
    ... on UserError { message field }
  }
}
"""
VERSIONS = "query($name: String!) { scenarioVersions(name: $name) { version } scenarios { name version } }"
FEASIBILITY = """
query($input: SlaFeasibilityInput!) {
  slaFeasibility(input: $input) {
    __typename
    ... on SlaFeasibility {
      feasible probability ciLow ciHigh firstFailingWeek weeklyProbability replications
      slaAttainment { mean ciLow ciHigh } totalCost { mean }
    }
    ... on UserError { message field }
  }
}
"""
FEASIBILITY_SCENARIO = """
query($input: SlaFeasibilityInput!) {
  slaFeasibility(input: $input) {
    __typename
    ... on SlaFeasibility { probability scenario }
    ... on UserError { message field }
  }
}
"""
COMPARE = """
query($input: CompareScenariosInput!) {
  compareScenarios(input: $input) {
    __typename
    ... on ScenarioComparison { variants { name summary { name mean ciLow ciHigh } } }
    ... on UserError { message field }
  }
}
"""
CHEAPEST = """
query($input: CheapestPlanInput!) {
  cheapestPlan(input: $input) {
    __typename
    ... on PlanSearch {
      feasible candidates evaluated reviewers limits { kind message } pruned { pool reason }
      best { description probability hires { pool day count } expectedCost { mean ciLow ciHigh } }
      runnerUps { description }
    }
    ... on UserError { message field }
  }
}
"""
CALIBRATE = """
query($id: ID!) {
  calibrateScenario(projectId: $id) {
    __typename
    ... on CalibrationResult {
      document weeksOfHistory
      fitted {
        warnings excludedVendors
        learning { status plateauShare { value low high observations } tauWeeks { value observations } }
        calendar { hoursPerDay workingWeekdays }
        demand { forecastLevelPerDay forecastTrendPerDay forecastTrendCi trendDampingPerDay }
        pools {
          vendor active production training hiring
          pipeline { stage daysInStage }
          hoursPerWorkingDay { value low high observations unit }
          workingDaysPerWeek { value observations }
          reworkRate { value low high observations }
          shifts { pool production shiftHours }
        }
        review { reviewers hourlyRate { value } hoursPerWorkingDay { value observations } }
      }
    }
    ... on UserError { message field }
  }
}
"""
BACKTEST = """
query($id: ID!, $train: Int!, $draws: Boolean = false, $planner: Boolean = false) {
  backtest(
    projectId: $id, trainWeeks: $train, horizonWeeks: 4, replications: 4, parameterDraws: $draws, plannerRule: $planner
  ) {
    __typename
    ... on BacktestReport {
      throughputMape backlogMape openAtCut { toLabel inReview inRework total }
      openClearedActual { medianDays p90Days } openClearedForecast { medianDays p90Days }
      conditional { throughputMape completionsMape backlogMape }
      unconditional { throughputMape } baseline { throughputMape backlogMape }
      conditionalFloor { throughputMape backlogMape } conditionalHeldOut { backlogMape }
      conditionalWithin { throughput completions backlog weeks } unconditionalWithin { backlog weeks }
      weeks {
        week actualThroughput forecastThroughput actual { throughput backlog } conditional { throughput backlog }
        openActual { toLabel inReview inRework total }
        conditionalInterval { low { throughput backlog } high { throughput backlog } }
      }
    }
    ... on UserError { message field }
  }
}
"""
OFFER = {"headcount": 12, "hourlyRate": 14.0, "ramp": [{"week": 0, "count": 3}], "timeToHireDays": 7.0}


async def _data(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = (await client.post("/graphql", json={"query": query, "variables": variables})).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


@pytest.fixture
async def client(database: Database) -> Any:
    async with http_client(database, auth=False) as http:
        yield http


async def test_saving_again_makes_a_new_version_and_old_versions_stay(client: httpx.AsyncClient) -> None:
    document = scenario_to_dict(Scenario(horizon_days=14))
    first = (await _data(client, SAVE_SCENARIO, {"input": {"name": "plan", "document": document}}))["saveScenario"]
    document["horizon_days"] = 21
    second = (await _data(client, SAVE_SCENARIO, {"input": {"name": "plan", "document": document}}))["saveScenario"]
    assert (first["scenario"]["version"], second["scenario"]["version"]) == (1, 2)
    assert first["scenario"]["document"]["horizon_days"] == 14
    listing = await _data(client, VERSIONS, {"name": "plan"})
    assert listing["scenarioVersions"] == [{"version": 1}, {"version": 2}]
    assert listing["scenarios"] == [{"name": "plan", "version": 2}]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"workforce": [{"name": "a", "hourly_rate": -3}]}, "input.document.workforce[a].hourly_rate"),
        (
            {"workforce": [{"name": "Northwind Annotation", "hourly_rate": -3}]},
            "input.document.workforce[Northwind Annotation].hourly_rate",
        ),
        (
            {"workforce": [{"name": "a", "hourly_rate": 1}, {"name": " ", "hourly_rate": 1}]},
            "input.document.workforce[1].name",
        ),
        (
            {"demand": {"projects": [{"name": "Support chat (EN)", "share": 0}]}},
            "input.document.demand.projects[Support chat (EN)].share",
        ),
        ({"horizon_days": 0}, "input.document.horizon_days"),
        ({"demand": {"base_per_dya": 3}}, "input.document.demand.base_per_dya"),
        ({"sla": {"required_attainment": 2}}, "input.document.sla.required_attainment"),
    ],
)
async def test_bad_scenario_documents_get_field_level_errors(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    result = (await _data(client, SAVE_SCENARIO, {"input": {"name": "bad", "document": change}}))["saveScenario"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == field, result


async def test_run_simulation_refuses_unknown_scenarios_and_bad_replications(client: httpx.AsyncClient) -> None:
    query = (
        "mutation($input: RunSimulationInput!) "
        "{ runSimulation(input: $input) { __typename ... on UserError { field } } }"
    )
    missing = encode_id("ScenarioVersion", 999)
    result = (await _data(client, query, {"input": {"scenarioId": missing}}))["runSimulation"]
    assert result == {"__typename": "NotFoundError", "field": "input.scenarioId"}
    saved = (await _data(client, SAVE_SCENARIO, {"input": {"name": "ok", "document": scenario_to_dict(Scenario())}}))[
        "saveScenario"
    ]
    bad = {"scenarioId": saved["scenario"]["id"], "replications": 0}
    result = (await _data(client, query, {"input": bad}))["runSimulation"]
    assert result == {"__typename": "ValidationError", "field": "input.replications"}
    bad = {"scenarioId": saved["scenario"]["id"], "executor": "threads"}
    result = (await _data(client, query, {"input": bad}))["runSimulation"]
    assert result == {"__typename": "ValidationError", "field": "input.executor"}


async def test_sla_feasibility_answers_with_a_probability_interval_and_the_first_failing_week(
    client: httpx.AsyncClient,
) -> None:
    variables = {
        "input": {
            "demand": {"basePerDay": 900.0, "minutesPerLabel": 2.0},
            "offer": OFFER,
            "offerMode": "REPLACE",
            "sla": {"turnaroundHours": 72.0, "requiredAttainment": 0.9},
            "horizonWeeks": 4,
            "replications": 16,
        }
    }
    answer = (await _data(client, FEASIBILITY, variables))["slaFeasibility"]
    assert answer["__typename"] == "SlaFeasibility"
    assert answer["ciLow"] <= answer["probability"] <= answer["ciHigh"]
    assert len(answer["weeklyProbability"]) == 4
    assert answer["feasible"] == (answer["probability"] >= 0.9)
    tight = {**variables["input"], "sla": {"turnaroundHours": 2.0, "requiredAttainment": 0.99}}
    failing = (await _data(client, FEASIBILITY, {"input": tight}))["slaFeasibility"]
    assert failing["feasible"] is False and failing["firstFailingWeek"] == 1


async def test_sla_feasibility_names_the_bad_offer_field(client: httpx.AsyncClient) -> None:
    offer = {"headcount": 3, "ramp": [{"week": 0, "count": -1}], "hourlyRate": 1.0}
    variables = {"input": {"offer": offer, "offerMode": "REPLACE"}}
    answer = (await _data(client, FEASIBILITY, variables))["slaFeasibility"]
    assert answer["__typename"] == "ValidationError"
    assert answer["field"] == "input.offer.ramp[0].count"
    both = {"input": {"offer": {"headcount": 3}, "offerMode": "ADD"}}
    answer = (await _data(client, FEASIBILITY, both))["slaFeasibility"]
    assert answer["field"] == "input.offer.hourlyRate"


async def test_an_offer_must_say_whether_it_joins_the_team_or_replaces_it(client: httpx.AsyncClient) -> None:
    # Given a base team of 4 and an offer of 6 more
    document = scenario_to_dict(
        replace(
            Scenario(horizon_days=14), workforce=(replace(Scenario().workforce[0], headcount=Headcount(production=4)),)
        )
    )
    offer = {"name": "Northwind", "headcount": 6, "hourlyRate": 14.0}
    common = {"base": {"document": document}, "offer": offer, "replications": 4}
    # When the mode is left out, the request is refused naming the field
    answer = (await _data(client, FEASIBILITY_SCENARIO, {"input": common}))["slaFeasibility"]
    assert answer["__typename"] == "ValidationError" and answer["field"] == "input.offerMode"
    assert "ADD (the offer joins the current team) or REPLACE" in answer["message"]
    # When added, the team keeps its pool beside the offer's; when replacing, the offer is the whole team
    added = (await _data(client, FEASIBILITY_SCENARIO, {"input": {**common, "offerMode": "ADD"}}))["slaFeasibility"]
    assert [(p["name"], p["headcount"]["production"]) for p in added["scenario"]["workforce"]] == [
        ("default", 4),
        ("Northwind", 6),
    ]
    replaced = (await _data(client, FEASIBILITY_SCENARIO, {"input": {**common, "offerMode": "REPLACE"}}))[
        "slaFeasibility"
    ]
    assert [p["name"] for p in replaced["scenario"]["workforce"]] == ["Northwind"]
    # An added offer may not silently change the whole scenario's learning curve
    learning = {**common, "offer": {**offer, "learningTauWeeks": 3.0}, "offerMode": "ADD"}
    answer = (await _data(client, FEASIBILITY_SCENARIO, {"input": learning}))["slaFeasibility"]
    assert answer["__typename"] == "ValidationError" and answer["field"] == "input.offer.learningPlateauShare"


async def test_compare_scenarios_returns_every_variant_side_by_side(client: httpx.AsyncClient) -> None:
    hiring = ModelSpec("scheduled", {"hires": [{"day": 0.0, "pool": "default", "count": 3}]})
    document = scenario_to_dict(Scenario(horizon_days=21, staffing=hiring))
    variables = {
        "input": {
            "base": {"document": document},
            "replications": 6,
            "variants": [
                {"name": "demand +20%", "demandMultiplier": 1.2},
                {"name": "slower ramp", "hiringDelayMultiplier": 2.0, "learningTauMultiplier": 2.0},
                {"name": "higher attrition", "attritionMultiplier": 5.0},
            ],
        }
    }
    answer = (await _data(client, COMPARE, variables))["compareScenarios"]
    names = [v["name"] for v in answer["variants"]]
    assert names == ["baseline", "demand +20%", "slower ramp", "higher attrition"]
    backlog = {
        v["name"]: next(m["mean"] for m in v["summary"] if m["name"] == "backlog_end") for v in answer["variants"]
    }
    assert backlog["demand +20%"] > backlog["baseline"]
    bad = {"input": {**variables["input"], "variants": [{"name": "x", "demandMultiplier": -1}]}}
    answer = (await _data(client, COMPARE, bad))["compareScenarios"]
    assert answer == {
        "__typename": "ValidationError",
        "message": answer["message"],
        "field": "input.variants[0].demandMultiplier",
    }


async def test_variants_apply_to_a_named_pool_and_are_refused_when_they_change_nothing(
    client: httpx.AsyncClient,
) -> None:
    # Given two labeling pools, no hiring, and a review team
    north = replace(Scenario().workforce[0], name="Northwind", headcount=Headcount(production=2))
    south = replace(Scenario().workforce[0], name="South", headcount=Headcount(production=8), attrition_per_week=0.0)
    team = (north, south)
    overloaded = Demand(base_per_day=4000.0)
    base = Scenario(horizon_days=14, demand=overloaded, workforce=team, review=Review(share_reviewed=0.2, reviewers=2))
    common = {"base": {"document": scenario_to_dict(base)}, "replications": 4}

    async def ask(*variants: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = (await _data(client, COMPARE, {"input": {**common, "variants": list(variants)}}))[
            "compareScenarios"
        ]
        return answer

    # When 15 people join Northwind only, throughput rises and the backlog falls
    answer = await ask({"name": "Northwind +15", "pool": "Northwind", "headcountDelta": 15})
    completed = {
        v["name"]: next(m["mean"] for m in v["summary"] if m["name"] == "tasks_completed") for v in answer["variants"]
    }
    assert completed["Northwind +15"] > completed["baseline"] * 1.2
    people = {
        v["name"]: next(m["mean"] for m in v["summary"] if m["name"] == "mean_headcount_production")
        for v in answer["variants"]
    }
    assert people["Northwind +15"] - people["baseline"] == pytest.approx(15.0, abs=0.5)  # South untouched
    # Then changes that mean nothing here are refused, saying why
    refusals = [
        ({"name": "ramp", "hiringDelayMultiplier": 1.5}, "hiringDelayMultiplier", "no hiring into any pool"),
        ({"name": "attr", "pool": "South", "attritionMultiplier": 2.0}, "attritionMultiplier", "attrition is 0"),
        ({"name": "all +10", "headcountDelta": 10}, "headcountDelta", "+10 in each would change the team by +20"),
        ({"name": "who", "pool": "Nowhere", "speedMultiplier": 2.0}, "pool", "must name a workforce pool"),
        ({"name": "busier", "pool": "Northwind", "demandMultiplier": 1.2}, "pool", "changes only demand"),
        ({"name": "qa", "pool": "In-house QA", "headcountDelta": 2}, "pool", "the review team is not one"),
        ({"name": "same"}, None, "changes nothing"),
    ]
    for variant, field, said in refusals:
        answer = await ask(variant)
        assert answer["__typename"] == "ValidationError", variant
        assert answer["field"] == "input.variants[0]" + (f".{field}" if field else "")
        assert said in answer["message"]
        assert "None" not in answer["message"], variant  # plain words, never Python's name for "nothing"


async def test_cheapest_plan_returns_a_plan_its_cost_interval_and_runner_ups(client: httpx.AsyncClient) -> None:
    document = scenario_to_dict(Scenario(horizon_days=28))
    variables = {
        "input": {
            "base": {"document": document},
            "options": [{"pool": "default", "counts": [0, 2], "days": [0.0]}],
            "requiredProbability": 0.5,
            "screenReplications": 2,
            "confirmReplications": 4,
        }
    }
    answer = (await _data(client, CHEAPEST, variables))["cheapestPlan"]
    assert answer["__typename"] == "PlanSearch" and answer["candidates"] == 2
    cost = answer["best"]["expectedCost"]
    assert cost["ciLow"] <= cost["mean"] <= cost["ciHigh"]
    assert len(answer["runnerUps"]) <= 1 and answer["evaluated"] >= 1
    assert answer["feasible"] == (answer["limits"] == [])
    # An offer added to the team can be hired into like any pool
    offered = {
        **variables["input"],
        "offer": {"name": "Northwind", "headcount": 0, "hourlyRate": 9.0, "timeToHireDays": 0.0, "trainingDays": 0.0},
        "offerMode": "ADD",
        "options": [{"pool": "Northwind", "counts": [0, 5, 10]}],
    }
    answer = (await _data(client, CHEAPEST, {"input": offered}))["cheapestPlan"]
    assert answer["__typename"] == "PlanSearch" and answer["candidates"] == 3
    assert all(h["pool"] == "Northwind" for h in answer["best"]["hires"])
    bad = {"input": {**variables["input"], "options": [{"pool": "nobody", "counts": [1]}]}}
    answer = (await _data(client, CHEAPEST, bad))["cheapestPlan"]
    assert answer["__typename"] == "ValidationError" and answer["field"] == "input.options[].pool"


async def test_calibration_and_backtest_on_the_demo_history(database: Database, client: httpx.AsyncClient) -> None:
    await seed_demo(database, seed=7, anchor=datetime(2026, 1, 5, tzinfo=UTC), scale=0.25)
    async with database.session() as session:
        project_id = (await session.execute(select(Project.id).order_by(Project.id).limit(1))).scalar_one()
    gid = encode_id("Project", project_id)
    calibrated = (await _data(client, CALIBRATE, {"id": gid}))["calibrateScenario"]
    assert calibrated["__typename"] == "CalibrationResult"
    fitted = calibrated["fitted"]
    # The forecast's demand: a level with a trend inside its interval, fading each day.
    demand = fitted["demand"]
    low, high = demand["forecastTrendCi"]
    assert demand["forecastLevelPerDay"] > 0 and low <= demand["forecastTrendPerDay"] <= high
    assert 0 < demand["trendDampingPerDay"] < 1
    learning = fitted["learning"]
    assert 0.5 < learning["plateauShare"]["value"] < 0.9  # the demo's labelers get ~30% faster
    assert learning["plateauShare"]["low"] < learning["plateauShare"]["value"] < learning["plateauShare"]["high"]
    # Headcount is people: everyone in production on the project, by vendor; the offboarded vendor is no pool.
    pools = {p["vendor"]: p for p in fitted["pools"]}
    assert "Vector Labeling Co" in fitted["excludedVendors"] and not pools["Vector Labeling Co"]["active"]
    assert "LabelOps In-house QA" not in pools  # reviewers only: they are the review pool
    northwind = pools["Northwind Annotation"]
    assert northwind["production"] >= 1
    assert sum(s["production"] for s in northwind["shifts"]) == northwind["production"]
    assert len(northwind["pipeline"]) == northwind["training"] + northwind["hiring"]
    hours = northwind["hoursPerWorkingDay"]
    assert hours["unit"] == "hours per working day" and hours["observations"] > 0
    assert 0 < hours["low"] <= hours["value"] <= hours["high"]
    rework = northwind["reworkRate"]  # thumbs-down share of the reviews of Northwind's labels
    assert rework["observations"] > 0 and 0 < rework["low"] <= rework["value"] <= rework["high"] < 0.5
    document_pools = [p for p in calibrated["document"]["workforce"] if p.get("vendor") == "Northwind Annotation"]
    assert sorted(p["name"] for p in document_pools) == sorted(s["pool"] for s in northwind["shifts"])
    assert sum(p["headcount"]["production"] for p in document_pools) == northwind["production"]
    assert all(p["shift_hours"] == pytest.approx(northwind["shifts"][0]["shiftHours"]) for p in document_pools)
    assert not any(p["vendor"] == "Vector Labeling Co" for p in calibrated["document"]["workforce"])
    # The reviewers are a review pool with their real headcount and the in-house QA's hourly rate.
    review = fitted["review"]
    assert review["reviewers"] == calibrated["document"]["review"]["reviewers"] > 0
    assert review["hourlyRate"]["value"] == calibrated["document"]["review"]["reviewer_hourly_rate"] > 40
    # The scenario carries the recorded waits (pickup, first review, rework), so planning answers on it have
    # the review and rework tail; the demo reviews about a quarter of its labels, about 8 hours after submission.
    waits = calibrated["document"]["waits"]
    assert 0.1 < waits["review_share"] < 0.5 and waits["down_by_round"][0] > 0
    assert 4.0 < sorted(waits["first_review_hours"])[len(waits["first_review_hours"]) // 2] < 12.0
    assert waits["labeling_hours"] and waits["rework_cycle_hours"]
    saved = await _data(client, SAVE_SCENARIO, {"input": {"name": "demo", "document": calibrated["document"]}})
    assert saved["saveScenario"]["__typename"] == "ScenarioPayload"
    report = (await _data(client, BACKTEST, {"id": gid, "train": 4}))["backtest"]
    assert report["__typename"] == "BacktestReport"
    assert [w["week"] for w in report["weeks"]] == [5, 6, 7, 8]
    assert report["throughputMape"] is not None and report["throughputMape"] >= 0
    assert report["throughputMape"] == report["unconditional"]["throughputMape"]
    opened = report["openAtCut"]
    assert opened["total"] == opened["toLabel"] + opened["inReview"] + opened["inRework"]
    # Each week's backlog in the records is split by the stage its tasks sat in at the week's end.
    for week in report["weeks"]:
        stages = week["openActual"]
        assert (
            stages["total"] == stages["toLabel"] + stages["inReview"] + stages["inRework"] == week["actual"]["backlog"]
        )
    assert report["conditional"]["backlogMape"] is not None and report["baseline"]["backlogMape"] is not None
    cleared = report["openClearedForecast"]
    assert cleared is not None and 0 <= cleared["medianDays"] <= cleared["p90Days"]
    # Each week's conditional forecast comes with its replications' 90% interval around its mean, and the report
    # counts the weeks whose records fell inside it.
    inside = 0
    for week in report["weeks"]:
        interval = week["conditionalInterval"]
        for figure in ("throughput", "backlog"):
            assert interval["low"][figure] <= week["conditional"][figure] <= interval["high"][figure]
        inside += interval["low"]["backlog"] <= week["actual"]["backlog"] <= interval["high"]["backlog"]
    assert report["conditionalWithin"]["backlog"] == inside and report["conditionalWithin"]["weeks"] == 4
    assert report["unconditionalWithin"]["weeks"] == 4
    assert report["conditionalFloor"]["backlogMape"] is not None and report["conditionalFloor"]["backlogMape"] >= 0
    # Each of the 4 replications is scored as the world by the mean of the other three, each error 4/3 of its
    # error against the mean of all four, which the floor averages.
    held_out = [score["backlogMape"] for score in report["conditionalHeldOut"]]
    assert len(held_out) == 4
    assert sum(held_out) / 4 == pytest.approx(report["conditionalFloor"]["backlogMape"] * 4 / 3)
    # With the calibrated figures drawn from their intervals, the same replications give another forecast
    drawn = (await _data(client, BACKTEST, {"id": gid, "train": 4, "draws": True}))["backtest"]
    assert drawn["__typename"] == "BacktestReport"
    assert [w["actual"] for w in drawn["weeks"]] == [w["actual"] for w in report["weeks"]]
    assert [w["conditional"] for w in drawn["weeks"]] != [w["conditional"] for w in report["weeks"]]
    # With planning's own rule (no recorded pickup floor), the same records and another forecast
    planner = (await _data(client, BACKTEST, {"id": gid, "train": 4, "planner": True}))["backtest"]
    assert planner["__typename"] == "BacktestReport"
    assert [w["actual"] for w in planner["weeks"]] == [w["actual"] for w in report["weeks"]]
    assert [w["conditional"] for w in planner["weeks"]] != [w["conditional"] for w in report["weeks"]]
    too_long = (await _data(client, BACKTEST, {"id": gid, "train": 7}))["backtest"]
    assert too_long["__typename"] == "ValidationError" and too_long["field"] == "trainWeeks"
    missing = (await _data(client, CALIBRATE, {"id": encode_id("Project", 9999)}))["calibrateScenario"]
    assert missing["__typename"] == "NotFoundError"


async def test_demand_is_given_as_a_weekly_plan_and_named_launches_by_date(client: httpx.AsyncClient) -> None:
    # Given a plan pasted as CSV and a launch placed by its date
    demand = {
        "startDate": "2027-03-01",
        "weeklyPlanCsv": "week,tasks\n1,5000\n2,6500",
        "launches": [{"name": "Berlin", "date": "2027-03-03", "extraTasks": 3000.0, "durationDays": 5.0}],
    }
    variables = {"input": {"demand": demand, "replications": 2, "horizonWeeks": 2}}
    answer = (await _data(client, FEASIBILITY_SCENARIO, variables))["slaFeasibility"]
    # Then the simulated scenario carries them as the pattern demand's plan
    params = answer["scenario"]["demand"]["params"]
    assert params["weekly_volumes"] == [5000.0, 6500.0]
    assert params["launches"] == [{"name": "Berlin", "start_day": 2.0, "extra_tasks": 3000.0, "duration_days": 5.0}]
    assert params["start_date"] == "2027-03-01"
    # A list works as the CSV does
    listed = {"input": {**variables["input"], "demand": {"weeklyPlan": [5000.0, 6500.0]}}}
    answer = (await _data(client, FEASIBILITY_SCENARIO, listed))["slaFeasibility"]
    assert answer["scenario"]["demand"]["params"]["weekly_volumes"] == [5000.0, 6500.0]


@pytest.mark.parametrize(
    ("demand", "field", "said"),
    [
        ({"weeklyPlanCsv": "1,5000\n2,lots"}, "input.demand.weeklyPlanCsv", "line 2 tasks must be a number >= 0"),
        ({"weeklyPlan": [100.0, -1.0]}, "input.demand.weeklyPlan[1]", "must be a number of tasks >= 0, got -1.0"),
        ({"weeklyPlan": [1.0], "weeklyPlanCsv": "1"}, "input.demand.weeklyPlanCsv", "give one of them, got both"),
        (
            {"launches": [{"name": "L", "date": "2027-03-03", "extraTasks": 10.0, "durationDays": 1.0}]},
            "input.demand.launches[0].date",
            "start_date is needed to place demand.launches[0].date by date",
        ),
        (
            {"launches": [{"name": "L", "startDay": 1.0, "extraTasks": -10.0, "durationDays": 1.0}]},
            "input.demand.launches[0].extraTasks",
            "extra_tasks must be >= 0, got -10.0",
        ),
        (
            {
                "startDate": "2027-03-01",
                "launches": [{"name": "L", "date": "2027-02-01", "extraTasks": 1.0, "durationDays": 1.0}],
            },
            "input.demand.launches[0].date",
            "must not be before the plan's start date 2027-03-01, got 2027-02-01",
        ),
    ],
)
async def test_a_bad_demand_plan_names_the_field_and_the_value(
    client: httpx.AsyncClient, demand: dict[str, Any], field: str, said: str
) -> None:
    answer = (await _data(client, FEASIBILITY_SCENARIO, {"input": {"demand": demand, "replications": 2}}))[
        "slaFeasibility"
    ]
    assert answer["__typename"] == "ValidationError"
    assert answer["field"] == field and said in answer["message"]
