"""The Relay `node(id:)` / `nodes(ids:)` entry points, resolving any global id of any domain.

Plain resolvers rather than `relay.node()`: that helper binds its resolver to the shared field on the
first schema build, and the application builds its own schema next to the module-level one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types.base import StrawberryObjectDefinition

from server.graphql.context import Info
from server.graphql.errors import as_graphql_error
from server.services.errors import ValidationFailed

__all__ = ["NodeQueries"]


async def _resolve(info: Info, global_id: relay.GlobalID) -> Any:
    """The record behind a global id, or None when its type is not a node type or the record does not exist."""
    definition = info.schema.get_type_by_name(global_id.type_name)
    if not isinstance(definition, StrawberryObjectDefinition):
        return None
    origin = definition.origin
    if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
        return None
    nodes = await origin.resolve_nodes(info=info, node_ids=[global_id.node_id], required=False)  # type: ignore[misc]
    return next(iter(nodes), None)


@strawberry.type
class NodeQueries:
    @strawberry.field(description="Any record by its global id; null when it does not exist.")
    async def node(self, info: Info, id: relay.GlobalID) -> relay.Node | None:
        return await _resolve(info, id)

    @strawberry.field(
        description="Several records by global id, in the given order; null where one does not exist. At most a "
        "page of ids (the maximum page size)."
    )
    async def nodes(self, info: Info, ids: list[relay.GlobalID]) -> list[relay.Node | None]:
        max_ids = info.context.settings.max_page_size
        if len(ids) > max_ids:
            raise as_graphql_error(ValidationFailed(("ids",), len(ids), f"must hold at most {max_ids} ids (a page)"))
        return list(await asyncio.gather(*(_resolve(info, global_id) for global_id in ids)))
