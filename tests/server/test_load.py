"""Concurrent writes over real HTTP: 50 clients submit, review and rework labels against a server on loopback.

Pairs of clients race for the same task (each task takes one label), so conflicts happen on purpose: the loser
gets a typed ConflictError, never a lost or a duplicated write. Afterwards every acknowledged label and review is
in the database, no task holds more labels than it takes, and every task's status agrees with its labels."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.conftest import test_database_url
from tests.server.live_server import drop_database, live_server
from tests.server.load_world import LoadWorld, Outcomes, check_invariants, prepare_load_world, work_on_task

# Runs on the configured server database too (the PostgreSQL pass selects `database` tests).
pytestmark = pytest.mark.database

CLIENTS = 50


async def _run_clients(base_url: str, world: LoadWorld) -> Outcomes:
    outcomes = Outcomes()
    shared = world.tasks[CLIENTS:]
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:

        async def one_client(index: int) -> None:
            labeler = world.labelers[index % len(world.labelers)]
            rival = world.labelers[(index + 1) % len(world.labelers)]
            reviewer = world.reviewers[index % len(world.reviewers)]
            await work_on_task(client, world, outcomes, world.tasks[index], labeler, reviewer, reject=index % 3 == 0)
            # Two clients per shared task, with different labelers: exactly one may win the single slot.
            await work_on_task(client, world, outcomes, shared[index % len(shared)], rival, reviewer, reject=False)

        await asyncio.gather(*(one_client(index) for index in range(CLIENTS)))
    return outcomes


def test_given_50_concurrent_clients_when_labeling_and_reviewing_then_no_write_is_lost_and_tasks_stay_consistent(
    tmp_path: Path,
) -> None:
    url = test_database_url(tmp_path)
    world = prepare_load_world(url, tasks=CLIENTS + CLIENTS // 2)
    try:
        with live_server(url) as server:
            outcomes = asyncio.run(_run_clients(server.base_url, world))
        state = check_invariants(url, outcomes)
    finally:
        drop_database(url)
    answers = outcomes.answers
    assert set(answers) <= {"LabelPayload", "ReviewPayload", "ConflictError"}, (answers, outcomes.messages[:5])
    # 50 own tasks and 25 shared ones: 75 labels, and the 25 losing submissions were conflicts.
    assert len(outcomes.labels) == CLIENTS + CLIENTS // 2 == state["labels"]
    assert answers["ConflictError"] == CLIENTS // 2
    assert state["missing_labels"] == set() and state["missing_reviews"] == set()
    assert state["reviews"] == len(outcomes.reviews)
    assert state["overfull_tasks"] == [] and state["inconsistent_tasks"] == []
