"""Rollups under concurrent writes, against a live server: thumbs-up reviews completing tasks sent together with
changes of the project's SLA turnaround (which recount the project's completion rollups) must leave every rollup
equal to a rebuild from the records, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from server.db import Base, Database
from server.db import models as m
from server.db.enums import LabelStatus
from server.services.crud.projects import ProjectFields, update_project
from server.services.rollups import rebuild_rollups
from server.services.workflow.labeling import review_label
from tests.conftest import test_database_url
from tests.server.access_world import AccessWorld, build_access_world, gid
from tests.server.live_server import drop_database, live_server, prepare_world

TASKS = 300
SLA_CHANGES = 100
# Tasks were created 2 to 52 hours ago: a change between these turnarounds flips every one of them.
SLA_HOURS = (1.0, 100.0)
REVIEW = """mutation($input: ReviewLabelInput!) {
  reviewLabel(input: $input) { __typename ... on UserError { message } }
}"""
UPDATE_PROJECT = """mutation($input: UpdateProjectInput!) {
  updateProject(input: $input) { __typename ... on UserError { message } }
}"""
ROLLUP_TABLES = [
    table
    for table in Base.metadata.sorted_tables
    if table.name.endswith(("_rollups", "_bins")) or table.name.startswith("consensus_")
]


async def _seed_submitted_labels(database: Database, world: AccessWorld, *, tasks: int = TASKS) -> list[int]:
    """`tasks` tasks of project P1, one submitted label each by a1; the rollups rebuilt over them."""
    now = datetime.now(UTC)
    async with database.transaction() as session:
        rows = [
            m.Task(
                project_id=world.ids["p1"], external_id=f"race-{i}", created_at=now - timedelta(hours=2, minutes=10 * i)
            )
            for i in range(tasks)
        ]
        session.add_all(rows)
        await session.flush()
        labels = [
            m.Label(
                task_id=task.id,
                labeler_id=world.ids["a1"],
                answer={"c": 1},
                status=LabelStatus.SUBMITTED,
                started_at=task.created_at,
                submitted_at=task.created_at + timedelta(minutes=1),
                seconds_to_label=60.0,
            )
            for task in rows
        ]
        session.add_all(labels)
        await session.flush()
        await rebuild_rollups(session)
        return [label.id for label in labels]


async def _rollups_and_rebuild(database: Database) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Every rollup table as the workflow left it, and as a rebuild computes it (the rebuild is rolled back)."""

    async def snapshot(session: Any) -> dict[str, list[Any]]:
        tables = {}
        for table in ROLLUP_TABLES:
            rows = (await session.execute(select(table))).all()
            tables[table.name] = sorted(tuple(row) for row in rows)
        return tables

    async with database.session() as session:
        maintained = await snapshot(session)
        await rebuild_rollups(session)
        rebuilt = await snapshot(session)
        await session.rollback()
    return maintained, rebuilt


def test_given_reviews_completing_tasks_and_sla_changes_sent_together_then_rollups_equal_a_rebuild(
    tmp_path: Path,
) -> None:
    url = test_database_url(tmp_path)
    world = prepare_world(url)

    async def seed() -> list[int]:
        database = Database(url)
        try:
            return await _seed_submitted_labels(database, world)
        finally:
            await database.dispose()

    label_ids = asyncio.run(seed())
    rng = random.Random(11)
    requests: list[tuple[str, dict[str, Any]]] = [
        (
            REVIEW,
            {
                "input": {
                    "labelId": gid("Label", label_id),
                    "reviewerId": world.gid("Labeler", "r1"),
                    "verdict": "THUMBS_UP",
                    "secondsToReview": 5.0,
                }
            },
        )
        for label_id in label_ids
    ]
    requests += [
        (UPDATE_PROJECT, {"input": {"id": world.gid("Project", "p1"), "slaTurnaroundHours": rng.choice(SLA_HOURS)}})
        for _ in range(SLA_CHANGES)
    ]
    rng.shuffle(requests)

    async def send_all(graphql_url: str) -> list[Any]:
        limits = httpx.Limits(max_connections=40)
        async with httpx.AsyncClient(headers=world.headers("admin"), limits=limits, timeout=120) as client:

            async def send(query: str, variables: dict[str, Any]) -> Any:
                response = await client.post(graphql_url, json={"query": query, "variables": variables})
                assert response.status_code == 200, response.text
                return response.json()

            return await asyncio.gather(*(send(query, variables) for query, variables in requests))

    async def compare() -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
        database = Database(url)
        try:
            return await _rollups_and_rebuild(database)
        finally:
            await database.dispose()

    try:
        with live_server(url) as server:
            answers = asyncio.run(send_all(server.graphql_url))
        maintained, rebuilt = asyncio.run(compare())
    finally:
        drop_database(url)

    outcomes = [next(iter(answer["data"].values()))["__typename"] for answer in answers]
    assert outcomes.count("ReviewPayload") == TASKS, [answer for answer in answers if "errors" in answer][:3]
    assert outcomes.count("ProjectPayload") == SLA_CHANGES
    completions = maintained["task_day_rollups"]
    assert sum(row[2] for row in completions) == TASKS  # (project, day, completed, within_sla): all were counted
    for table in ROLLUP_TABLES:
        assert maintained[table.name] == rebuilt[table.name], table.name


async def test_given_an_sla_change_uncommitted_when_a_review_completes_a_task_then_the_count_uses_the_final_sla(
    database: Database,
) -> None:
    """The interleaving the concurrent mix above can hit, forced: a review completes a task while an SLA change
    (and its recount) is written but not committed. SQLite has one writer at a time, so only PostgreSQL can
    interleave the two; there the completion must wait for the change and count with the new SLA."""
    if database.dialect == "sqlite":
        pytest.skip("SQLite serialises writers: the interleaving cannot happen")
    world = await build_access_world(database)
    label_ids = await _seed_submitted_labels(database, world, tasks=1)
    project_id = world.ids["p1"]
    async with database.transaction() as session:
        await update_project(session, project_id, ProjectFields(sla_turnaround_hours=1.0))
    async with database.transaction() as sla_change:
        # Given an SLA change that would put the task within its SLA, written and recounted but not committed
        await update_project(sla_change, project_id, ProjectFields(sla_turnaround_hours=100.0))

        # When a review completes the task meanwhile
        async def review() -> None:
            async with database.transaction() as session:
                await review_label(
                    session,
                    label_id=label_ids[0],
                    reviewer_id=world.ids["r1"],
                    verdict="THUMBS_UP",
                    seconds_to_review=5,
                )

        reviewing = asyncio.create_task(review())
        await asyncio.sleep(0.5)  # let the review run as far as it can before the change commits
    await reviewing
    # Then its completion is counted within the SLA the project ended up with, as a rebuild counts it
    maintained, rebuilt = await _rollups_and_rebuild(database)
    assert maintained["task_day_rollups"] == rebuilt["task_day_rollups"]
    assert [row[2:] for row in maintained["task_day_rollups"]] == [(1, 1)]
