"""A task's lifecycle: its status derived from its labels, review sampling, and benchmark marking.

The one invariant every writer keeps (the workflow functions here, and bulk writers such as the demo seeder):
a task's status is `task_status_from_labels(task.labels_required, statuses of its labels)`, and
`completed_at` is set exactly when that status is DONE. `find_inconsistent_tasks` checks it in SQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import LabelStatus, ReviewVerdict, TaskStatus
from server.db.models import Label, Project, Review, Task
from server.db.types import utcnow
from server.services.completion_rollups import completion_changed
from server.services.errors import Conflict, ValidationFailed
from server.services.guidelines import stored_answer, version_in_force
from server.services.rollups import consensus_changed, consensus_facts, label_changed, label_facts
from server.services.workflow.common import lock_task, require_answer

__all__ = [
    "acceptance_times",
    "find_inconsistent_tasks",
    "label_needs_review",
    "mark_benchmark",
    "set_labels_required",
    "sync_task_status",
    "task_status_from_labels",
    "unmark_benchmark",
]


def task_status_from_labels(labels_required: int, label_statuses: Iterable[LabelStatus]) -> TaskStatus:
    """The status a task must have given its labels, checked in this order:

    DONE when at least `labels_required` labels are ACCEPTED (accepted labels never change, so DONE stays DONE
    unless `set_labels_required` raises the requirement);
    IN_REWORK when some label is REJECTED and awaits its author's rework;
    IN_REVIEW when some label is SUBMITTED and awaits a reviewer;
    TO_LABEL otherwise (no labels yet, or all accepted but consensus needs more).

    A consensus task with open slots can be IN_REVIEW or IN_REWORK and still take labels: whether a task accepts
    another label depends on its free slots (see `submit_label`), not on its status.
    """
    accepted = rejected = submitted = 0
    for status in label_statuses:
        if status is LabelStatus.ACCEPTED:
            accepted += 1
        elif status is LabelStatus.REJECTED:
            rejected += 1
        else:
            submitted += 1
    if accepted >= labels_required:
        return TaskStatus.DONE
    if rejected:
        return TaskStatus.IN_REWORK
    if submitted:
        return TaskStatus.IN_REVIEW
    return TaskStatus.TO_LABEL


def label_needs_review(label_id: int, review_share: float) -> bool:
    """Whether a newly submitted label goes to review, given its project's `review_share`.

    Deterministic and stable across processes and databases: every label when the share is >= 1, none when
    <= 0, else the label whose id hashes (BLAKE2b) to a fraction in [0, 1) below the share. Over many labels
    the reviewed fraction approaches the share; the same label id always gets the same answer.
    """
    if review_share >= 1:
        return True
    if review_share <= 0:
        return False
    digest = hashlib.blake2b(f"label:{label_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < review_share


async def sync_task_status(
    session: AsyncSession,
    task: Task,
    *,
    at: datetime | None = None,
    restamp: bool = False,
    labels: Sequence[Label] | None = None,
) -> TaskStatus:
    """Set the task's status (and `completed_at`, stamped `at` or now when it first becomes DONE) from its labels.

    Call it after any change to a task's labels or to its `labels_required`, with the task row locked. With
    `restamp`, a DONE task's completion becomes `at` even if it was stamped before (the requirement changed, so
    the label that met it may be another one). A caller that holds all of the task's labels passes them, and they
    are not read again.
    """
    await session.flush()
    if labels is None:
        statuses: Sequence[LabelStatus] = (
            await session.scalars(select(Label.status).where(Label.task_id == task.id))
        ).all()
    else:
        statuses = [label.status for label in labels]
    status = task_status_from_labels(task.labels_required, statuses)
    stamped = None if restamp else task.completed_at
    completed_at = (stamped or at or utcnow()) if status is TaskStatus.DONE else None
    if completed_at != task.completed_at:
        # The completion rollups count what the row holds: uncount the old completion before it changes.
        if task.completed_at is not None:
            await completion_changed(session, task.id, -1)
        # The status goes in the same UPDATE as the completion (the rollups read only the completion).
        task.status = status
        task.completed_at = completed_at
        await session.flush()
        if completed_at is not None:
            await completion_changed(session, task.id, 1)
    task.status = status
    return status


async def find_inconsistent_tasks(session: AsyncSession, *, project_id: int | None = None) -> list[int]:
    """Ids of tasks whose stored status or `completed_at` disagrees with their labels (empty when all is well)."""

    def _count(status: LabelStatus) -> Any:
        return func.coalesce(func.sum(case((Label.status == status, 1), else_=0)), 0)

    statement = (
        select(
            Task.id,
            Task.status,
            Task.labels_required,
            Task.completed_at,
            _count(LabelStatus.ACCEPTED),
            _count(LabelStatus.REJECTED),
            _count(LabelStatus.SUBMITTED),
        )
        .outerjoin(Label, Label.task_id == Task.id)
        .group_by(Task.id, Task.status, Task.labels_required, Task.completed_at)
        .order_by(Task.id)
    )
    if project_id is not None:
        statement = statement.where(Task.project_id == project_id)
    inconsistent = []
    for task_id, status, required, completed_at, accepted, rejected, submitted in await session.execute(statement):
        statuses = (
            [LabelStatus.ACCEPTED] * int(accepted)
            + [LabelStatus.REJECTED] * int(rejected)
            + [LabelStatus.SUBMITTED] * int(submitted)
        )
        expected = task_status_from_labels(required, statuses)
        if status is not expected or (completed_at is not None) != (expected is TaskStatus.DONE):
            inconsistent.append(task_id)
    return inconsistent


async def mark_benchmark(session: AsyncSession, *, task_id: int, gold_answer: Any) -> Task:
    """Make a task a benchmark with this gold answer (or replace the gold answer of one that already is).

    Labels on a benchmark are scored against the gold answer by the analytics; a benchmark takes one label from
    each labeler who works on it (see `submit_label`). Archived tasks cannot be marked.
    """
    gold_answer = require_answer(("gold_answer",), gold_answer)
    task = await lock_task(session, task_id)
    if task.archived_at is not None:
        raise ValidationFailed(("task_id",), task_id, "must not name an archived task")
    # Stored as a label made now would be (multi-choice lists sorted), so that equal answers compare equal.
    project = await session.get(Project, task.project_id)
    version = await version_in_force(session, task.project_id, utcnow())
    if project is not None:
        gold_answer = stored_answer(project.ontology if version is None else version.ontology, gold_answer)
    labels = (await session.scalars(select(Label).where(Label.task_id == task_id))).all()
    reviewed = await _reviewed(session, task_id)
    before = [label_facts(label, task, reviewed=label.id in reviewed) for label in labels]
    task.is_benchmark = True
    task.gold_answer = gold_answer
    for label, facts in zip(labels, before, strict=True):
        await label_changed(session, facts, label_facts(label, task, reviewed=label.id in reviewed))
    await session.flush()
    return task


async def _reviewed(session: AsyncSession, task_id: int) -> set[int]:
    """The ids of the task's labels that have a review."""
    statement = select(Review.label_id).join(Label, Label.id == Review.label_id).where(Label.task_id == task_id)
    return set((await session.scalars(statement.distinct())).all())


