"""Project queries: the filtered, ordered connection and the lookup by id."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from server.db.models import Project, project_vendors
from server.graphql.context import Info
from server.graphql.filters import contains_text
from server.graphql.ids import decode_id
from server.graphql.node_loading import lookup_node
from server.graphql.pagination import PageArgs, filtered_connection
from server.graphql.projects.loaders import projects_by_id
from server.graphql.projects.types import ProjectConnection, ProjectFilter, ProjectNode, ProjectOrder

__all__ = ["ProjectQueries"]


@strawberry.type
class ProjectQueries:
    @strawberry.field(description="Projects; archived ones only with `includeArchived: true`.")
    async def projects(
        self,
        info: Info,
        filter: ProjectFilter | None = None,
        order_by: ProjectOrder | None = None,
        include_archived: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProjectConnection:
        return await filtered_connection(
            info,
            Project,
            filter=filter,
            conditions=_conditions,
            order=order_by or ProjectOrder(),
            args=PageArgs(first, after, last, before),
            to_node=ProjectNode.from_model,
            connection=ProjectConnection,
            include_archived=include_archived,
        )

    @strawberry.field(description="One project by global id (archived ones included); null when it does not exist.")
    async def project(self, info: Info, id: relay.GlobalID) -> ProjectNode | None:
        return await lookup_node(info, id, "Project", projects_by_id, ProjectNode.from_model)


def _conditions(filter: ProjectFilter) -> list[Any]:
    conditions: list[Any] = []
    if filter.status is not None:
        conditions.append(Project.status.in_(filter.status))
    if filter.data_type is not None:
        conditions.append(Project.data_type.in_(filter.data_type))
    if filter.vendor_id is not None:
        vendor = decode_id(filter.vendor_id, "Vendor", ("filter", "vendor_id"))
        on_project = select(project_vendors.c.project_id).where(project_vendors.c.vendor_id == vendor)
        conditions.append(Project.id.in_(on_project))
    if filter.name_contains:
        conditions.append(contains_text(Project.name, filter.name_contains))
    return conditions
