"""The Relay `node(id:)` / `nodes(ids:)` entry points, resolving any global id of any domain."""

from __future__ import annotations

import strawberry
from strawberry import relay

__all__ = ["NodeQueries"]


@strawberry.type
class NodeQueries:
    node: relay.Node | None = relay.node(description="Any record by its global id; null when it does not exist.")
    nodes: list[relay.Node | None] = relay.node(description="Several records by global id, in the given order.")
