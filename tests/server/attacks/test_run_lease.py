"""Attack: two server processes on one database executing the same simulation run.

A second server used to reset a RUNNING run to QUEUED at startup and run it again (attempts=2). Runs are claimed
under a lease now: a live lease is never taken, an expired one (its server was SIGKILLed) is taken over. Each test
runs two uvicorn processes on the same database (SQLite file, or PostgreSQL with LABELOPS_TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from server.db import Database
from server.db.planning import RunStatus, SimulationRun
from server.db.types import utcnow
from tests.server.access_world import AccessWorld
from tests.server.attacks.simulation_helpers import (
    alive,
    gql,
    heavy_document,
    save_scenario,
    start_run,
    wait_until,
    worker_pids,
)
from tests.server.live_server import live_server

CANCEL_RUN = """
mutation($id: ID!) { cancelRun(id: $id) { __typename ... on RunPayload { run { status } } } }
"""

FAST_LEASE = {
    "LABELOPS_RUN_LEASE": "2",
    "LABELOPS_RUN_HEARTBEAT": "0.3",
    "LABELOPS_SIMULATION_WORKERS": "1",
    "LABELOPS_SIMULATION_BUDGET": "1e12",
}


def _runs(url: str) -> dict[int, dict[str, Any]]:
    """Every run's status, attempts, lease and start, read straight from the database."""

    async def read() -> dict[int, dict[str, Any]]:
        database = Database(url)
        try:
            async with database.session() as session:
                rows = (await session.execute(select(SimulationRun))).scalars().all()
                return {
                    row.id: {
                        "status": row.status,
                        "attempts": row.attempts,
                        "owner": row.lease_owner,
                        "expires": row.lease_expires_at,
                        "started": row.started_at,
                        "error": row.error,
                    }
                    for row in rows
                }
        finally:
            await database.dispose()

    return asyncio.run(read())


def _all_finished(url: str, count: int) -> dict[int, dict[str, Any]] | None:
    runs = _runs(url)
    return runs if len(runs) == count and all(r["status"].finished for r in runs.values()) else None


def test_a_second_server_never_reruns_a_run_the_first_is_executing(world_url: tuple[AccessWorld, str]) -> None:
    world, url = world_url
    headers = world.headers("admin")
    with live_server(url, **FAST_LEASE) as first:
        scenario_id = save_scenario(first.graphql_url, headers, heavy_document("shared"))
        start_run(first.graphql_url, headers, scenario_id, replications=16)
        wait_until(lambda: any(r["status"] is RunStatus.RUNNING for r in _runs(url).values()), 30, "never RUNNING")
        # When a second server starts on the same database while the run executes, and queues runs of its own
        with live_server(url, **FAST_LEASE) as second:
            for _ in range(2):
                start_run(second.graphql_url, headers, scenario_id, replications=4)
            runs = wait_until(lambda: _all_finished(url, 3), 180, "the runs did not finish")
    # Then every run was executed exactly once
    assert [(r["status"], r["attempts"]) for r in runs.values()] == [(RunStatus.DONE, 1)] * 3, runs


def test_a_run_whose_server_was_killed_is_taken_over_only_after_its_lease_expires(
    world_url: tuple[AccessWorld, str],
) -> None:
    world, url = world_url
    headers = world.headers("admin")
    with live_server(url, **{**FAST_LEASE, "LABELOPS_RUN_LEASE": "15", "LABELOPS_RUN_HEARTBEAT": "0.5"}) as first:
        scenario_id = save_scenario(first.graphql_url, headers, heavy_document("orphaned"))
        start_run(first.graphql_url, headers, scenario_id, replications=8)
        held = wait_until(lambda: [r for r in _runs(url).values() if r["owner"]], 30, "the run was never leased")[0]
        first.kill()
    expires: datetime = _runs(url)[1]["expires"]
    with live_server(url, **FAST_LEASE) as second:
        # While the dead server's lease lasts, the new server's startup leaves the run alone
        if utcnow() < expires - timedelta(seconds=0.5):
            current = _runs(url)[1]
            assert (current["status"], current["owner"], current["attempts"]) == (RunStatus.RUNNING, held["owner"], 1)
        # Then it takes the run over once the lease has expired, and completes it
        runs = wait_until(lambda: _all_finished(url, 1), 180, "the orphaned run was never completed")
        second_pid = second.process.pid
    run = runs[1]
    assert run["status"] is RunStatus.DONE, run["error"]
    assert run["attempts"] == 2
    assert run["started"] >= expires, "the run was taken over before its lease expired"
    assert second_pid != first.process.pid


def test_a_run_cancelled_through_another_server_loses_its_workers(world_url: tuple[AccessWorld, str]) -> None:
    world, url = world_url
    headers = world.headers("admin")
    with live_server(url, **FAST_LEASE) as first, live_server(url, **FAST_LEASE) as second:
        scenario_id = save_scenario(first.graphql_url, headers, heavy_document("cancelled-elsewhere"))
        run_id = start_run(first.graphql_url, headers, scenario_id, replications=400)
        busy = wait_until(
            lambda: worker_pids(first.process.pid) | worker_pids(second.process.pid), 30, "no worker started"
        )
        # When the run is cancelled through the server that does not execute it
        cancelled = gql(second.graphql_url, headers, CANCEL_RUN, {"id": run_id})["cancelRun"]
        assert cancelled == {"__typename": "RunPayload", "run": {"status": "CANCELLED"}}
        # Then the executing server notices on its next heartbeat and kills the run's worker
        wait_until(lambda: not any(alive(pid) for pid in busy), 5, f"workers {busy} still run the cancelled run")
        assert _runs(url)[1]["status"] is RunStatus.CANCELLED
