"""Planning keeps to the caller's projects: a scenario calibrated from another project's history (with its vendors'
hourly rates) is "not found", exactly as a project that does not exist, so errors reveal no project ids. A run's
progress streams over a websocket only to those who may see runs (admins and program managers)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from server.db import Database
from server.db.planning import RunStatus, SimulationRun, StoredScenario
from server.graphql.ids import encode_id
from tests.server.access_world import AccessWorld, build_access_world, gid
from tests.server.attacks.live import Attacker, serving

FEASIBILITY = """
query($base: ScenarioSourceInput) {
  slaFeasibility(input: {base: $base, replications: 2, horizonWeeks: 1}) {
    __typename ... on UserError { field message }
  }
}
"""
COMPARE = """
query($base: ScenarioSourceInput) {
  compareScenarios(input: {base: $base, replications: 2, variants: [{name: "more", demandMultiplier: 1.1}]}) {
    __typename ... on UserError { field message }
  }
}
"""
CHEAPEST = """
query($base: ScenarioSourceInput) {
  cheapestPlan(input: {base: $base, options: [{pool: "main", counts: [1]}], confirmReplications: 2}) {
    __typename ... on UserError { field message }
  }
}
"""
RUN_PROGRESS = "subscription($runId: ID!) { runProgress(runId: $runId) { runId status progress } }"
MISSING_PROJECT = gid("Project", 987654)


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await build_access_world(database)


@pytest.fixture
async def live(database: Database, world: AccessWorld) -> AsyncIterator[Attacker]:
    async with serving(database) as url, httpx.AsyncClient(timeout=60) as client:
        yield Attacker(client, url, world)


def _without_ids(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: re.sub(r"\d+", "N", value) if isinstance(value, str) else value for key, value in answer.items()}


@pytest.mark.parametrize("query", [FEASIBILITY, COMPARE, CHEAPEST], ids=["slaFeasibility", "compare", "cheapest"])
async def test_given_a_project_outside_scope_when_planning_from_it_then_it_is_as_missing_as_an_unknown_one(
    live: Attacker, query: str
) -> None:
    # When a program manager of P1 plans from P2's history, and from a project that does not exist
    hidden = await live.post("pm", query, base={"projectId": live.world.gid("Project", "p2")})
    missing = await live.post("pm", query, base={"projectId": MISSING_PROJECT})

    # Then both are the same "not found" on the same field
    (hidden_answer,) = hidden["data"].values()
    (missing_answer,) = missing["data"].values()
    assert hidden_answer["__typename"] == "NotFoundError", hidden
    assert hidden_answer["field"] == "input.base.projectId"
    assert _without_ids(hidden_answer) == _without_ids(missing_answer)


async def test_given_their_own_project_when_planning_from_it_then_the_scope_check_passes(live: Attacker) -> None:
    body = await live.post("pm", FEASIBILITY, base={"projectId": live.world.gid("Project", "p1")})

    # Two labels are too little history to calibrate from, or it calibrates: either way not a scope refusal.
    assert body["data"]["slaFeasibility"]["__typename"] != "NotFoundError", body


async def _finished_run(database: Database) -> str:
    async with database.transaction() as session:
        scenario = StoredScenario(name="s", version=1, document={"name": "s"})
        session.add(scenario)
        await session.flush()
        run = SimulationRun(scenario_id=scenario.id, status=RunStatus.DONE, progress=1.0, replications=2, seed=0)
        session.add(run)
        await session.flush()
        return encode_id("SimulationRun", run.id)


async def _subscribe(url: str, key: str, run_id: str) -> list[dict[str, Any]]:
    transport = WebsocketsTransport(
        url=url.replace("http://", "ws://") + "/graphql",
        subprotocols=["graphql-transport-ws"],
        init_payload={"Authorization": f"Bearer {key}"},
    )
    async with Client(transport=transport) as session:
        return [
            item async for item in session.subscribe(GraphQLRequest(RUN_PROGRESS, variable_values={"runId": run_id}))
        ]


async def test_given_roles_outside_planning_when_subscribing_to_a_run_then_it_is_not_found_like_a_missing_one(
    database: Database, world: AccessWorld
) -> None:
    run_id = await _finished_run(database)
    async with serving(database) as url:
        # An admin and a program manager see the run's progress
        for role in ("admin", "pm"):
            seen = await _subscribe(url, world.keys[role], run_id)
            assert seen[-1]["runProgress"]["status"] == "DONE", role
        # Everyone else gets what a missing run gets
        missing_id = encode_id("SimulationRun", 987654)
        for role in ("vm", "reviewer", "labeler"):
            answers = []
            for candidate in (run_id, missing_id):
                with pytest.raises(TransportQueryError) as refused:
                    await _subscribe(url, world.keys[role], candidate)
                answers.append(re.sub(r"\d+", "N", str(refused.value.errors)))
            assert answers[0] == answers[1], (role, answers)
