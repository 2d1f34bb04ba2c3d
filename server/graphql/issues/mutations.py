"""Issue mutations: raise, comment, resolve, reopen, and edit titles and comments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.auth.permissions import EVERYONE, PROGRAM_SIDE, mutation
from server.db.models import Comment, Issue
from server.graphql.context import Info
from server.graphql.errors import ARGUMENTS, MutationError, mutate, mutate_row
from server.graphql.ids import decode_id
from server.graphql.issues.types import CommentNode, IssueNode
from server.services import workflow
from server.services.crud import issues as crud_issues
from server.services.errors import Path

__all__ = ["CommentPayload", "CommentResult", "IssueMutations", "IssuePayload", "IssueResult"]


@strawberry.input(description="Name at least one of label, task or project; given together they must agree.")
class RaiseIssueInput:
    title: str
    body: str = strawberry.field(default="", description="Opens the thread when not blank.")
    raised_by_id: relay.GlobalID | None = None
    project_id: relay.GlobalID | None = None
    task_id: relay.GlobalID | None = None
    label_id: relay.GlobalID | None = None
    at: datetime | None = None


@strawberry.input
class CommentOnIssueInput:
    issue_id: relay.GlobalID
    body: str
    author_id: relay.GlobalID | None = None
    at: datetime | None = None


@strawberry.input
class ResolveIssueInput:
    issue_id: relay.GlobalID
    resolution: str = ""
    at: datetime | None = None


@strawberry.input
class UpdateIssueInput:
    id: relay.GlobalID
    title: str


@strawberry.input
class UpdateCommentInput:
    id: relay.GlobalID
    body: str


@strawberry.type
class IssuePayload:
    issue: IssueNode


@strawberry.type
class CommentPayload:
    comment: CommentNode
    issue: IssueNode


IssueResult = Annotated[IssuePayload | MutationError, strawberry.union("IssueResult")]
CommentResult = Annotated[CommentPayload | MutationError, strawberry.union("CommentResult")]


def _optional(value: relay.GlobalID | None, type_name: str, field: Path) -> int | None:
    return None if value is None else decode_id(value, type_name, field)


def _payload(row: Issue) -> IssuePayload:
    return IssuePayload(issue=IssueNode.from_model(row))


async def _comment_payload(session: AsyncSession, comment: Comment) -> CommentPayload:
    issue = await session.get(Issue, comment.issue_id)
    assert issue is not None  # a comment's issue is a foreign key
    return CommentPayload(comment=CommentNode.from_model(comment), issue=IssueNode.from_model(issue))


@strawberry.type
class IssueMutations:
    @mutation(EVERYONE, description="Open an issue on a label, a task or a project.")
    async def raise_issue(self, info: Info, input: RaiseIssueInput) -> IssueResult:
        async def operation(session: AsyncSession) -> Issue:
            return await workflow.raise_issue(
                session,
                title=input.title,
                body=input.body,
                raised_by_id=_optional(input.raised_by_id, "Labeler", ("raised_by_id",)),
                project_id=_optional(input.project_id, "Project", ("project_id",)),
                task_id=_optional(input.task_id, "Task", ("task_id",)),
                label_id=_optional(input.label_id, "Label", ("label_id",)),
                at=input.at,
            )

        return await mutate_row(info, _payload, operation)

    @mutation(EVERYONE, description="Add a comment to an issue's thread.")
    async def comment_on_issue(self, info: Info, input: CommentOnIssueInput) -> CommentResult:
        async def operation(session: AsyncSession) -> CommentPayload:
            comment = await workflow.comment_on_issue(
                session,
                issue_id=decode_id(input.issue_id, "Issue", ("issue_id",)),
                author_id=_optional(input.author_id, "Labeler", ("author_id",)),
                body=input.body,
                at=input.at,
            )
            return await _comment_payload(session, comment)

        return await mutate(info, operation)

    @mutation(PROGRAM_SIDE, description="Resolve an open issue, saying how.")
    async def resolve_issue(self, info: Info, input: ResolveIssueInput) -> IssueResult:
        async def operation(session: AsyncSession) -> Issue:
            return await workflow.resolve_issue(
                session,
                issue_id=decode_id(input.issue_id, "Issue", ("issue_id",)),
                resolution=input.resolution,
                at=input.at,
            )

        return await mutate_row(info, _payload, operation)

    @mutation(PROGRAM_SIDE, description="Reopen a resolved issue, clearing its resolution.")
    async def reopen_issue(self, info: Info, issue_id: relay.GlobalID) -> IssueResult:
        async def operation(session: AsyncSession) -> Issue:
            return await workflow.reopen_issue(session, issue_id=decode_id(issue_id, "Issue", ("issue_id",)))

        return await mutate_row(info, _payload, operation, root=ARGUMENTS)

    @mutation(PROGRAM_SIDE, description="Retitle an issue.")
    async def update_issue(self, info: Info, input: UpdateIssueInput) -> IssueResult:
        async def operation(session: AsyncSession) -> Issue:
            key = decode_id(input.id, "Issue", ("id",))
            return await crud_issues.update_issue(session, key, title=input.title)

        return await mutate_row(info, _payload, operation)

    @mutation(PROGRAM_SIDE, description="Correct a comment's text.")
    async def update_comment(self, info: Info, input: UpdateCommentInput) -> CommentResult:
        async def operation(session: AsyncSession) -> CommentPayload:
            comment = await crud_issues.update_comment(
                session, decode_id(input.id, "Comment", ("id",)), body=input.body
            )
            return await _comment_payload(session, comment)

        return await mutate(info, operation)
