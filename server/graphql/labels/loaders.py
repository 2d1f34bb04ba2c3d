"""Batch loads of labels: by id and by task."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Label
from server.graphql.context import Context
from server.graphql.loaders import load_by_keys, load_child_lists

__all__ = ["labels_by_id", "labels_by_task"]


async def labels_by_id(context: Context, keys: list[int]) -> list[Label | None]:
    async with context.read() as session:
        return await load_by_keys(session, Label, keys)


async def labels_by_task(context: Context, keys: list[int]) -> list[list[Label]]:
    statement = select(Label, Label.task_id).order_by(Label.submitted_at, Label.id)
    async with context.read() as session:
        return await load_child_lists(session, statement, Label.task_id, keys)
