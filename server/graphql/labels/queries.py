"""Label queries: the filtered, ordered connection and the lookup by id."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from server.db.models import Label, Task
from server.graphql.context import Info
from server.graphql.ids import decode_id
from server.graphql.labels.loaders import labels_by_id
from server.graphql.labels.types import LabelConnection, LabelFilter, LabelNode, LabelOrder
from server.graphql.node_loading import lookup_node
from server.graphql.pagination import PageArgs, filtered_connection
from server.services.crud.checks import check_aware

__all__ = ["LabelQueries"]


@strawberry.type
class LabelQueries:
    @strawberry.field(description="Labels, filtered by task, labeler, project, status and submission window.")
    async def labels(
        self,
        info: Info,
        filter: LabelFilter | None = None,
        order_by: LabelOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> LabelConnection:
        return await filtered_connection(
            info,
            Label,
            filter=filter,
            conditions=_conditions,
            order=order_by or LabelOrder(),
            args=PageArgs(first, after, last, before),
            to_node=LabelNode.from_model,
            connection=LabelConnection,
        )

    @strawberry.field(description="One label by global id; null when it does not exist.")
    async def label(self, info: Info, id: relay.GlobalID) -> LabelNode | None:
        return await lookup_node(info, id, "Label", labels_by_id, LabelNode.from_model)


def _conditions(filter: LabelFilter) -> list[Any]:
    conditions: list[Any] = []
    if filter.task_id is not None:
        conditions.append(Label.task_id == decode_id(filter.task_id, "Task", ("filter", "task_id")))
    if filter.labeler_id is not None:
        conditions.append(Label.labeler_id == decode_id(filter.labeler_id, "Labeler", ("filter", "labeler_id")))
    if filter.project_id is not None:
        project = decode_id(filter.project_id, "Project", ("filter", "project_id"))
        conditions.append(Label.task_id.in_(select(Task.id).where(Task.project_id == project)))
    if filter.status is not None:
        conditions.append(Label.status.in_(filter.status))
    if filter.submitted_after is not None:
        conditions.append(Label.submitted_at >= check_aware(("filter", "submitted_after"), filter.submitted_after))
    if filter.submitted_before is not None:
        conditions.append(Label.submitted_at < check_aware(("filter", "submitted_before"), filter.submitted_before))
    if filter.reworked is not None:
        conditions.append(Label.rework_count > 0 if filter.reworked else Label.rework_count == 0)
    return conditions
