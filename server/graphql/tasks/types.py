"""GraphQL types of tasks: the node with its project and labels; connection, filter, ordering."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from server.auth.permissions import CanSeeGoldAnswers, null_unless
from server.db import models
from server.graphql.context import Info
from server.graphql.enums import TaskStatus
from server.graphql.node_loading import load_node, load_nodes, resolve_nodes_with
from server.graphql.pagination import OrderDirection
from server.graphql.tasks.loaders import tasks_by_id

if TYPE_CHECKING:
    from server.graphql.labels.types import LabelNode
    from server.graphql.projects.types import ProjectNode

__all__ = ["TaskConnection", "TaskFilter", "TaskNode", "TaskOrder", "TaskOrderField"]


@strawberry.type(name="Task", description="An asset to label; a benchmark carries a gold answer.")
class TaskNode(relay.Node):
    id: relay.NodeID[int]
    external_id: str
    payload_ref: str
    priority: int
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    status: TaskStatus
    labels_required: int
    is_benchmark: bool
    gold_answer: JSON | None = strawberry.field(extensions=[null_unless(CanSeeGoldAnswers())])
    archived_at: datetime | None
    project_id: strawberry.Private[int]
    # The task's labels when the page that holds the task read them with it (see `TaskQueries.tasks`).
    labels_read: strawberry.Private[list[Any] | None] = None

    @classmethod
    def from_model(cls, row: models.Task) -> Self:
        return cls(
            id=row.id,
            external_id=row.external_id,
            payload_ref=row.payload_ref,
            priority=row.priority,
            created_at=row.created_at,
            due_at=row.due_at,
            completed_at=row.completed_at,
            status=row.status,
            labels_required=row.labels_required,
            is_benchmark=row.is_benchmark,
            gold_answer=row.gold_answer,
            archived_at=row.archived_at,
            project_id=row.project_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await resolve_nodes_with(info, tasks_by_id, node_ids, cls.from_model, required=required)

    @strawberry.field
    async def project(self, info: Info) -> Annotated[ProjectNode, strawberry.lazy("server.graphql.projects.types")]:
        from server.graphql.projects.loaders import projects_by_id
        from server.graphql.projects.types import ProjectNode

        return await load_node(info, projects_by_id, self.project_id, ProjectNode.from_model)

    @strawberry.field(description="Every label of the task, first submitted first.")
    def labels(self, info: Info) -> list[Annotated[LabelNode, strawberry.lazy("server.graphql.labels.types")]]:
        # Not async: a task of a page that read its labels answers at once, without a coroutine per task. Any other
        # task returns the awaitable of the request's DataLoader, which graphql-core awaits like an async resolver's.
        if self.labels_read is not None:
            return self.labels_read
        from server.graphql.labels.loaders import labels_by_task
        from server.graphql.labels.types import LabelNode

        loading: Any = load_nodes(info, labels_by_task, self.id, LabelNode.from_model)
        return loading


@strawberry.type(name="TaskConnection")
class TaskConnection(relay.Connection[TaskNode]):
    total_count: int


@strawberry.enum
class TaskOrderField(enum.Enum):
    CREATED_AT = "created_at"
    DUE_AT = "due_at"
    PRIORITY = "priority"
    STATUS = "status"
    COMPLETED_AT = "completed_at"


@strawberry.input
class TaskOrder:
    field: TaskOrderField = TaskOrderField.CREATED_AT
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Every given criterion must hold; lists match any of their values.")
class TaskFilter:
    project_id: relay.GlobalID | None = None
    status: list[TaskStatus] | None = None
    is_benchmark: bool | None = None
    external_id: str | None = None
    due_before: datetime | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
