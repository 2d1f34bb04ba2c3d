"""Benchmarks, labels required, and tasks whose status disagrees with their labels, on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.db.enums import TaskStatus
from server.db.models import Label, Task
from server.services.errors import Conflict, NotFound, ValidationFailed
from server.services.workflow import (
    find_inconsistent_tasks,
    mark_benchmark,
    review_label,
    set_labels_required,
    submit_label,
    unmark_benchmark,
)
from tests.server.test_workflow_world import World, at, build_world, run


@pytest.fixture
async def world(database: Database) -> World:
    return await build_world(database)


async def _submit(database: Database, task: int, labeler: int) -> None:
    await run(
        database,
        lambda s: submit_label(
            s, task_id=task, labeler_id=labeler, answer={"cls": "car"}, started_at=at(1), submitted_at=at(2)
        ),
    )


async def test_a_task_is_marked_and_unmarked_as_a_benchmark(database: Database, world: World) -> None:
    task = await run(database, lambda s: mark_benchmark(s, task_id=world.task, gold_answer={"cls": "bus"}))
    assert (task.is_benchmark, task.gold_answer) == (True, {"cls": "bus"})
    task = await run(database, lambda s: mark_benchmark(s, task_id=world.task, gold_answer={"cls": "van"}))
    assert task.gold_answer == {"cls": "van"}
    task = await run(database, lambda s: unmark_benchmark(s, task_id=world.task))
    assert (task.is_benchmark, task.gold_answer) == (False, None)


async def test_bad_benchmark_marks_are_refused(database: Database, world: World) -> None:
    with pytest.raises(ValidationFailed, match="gold_answer must not be null"):
        await run(database, lambda s: mark_benchmark(s, task_id=world.task, gold_answer=None))
    with pytest.raises(NotFound, match="Task 999 does not exist"):
        await run(database, lambda s: mark_benchmark(s, task_id=999, gold_answer="car"))
    with pytest.raises(ValidationFailed, match=rf"task_id must name a benchmark task, got {world.task}"):
        await run(database, lambda s: unmark_benchmark(s, task_id=world.task))

    async def archive(session: AsyncSession) -> None:
        await session.execute(update(Task).where(Task.id == world.consensus).values(archived_at=at(0)))

    await run(database, archive)
    with pytest.raises(ValidationFailed, match="task_id must not name an archived task"):
        await run(database, lambda s: mark_benchmark(s, task_id=world.consensus, gold_answer="car"))


async def test_a_benchmark_with_more_labels_than_an_ordinary_task_takes_stays_one(
    database: Database, world: World
) -> None:
    await _submit(database, world.benchmark, world.alice)
    await _submit(database, world.benchmark, world.bob)
    with pytest.raises(Conflict, match=rf"task {world.benchmark} has 2 labels but an ordinary task takes at most"):
        await run(database, lambda s: unmark_benchmark(s, task_id=world.benchmark))


async def test_inconsistent_task_statuses_are_found(database: Database, world: World) -> None:
    # given a consistent workspace with labels, then two tasks corrupted behind the workflow's back
    await _submit(database, world.task, world.alice)
    async with database.session() as session:
        assert await find_inconsistent_tasks(session) == []

    async def corrupt(session: AsyncSession) -> None:
        await session.execute(update(Task).where(Task.id == world.task).values(status=TaskStatus.TO_LABEL))
        await session.execute(update(Task).where(Task.id == world.consensus).values(completed_at=at(5)))

    await run(database, corrupt)
    async with database.session() as session:
        assert await find_inconsistent_tasks(session) == [world.task, world.consensus]
        assert await find_inconsistent_tasks(session, project_id=world.project + 1) == []


# --- labels required -------------------------------------------------------------------------------------------------


async def test_raising_labels_required_reopens_a_done_task(database: Database, world: World) -> None:
    # given a task done with one accepted label
    await _submit(database, world.task, world.alice)
    async with database.session() as session:
        label_id = (await session.scalars(select(Label.id))).one()
    await run(
        database,
        lambda s: review_label(s, label_id=label_id, reviewer_id=world.bob, verdict="THUMBS_UP", seconds_to_review=5),
    )
    # when it needs two, then it collects labels again; back to one, it is done again
    task = await run(database, lambda s: set_labels_required(s, task_id=world.task, labels_required=2))
    assert (task.status, task.completed_at) == (TaskStatus.TO_LABEL, None)
    task = await run(database, lambda s: set_labels_required(s, task_id=world.task, labels_required=1))
    assert task.status is TaskStatus.DONE and task.completed_at is not None


async def test_labels_required_cannot_drop_below_the_labels_held(database: Database, world: World) -> None:
    await _submit(database, world.consensus, world.alice)
    await _submit(database, world.consensus, world.bob)
    with pytest.raises(Conflict, match=r"already holds 2 labels, more than labels_required=1"):
        await run(database, lambda s: set_labels_required(s, task_id=world.consensus, labels_required=1))
    with pytest.raises(ValidationFailed, match="labels_required must be an integer >= 1, got 0"):
        await run(database, lambda s: set_labels_required(s, task_id=world.consensus, labels_required=0))
    with pytest.raises(NotFound, match="Task 999"):
        await run(database, lambda s: set_labels_required(s, task_id=999, labels_required=2))
