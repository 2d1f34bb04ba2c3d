"""Placeholder GraphQL endpoint so the application composes; the real schema replaces it."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.asgi import GraphQL

from server.db.session import Database
from server.settings import Settings

__all__ = ["GraphQLApp"]


@strawberry.type
class _Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


class GraphQLApp(GraphQL[Any, Any]):
    """The ASGI GraphQL endpoint bound to one database."""

    def __init__(self, *, database: Database, settings: Settings) -> None:
        super().__init__(strawberry.Schema(query=_Query), graphql_ide="graphiql" if settings.graphiql else None)
        self.database = database
        self.settings = settings
