"""Connector queries: the connectors and their delivery tallies (admins only)."""

from __future__ import annotations

import strawberry
from sqlalchemy import select
from strawberry import relay

from server.auth.permissions import IsAdmin
from server.db.connectors import Connector
from server.graphql.connectors.types import ConnectorType
from server.graphql.context import Info
from server.graphql.convert import from_service
from server.graphql.errors import as_graphql_error
from server.graphql.ids import decode_id
from server.services.errors import DomainError

__all__ = ["ConnectorQueries"]


@strawberry.type
class ConnectorQueries:
    @strawberry.field(
        description="Connectors, oldest first, of one project when `projectId` is given (admins only).",
        permission_classes=[IsAdmin],
    )
    async def connectors(self, info: Info, project_id: relay.GlobalID | None = None) -> list[ConnectorType]:
        statement = select(Connector).order_by(Connector.id)
        if project_id is not None:
            try:
                key = decode_id(project_id, "Project", ("project_id",))
            except DomainError as error:
                raise as_graphql_error(error) from None
            statement = statement.where(Connector.project_id == key)
        async with info.context.read() as session:
            return [from_service(ConnectorType, row) for row in await session.scalars(statement)]