async def unmark_benchmark(session: AsyncSession, *, task_id: int) -> Task:
    """Make a benchmark an ordinary task again, dropping its gold answer; its labels stay.

    Refused for a task that is not a benchmark (so a mistyped id does not pass silently), and with Conflict for a
    benchmark holding more labels than `labels_required`, which an ordinary task may not have.
    """
    task = await lock_task(session, task_id)
    if not task.is_benchmark:
        raise ValidationFailed(("task_id",), task_id, "must name a benchmark task")
    label_count = await session.scalar(select(func.count()).select_from(Label).where(Label.task_id == task_id))
    if label_count and label_count > task.labels_required:
        raise Conflict(
            f"task {task_id} has {label_count} labels but an ordinary task takes at most"
            f" labels_required={task.labels_required}; it stays a benchmark",
            path=("task_id",),
        )
    labels = (await session.scalars(select(Label).where(Label.task_id == task_id))).all()
    reviewed = await _reviewed(session, task_id)
    before = [label_facts(label, task, reviewed=label.id in reviewed) for label in labels]
    task.is_benchmark = False
    task.gold_answer = None
    for label, facts in zip(labels, before, strict=True):
        await label_changed(session, facts, label_facts(label, task, reviewed=label.id in reviewed))
    await session.flush()
    return task


async def set_labels_required(session: AsyncSession, *, task_id: int, labels_required: int) -> Task:
    """Change how many accepted labels a task needs, re-deriving its status (raising it reopens a DONE task).

    Raises NotFound, ValidationFailed (not an integer >= 1), Conflict (an ordinary task already holds more
    labels than the new requirement: the slots are taken).
    """
    if isinstance(labels_required, bool) or not isinstance(labels_required, int) or labels_required < 1:
        raise ValidationFailed(("labels_required",), labels_required, "must be an integer >= 1")
    task = await lock_task(session, task_id)
    label_count = await session.scalar(select(func.count()).select_from(Label).where(Label.task_id == task_id)) or 0
    if not task.is_benchmark and label_count > labels_required:
        raise Conflict(
            f"task {task_id} already holds {label_count} labels, more than labels_required={labels_required}",
            path=("labels_required",),
        )
    consensus_before = await consensus_facts(session, task) if label_count >= 2 else None
    task.labels_required = labels_required
    if label_count >= 2:
        # Whether the task is a consensus task may have changed.
        await consensus_changed(session, consensus_before, await consensus_facts(session, task))
    # A lowered requirement may already be met: the task was done when its labels_required-th label was accepted.
    acceptances = await acceptance_times(session, task_id)
    met_at = acceptances[labels_required - 1] if len(acceptances) >= labels_required else None
    await sync_task_status(session, task, at=met_at, restamp=True)
    return task


async def acceptance_times(session: AsyncSession, task_id: int) -> list[datetime]:
    """When each accepted label of a task was accepted, earliest first: at its thumbs-up review, or at submission
    when it was accepted without review (a reworked label always goes back to review)."""
    thumbs_up = (
        select(Review.label_id, func.max(Review.created_at).label("at"))
        .where(Review.verdict == ReviewVerdict.THUMBS_UP)
        .group_by(Review.label_id)
        .subquery()
    )
    statement = (
        select(func.coalesce(thumbs_up.c.at, Label.submitted_at, type_=Label.submitted_at.type))
        .outerjoin(thumbs_up, thumbs_up.c.label_id == Label.id)
        .where(Label.task_id == task_id, Label.status == LabelStatus.ACCEPTED)
    )
    return sorted((await session.scalars(statement)).all())
