"""A project's health verdict: the rules on hand-made facts, the facts against the records, and the GraphQL field.

The rules (`judge`) are checked on facts built by hand, one aspect at a time. The facts are checked against a
recount of the demo's tasks and labels in Python as of a noon cut, on both databases. The field is checked through
the API: the same verdict for every project on a page of projects, "no data yet" for an empty project, and a
moment in the future answered as of now.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.db import Database
from server.db.enums import DataType, ProjectStatus
from server.db.models import Label, Project, Task
from server.services.demo.seed import seed_demo
from server.services.health import Aspect, HealthFacts, Verdict, health_facts, judge
from tests.server.access_world import build_access_world
from tests.server.conftest import http_client

AS_OF = datetime(2024, 6, 3, 12, tzinfo=UTC)
DAYS = 14


def _facts(**changes: object) -> HealthFacts:
    """A healthy project: SLA met, backlog clearing before the deadline, budget and quality fine."""
    healthy = HealthFacts(
        as_of=AS_OF,
        status=ProjectStatus.ACTIVE,
        currency="USD",
        tasks=2000,
        remaining=100,
        open_breached=0,
        completions=(60,) * DAYS,
        arrivals=(50,) * DAYS,
        sla_completed=840,
        sla_within=820,
        sla_all_time=False,
        sla_turnaround_hours=48.0,
        sla_target=0.95,
        deadline=AS_OF + timedelta(days=60),
        budget=100_000.0,
        spent=20_000.0,
        lookback_cost=7_000.0,
        benchmarks=400,
        benchmarks_correct=390,
        quality_target=0.95,
    )
    return replace(healthy, **changes)  # type: ignore[arg-type]


def _aspect(facts: HealthFacts, aspect: Aspect) -> tuple[Verdict, str]:
    reason = next(r for r in judge(facts).reasons if r.aspect is aspect)
    return reason.verdict, reason.message


def test_a_healthy_project_is_on_track_on_every_aspect() -> None:
    health = judge(_facts())
    assert health.verdict is Verdict.ON_TRACK
    assert {r.aspect for r in health.reasons} == {Aspect.SLA, Aspect.FORECAST, Aspect.BUDGET, Aspect.QUALITY}


def test_sla_below_target_is_off_track_even_when_completion_looks_on_track() -> None:
    # The chatbot case: the backlog clears before the deadline, but only 78.5% made the turnaround.
    health = judge(_facts(sla_within=round(0.785 * 840)))
    assert health.verdict is Verdict.OFF_TRACK
    assert health.reasons[0].aspect is Aspect.SLA
    assert "78.5% of 840 tasks completed in the last 14 days" in health.summary
    assert _aspect(_facts(sla_within=round(0.785 * 840)), Aspect.FORECAST)[0] is Verdict.ON_TRACK


def test_sla_just_below_target_is_at_risk_and_late_open_tasks_count_as_misses_to_come() -> None:
    assert _aspect(_facts(sla_within=790), Aspect.SLA)[0] is Verdict.AT_RISK  # 94.0%
    verdict, message = _aspect(_facts(open_breached=40), Aspect.SLA)  # 820 / 880 = 93.2% once they complete
    assert verdict is Verdict.AT_RISK and "40 open tasks are already late" in message


def test_incoming_demand_faster_than_completions_means_the_backlog_grows() -> None:
    facts = _facts(completions=(50,) * DAYS, arrivals=(70,) * DAYS, remaining=1000)
    verdict, message = _aspect(facts, Aspect.FORECAST)
    assert verdict is Verdict.OFF_TRACK  # 20 days of work already, against a 48 h turnaround
    assert (
        "falling behind" in message
        and "grows by 20.0 a day" in message
        and "about 2200 open by the deadline" in message
    )
    # A backlog still within a turnaround's worth of work is at risk rather than off track.
    assert _aspect(replace(facts, remaining=100), Aspect.FORECAST)[0] is Verdict.AT_RISK


def test_a_difference_within_day_to_day_noise_is_keeping_pace_not_falling_behind() -> None:
    # 45 against 50 a day on average, but days swing by 40: no trend to call.
    completions = tuple(25 if day % 2 else 65 for day in range(DAYS))
    facts = _facts(completions=completions, arrivals=(50,) * DAYS, remaining=60)
    verdict, message = _aspect(facts, Aspect.FORECAST)
    assert verdict is Verdict.ON_TRACK and message.startswith("Forecast: keeping pace")


def test_the_forecast_counts_arrivals_against_the_deadline() -> None:
    # 1000 open, 60 done and 50 arriving a day: 100 days net, though completions alone would take 17.
    facts = _facts(remaining=1000)
    verdict, message = _aspect(facts, Aspect.FORECAST)
    assert verdict is Verdict.OFF_TRACK and "deadline" in message
    assert _aspect(replace(facts, arrivals=(0,) * DAYS), Aspect.FORECAST)[0] is Verdict.ON_TRACK


def test_a_noisy_net_flow_whose_interval_crosses_the_deadline_is_at_risk() -> None:
    # 60 done and 50 arriving a day: 10 net, clearly positive, but uneven enough to reach 73 days at the 80% bound.
    completions = tuple(80 if day % 2 else 40 for day in range(DAYS))
    facts = _facts(remaining=500, completions=completions, deadline=AS_OF + timedelta(days=60))
    verdict, message = _aspect(facts, Aspect.FORECAST)
    assert verdict is Verdict.AT_RISK and "clears by" in message
    assert _aspect(replace(facts, deadline=AS_OF + timedelta(days=80)), Aspect.FORECAST)[0] is Verdict.ON_TRACK
    assert _aspect(replace(facts, deadline=AS_OF + timedelta(days=45)), Aspect.FORECAST)[0] is Verdict.OFF_TRACK


def test_a_steady_stream_keeping_pace_is_on_track_without_a_deadline() -> None:
    facts = _facts(deadline=None, completions=(50,) * DAYS, arrivals=(50,) * DAYS, remaining=60)
    verdict, message = _aspect(facts, Aspect.FORECAST)
    assert verdict is Verdict.ON_TRACK and message.startswith("Forecast: keeping pace")


def test_budget_over_is_off_track_and_a_pace_that_overruns_is_at_risk() -> None:
    assert _aspect(_facts(spent=100_001.0), Aspect.BUDGET)[0] is Verdict.OFF_TRACK
    # 20k spent, 2k a day for 60 days to the deadline: 140k projected.
    verdict, message = _aspect(_facts(lookback_cost=28_000.0), Aspect.BUDGET)
    assert verdict is Verdict.AT_RISK and "140,000 USD (140.0%) by the deadline" in message
    assert all(r.aspect is not Aspect.BUDGET for r in judge(_facts(budget=None)).reasons)


def test_quality_is_off_track_only_when_the_whole_interval_is_below_target() -> None:
    assert _aspect(_facts(benchmarks=20, benchmarks_correct=18), Aspect.QUALITY)[0] is Verdict.AT_RISK  # 90% of 20
    assert _aspect(_facts(benchmarks=400, benchmarks_correct=360), Aspect.QUALITY)[0] is Verdict.OFF_TRACK


def test_an_empty_or_draft_project_has_no_data_yet() -> None:
    empty = judge(_facts(tasks=0, remaining=0, completions=(0,) * DAYS, arrivals=(0,) * DAYS))
    assert empty.verdict is Verdict.NO_DATA and empty.summary == "No data yet: the project has no tasks."
    draft = judge(_facts(status=ProjectStatus.DRAFT, sla_completed=0, sla_within=0, spent=0.0))
    assert draft.verdict is Verdict.NO_DATA and "draft" in draft.summary


async def test_the_facts_match_a_recount_of_the_records_on_both_databases(database: Database) -> None:
    await seed_demo(database, seed=7, anchor=AS_OF.replace(hour=0), scale=0.1)
    async with database.session() as session:
        projects = list((await session.execute(select(Project).order_by(Project.id))).scalars())
        for project in projects:
            facts = await health_facts(session, project.id, as_of=AS_OF)
            tasks = list((await session.execute(select(Task).where(Task.project_id == project.id))).scalars())
            labels = list(
                (
                    await session.execute(
                        select(Label).join(Task, Task.id == Label.task_id).where(Task.project_id == project.id)
                    )
                ).scalars()
            )
            first = AS_OF.replace(hour=0) - timedelta(days=DAYS)
            day_of = [first + timedelta(days=i) for i in range(DAYS + 1)]
            created = [t for t in tasks if t.created_at < AS_OF]
            assert facts.tasks == len(created)
            assert facts.arrivals == tuple(
                sum(day_of[i] <= t.created_at < day_of[i + 1] for t in tasks) for i in range(DAYS)
            )
            assert facts.completions == tuple(
                sum(t.completed_at is not None and day_of[i] <= t.completed_at < day_of[i + 1] for t in tasks)
                for i in range(DAYS)
            )
            open_then = [
                t
                for t in created
                if (t.completed_at is None or t.completed_at >= AS_OF)
                and (t.archived_at is None or t.archived_at >= AS_OF)
            ]
            assert facts.remaining == len(open_then)
            limit = timedelta(hours=project.sla_turnaround_hours)
            assert facts.open_breached == sum(AS_OF - t.created_at > limit for t in open_then)
            recent = [t for t in tasks if t.completed_at is not None and first <= t.completed_at < AS_OF]
            if not facts.sla_all_time:
                assert facts.sla_completed == len(recent)
                assert facts.sla_within == sum(t.completed_at - t.created_at <= limit for t in recent)
            # Benchmark correctness compares answers with gold ones (the analytics tests own that); the count of
            # labels in the lookback bounds it.
            in_lookback = [x for x in labels if first <= x.submitted_at < day_of[-1]]
            assert 0 <= facts.benchmarks_correct <= facts.benchmarks <= len(in_lookback)
            assert facts.spent > 0 or project.status is ProjectStatus.DRAFT


_HEALTH = """
query Health($asOf: DateTime) {
  projects(first: 10) { edges { node { id name status health(asOf: $asOf) { verdict summary asOf
    reasons { aspect verdict message } } } } }
}
"""


async def test_every_project_on_a_page_has_one_verdict_and_the_future_is_answered_as_of_now(
    database: Database, api_headers: dict[str, str]
) -> None:
    # Given the demo (history up to today) and an empty project
    await seed_demo(database, seed=7, scale=0.1)
    async with database.transaction() as session:
        session.add(Project(name="Empty", data_type=DataType.TEXT, status=ProjectStatus.ACTIVE))
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    async with http_client(database, api_headers) as client:
        # When the projects are listed with their health as of tomorrow
        answer = (await client.post("/graphql", json={"query": _HEALTH, "variables": {"asOf": tomorrow}})).json()
    assert "errors" not in answer, answer
    nodes = {edge["node"]["name"]: edge["node"] for edge in answer["data"]["projects"]["edges"]}
    # Then each has one verdict with reasons in words, as of now rather than tomorrow
    for node in nodes.values():
        health = node["health"]
        assert health["verdict"] in {"NO_DATA", "ON_TRACK", "AT_RISK", "OFF_TRACK"}
        assert health["summary"] == health["reasons"][0]["message"]
        assert datetime.fromisoformat(health["asOf"]) <= datetime.now(UTC)
    assert nodes["Empty"]["health"]["verdict"] == "NO_DATA"
    drafts = [node for node in nodes.values() if node["status"] == "DRAFT"]
    assert drafts and all(node["health"]["verdict"] == "NO_DATA" for node in drafts)
    judged = [node for node in nodes.values() if node["health"]["verdict"] != "NO_DATA"]
    assert judged and all(len(node["health"]["reasons"]) >= 2 for node in judged)


async def test_a_naive_moment_is_refused_naming_the_argument(database: Database, api_headers: dict[str, str]) -> None:
    await seed_demo(database, seed=7, scale=0.1)
    async with http_client(database, api_headers) as client:
        answer = (
            await client.post("/graphql", json={"query": _HEALTH, "variables": {"asOf": "2024-06-01T00:00:00"}})
        ).json()
    assert any("asOf" in error["message"] and "time zone" in error["message"] for error in answer["errors"])


async def test_health_is_null_for_roles_that_may_not_see_the_dashboard(database: Database) -> None:
    # Given projects P1 (the program manager's) and P2, seen by roles with and without dashboard access
    world = await build_access_world(database)
    query = "{ projects(first: 10) { edges { node { name health { verdict } } } } }"
    seen: dict[str, dict[str, object]] = {}
    async with http_client(database) as client:
        for role in ("admin", "pm", "vm", "labeler"):
            answer = (await client.post("/graphql", json={"query": query}, headers=world.headers(role))).json()
            assert "errors" not in answer, (role, answer)
            seen[role] = {e["node"]["name"]: e["node"]["health"] for e in answer["data"]["projects"]["edges"]}
    # Then admins see every verdict, a program manager only their own project's, the others none
    assert all(health is not None for health in seen["admin"].values()) and len(seen["admin"]) == 2
    assert seen["pm"].get("P1") is not None and seen["pm"].get("P2") is None
    assert seen["vm"], "the vendor manager sees the projects its vendor is on"
    assert all(health is None for role in ("vm", "labeler") for health in seen[role].values())
