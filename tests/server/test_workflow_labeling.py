"""Submitting, reviewing and reworking labels, and the task status that follows, on a real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.db.enums import LabelStatus, ProjectStatus, TaskStatus
from server.db.models import Label, Project, Review, Task
from server.db.types import utcnow
from server.services.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from server.services.workflow import remove_labeler_from_project, review_label, rework_label, submit_label
from tests.server.test_workflow_world import World, at, build_world, run


@pytest.fixture
async def world(database: Database) -> World:
    return await build_world(database)


@pytest.fixture
async def unreviewed(database: Database) -> World:
    """The same workspace, but its project reviews no labels: every label is accepted on submission."""
    return await build_world(database, review_share=0.0)


async def _submit(database: Database, task: int, labeler: int, minute: float = 1, **overrides: Any) -> Label:
    arguments: dict[str, Any] = {
        "task_id": task,
        "labeler_id": labeler,
        "answer": {"cls": "car"},
        "started_at": at(minute),
        "submitted_at": at(minute + 0.5),
    }
    arguments.update(overrides)
    return await run(database, lambda session: submit_label(session, **arguments))


async def _review(
    database: Database, label: int, reviewer: int, verdict: str, comment: str = "", **overrides: Any
) -> Review:
    arguments: dict[str, Any] = {
        "label_id": label,
        "reviewer_id": reviewer,
        "verdict": verdict,
        "seconds_to_review": 12,
        "comment": comment,
        "reviewed_at": at(30),
    }
    arguments.update(overrides)
    return await run(database, lambda session: review_label(session, **arguments))


async def _rework(database: Database, label: int, labeler: int, seconds: float = 40) -> Label:
    return await run(
        database,
        lambda session: rework_label(
            session, label_id=label, labeler_id=labeler, answer={"cls": "bus"}, rework_seconds=seconds
        ),
    )


async def _task(database: Database, task_id: int) -> Task:
    async with database.session() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        return task


async def _label(database: Database, label_id: int) -> Label:
    async with database.session() as session:
        label = await session.get(Label, label_id)
        assert label is not None
        return label


async def _label_count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Label)) or 0)


# --- submit_label ----------------------------------------------------------------------------------------------


async def test_submitted_label_awaits_review_when_the_project_reviews_it(database: Database, world: World) -> None:
    label = await _submit(database, world.task, world.alice)
    assert label.status is LabelStatus.SUBMITTED
    assert label.seconds_to_label == 30
    task = await _task(database, world.task)
    assert (task.status, task.completed_at) == (TaskStatus.IN_REVIEW, None)


async def test_unreviewed_label_is_accepted_and_completes_the_task(database: Database, unreviewed: World) -> None:
    label = await _submit(database, unreviewed.task, unreviewed.alice, seconds_to_label=20)
    assert (label.status, label.seconds_to_label) == (LabelStatus.ACCEPTED, 20)
    task = await _task(database, unreviewed.task)
    assert (task.status, task.completed_at) == (TaskStatus.DONE, at(1.5))


async def test_consensus_task_collects_labels_from_different_labelers(database: Database, unreviewed: World) -> None:
    # given a task needing two labels; when one is accepted it still needs another; when two are, it is done
    await _submit(database, unreviewed.consensus, unreviewed.alice)
    assert (await _task(database, unreviewed.consensus)).status is TaskStatus.TO_LABEL
    await _submit(database, unreviewed.consensus, unreviewed.bob, minute=3)
    assert (await _task(database, unreviewed.consensus)).status is TaskStatus.DONE
    # and a third label has no slot left
    with pytest.raises(Conflict, match=r"already has its 2 of labels_required=2"):
        await _submit(database, unreviewed.consensus, unreviewed.carol)


async def test_consensus_task_takes_labels_while_another_awaits_review(database: Database, world: World) -> None:
    await _submit(database, world.consensus, world.alice)
    second = await _submit(database, world.consensus, world.bob)
    assert second.status is LabelStatus.SUBMITTED
    assert (await _task(database, world.consensus)).status is TaskStatus.IN_REVIEW


async def test_a_labeler_cannot_label_a_task_twice(database: Database, world: World) -> None:
    await _submit(database, world.consensus, world.alice)
    with pytest.raises(Conflict, match=r"labeler \d+ has already labeled task"):
        await _submit(database, world.consensus, world.alice, minute=5)


async def test_an_ordinary_task_takes_no_label_beyond_its_slots(database: Database, world: World) -> None:
    await _submit(database, world.task, world.alice)
    with pytest.raises(Conflict, match=r"labels_required=1 labels \(status IN_REVIEW\)"):
        await _submit(database, world.task, world.bob)
    assert await _label_count(database) == 1


async def test_a_benchmark_takes_one_label_from_every_labeler_including_testers(
    database: Database, world: World
) -> None:
    for labeler in (world.alice, world.bob, world.carol, world.tess):
        await _submit(database, world.benchmark, labeler)
    assert await _label_count(database) == 4


async def test_a_tester_labels_benchmarks_only(database: Database, world: World) -> None:
    with pytest.raises(ValidationFailed, match=r"labeler_id must be in stage PRODUCTION to label .*TESTING"):
        await _submit(database, world.task, world.tess)


async def test_a_labeler_still_in_hiring_cannot_label(database: Database, world: World) -> None:
    with pytest.raises(ValidationFailed, match=r"labeler is HIRING"):
        await _submit(database, world.benchmark, world.henry)


async def test_a_labeler_must_be_a_member_of_the_project(database: Database, world: World) -> None:
    await run(database, lambda s: remove_labeler_from_project(s, project_id=world.project, labeler_id=world.alice))
    with pytest.raises(ValidationFailed, match=rf"labeler_id must be a member of project {world.project}"):
        await _submit(database, world.task, world.alice)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"started_at": datetime(2025, 1, 6, 9, 1)}, "started_at", "must be timezone-aware"),
        ({"submitted_at": datetime(2025, 1, 6, 9, 2)}, "submitted_at", "must be timezone-aware"),
        ({"submitted_at": at(0.5)}, "submitted_at", "must not be before started_at"),
        ({"started_at": at(-10), "submitted_at": at(-9)}, "started_at", "must not be before the task was created"),
        ({"seconds_to_label": -1}, "seconds_to_label", "must be a finite number >= 0"),
        ({"seconds_to_label": float("nan")}, "seconds_to_label", "must be a finite number >= 0"),
        ({"seconds_to_label": 31}, "seconds_to_label", "must not exceed the 30 s"),
        ({"answer": None}, "answer", "must not be null"),
        ({"answer": {"cls": {1, 2}}}, "answer", "must be JSON"),
        ({"answer": float("inf")}, "answer", "must be JSON"),
    ],
)
async def test_bad_submissions_are_refused_naming_the_field(
    database: Database, world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message) as failure:
        await _submit(database, world.task, world.alice, **overrides)
    assert failure.value.path == (field,)
    assert await _label_count(database) == 0


async def test_a_label_from_the_future_is_refused(database: Database, world: World) -> None:
    later = utcnow() + timedelta(hours=1)
    with pytest.raises(ValidationFailed, match="submitted_at must not be in the future"):
        await _submit(database, world.task, world.alice, started_at=later, submitted_at=later)


async def test_unknown_task_and_labeler_are_not_found(database: Database, world: World) -> None:
    with pytest.raises(NotFound, match="Task 999 does not exist") as missing_task:
        await _submit(database, 999, world.alice)
    assert missing_task.value.path == ("task_id",)
    with pytest.raises(NotFound, match="Labeler 999 does not exist") as missing_labeler:
        await _submit(database, world.task, 999)
    assert missing_labeler.value.path == ("labeler_id",)


async def test_archived_tasks_and_paused_projects_take_no_labels(database: Database, world: World) -> None:
    async def archive_task(session: AsyncSession) -> None:
        task = await session.get(Task, world.task)
        assert task is not None
        task.archived_at = at(0)

    async def pause_project(session: AsyncSession) -> None:
        project = await session.get(Project, world.project)
        assert project is not None
        project.status = ProjectStatus.PAUSED

    await run(database, archive_task)
    with pytest.raises(ValidationFailed, match="must not name an archived task"):
        await _submit(database, world.task, world.alice)
    await run(database, pause_project)
    with pytest.raises(ValidationFailed, match=r"must belong to a DRAFT or ACTIVE project \(project \d+ is PAUSED\)"):
        await _submit(database, world.consensus, world.alice)


# --- review_label ------------------------------------------------------------------------------------------------


async def test_thumbs_up_accepts_the_label_and_completes_the_task(database: Database, world: World) -> None:
    label = await _submit(database, world.task, world.alice)
    review = await _review(database, label.id, world.bob, "THUMBS_UP")
    assert (review.verdict, review.seconds_to_review, review.created_at) == ("THUMBS_UP", 12, at(30))
    assert (await _label(database, label.id)).status is LabelStatus.ACCEPTED
    task = await _task(database, world.task)
    assert (task.status, task.completed_at) == (TaskStatus.DONE, at(30))


async def test_thumbs_up_on_a_consensus_task_returns_it_to_labeling(database: Database, world: World) -> None:
    label = await _submit(database, world.consensus, world.alice)
    await _review(database, label.id, world.bob, "THUMBS_UP")
    assert (await _task(database, world.consensus)).status is TaskStatus.TO_LABEL


async def test_thumbs_down_rejects_the_label_and_sends_the_task_to_rework(database: Database, world: World) -> None:
    label = await _submit(database, world.task, world.alice)
    review = await _review(database, label.id, world.bob, "THUMBS_DOWN", comment="  wrong class  ")
    assert review.comment == "wrong class"
    assert (await _label(database, label.id)).status is LabelStatus.REJECTED
    assert (await _task(database, world.task)).status is TaskStatus.IN_REWORK


async def test_thumbs_down_needs_a_comment(database: Database, world: World) -> None:
    label = await _submit(database, world.task, world.alice)
    with pytest.raises(ValidationFailed, match="comment must say why") as failure:
        await _review(database, label.id, world.bob, "THUMBS_DOWN", comment="   ")
    assert failure.value.path == ("comment",)
    assert (await _label(database, label.id)).status is LabelStatus.SUBMITTED


@pytest.mark.parametrize("first", ["THUMBS_UP", "THUMBS_DOWN"])
async def test_a_reviewed_label_cannot_be_reviewed_again(database: Database, world: World, first: str) -> None:
    label = await _submit(database, world.task, world.alice)
    await _review(database, label.id, world.bob, first, comment="no")
    current = "ACCEPTED" if first == "THUMBS_UP" else "REJECTED"
    with pytest.raises(InvalidTransition, match=rf"Label cannot go from {current} to ACCEPTED"):
        await _review(database, label.id, world.carol, "THUMBS_UP")


async def test_reviewers_must_be_eligible(database: Database, world: World) -> None:
    label = await _submit(database, world.benchmark, world.alice)
    with pytest.raises(ValidationFailed, match="reviewer_id must not be the label's author"):
        await _review(database, label.id, world.alice, "THUMBS_UP")
    with pytest.raises(ValidationFailed, match="reviewer_id must be in stage PRODUCTION to review"):
        await _review(database, label.id, world.tess, "THUMBS_UP")
    with pytest.raises(NotFound, match="Labeler 999") as missing:
        await _review(database, label.id, 999, "THUMBS_UP")
    assert missing.value.path == ("reviewer_id",)
    await run(database, lambda s: remove_labeler_from_project(s, project_id=world.project, labeler_id=world.bob))
    with pytest.raises(ValidationFailed, match=rf"reviewer_id must be a member of project {world.project}"):
        await _review(database, label.id, world.bob, "THUMBS_UP")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"verdict": "MEH"}, "verdict", "must be one of THUMBS_UP, THUMBS_DOWN"),
        ({"seconds_to_review": -0.5}, "seconds_to_review", "must be a finite number >= 0"),
        ({"seconds_to_review": float("inf")}, "seconds_to_review", "must be a finite number >= 0"),
        ({"reviewed_at": datetime(2025, 1, 6, 10)}, "reviewed_at", "must be timezone-aware"),
        ({"reviewed_at": at(1)}, "reviewed_at", "must not be before the label's submission"),
    ],
)
async def test_bad_reviews_are_refused_naming_the_field(
    database: Database, world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    label = await _submit(database, world.task, world.alice)
    with pytest.raises(ValidationFailed, match=message) as failure:
        await _review(database, label.id, world.bob, **{"verdict": "THUMBS_UP", **overrides})
    assert failure.value.path == (field,)


async def test_reviewing_an_unknown_label_is_not_found(database: Database, world: World) -> None:
    with pytest.raises(NotFound, match="Label 999 does not exist") as missing:
        await _review(database, 999, world.bob, "THUMBS_UP")
    assert missing.value.path == ("label_id",)


async def test_review_time_defaults_to_now(database: Database, world: World) -> None:
    label = await _submit(database, world.task, world.alice)
    before = utcnow()
    review = await _review(database, label.id, world.bob, "THUMBS_UP", reviewed_at=None)
    assert review.created_at >= before
    assert (await _task(database, world.task)).completed_at == review.created_at


# --- rework_label --------------------------------------------------------------------------------------------------


async def test_rework_resubmits_the_label_for_review(database: Database, world: World) -> None:
    # given a rejected label
    label = await _submit(database, world.task, world.alice)
    await _review(database, label.id, world.bob, "THUMBS_DOWN", comment="it is a bus")
    # when its author reworks it twice over two rejections
    reworked = await _rework(database, label.id, world.alice, seconds=40)
    assert (reworked.status, reworked.answer, reworked.rework_count, reworked.rework_seconds) == (
        LabelStatus.SUBMITTED,
        {"cls": "bus"},
        1,
        40,
    )
    assert (await _task(database, world.task)).status is TaskStatus.IN_REVIEW
    await _review(database, label.id, world.carol, "THUMBS_DOWN", comment="still wrong", reviewed_at=at(40))
    reworked = await _rework(database, label.id, world.alice, seconds=15)
    assert (reworked.rework_count, reworked.rework_seconds) == (2, 55)
    # then a thumbs up completes the task, and both reviews are on record
    await _review(database, label.id, world.bob, "THUMBS_UP", reviewed_at=at(50))
    task = await _task(database, world.task)
    assert (task.status, task.completed_at) == (TaskStatus.DONE, at(50))
    async with database.session() as session:
        verdicts = (await session.scalars(select(Review.verdict).where(Review.label_id == label.id))).all()
    assert sorted(verdicts) == ["THUMBS_DOWN", "THUMBS_DOWN", "THUMBS_UP"]


async def test_a_rework_elsewhere_keeps_the_task_in_rework(database: Database, world: World) -> None:
    first = await _submit(database, world.consensus, world.alice)
    second = await _submit(database, world.consensus, world.bob)
    await _review(database, first.id, world.carol, "THUMBS_DOWN", comment="no")
    await _review(database, second.id, world.carol, "THUMBS_DOWN", comment="no")
    await _rework(database, first.id, world.alice)
    assert (await _task(database, world.consensus)).status is TaskStatus.IN_REWORK


async def test_only_the_author_reworks_only_a_rejected_label(database: Database, world: World) -> None:
    label = await _submit(database, world.task, world.alice)
    with pytest.raises(InvalidTransition, match="Label cannot go from SUBMITTED to SUBMITTED: only a rejected"):
        await _rework(database, label.id, world.alice)
    await _review(database, label.id, world.bob, "THUMBS_DOWN", comment="no")
    with pytest.raises(ValidationFailed, match=rf"labeler_id must be the label's author \(labeler {world.alice}\)"):
        await _rework(database, label.id, world.bob)
    with pytest.raises(ValidationFailed, match="rework_seconds must be a finite number >= 0"):
        await _rework(database, label.id, world.alice, seconds=-3)
    with pytest.raises(NotFound, match="Label 999"):
        await _rework(database, 999, world.alice)
    assert (await _label(database, label.id)).rework_count == 0


# --- transactions and concurrency --------------------------------------------------------------------------------


async def test_a_failing_operation_writes_nothing(database: Database, world: World) -> None:
    # given one transaction that submits a label and then fails a review of it
    with pytest.raises(ValidationFailed, match="must not be the label's author"):
        async with database.transaction() as session:
            label = await submit_label(
                session,
                task_id=world.task,
                labeler_id=world.alice,
                answer={"cls": "car"},
                started_at=at(1),
                submitted_at=at(2),
            )
            await review_label(
                session, label_id=label.id, reviewer_id=world.alice, verdict="THUMBS_UP", seconds_to_review=1
            )
    # then neither the label nor the task's new status was written
    assert await _label_count(database) == 0
    assert (await _task(database, world.task)).status is TaskStatus.TO_LABEL


async def test_racing_submissions_for_the_last_slot_do_not_both_succeed(database: Database, world: World) -> None:
    # given alice's label for the only slot, written but not yet committed
    async with database.transaction() as session:
        await submit_label(
            session,
            task_id=world.task,
            labeler_id=world.alice,
            answer={"cls": "car"},
            started_at=at(1),
            submitted_at=at(2),
        )
        # when bob submits for the same task meanwhile (he waits for the task's lock)
        bob = asyncio.create_task(_submit(database, world.task, world.bob))
        await asyncio.sleep(0.2)
    # then once alice commits, bob finds the slot taken
    with pytest.raises(Conflict, match="already has its 1 of labels_required=1"):
        await bob
    assert await _label_count(database) == 1


async def test_naive_datetimes_never_reach_the_database(database: Database, world: World) -> None:
    naive = datetime(2025, 1, 6, 9, 5)
    assert naive.tzinfo is None and at(5).tzinfo is UTC
    with pytest.raises(ValidationFailed, match=r"started_at must be timezone-aware, got '2025-01-06T09:05:00'"):
        await _submit(database, world.task, world.alice, started_at=naive)
