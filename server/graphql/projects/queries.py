"""Project queries: the filtered, ordered connection and the lookup by id."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from server.db.models import Project, project_vendors
from server.graphql.context import Info
from server.graphql.errors import as_graphql_error
from server.graphql.filters import contains_text
from server.graphql.ids import decode_id
from server.graphql.nodes import lookup_node
from server.graphql.pagination import PageArgs, list_connection, ordered
from server.graphql.projects.loaders import projects_by_id
from server.graphql.projects.types import ProjectConnection, ProjectFilter, ProjectNode, ProjectOrder
from server.services.errors import DomainError

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
        statement = select(Project)
        if not include_archived:
            statement = statement.where(Project.archived_at.is_(None))
        if filter is not None:
            statement = statement.where(*_conditions(filter))
        order = order_by or ProjectOrder()
        return await list_connection(
            info,
            statement,
            order_by=ordered(getattr(Project, order.field.value), order.direction, Project.id),
            args=PageArgs(first, after, last, before),
            to_node=ProjectNode.from_model,
            connection=ProjectConnection,
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
        try:
            vendor = decode_id(filter.vendor_id, "Vendor", "filter.vendorId")
        except DomainError as error:
            raise as_graphql_error(error) from None
        on_project = select(project_vendors.c.project_id).where(project_vendors.c.vendor_id == vendor)
        conditions.append(Project.id.in_(on_project))
    if filter.name_contains:
        conditions.append(contains_text(Project.name, filter.name_contains))
    return conditions
