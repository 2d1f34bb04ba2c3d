"""Crash recovery: a server killed with SIGKILL in the middle of concurrent writes loses nothing it acknowledged.

Clients label and review until enough writes are acknowledged, then the server process is killed without warning
while requests are still in flight. Every label and review a client was told about is in the database, every task's
status still agrees with its labels, and a new server on the same database serves them."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest

from tests.conftest import test_database_url
from tests.server.live_server import LiveServer, drop_database, live_server
from tests.server.load_world import LoadWorld, Outcomes, check_invariants, prepare_load_world, work_on_task

# Runs on the configured server database too (the PostgreSQL pass selects `database` tests).
pytestmark = pytest.mark.database

WORKERS = 20
KILL_AFTER_LABELS = 25


async def _write_until_killed(server: LiveServer, world: LoadWorld) -> Outcomes:
    outcomes = Outcomes()
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:

        async def worker(index: int) -> None:
            for task in world.tasks[index::WORKERS]:
                labeler = world.labelers[index % len(world.labelers)]
                reviewer = world.reviewers[index % len(world.reviewers)]
                try:
                    await work_on_task(client, world, outcomes, task, labeler, reviewer, reject=index % 4 == 0)
                except httpx.HTTPError:
                    return  # the server is gone

        async def killer() -> None:
            while len(outcomes.labels) < KILL_AFTER_LABELS:
                await asyncio.sleep(0.01)
            server.kill()

        kill = asyncio.create_task(killer())
        await asyncio.gather(*(worker(index) for index in range(WORKERS)))
        with contextlib.suppress(asyncio.CancelledError):
            kill.cancel()
            await kill
    return outcomes


def test_given_a_server_killed_mid_write_when_restarted_then_every_acknowledged_write_is_there(tmp_path: Path) -> None:
    url = test_database_url(tmp_path)
    world = prepare_load_world(url, tasks=200)
    try:
        with live_server(url) as server:
            outcomes = asyncio.run(_write_until_killed(server, world))
            assert server.process.returncode is not None, "the server should have been killed mid-run"
        assert len(outcomes.labels) >= KILL_AFTER_LABELS
        assert len(outcomes.labels) < len(world.tasks), "the kill should interrupt the run"
        state = check_invariants(url, outcomes)
        assert state["missing_labels"] == set() and state["missing_reviews"] == set()
        assert state["inconsistent_tasks"] == []
        with live_server(url) as restarted:
            response = httpx.post(
                restarted.graphql_url, json={"query": "{ labels { totalCount } }"}, headers=world.headers, timeout=30
            )
        assert response.json()["data"]["labels"]["totalCount"] == state["labels"] >= len(outcomes.labels)
    finally:
        drop_database(url)
