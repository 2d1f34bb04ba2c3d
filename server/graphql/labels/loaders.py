"""Batch loads of labels: by id and by task."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Label
from server.graphql.context import Context
from server.graphql.loaders import load_by_keys, load_child_lists

__all__ = ["labels_by_id", "labels_by_task", "labels_of_tasks"]


async def labels_by_id(context: Context, keys: list[int]) -> list[Label | None]:
    async with context.read() as session:
        return await load_by_keys(session, Label, keys)


async def labels_by_task(context: Context, keys: list[int]) -> list[list[Label]]:
    async with context.read() as session:
        return await labels_of_tasks(session, keys)


async def labels_of_tasks(session: AsyncSession, task_ids: Sequence[int]) -> list[list[Label]]:
    """Every label of each task, first submitted first, in one statement (in `session`, scoped like it)."""
    statement = select(Label, Label.task_id).order_by(Label.submitted_at, Label.id)
    return await load_child_lists(session, statement, Label.task_id, task_ids)
