"""Task queries: the filtered, ordered connection and the lookup by id."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.db.models import Task
from server.graphql.context import Info
from server.graphql.ids import decode_id
from server.graphql.labels.loaders import labels_of_tasks
from server.graphql.labels.types import LabelNode
from server.graphql.lookahead import selects
from server.graphql.node_loading import lookup_node
from server.graphql.pagination import PageArgs, filtered_connection
from server.graphql.tasks.loaders import tasks_by_id
from server.graphql.tasks.types import TaskConnection, TaskFilter, TaskNode, TaskOrder
from server.services.crud.checks import check_aware

__all__ = ["TaskQueries"]


@strawberry.type
class TaskQueries:
    @strawberry.field(description="Tasks; archived ones only with `includeArchived: true`.")
    async def tasks(
        self,
        info: Info,
        filter: TaskFilter | None = None,
        order_by: TaskOrder | None = None,
        include_archived: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> TaskConnection:
        return await filtered_connection(
            info,
            Task,
            filter=filter,
            conditions=_conditions,
            order=order_by or TaskOrder(),
            args=PageArgs(first, after, last, before),
            to_node=TaskNode.from_model,
            connection=TaskConnection,
            include_archived=include_archived,
            with_children=_read_labels if selects(info, _NODE_LABELS) else None,
        )

    @strawberry.field(description="One task by global id (archived ones included); null when it does not exist.")
    async def task(self, info: Info, id: relay.GlobalID) -> TaskNode | None:
        return await lookup_node(info, id, "Task", tasks_by_id, TaskNode.from_model)


_NODE_LABELS = ("edges", "node", "labels")


async def _read_labels(session: AsyncSession, tasks: list[TaskNode]) -> None:
    """The page's labels in one statement of the page's session, handed to their tasks."""
    labels = await labels_of_tasks(session, [task.id for task in tasks])
    for task, rows in zip(tasks, labels, strict=True):
        task.labels_read = [LabelNode.from_model(row) for row in rows]


def _conditions(filter: TaskFilter) -> list[Any]:
    conditions: list[Any] = []
    if filter.project_id is not None:
        conditions.append(Task.project_id == decode_id(filter.project_id, "Project", ("filter", "project_id")))
    if filter.status is not None:
        conditions.append(Task.status.in_(filter.status))
    if filter.is_benchmark is not None:
        conditions.append(Task.is_benchmark.is_(filter.is_benchmark))
    if filter.external_id is not None:
        conditions.append(Task.external_id == filter.external_id)
    if filter.due_before is not None:
        conditions.append(Task.due_at < check_aware(("filter", "due_before"), filter.due_before))
    if filter.created_after is not None:
        conditions.append(Task.created_at >= check_aware(("filter", "created_after"), filter.created_after))
    if filter.created_before is not None:
        conditions.append(Task.created_at < check_aware(("filter", "created_before"), filter.created_before))
    return conditions
