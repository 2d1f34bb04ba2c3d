"""Submitting, reviewing and reworking labels, and the task status that follows, on a real database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from server.db import Database
from server.db.enums import LabelStatus, TaskStatus
from server.db.models import Label, Review, Task
from server.services.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from server.services.workflow import review_label, rework_label, submit_label
from tests.server.test_workflow_world import World, at, build_world


@pytest.fixture
async def world(database: Database) -> World:
    return await build_world(database)


async def _submit(database: Database, task: int, labeler: int, minute: float = 1, **overrides: object) -> Label:
    arguments: dict[str, object] = {
        "task_id": task,
        "labeler_id": labeler,
        "answer": {"cls": "car"},
        "started_at": at(minute),
        "submitted_at": at(minute + 0.5),
    }
    arguments.update(overrides)
    async with database.transaction() as session:
        return await submit_label(session, **arguments)  # type: ignore[arg-type]


async def _review(database: Database, label: int, reviewer: int, verdict: str, comment: str = "") -> Review:
    async with database.transaction() as session:
        return await review_label(
            session, label_id=label, reviewer_id=reviewer, verdict=verdict, seconds_to_review=12, comment=comment
        )


async def _task(database: Database, task_id: int) -> Task:
    async with database.session() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        return task


async def test_submitted_label_goes_to_review(database: Database, world: World) -> None:
    label = await _submit(database, world.task, world.alice)
    assert label.status is LabelStatus.SUBMITTED
    assert label.seconds_to_label == 30
    assert (await _task(database, world.task)).status is TaskStatus.IN_REVIEW
