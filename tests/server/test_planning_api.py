"""Planning over a real server: runs in worker processes, polling, cancelling, recovery, a websocket subscription."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import uvicorn
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from server.app import create_app
from server.db import Database
from server.db.planning import RunStatus, SimulationRun
from server.graphql.ids import encode_id
from server.services.scenarios import create_run, save_scenario
from server.settings import Settings
from simulator.loading import scenario_to_dict
from simulator.scenario import Scenario

SAVE_SCENARIO = """
mutation($input: SaveScenarioInput!) {
  saveScenario(input: $input) {
    __typename
    ... on ScenarioPayload { scenario { id name version } }
    ... on UserError { message field }
  }
}
"""
RUN_SIMULATION = """
mutation($input: RunSimulationInput!) {
  runSimulation(input: $input) {
    __typename
    ... on RunPayload { run { id status replications } }
    ... on UserError { message field }
  }
}
"""
CANCEL_RUN = """
mutation($id: ID!) {
  cancelRun(id: $id) {
    __typename
    ... on RunPayload { run { id status } }
    ... on UserError { message field }
  }
}
"""
RUN = """
query($id: ID!) {
  run(id: $id) {
    status progress error result
    summary { name mean ciLow ciHigh n }
    scenario { name version }
  }
}
"""
RUN_PROGRESS = "subscription($runId: ID!) { runProgress(runId: $runId) { runId status progress } }"

# Four weeks of the default operation: a few milliseconds per replication in the kernel.
SMALL = scenario_to_dict(Scenario(name="small", horizon_days=14))


@asynccontextmanager
async def live_server(database: Database) -> AsyncIterator[str]:
    """uvicorn on a free loopback port in this event loop, with its lifespan (job recovery) on."""
    app = create_app(replace(Settings(auth=False), database_url=database.url), database)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.02)
        assert server.started, "the server did not start"
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task
        listener.close()


async def _post(client: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(url, json={"query": query, "variables": variables})
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def _until_finished(client: httpx.AsyncClient, url: str, run_id: str) -> dict[str, Any]:
    for _ in range(1200):
        run: dict[str, Any] = (await _post(client, url, RUN, {"id": run_id}))["run"]
        if run["status"] in ("DONE", "FAILED", "CANCELLED"):
            return run
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish: {run}")


async def test_a_run_started_over_graphql_completes_and_its_result_is_queryable(database: Database) -> None:
    async with live_server(database) as url, httpx.AsyncClient(timeout=60) as client:
        saved = (await _post(client, url, SAVE_SCENARIO, {"input": {"name": "small", "document": SMALL}}))[
            "saveScenario"
        ]
        assert saved["__typename"] == "ScenarioPayload"
        started = (
            await _post(
                client,
                url,
                RUN_SIMULATION,
                {"input": {"scenarioId": saved["scenario"]["id"], "replications": 16, "seed": 3}},
            )
        )["runSimulation"]
        assert started["run"]["status"] == "QUEUED"
        run = await _until_finished(client, url, started["run"]["id"])
    assert run["status"] == "DONE", run["error"]
    assert run["progress"] == 1.0
    assert run["result"]["replications"] == 16
    attainment = next(m for m in run["summary"] if m["name"] == "sla_attainment")
    assert attainment["n"] == 16 and attainment["ciLow"] <= attainment["mean"] <= attainment["ciHigh"]
    assert run["scenario"] == {"name": "small", "version": 1}


async def test_cancel_run_stops_it_and_a_finished_run_cannot_be_cancelled(database: Database) -> None:
    async with live_server(database) as url, httpx.AsyncClient(timeout=60) as client:
        saved = (await _post(client, url, SAVE_SCENARIO, {"input": {"name": "long", "document": SMALL}}))[
            "saveScenario"
        ]
        started = (
            await _post(
                client, url, RUN_SIMULATION, {"input": {"scenarioId": saved["scenario"]["id"], "replications": 400}}
            )
        )["runSimulation"]
        run_id = started["run"]["id"]
        cancelled = (await _post(client, url, CANCEL_RUN, {"id": run_id}))["cancelRun"]
        assert cancelled == {"__typename": "RunPayload", "run": {"id": run_id, "status": "CANCELLED"}}
        again = (await _post(client, url, CANCEL_RUN, {"id": run_id}))["cancelRun"]
        assert again["__typename"] == "InvalidTransitionError"
        run = (await _post(client, url, RUN, {"id": run_id}))["run"]
    assert run["status"] == "CANCELLED" and run["result"] is None


async def test_a_run_left_running_is_requeued_by_a_new_app_instance(database: Database) -> None:
    # Given a run that a previous server process left RUNNING half-way
    async with database.transaction() as session:
        stored = await save_scenario(session, "interrupted", SMALL)
        run = await create_run(session, stored.id, replications=8, seed=1, executor="local")
        run.status, run.progress = RunStatus.RUNNING, 0.5
        run_id = encode_id("SimulationRun", run.id)
    # When a new app instance starts, Then the run is picked up again and completes
    async with live_server(database) as url, httpx.AsyncClient(timeout=60) as client:
        finished = await _until_finished(client, url, run_id)
    assert finished["status"] == "DONE", finished["error"]
    async with database.session() as session:
        row = (await session.execute(SimulationRun.__table__.select())).one()
    assert row.attempts == 1


async def test_run_progress_streams_over_a_websocket_until_the_run_is_done(database: Database) -> None:
    # Given a queued run
    async with database.transaction() as session:
        stored = await save_scenario(session, "streamed", SMALL)
        run = await create_run(session, stored.id, replications=24, seed=2, executor="local")
        key = run.id
    run_id = encode_id("SimulationRun", key)
    async with live_server(database) as url:
        # When the server starts it (recovery at startup) and a client subscribes over graphql-transport-ws
        transport = WebsocketsTransport(url=url.replace("http://", "ws://"), subprotocols=["graphql-transport-ws"])
        seen: list[dict[str, Any]] = []
        async with Client(transport=transport) as session:
            request = GraphQLRequest(RUN_PROGRESS, variable_values={"runId": run_id})
            async for item in session.subscribe(request):
                seen.append(item["runProgress"])
    assert seen, "no progress message arrived"
    assert seen[-1]["status"] == "DONE" and seen[-1]["progress"] == 1.0
    assert all(message["runId"] == run_id for message in seen)
    progress = [message["progress"] for message in seen]
    assert progress == sorted(progress)
