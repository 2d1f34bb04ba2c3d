"""Batch loads of reviews: by id and by label."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Review
from server.graphql.context import Context
from server.graphql.loaders import load_by_keys, load_child_lists

__all__ = ["reviews_by_id", "reviews_by_label"]


async def reviews_by_id(context: Context, keys: list[int]) -> list[Review | None]:
    async with context.read() as session:
        return await load_by_keys(session, Review, keys)


async def reviews_by_label(context: Context, keys: list[int]) -> list[list[Review]]:
    statement = select(Review, Review.label_id).order_by(Review.created_at, Review.id)
    async with context.read() as session:
        return await load_child_lists(session, statement, Review.label_id, keys)
