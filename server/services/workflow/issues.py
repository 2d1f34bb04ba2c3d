"""Issue threads: questions and problems raised on a project, a task or a label, discussed until resolved.

An issue always belongs to a project; naming a label implies its task and project, naming a task implies its
project, and any ids given together must agree. The body given when raising becomes the thread's first comment.
Comments are welcome on resolved issues too (they do not reopen them; `reopen_issue` does).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import IssueStatus
from server.db.models import Comment, Issue, Label, Labeler, Project, Task
from server.services.crud.checks import get_or_not_found
from server.services.errors import InvalidTransition, Path, ValidationFailed
from server.services.workflow.common import require_text, resolve_time

__all__ = ["comment_on_issue", "raise_issue", "reopen_issue", "resolve_issue"]

_TITLE_MAX = 300


async def _author(session: AsyncSession, author_id: int | None, *, field: Path) -> None:
    """Authors are labelers when known; None stands for someone outside the workforce (a manager, a client)."""
    if author_id is not None:
        await get_or_not_found(session, Labeler, author_id, field=field)


def _after_raised(issue: Issue, when: datetime, *, given: bool) -> datetime:
    """A thread moves forward in time: nothing happens to an issue before it was raised (a resolution dated
    earlier made its time to resolve negative). A time left to the default (now) is moved up to the raising."""
    if when >= issue.created_at:
        return when
    if not given:
        return issue.created_at
    raise ValidationFailed(
        ("at",), when.isoformat(), f"must not be before the issue was raised ({issue.created_at.isoformat()})"
    )


async def raise_issue(
    session: AsyncSession,
    *,
    title: str,
    body: str = "",
    raised_by_id: int | None = None,
    project_id: int | None = None,
    task_id: int | None = None,
    label_id: int | None = None,
    at: datetime | None = None,
) -> Issue:
    """Open an issue on a label, a task or a project (at least one id; given together they must agree).

    Raises NotFound (unknown ids), ValidationFailed (no target, ids that disagree, blank or over-long title).
    """
    title = require_text(("title",), title, max_length=_TITLE_MAX)
    when = resolve_time(("at",), at)
    if project_id is None and task_id is None and label_id is None:
        raise ValidationFailed(("project_id",), None, "or task_id or label_id must name what the issue is about")
    if label_id is not None:
        label = await get_or_not_found(session, Label, label_id, field=("label_id",))
        if task_id is not None and task_id != label.task_id:
            raise ValidationFailed(("task_id",), task_id, f"must be the task of label {label_id} ({label.task_id})")
        task_id = label.task_id
    if task_id is not None:
        task = await get_or_not_found(session, Task, task_id, field=("task_id",))
        if project_id is not None and project_id != task.project_id:
            raise ValidationFailed(
                ("project_id",), project_id, f"must be the project of task {task_id} ({task.project_id})"
            )
        project_id = task.project_id
    assert project_id is not None  # one of the three ids was given and each implies the project
    await get_or_not_found(session, Project, project_id, field=("project_id",))
    await _author(session, raised_by_id, field=("raised_by_id",))

    issue = Issue(
        project_id=project_id,
        task_id=task_id,
        label_id=label_id,
        raised_by_id=raised_by_id,
        title=title,
        created_at=when,
        updated_at=when,
    )
    session.add(issue)
    await session.flush()
    if body.strip():
        session.add(Comment(issue_id=issue.id, author_id=raised_by_id, body=body.strip(), created_at=when))
        await session.flush()
    return issue


async def comment_on_issue(
    session: AsyncSession, *, issue_id: int, author_id: int | None, body: str, at: datetime | None = None
) -> Comment:
    """Add a comment to an issue's thread. Raises NotFound (issue or author), ValidationFailed (blank body, a
    time before the issue was raised)."""
    body = require_text(("body",), body)
    when = resolve_time(("at",), at)
    issue = await get_or_not_found(session, Issue, issue_id, field=("issue_id",))
    when = _after_raised(issue, when, given=at is not None)
    await _author(session, author_id, field=("author_id",))
    comment = Comment(issue_id=issue_id, author_id=author_id, body=body, created_at=when)
    session.add(comment)
    await session.flush()
    return comment


async def resolve_issue(
    session: AsyncSession, *, issue_id: int, resolution: str = "", at: datetime | None = None
) -> Issue:
    """Resolve an OPEN issue, recording how (may be empty) and when (default now).

    Raises NotFound, ValidationFailed (a time before the issue was raised), InvalidTransition (already RESOLVED).
    """
    when = resolve_time(("at",), at)
    issue = await get_or_not_found(session, Issue, issue_id, field=("issue_id",))
    if issue.status is IssueStatus.RESOLVED:
        raise InvalidTransition(
            "Issue", issue.status, IssueStatus.RESOLVED, reason="already resolved", path=("issue_id",)
        )
    when = _after_raised(issue, when, given=at is not None)
    issue.status = IssueStatus.RESOLVED
    issue.resolved_at = when
    issue.resolution = resolution.strip()
    await session.flush()
    return issue


async def reopen_issue(session: AsyncSession, *, issue_id: int) -> Issue:
    """Reopen a RESOLVED issue, clearing its resolution. Raises NotFound, InvalidTransition (already OPEN)."""
    issue = await get_or_not_found(session, Issue, issue_id, field=("issue_id",))
    if issue.status is IssueStatus.OPEN:
        raise InvalidTransition("Issue", issue.status, IssueStatus.OPEN, reason="already open", path=("issue_id",))
    issue.status = IssueStatus.OPEN
    issue.resolved_at = None
    issue.resolution = ""
    await session.flush()
    return issue
