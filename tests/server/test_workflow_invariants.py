"""Seeded random walks through the workflow on a real database, checking the invariants after every step.

Each step is one operation in its own transaction, as the API runs them, with arguments drawn at random (so many
steps are refused). After each step: every task's status agrees with its labels, no ordinary task holds more
labels than it requires, review history agrees with label status, and a refused step changed nothing at all.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.db.enums import LabelerStage, LabelStatus, ReviewVerdict
from server.db.models import Label, Labeler, ProjectMembership, Review, Task
from server.services.errors import DomainError
from server.services.workflow import (
    advance_labeler_stage,
    assign_labeler_to_project,
    find_inconsistent_tasks,
    mark_benchmark,
    offboard_labeler,
    remove_labeler_from_project,
    review_label,
    rework_label,
    submit_label,
    unmark_benchmark,
)
from tests.server.test_workflow_world import T0, World, at, build_world, run

_STEPS = 150

_Step = Callable[[AsyncSession], Awaitable[Any]]


async def _extend(database: Database, world: World) -> tuple[list[int], list[int]]:
    """More tasks (labels_required 1 to 3) and two more labelers in production; all task and labeler ids."""

    async def add(session: AsyncSession) -> tuple[list[int], list[int]]:
        for number, required in enumerate([1, 2, 3, 1, 2, 3, 1, 2, 3], start=10):
            session.add(
                Task(project_id=world.project, external_id=f"img-{number}", created_at=T0, labels_required=required)
            )
        for name in ("dave", "erin"):
            labeler = Labeler(vendor_id=world.vendor, name=name, stage=LabelerStage.PRODUCTION)
            session.add(labeler)
            await session.flush()
            session.add(ProjectMembership(project_id=world.project, labeler_id=labeler.id))
        await session.flush()
        tasks = list((await session.scalars(select(Task.id).order_by(Task.id))).all())
        labelers = list((await session.scalars(select(Labeler.id).order_by(Labeler.id))).all())
        return tasks, labelers

    return await run(database, add)


async def _snapshot(session: AsyncSession) -> tuple[Any, ...]:
    """Everything a step may change, to prove that a refused step changed nothing."""
    tasks = (await session.execute(select(Task.id, Task.status, Task.completed_at, Task.is_benchmark))).all()
    labels = (await session.execute(select(Label.id, Label.status, Label.rework_count, Label.answer))).all()
    reviews = await session.scalar(select(func.count()).select_from(Review))
    stages = (await session.execute(select(Labeler.id, Labeler.stage))).all()
    members = (await session.execute(select(ProjectMembership.project_id, ProjectMembership.labeler_id))).all()
    return tuple(sorted(tasks)), tuple(sorted(labels, key=str)), reviews, tuple(sorted(stages)), tuple(sorted(members))


async def _check_invariants(session: AsyncSession) -> None:
    assert await find_inconsistent_tasks(session) == []
    over_full = (
        select(Task.id)
        .join(Label, Label.task_id == Task.id)
        .where(Task.is_benchmark.is_(False))
        .group_by(Task.id, Task.labels_required)
        .having(func.count(Label.id) > Task.labels_required)
    )
    assert (await session.scalars(over_full)).all() == []
    verdicts_of: dict[int, list[ReviewVerdict]] = {}
    for label_id, verdict in await session.execute(select(Review.label_id, Review.verdict).order_by(Review.id)):
        verdicts_of.setdefault(label_id, []).append(verdict)
    for label in (await session.scalars(select(Label))).all():
        verdicts = verdicts_of.get(label.id, [])
        if label.status is LabelStatus.REJECTED:
            assert verdicts and verdicts[-1] is ReviewVerdict.THUMBS_DOWN
        elif label.status is LabelStatus.ACCEPTED and verdicts:
            assert verdicts[-1] is ReviewVerdict.THUMBS_UP
        elif label.status is LabelStatus.SUBMITTED:
            assert len(verdicts) == label.rework_count  # every rework answered one thumbs down


def _choose_step(
    rng: random.Random, world: World, tasks: list[int], labelers: list[int], labels: list[Label], minute: int
) -> tuple[str, _Step]:
    """A random operation with random (sometimes invalid) arguments."""
    labeler = rng.choice(labelers)
    task = rng.choice(tasks)
    kind = rng.choices(
        ["submit", "review", "rework", "advance", "offboard", "membership", "benchmark"],
        weights=[8, 8, 4, 1, 0.1, 1, 1],
    )[0]
    if kind == "submit":
        return kind, lambda s: submit_label(
            s,
            task_id=task,
            labeler_id=labeler,
            answer={"cls": rng.choice(["car", "bus"])},
            started_at=at(minute),
            submitted_at=at(minute + 0.5),
        )
    if kind in ("review", "rework") and labels:
        # mostly a label the step applies to, with a fitting reviewer, so that walks get somewhere
        wanted = LabelStatus.SUBMITTED if kind == "review" else LabelStatus.REJECTED
        fitting = [label for label in labels if label.status is wanted]
        label = rng.choice(fitting if fitting and rng.random() < 0.8 else labels)
        if kind == "review":
            if labeler == label.labeler_id and rng.random() < 0.8:
                labeler = rng.choice([other for other in labelers if other != label.labeler_id])
            verdict = rng.choice(list(ReviewVerdict))
            comment = "wrong class" if rng.random() < 0.8 else ""
            return kind, lambda s: review_label(
                s,
                label_id=label.id,
                reviewer_id=labeler,
                verdict=verdict,
                seconds_to_review=rng.uniform(0, 60),
                comment=comment,
                reviewed_at=at(minute + 1),
            )
        author = label.labeler_id if rng.random() < 0.8 else labeler
        return kind, lambda s: rework_label(
            s, label_id=label.id, labeler_id=author, answer={"cls": "van"}, rework_seconds=rng.uniform(0, 90)
        )
    if kind == "advance":
        target = rng.choice([None, *LabelerStage])
        return kind, lambda s: advance_labeler_stage(s, labeler_id=labeler, to_stage=target, at=at(minute))
    if kind == "offboard":
        return kind, lambda s: offboard_labeler(s, labeler_id=labeler, reason="attrition", at=at(minute))
    if kind == "membership":
        if rng.random() < 0.5:
            return kind, lambda s: assign_labeler_to_project(s, project_id=world.project, labeler_id=labeler)
        return kind, lambda s: remove_labeler_from_project(s, project_id=world.project, labeler_id=labeler)
    if rng.random() < 0.5:
        return "benchmark", lambda s: mark_benchmark(s, task_id=task, gold_answer={"cls": "car"})
    return "benchmark", lambda s: unmark_benchmark(s, task_id=task)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_walks_keep_every_invariant(database: Database, seed: int) -> None:
    rng = random.Random(seed)
    world = await build_world(database, review_share=0.5)
    tasks, labelers = await _extend(database, world)
    done: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for minute in range(1, _STEPS + 1):
        async with database.session() as session:
            labels = list((await session.scalars(select(Label))).all())
            before = await _snapshot(session)
        kind, step = _choose_step(rng, world, tasks, labelers, labels, minute)
        try:
            await run(database, step)
        except DomainError:
            refused[kind] += 1
            async with database.session() as session:
                assert await _snapshot(session) == before, f"refused {kind} at step {minute} changed data"
        else:
            done[kind] += 1
        async with database.session() as session:
            await _check_invariants(session)
    # the walk exercised the workflow, both ways
    assert done["submit"] and done["review"] and done["rework"], done
    assert refused["submit"] and refused["review"] and refused["rework"], refused
