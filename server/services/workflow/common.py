"""Checks shared by the workflow modules: loading records or failing, validating inputs, locking a task.

Internal to the workflow: callers use the functions re-exported by `server.services.workflow`.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from server.db.enums import LabelerStage, ProjectStatus, VendorStatus
from server.db.models import Base, Label, Labeler, Project, ProjectMembership, Task, Vendor
from server.db.types import canonical_answer, utcnow
from server.services.errors import NotFound, Path, ValidationFailed

__all__ = [
    "MAX_SECONDS",
    "lock_task",
    "lock_task_of_label",
    "not_ahead",
    "require_answer",
    "require_aware",
    "require_json",
    "require_member",
    "require_non_negative",
    "require_open_task",
    "require_seconds",
    "require_text",
    "require_working_member",
    "resolve_time",
]

_Model = TypeVar("_Model", bound=Base)

MAX_SECONDS = 366 * 86_400  # a label or review timed at over a year is a broken timer, not work


async def lock_task(session: AsyncSession, task_id: int, *, field: Path = ("task_id",)) -> Task:
    """Load a task holding its row lock until the transaction ends, so writers to one task queue up.

    Every operation that changes a task's labels takes this lock first (the task is the unit of consistency:
    its status is derived from its labels). PostgreSQL gets `SELECT ... FOR UPDATE`. SQLite ignores FOR UPDATE
    and only serialises writes, so a read-then-write there could still act on a stale count; a no-op UPDATE
    of the row first takes SQLite's write lock for the rest of the transaction.
    """
    task = await _locked_task(session, Task.id == task_id)
    if task is None:
        raise NotFound("Task", task_id, path=field)
    return task


async def lock_task_of_label(session: AsyncSession, label_id: int, *, field: Path = ("label_id",)) -> Task:
    """`lock_task` for the task of a label, found in the same statements."""
    task = await _locked_task(session, Task.id == select(Label.task_id).where(Label.id == label_id).scalar_subquery())
    if task is None:
        raise NotFound("Label", label_id, path=field)
    return task


async def _locked_task(session: AsyncSession, which: ColumnElement[bool]) -> Task | None:
    """The task, locked, with its project read by the same statement (not locked: `FOR UPDATE OF tasks`), so that
    the checks which follow find the project in the session instead of reading it with a statement of their own."""
    if session.get_bind().dialect.name == "sqlite":
        touch = update(Task).where(which).values(id=Task.id)
        await session.execute(touch.execution_options(synchronize_session=False))
    statement = (
        select(Task, Project)
        .join(Project, Project.id == Task.project_id)
        .where(which)
        .with_for_update(of=Task)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        return None
    task, project = row
    # The session holds objects only while something references them: the task keeps its project.
    set_committed_value(task, "project", project)
    return task


def require_aware(field: Path, value: datetime) -> datetime:
    """The timestamp in UTC; naive timestamps are refused rather than guessed at."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(field, value.isoformat(), "must be timezone-aware")
    return value.astimezone(UTC)


# Clients' clocks drift; work "done" slightly in the future is skew, much further is a bug.
CLOCK_SKEW = timedelta(minutes=5)


def not_ahead(field: Path, at: datetime) -> datetime:
    """A time of something already done: no later than now, give or take the clients' clock skew (a review dated
    years ahead completed its task then; a stage begun in 2999 made its labeler a veteran of negative tenure)."""
    if at > utcnow() + CLOCK_SKEW:
        raise ValidationFailed(field, at.isoformat(), f"must not be in the future (now {utcnow()})")
    return at


def resolve_time(field: Path, value: datetime | None) -> datetime:
    """An optional time of an event (a stage begun, an issue raised or resolved, a comment): now when omitted, else
    a timezone-aware value in UTC, not in the future."""
    return utcnow() if value is None else not_ahead(field, require_aware(field, value))


