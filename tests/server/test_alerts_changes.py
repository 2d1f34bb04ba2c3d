"""Evaluation on change: committed writes mark their projects, and the alerts loop evaluates marked projects after
the debounce instead of waiting for its next full round."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from server.alerts import alerts_lifespan
from server.alerts.changes import projects_of, track_changes
from server.db import Database
from server.db import models as m
from server.db.alerts import AlertKind, AlertRule
from server.settings import Settings
from tests.server.access_world import AccessWorld, build_access_world
from tests.server.webhook_receiver import receiver

SECRET = "s3cret-of-the-receiver-0123456789"
DEBOUNCE = 0.5
INTERVAL = 3600.0  # the full round never comes back during the test


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await build_access_world(database)


async def _add_task(database: Database, world: AccessWorld, name: str) -> None:
    async with database.transaction() as session:
        session.add(m.Task(project_id=world.ids["p1"], external_id=name, created_at=datetime.now(UTC)))


async def test_given_writes_then_only_committed_ones_mark_their_projects_labels_and_reviews_included(
    database: Database, world: AccessWorld
) -> None:
    changes = track_changes(database)
    try:
        with pytest.raises(RuntimeError):
            async with database.transaction() as session:
                session.add(m.Task(project_id=world.ids["p2"], external_id="never", created_at=datetime.now(UTC)))
                await session.flush()
                raise RuntimeError("rolled back")
        rolled_back = changes.take()
        async with database.transaction() as session:
            review = (await session.scalars(select(m.Review).limit(1))).one()
            review.comment = "looked again"
            reviewed_project = (
                await session.get_one(m.Task, (await session.get_one(m.Label, review.label_id)).task_id)
            ).project_id
        reviewed = changes.take()
        projects = await projects_of(database, reviewed)
    finally:
        changes.detach()

    assert not rolled_back
    assert reviewed.labels == {review.label_id} and not reviewed.projects
    assert projects == {reviewed_project}  # the review's label, turned into its task's project


async def test_given_a_write_crossing_a_threshold_then_the_rule_fires_within_the_debounce_not_the_interval(
    database: Database, world: AccessWorld
) -> None:
    settings = Settings(
        database_url=database.url,
        alerts_interval_seconds=INTERVAL,
        alerts_debounce_seconds=DEBOUNCE,
        webhook_allowed_networks=("127.0.0.0/8",),
    )
    with receiver(SECRET) as hook:
        async with database.transaction() as session:
            # P1 has two open tasks: a backlog above 2 is not firing yet.
            session.add(
                AlertRule(
                    project_id=world.ids["p1"],
                    name="backlog",
                    kind=AlertKind.BACKLOG_ABOVE,
                    threshold=2,
                    window_days=7,
                    profiles=[],
                    webhook_url=hook.url,
                    secret=SECRET,
                    enabled=True,
                )
            )
        async with alerts_lifespan(database, settings):
            await asyncio.sleep(DEBOUNCE * 2)  # the first full round: OK, nothing sent
            quiet = list(hook.requests)
            written = time.monotonic()
            await _add_task(database, world, "t-new")  # a third open task
            while not hook.requests and time.monotonic() - written < 10:
                await asyncio.sleep(0.05)
            elapsed = time.monotonic() - written

    assert quiet == []
    assert [request.event for request in hook.requests] == ["alert.firing"]
    assert hook.requests[0].body["value"] == 3
    assert DEBOUNCE <= elapsed < DEBOUNCE + 5.0  # debounced, and far from the hour-long interval
