"""Task queries: the filtered, ordered connection and the lookup by id."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from server.db.models import Task
from server.graphql.context import Info
from server.graphql.errors import as_graphql_error
from server.graphql.ids import decode_id
from server.graphql.nodes import lookup_node
from server.graphql.pagination import PageArgs, list_connection, ordered
from server.graphql.tasks.loaders import tasks_by_id
from server.graphql.tasks.types import TaskConnection, TaskFilter, TaskNode, TaskOrder
from server.services.crud_checks import check_aware
from server.services.errors import DomainError

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
        statement = select(Task)
        if not include_archived:
            statement = statement.where(Task.archived_at.is_(None))
        if filter is not None:
            try:
                statement = statement.where(*_conditions(filter))
            except DomainError as error:
                raise as_graphql_error(error) from None
        order = order_by or TaskOrder()
        return await list_connection(
            info,
            statement,
            order_by=ordered(getattr(Task, order.field.value), order.direction, Task.id),
            args=PageArgs(first, after, last, before),
            to_node=TaskNode.from_model,
            connection=TaskConnection,
        )

    @strawberry.field(description="One task by global id (archived ones included); null when it does not exist.")
    async def task(self, info: Info, id: relay.GlobalID) -> TaskNode | None:
        return await lookup_node(info, id, "Task", tasks_by_id, TaskNode.from_model)


def _conditions(filter: TaskFilter) -> list[Any]:
    conditions: list[Any] = []
    if filter.project_id is not None:
        conditions.append(Task.project_id == decode_id(filter.project_id, "Project", "filter.projectId"))
    if filter.status is not None:
        conditions.append(Task.status.in_(filter.status))
    if filter.is_benchmark is not None:
        conditions.append(Task.is_benchmark.is_(filter.is_benchmark))
    if filter.external_id is not None:
        conditions.append(Task.external_id == filter.external_id)
    if filter.due_before is not None:
        conditions.append(Task.due_at < check_aware("filter.dueBefore", filter.due_before))
    if filter.created_after is not None:
        conditions.append(Task.created_at >= check_aware("filter.createdAfter", filter.created_after))
    if filter.created_before is not None:
        conditions.append(Task.created_at < check_aware("filter.createdBefore", filter.created_before))
    return conditions
