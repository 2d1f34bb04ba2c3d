"""Batch loads of tasks: by id and pages per project."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from server.db.enums import TaskStatus
from server.db.models import Task
from server.graphql.context import Context
from server.graphql.loaders import ChildPage, ChildPageKey, load_by_keys, load_child_pages

__all__ = ["task_pages_by_project", "tasks_by_id"]


async def tasks_by_id(context: Context, keys: list[int]) -> list[Task | None]:
    async with context.read() as session:
        return await load_by_keys(session, Task, keys)


async def task_pages_by_project(
    context: Context, keys: list[ChildPageKey], status: TaskStatus | None
) -> list[ChildPage[Task]]:
    def statement(columns: Sequence[Any], include_archived: bool) -> Any:
        query = select(*columns).select_from(Task)
        if status is not None:
            query = query.where(Task.status == status)
        return query if include_archived else query.where(Task.archived_at.is_(None))

    async with context.read() as session:
        return await load_child_pages(session, Task, statement, Task.project_id, (Task.created_at, Task.id), keys)