def require_non_negative(field: Path, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValidationFailed(field, value, "must be a finite number >= 0")
    return float(value)


def require_seconds(field: Path, value: float) -> float:
    """A duration of work in seconds, bounded as imported ones are: a timer reading over a year is broken, and
    unbounded values overflow the time histograms and the sums of the rollups (`1e308` twice is infinity)."""
    seconds = require_non_negative(field, value)
    if seconds > MAX_SECONDS:
        raise ValidationFailed(field, value, f"must be a number of seconds from 0 to {MAX_SECONDS}")
    return seconds


def require_text(field: Path, value: str, *, max_length: int | None = None) -> str:
    """Non-blank text, stripped of surrounding whitespace."""
    text = value.strip()
    if not text:
        raise ValidationFailed(field, value, "must not be blank")
    if max_length is not None and len(text) > max_length:
        raise ValidationFailed(field, f"{text[:40]}...", f"must be at most {max_length} characters (is {len(text)})")
    return text


def require_json(field: Path, value: Any) -> Any:
    """A non-null value that stores as JSON the same on every database."""
    if value is None:
        raise ValidationFailed(field, value, "must not be null")
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValidationFailed(field, repr(value)[:80], f"must be JSON ({error})") from error
    return value


def require_answer(field: Path, value: Any) -> Any:
    """`require_json`, then the answer in the canonical form it is stored in (`canonical_answer`): the label or
    task holds what the database holds, and what the analytics and the mutation's answer see."""
    return canonical_answer(require_json(field, value))


def require_open_task(task: Task, project: Project, *, field: Path = ("task_id",)) -> None:
    """Work happens only on live tasks of live projects: not archived, project neither PAUSED nor COMPLETED."""
    if task.archived_at is not None:
        raise ValidationFailed(field, task.id, "must not name an archived task")
    if project.archived_at is not None:
        raise ValidationFailed(field, task.id, f"must belong to a project that is not archived (project {project.id})")
    if project.status in (ProjectStatus.PAUSED, ProjectStatus.COMPLETED):
        raise ValidationFailed(
            field, task.id, f"must belong to a DRAFT or ACTIVE project (project {project.id} is {project.status})"
        )


async def require_working_member(
    session: AsyncSession,
    project_id: int,
    labeler_id: int,
    *,
    field: Path,
    stages: tuple[LabelerStage, ...],
    doing: str,
) -> Labeler:
    """A labeler who exists, is not archived, is in one of `stages`, works for a vendor that is not offboarded and
    is a member of the project, checked in that order, from one statement."""
    member = (
        select(ProjectMembership.labeler_id)
        .where(ProjectMembership.project_id == project_id, ProjectMembership.labeler_id == Labeler.id)
        .exists()
    )
    statement = select(Labeler, Vendor.status, member).join(Vendor, Vendor.id == Labeler.vendor_id)
    found = (await session.execute(statement.where(Labeler.id == labeler_id))).one_or_none()
    if found is None:
        raise NotFound("Labeler", labeler_id, path=field)
    labeler, vendor_status, is_member = found
    if labeler.archived_at is not None:
        raise ValidationFailed(field, labeler_id, "must not name an archived labeler")
    if labeler.stage not in stages:
        allowed = " or ".join(stage.value for stage in stages)
        raise ValidationFailed(field, labeler_id, f"must be in stage {allowed} to {doing} (labeler is {labeler.stage})")
    if vendor_status is VendorStatus.OFFBOARDED:
        raise ValidationFailed(
            field, labeler_id, f"must work for a vendor that is not offboarded (vendor {labeler.vendor_id})"
        )
    if not is_member:
        raise _not_a_member(field, project_id, labeler_id)
    return labeler


async def require_member(session: AsyncSession, project_id: int, labeler_id: int, *, field: Path) -> None:
    if await session.get(ProjectMembership, (project_id, labeler_id)) is None:
        raise _not_a_member(field, project_id, labeler_id)


def _not_a_member(field: Path, project_id: int, labeler_id: int) -> ValidationFailed:
    return ValidationFailed(field, labeler_id, f"must be a member of project {project_id}")
