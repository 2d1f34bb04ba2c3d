"""Issue queries: the filtered, ordered connection and lookups of issues and comments."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from server.db.models import Issue
from server.graphql.context import Info
from server.graphql.ids import decode_id
from server.graphql.issues.loaders import comments_by_id, issues_by_id
from server.graphql.issues.types import CommentNode, IssueConnection, IssueFilter, IssueNode, IssueOrder
from server.graphql.node_loading import lookup_node
from server.graphql.pagination import PageArgs, filtered_connection

__all__ = ["IssueQueries"]


@strawberry.type
class IssueQueries:
    @strawberry.field(description="Issues, newest first by default.")
    async def issues(
        self,
        info: Info,
        filter: IssueFilter | None = None,
        order_by: IssueOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> IssueConnection:
        return await filtered_connection(
            info,
            Issue,
            filter=filter,
            conditions=_conditions,
            order=order_by or IssueOrder(),
            args=PageArgs(first, after, last, before),
            to_node=IssueNode.from_model,
            connection=IssueConnection,
        )

    @strawberry.field(description="One issue by global id; null when it does not exist.")
    async def issue(self, info: Info, id: relay.GlobalID) -> IssueNode | None:
        return await lookup_node(info, id, "Issue", issues_by_id, IssueNode.from_model)

    @strawberry.field(description="One comment by global id; null when it does not exist.")
    async def comment(self, info: Info, id: relay.GlobalID) -> CommentNode | None:
        return await lookup_node(info, id, "Comment", comments_by_id, CommentNode.from_model)


def _conditions(filter: IssueFilter) -> list[Any]:
    conditions: list[Any] = []
    if filter.status is not None:
        conditions.append(Issue.status == filter.status)
    if filter.project_id is not None:
        conditions.append(Issue.project_id == decode_id(filter.project_id, "Project", ("filter", "project_id")))
    if filter.task_id is not None:
        conditions.append(Issue.task_id == decode_id(filter.task_id, "Task", ("filter", "task_id")))
    if filter.label_id is not None:
        conditions.append(Issue.label_id == decode_id(filter.label_id, "Label", ("filter", "label_id")))
    if filter.raised_by_id is not None:
        conditions.append(Issue.raised_by_id == decode_id(filter.raised_by_id, "Labeler", ("filter", "raised_by_id")))
    return conditions
