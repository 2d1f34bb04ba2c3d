"""Editing issues and comments (raising, commenting and resolving go through the workflow)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Comment, Issue
from server.services.crud.checks import check_name, get_or_not_found
from server.services.errors import ValidationFailed

__all__ = ["update_comment", "update_issue"]


async def update_issue(session: AsyncSession, issue_id: int, *, title: str) -> Issue:
    """Retitle an issue."""
    issue = await get_or_not_found(session, Issue, issue_id, field=("id",))
    issue.title = check_name(("title",), title, max_length=300)
    await session.flush()
    return issue


async def update_comment(session: AsyncSession, comment_id: int, *, body: str) -> Comment:
    """Correct a comment's text; a comment is never emptied (resolve the issue instead)."""
    comment = await get_or_not_found(session, Comment, comment_id, field=("id",))
    if not body.strip():
        raise ValidationFailed(("body",), body, "must not be empty")
    comment.body = body.strip()
    await session.flush()
    return comment
