"""Batch loads of issues and comments."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Comment, Issue
from server.graphql.context import Context
from server.graphql.loaders import load_by_keys, load_child_lists

__all__ = ["comments_by_id", "comments_by_issue", "issues_by_id"]


async def issues_by_id(context: Context, keys: list[int]) -> list[Issue | None]:
    async with context.read() as session:
        return await load_by_keys(session, Issue, keys)


async def comments_by_id(context: Context, keys: list[int]) -> list[Comment | None]:
    async with context.read() as session:
        return await load_by_keys(session, Comment, keys)


async def comments_by_issue(context: Context, keys: list[int]) -> list[list[Comment]]:
    statement = select(Comment, Comment.issue_id).order_by(Comment.created_at, Comment.id)
    async with context.read() as session:
        return await load_child_lists(session, statement, Comment.issue_id, keys)
