"""GraphQL types of issues and their comments; connection, filter, ordering."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from server.db import models
from server.graphql.context import Info
from server.graphql.enums import IssueStatus
from server.graphql.issues.loaders import comments_by_id, comments_by_issue, issues_by_id
from server.graphql.node_loading import load_node, load_nodes, resolve_nodes_with
from server.graphql.pagination import OrderDirection

if TYPE_CHECKING:
    from server.graphql.labelers.types import LabelerNode
    from server.graphql.labels.types import LabelNode
    from server.graphql.projects.types import ProjectNode
    from server.graphql.tasks.types import TaskNode

__all__ = ["CommentNode", "IssueConnection", "IssueFilter", "IssueNode", "IssueOrder", "IssueOrderField"]

_LabelerRef = Annotated["LabelerNode", strawberry.lazy("server.graphql.labelers.types")]


async def _labeler(info: Info, key: int | None) -> Any:
    if key is None:
        return None
    from server.graphql.labelers.loaders import labelers_by_id
    from server.graphql.labelers.types import LabelerNode

    row = await info.context.loader(labelers_by_id).load(key)
    return None if row is None else LabelerNode.from_model(row)


@strawberry.type(name="Comment", description="One message in an issue thread.")
class CommentNode(relay.Node):
    id: relay.NodeID[int]
    body: str
    created_at: datetime
    issue_id: strawberry.Private[int]
    author_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Comment) -> Self:
        return cls(id=row.id, body=row.body, created_at=row.created_at, issue_id=row.issue_id, author_id=row.author_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await resolve_nodes_with(info, comments_by_id, node_ids, cls.from_model, required=required)

    @strawberry.field(description="The labeler who wrote it; null for someone outside the workforce.")
    async def author(self, info: Info) -> _LabelerRef | None:
        return await _labeler(info, self.author_id)

    @strawberry.field
    async def issue(self, info: Info) -> IssueNode:
        return await load_node(info, issues_by_id, self.issue_id, IssueNode.from_model)


@strawberry.type(name="Issue", description="A question or problem raised on a project, task or label.")
class IssueNode(relay.Node):
    id: relay.NodeID[int]
    title: str
    status: IssueStatus
    resolution: str
    resolved_at: datetime | None
    created_at: datetime
    updated_at: datetime
    project_id: strawberry.Private[int]
    task_id: strawberry.Private[int | None]
    label_id: strawberry.Private[int | None]
    raised_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Issue) -> Self:
        return cls(
            id=row.id,
            title=row.title,
            status=row.status,
            resolution=row.resolution,
            resolved_at=row.resolved_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            project_id=row.project_id,
            task_id=row.task_id,
            label_id=row.label_id,
            raised_by_id=row.raised_by_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await resolve_nodes_with(info, issues_by_id, node_ids, cls.from_model, required=required)

    @strawberry.field
    async def project(self, info: Info) -> Annotated[ProjectNode, strawberry.lazy("server.graphql.projects.types")]:
        from server.graphql.projects.loaders import projects_by_id
        from server.graphql.projects.types import ProjectNode

        return await load_node(info, projects_by_id, self.project_id, ProjectNode.from_model)

    @strawberry.field
    async def task(self, info: Info) -> Annotated[TaskNode, strawberry.lazy("server.graphql.tasks.types")] | None:
        from server.graphql.tasks.loaders import tasks_by_id
        from server.graphql.tasks.types import TaskNode

        if self.task_id is None:
            return None
        return await load_node(info, tasks_by_id, self.task_id, TaskNode.from_model)

    @strawberry.field
    async def label(self, info: Info) -> Annotated[LabelNode, strawberry.lazy("server.graphql.labels.types")] | None:
        from server.graphql.labels.loaders import labels_by_id
        from server.graphql.labels.types import LabelNode

        if self.label_id is None:
            return None
        return await load_node(info, labels_by_id, self.label_id, LabelNode.from_model)

    @strawberry.field(description="The labeler who raised it; null for someone outside the workforce.")
    async def raised_by(self, info: Info) -> _LabelerRef | None:
        return await _labeler(info, self.raised_by_id)

    @strawberry.field(description="The thread, oldest first.")
    async def comments(self, info: Info) -> list[CommentNode]:
        return await load_nodes(info, comments_by_issue, self.id, CommentNode.from_model)


@strawberry.type(name="IssueConnection")
class IssueConnection(relay.Connection[IssueNode]):
    total_count: int


@strawberry.enum
class IssueOrderField(enum.Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    RESOLVED_AT = "resolved_at"
    STATUS = "status"


@strawberry.input
class IssueOrder:
    field: IssueOrderField = IssueOrderField.CREATED_AT
    direction: OrderDirection = OrderDirection.DESC


@strawberry.input(description="Every given criterion must hold.")
class IssueFilter:
    status: IssueStatus | None = None
    project_id: relay.GlobalID | None = None
    task_id: relay.GlobalID | None = None
    label_id: relay.GlobalID | None = None
    raised_by_id: relay.GlobalID | None = None
