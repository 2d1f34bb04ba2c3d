"""Planning inputs as planners paste and type them: a weekly plan exported by a spreadsheet, launches placed past
the horizon, plan searches with nothing to search or an oversized list of finalists. Each is answered as meant, or
refused with a ValidationError naming the client's field and value. And a history thin in one vendor: its people
all hiring, none of their hours seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from server.db import Database
from server.db import models as m
from server.db.enums import (
    DataType,
    LabelerStage,
    LabelStatus,
    PricingModel,
    ProjectStatus,
    TaskStatus,
    VendorStatus,
    WorkforceType,
)
from server.graphql.ids import encode_id
from simulator.loading import scenario_to_dict
from simulator.scenario import Demand, Scenario
from tests.server.conftest import http_client
from tests.server.test_planning_edges import CHEAPEST

FEASIBILITY = """
query($input: SlaFeasibilityInput!) {
  slaFeasibility(input: $input) {
    __typename
    ... on SlaFeasibility { scenario }
    ... on ValidationError { message field value }
  }
}
"""
SMALL = {"horizonWeeks": 1, "replications": 2}
QUICK_SEARCH = {"screenReplications": 2, "confirmReplications": 2, "finalists": 1}


@pytest.fixture
async def client(database: Database) -> Any:
    async with http_client(database, auth=False) as http:
        yield http


async def _answer(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = (await client.post("/graphql", json={"query": query, "variables": variables})).json()
    assert "errors" not in body, body
    answer: dict[str, Any] = next(iter(body["data"].values()))
    return answer


async def _refused(client: httpx.AsyncClient, query: str, variables: dict[str, Any], field: str) -> dict[str, Any]:
    answer = await _answer(client, query, variables)
    assert answer["__typename"] == "ValidationError", answer
    assert answer["field"] == field and answer["message"].startswith(field), answer
    return answer


async def _planned_weeks(client: httpx.AsyncClient, csv: str) -> list[float]:
    answer = await _answer(client, FEASIBILITY, {"input": {**SMALL, "demand": {"weeklyPlanCsv": csv}}})
    assert answer["__typename"] == "SlaFeasibility", answer
    weeks: list[float] = answer["scenario"]["demand"]["params"]["weekly_volumes"]
    return weeks


@pytest.mark.parametrize(
    "csv",
    [
        pytest.param("\ufeff5000\n6000", id="byte-order mark before one number a line"),
        pytest.param("\ufeff1,5000\n2,6000", id="byte-order mark before week rows"),
        pytest.param("week,tasks\r1,5000\r2,6000\r", id="lines ended by a lone CR"),
        pytest.param("week,tasks,,\n1,5000,,\n2,6000,,\n", id="empty columns after the last"),
    ],
)
async def test_a_weekly_plan_exported_by_a_spreadsheet_keeps_every_week(client: httpx.AsyncClient, csv: str) -> None:
    # Given a plan of two weeks as a spreadsheet writes it, then the plan is the two weeks, week 1 included
    assert await _planned_weeks(client, csv) == [5000.0, 6000.0]


async def test_a_bad_weekly_plan_names_its_line_as_the_text_numbers_it(client: httpx.AsyncClient) -> None:
    field = "input.demand.weeklyPlanCsv"

    async def refused(csv: str) -> str:
        variables = {"input": {**SMALL, "demand": {"weeklyPlanCsv": csv}}}
        message: str = (await _refused(client, FEASIBILITY, variables, field))["message"]
        return message

    # Blank lines before the header still count: the bad value is on the text's seventh line.
    assert "line 7 tasks must be a number >= 0, got 'lots'" in await refused("\n\n\nweek,tasks\n\n1,5000\n2,lots")
    # A first row holding a week number is data, not a header to drop: its bad value is named, not the next row.
    assert "line 1 tasks must be a number >= 0, got 'lots'" in await refused("1,lots\n2,5000")
    # A row of three cells is named as such, not taken for a header leaving "no week".
    assert "line 1 must be 'week,tasks' or a number, got '1,5000,x'" in await refused("1,5000,x")
    # A quote never closed is a CSV error on its line, not an unexpected one.
    assert "line 2 is not CSV" in await refused('week,tasks\n"1,5000\n2,6000')


async def test_a_launch_starting_past_the_horizon_is_refused_naming_its_field(client: httpx.AsyncClient) -> None:
    launch = {"name": "Berlin", "extraTasks": 3000.0, "durationDays": 5.0}
    # Given a one-week question and a launch on day 7 (by day) or on day 9 (by date)
    by_day = {"input": {**SMALL, "demand": {"launches": [{**launch, "startDay": 7.0}]}}}
    answer = await _refused(client, FEASIBILITY, by_day, "input.demand.launches[0].startDay")
    assert "within the 7-day horizon" in answer["message"] and answer["value"] == "7.0"
    dated = {**launch, "name": "Paris", "date": "2027-03-10"}
    demand = {"startDate": "2027-03-01", "launches": [{**launch, "startDay": 1.0}, dated]}
    variables = {"input": {**SMALL, "demand": demand}}
    answer = await _refused(client, FEASIBILITY, variables, "input.demand.launches[1].date")
    assert "starts on day 9" in answer["message"] and answer["value"] == "2027-03-10"
    # A launch starting inside the horizon and running past it is answered.
    inside = {"input": {**SMALL, "demand": {"launches": [{**launch, "startDay": 6.5}]}}}
    assert (await _answer(client, FEASIBILITY, inside))["__typename"] == "SlaFeasibility"


@pytest.mark.parametrize(
    "options",
    [pytest.param([], id="no pool"), pytest.param([{"pool": "default", "counts": [0]}], id="only zero counts")],
)
async def test_a_plan_search_that_allows_no_hire_is_refused(
    client: httpx.AsyncClient, options: list[dict[str, Any]]
) -> None:
    # Answered, it was "hire nobody" with a limit blaming the horizon, which no hire was allowed to reach.
    variables = {"input": {**QUICK_SEARCH, "options": options}}
    answer = await _refused(client, CHEAPEST, variables, "input.options")
    assert "at least one hire" in answer["message"]


async def test_a_plan_search_over_the_budget_through_its_finalists_names_them(client: httpx.AsyncClient) -> None:
    # Two confirming replications are not what makes a million finalists too many to confirm.
    search = {**QUICK_SEARCH, "finalists": 1_000_000, "options": [{"pool": "default", "counts": [0, 2]}]}
    answer = await _refused(client, CHEAPEST, {"input": search}, "input.finalists")
    assert answer["value"] == "1000000" and "simulation budget" in answer["message"]


async def test_a_bad_demand_spike_is_named_by_its_place_in_the_list(client: httpx.AsyncClient) -> None:
    # Given two spikes, the second lasting no time: the error says which of the two, as a variant's spikes do
    spikes = [
        {"startDay": 1.0, "durationDays": 2.0, "multiplier": 2.0},
        {"startDay": 3.0, "durationDays": -1.0, "multiplier": 2.0},
    ]
    variables = {"input": {**SMALL, "demand": {"spikes": spikes}}}
    answer = await _refused(client, FEASIBILITY, variables, "input.demand.spikes[1].durationDays")
    assert "must be > 0" in answer["message"] and answer["value"] == "-1.0"


CALIBRATE = """
query($id: ID!) {
  calibrateScenario(projectId: $id) {
    __typename
    ... on CalibrationResult {
      document
      fitted {
        warnings timePerLabelSeconds { value } review { reworkTimeFactor { value } }
        pools { vendor hiring shifts { pool shiftHours } }
      }
    }
    ... on UserError { message field }
  }
}
"""
START = datetime(2026, 9, 7, 9, tzinfo=UTC)


def _vendor(name: str) -> m.Vendor:
    return m.Vendor(
        name=name,
        workforce_type=WorkforceType.FULL_TIME,
        pricing_model=PricingModel.HOURLY,
        rate=12.0,
        status=VendorStatus.ONBOARDED,
    )


def _person(vendor: m.Vendor, name: str, stage: LabelerStage) -> m.Labeler:
    person = m.Labeler(vendor=vendor, name=name, stage=stage, hourly_rate=12.0)
    person.stage_events.append(m.LabelerStageEvent(stage=stage, entered_at=START - timedelta(days=30)))
    return person


async def _project_with_a_vendor_still_hiring(database: Database, *, stray_seconds: float | None = None) -> str:
    """Three weeks of labels by two people of one vendor, ten a day, a minute each (but the sixth, timed at
    ``stray_seconds`` when given), every tenth reworked once for half a minute; a second vendor's two people all in
    HIRING."""
    async with database.session() as session:
        working, hiring = _vendor("Working Co"), _vendor("Hiring Co")
        project = m.Project(name="thin", data_type=DataType.TEXT, status=ProjectStatus.ACTIVE)
        project.vendors.extend([working, hiring])
        people = [_person(working, f"worker {i}", LabelerStage.PRODUCTION) for i in range(2)]
        newcomers = [_person(hiring, f"newcomer {i}", LabelerStage.HIRING) for i in range(2)]
        members = [m.ProjectMembership(project=project, labeler=person) for person in [*people, *newcomers]]
        session.add_all([project, *people, *newcomers, *members])
        for i in range(21 * 10):
            at = START + timedelta(days=i // 10, minutes=7 * (i % 10))
            task = m.Task(project=project, external_id=str(i), created_at=at, status=TaskStatus.DONE)
            task.completed_at = at + timedelta(minutes=30)
            submitted = at + timedelta(minutes=30)
            label = m.Label(
                task=task,
                labeler=people[i % 2],
                answer={"choice": "A"},
                started_at=submitted - timedelta(minutes=1),
                submitted_at=submitted,
                seconds_to_label=stray_seconds if stray_seconds is not None and i == 5 else 60.0,
                rework_count=1 if i % 10 == 0 else 0,
                rework_seconds=30.0 if i % 10 == 0 else 0.0,
                status=LabelStatus.ACCEPTED,
            )
            session.add_all([task, label])
        await session.commit()
        return encode_id("Project", project.id)


async def test_a_vendor_whose_hours_were_not_seen_is_reported_with_the_hours_its_pool_works(
    database: Database, client: httpx.AsyncClient
) -> None:
    # Given a vendor whose people are all still hiring: nobody's hours seen, so its pool works the other pools'
    project = await _project_with_a_vendor_still_hiring(database)
    calibrated = await _answer(client, CALIBRATE, {"id": project})
    assert calibrated["__typename"] == "CalibrationResult", calibrated
    assert any(w.startswith("Hiring Co: no hours seen") for w in calibrated["fitted"]["warnings"])
    worked = {p["name"]: p["shift_hours"] for p in calibrated["document"]["workforce"]}
    # Then the fitted shifts say the hours the scenario's pools work, the hiring vendor's included
    fitted = {s["pool"]: s["shiftHours"] for p in calibrated["fitted"]["pools"] for s in p["shifts"]}
    assert fitted == pytest.approx(worked)
    assert [p["hiring"] for p in calibrated["fitted"]["pools"] if p["vendor"] == "Hiring Co"] == [2]


async def test_a_question_whose_tasks_all_fall_due_past_the_horizon_is_refused(client: httpx.AsyncClient) -> None:
    # Given a two-week question (336 hours) and a 48-hour turnaround: a task must arrive in the first 288 hours
    sla = {"turnaroundHours": 48.0, "requiredAttainment": 0.9}
    late = {"name": "late", "startDay": 12.0, "extraTasks": 500.0, "durationDays": 3.0}
    question = {"horizonWeeks": 2, "replications": 2, "sla": sla, "demand": {"basePerDay": 0.0, "launches": [late]}}
    # When the only tasks come with a launch from hour 288 on, then none is judged: refused, not "infeasible"
    answer = await _refused(client, FEASIBILITY, {"input": question}, "input.demand.basePerDay")
    assert "no task early enough" in answer["message"] and "first 288 hours" in answer["message"]
    # A day earlier, its first day's tasks fall due within the horizon: answered
    earlier = {**question, "demand": {"basePerDay": 0.0, "launches": [{**late, "startDay": 11.0}]}}
    assert (await _answer(client, FEASIBILITY, {"input": earlier}))["__typename"] == "SlaFeasibility"


async def test_a_recorded_trace_base_keeps_its_arrivals_unless_a_pattern_with_its_rate_replaces_them(
    client: httpx.AsyncClient,
) -> None:
    # Given a stored scenario replaying 50 tasks a day (its unused pattern rate is the default 1,000)
    base = scenario_to_dict(Scenario(horizon_days=14, demand=Demand(model="trace", trace=(50.0,) * 14)))
    question = {"base": {"document": base}, "replications": 2}
    # When the request changes only how long a label takes, then the trace stays and only the minutes change
    answer = await _answer(client, FEASIBILITY, {"input": {**question, "demand": {"minutesPerLabel": 3.0}}})
    assert answer["__typename"] == "SlaFeasibility", answer
    demand = answer["scenario"]["demand"]
    assert demand["model"] == "trace" and demand["trace"] == [50.0] * 14
    assert demand["projects"][0]["minutes_per_label"] == 3.0
    # A weekly plan alone would fall back on the unused rate after its weeks: it needs a base rate of its own
    planned = {**question, "demand": {"weeklyPlan": [350.0]}}
    answer = await _refused(client, FEASIBILITY, {"input": planned}, "input.demand.weeklyPlan")
    assert "needs input.demand.basePerDay" in answer["message"]
    with_rate = {**question, "demand": {"weeklyPlan": [350.0], "basePerDay": 50.0}}
    answer = await _answer(client, FEASIBILITY, {"input": with_rate})
    assert answer["scenario"]["demand"]["model"] == "pattern"
    assert answer["scenario"]["demand"]["params"]["weekly_volumes"] == [350.0]


async def test_one_label_timed_over_a_weekend_does_not_set_the_speed(
    database: Database, client: httpx.AsyncClient
) -> None:
    # Given 210 labels of a minute each, and one whose timer ran for three days
    project = await _project_with_a_vendor_still_hiring(database, stray_seconds=3 * 86400.0)
    calibrated = await _answer(client, CALIBRATE, {"id": project})
    assert calibrated["__typename"] == "CalibrationResult", calibrated
    # Then the scenario's labels take about a minute, not the 21.6 the mean with that one gave, and it says why
    minutes = calibrated["document"]["demand"]["projects"][0]["minutes_per_label"]
    assert minutes == pytest.approx(1.0, rel=0.05)
    # The figures read from label times agree: a minute a label, a rework half a label's time
    fitted = calibrated["fitted"]
    assert fitted["timePerLabelSeconds"]["value"] == pytest.approx(60.0, rel=0.05)
    assert fitted["review"]["reworkTimeFactor"]["value"] == pytest.approx(0.5, rel=0.05)
    warnings = calibrated["fitted"]["warnings"]
    assert any("1 label time(s) over 50 times the median left out" in w for w in warnings), warnings


@pytest.mark.parametrize(
    ("offer", "field"),
    [
        ({"hourlyRate": 1e308}, "input.offer.hourlyRate"),
        ({"pricePerLabel": 1e300}, "input.offer.pricePerLabel"),
    ],
)
async def test_an_offer_priced_past_any_real_rate_is_refused_naming_its_field(
    client: httpx.AsyncClient, offer: dict[str, Any], field: str
) -> None:
    # Summed over a horizon such an amount overflowed to infinity, and the cost came back as NaN on no field
    variables = {"input": {**SMALL, "offer": {"headcount": 2, **offer}, "offerMode": "REPLACE"}}
    refused = await _refused(client, FEASIBILITY, variables, field)
    assert "must be at most 1e+09" in refused["message"]
