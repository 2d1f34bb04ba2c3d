"""Labeler queries: the filtered, ordered connection and the lookup by id."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from server.auth.permissions import CanOrderByPrice, enforce
from server.db.models import Labeler, ProjectMembership
from server.graphql.context import Info
from server.graphql.filters import contains_text, json_list_contains
from server.graphql.ids import decode_id
from server.graphql.labelers.loaders import labelers_by_id
from server.graphql.labelers.types import LabelerConnection, LabelerFilter, LabelerNode, LabelerOrder
from server.graphql.node_loading import lookup_node
from server.graphql.pagination import PageArgs, filtered_connection

__all__ = ["LabelerQueries"]


@strawberry.type
class LabelerQueries:
    @strawberry.field(
        description="Labelers; archived ones only with `includeArchived: true`.",
        extensions=[enforce(CanOrderByPrice(Labeler, "hourly_rate"))],
    )
    async def labelers(
        self,
        info: Info,
        filter: LabelerFilter | None = None,
        order_by: LabelerOrder | None = None,
        include_archived: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> LabelerConnection:
        return await filtered_connection(
            info,
            Labeler,
            filter=filter,
            conditions=_conditions,
            order=order_by or LabelerOrder(),
            args=PageArgs(first, after, last, before),
            to_node=LabelerNode.from_model,
            connection=LabelerConnection,
            include_archived=include_archived,
        )

    @strawberry.field(description="One labeler by global id (archived ones included); null when it does not exist.")
    async def labeler(self, info: Info, id: relay.GlobalID) -> LabelerNode | None:
        return await lookup_node(info, id, "Labeler", labelers_by_id, LabelerNode.from_model)


def _conditions(filter: LabelerFilter) -> list[Any]:
    conditions: list[Any] = []
    if filter.vendor_id is not None:
        conditions.append(Labeler.vendor_id == decode_id(filter.vendor_id, "Vendor", ("filter", "vendor_id")))
    if filter.project_id is not None:
        project = decode_id(filter.project_id, "Project", ("filter", "project_id"))
        members = select(ProjectMembership.labeler_id).where(ProjectMembership.project_id == project)
        conditions.append(Labeler.id.in_(members))
    if filter.stage is not None:
        conditions.append(Labeler.stage.in_(filter.stage))
    if filter.skill:
        conditions.append(json_list_contains(Labeler.skills, filter.skill.strip()))
    if filter.name_contains:
        conditions.append(contains_text(Labeler.name, filter.name_contains))
    return conditions
