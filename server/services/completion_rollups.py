"""Keeping `task_day_rollups` (completed tasks and SLA attainment per project and UTC day) equal to the tasks.

A task's completion changes only in `workflow.tasks.sync_task_status`, which calls `completion_changed` with the
sign of the change while the task row holds the completion being counted or uncounted: the row's day and whether
it met the SLA are read in SQL, with the same expressions as `completion_rebuild_statements`, so incremental and
bulk maintenance agree to the bit. Changing a project's SLA turnaround recomputes that project's rows
(`rebuild_completions`), as do bulk loads through `rollups.rebuild_rollups`.

Lock order, so concurrent writers neither deadlock nor drift on PostgreSQL: the task row (`lock_task`), then the
project row (shared by completions, exclusive for an SLA change), then the rollup rows.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from typing import cast as type_cast

from sqlalchemy import Integer, Table, bindparam, case, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from server.db.models import Project, Task
from server.db.rollup_tables import TaskDayRollup
from server.db.sql import day_bucket, in_days, upsert, within_seconds

__all__ = ["completion_changed", "completion_rebuild_statements", "rebuild_completions", "within_sla"]

_TABLE = type_cast(Table, TaskDayRollup.__table__)


def within_sla() -> ColumnElement[int]:
    """1 when a completed task (joined to its project) met the project's SLA turnaround, else 0."""

    return case((within_seconds(Task.completed_at, Task.created_at, Project.sla_turnaround_hours * 3600.0), 1), else_=0)


def _completed_tasks(*conditions: Any) -> Any:
    return (
        select()
        .select_from(Task)
        .join(Project, Project.id == Task.project_id)
        .where(Task.completed_at.is_not(None), *conditions)
    )


async def completion_changed(session: AsyncSession, task_id: int, sign: int) -> None:
    """Count (sign 1) or uncount (sign -1) the completion the task's row holds now, in the caller's transaction.

    The project row is share-locked first: the SLA this reads cannot change until the transaction ends, and a
    recount of the project (`rebuild_completions` after an SLA change, which holds the row's update lock) runs
    wholly before or wholly after it, counting this completion once, with the SLA the project ends up with.
    """
    lock, count = _completion_statements(session.get_bind().dialect.name)
    await session.execute(lock, {"task_id": task_id})
    await session.execute(count, {"task_id": task_id, "sign": sign})


# Built once per dialect, the task and the sign bound at execution: building the upsert anew each time (its
# `excluded` alias copies every column of the table) cost more CPU than running it.
_STATEMENTS: dict[str, tuple[Any, Any]] = {}


def _completion_statements(dialect: str) -> tuple[Any, Any]:
    """The project row's share lock, and the upsert counting the task's completion with sign `:sign`."""
    statements = _STATEMENTS.get(dialect)
    if statements is None:
        task_id = bindparam("task_id", type_=Integer())
        sign = bindparam("sign", type_=Integer())
        project_of_task = select(Task.project_id).where(Task.id == task_id).scalar_subquery()
        lock = select(Project.id).where(Project.id == project_of_task).with_for_update(read=True)
        row = _completed_tasks(Task.id == task_id).add_columns(
            Task.project_id, day_bucket(Task.completed_at), sign, sign * within_sla()
        )
        insert_ = upsert(dialect, _TABLE).from_select(["project_id", "day", "completed", "within_sla"], row)
        count = insert_.on_conflict_do_update(
            index_elements=["project_id", "day"],
            set_={name: _TABLE.c[name] + insert_.excluded[name] for name in ("completed", "within_sla")},
        )
        statements = _STATEMENTS[dialect] = (lock, count)
    return statements


def completion_rebuild_statements(project_id: int | None = None, days: Collection[str] | None = None) -> list[Any]:
    """DELETE and INSERT ... SELECT statements that recompute the rows of one project, or of all; with `days`,
    only the project's rows of those UTC days (of completion)."""

    day = day_bucket(Task.completed_at)
    conditions = [] if project_id is None else [Task.project_id == project_id]
    if days is not None:
        if project_id is None:
            raise ValueError("recomputing some days needs the project")
        if not days:
            return []
        conditions.append(in_days(Task.completed_at, days))
    counts = (
        _completed_tasks(*conditions)
        .add_columns(Task.project_id, day, func.count(), func.sum(within_sla()))
        .group_by(Task.project_id, day)
    )
    removed = delete(_TABLE) if project_id is None else delete(_TABLE).where(_TABLE.c.project_id == project_id)
    return [
        removed if days is None else removed.where(_TABLE.c.day.in_(sorted(days))),
        insert(_TABLE).from_select(["project_id", "day", "completed", "within_sla"], counts),
    ]


async def rebuild_completions(session: AsyncSession | AsyncConnection, project_id: int | None = None) -> None:
    for statement in completion_rebuild_statements(project_id):
        await session.execute(statement)
