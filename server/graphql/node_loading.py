"""Helpers for Relay node types: resolving global ids through the request's DataLoaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from strawberry.relay import GlobalID

from server.graphql.context import Context, Info
from server.graphql.errors import as_graphql_error
from server.graphql.ids import decode_id
from server.services.errors import DomainError

__all__ = ["load_node", "load_nodes", "lookup_node", "resolve_nodes_with"]

_Node = TypeVar("_Node")


async def resolve_nodes_with(
    info: Info,
    batch: Callable[[Context, list[int]], Awaitable[Sequence[Any]]],
    node_ids: Iterable[str],
    to_node: Callable[[Any], _Node],
    *,
    required: bool = False,
) -> list[_Node | None]:
    """Nodes for `node_ids` loaded in one batch; ids that are not integer keys simply do not exist."""
    ids = list(node_ids)
    keys = [int(node_id) for node_id in ids if node_id.isdigit()]
    rows = dict(zip(keys, await info.context.loader(batch).load_many(keys), strict=True))
    nodes = [
        to_node(row) if (row := rows.get(int(node_id)) if node_id.isdigit() else None) else None for node_id in ids
    ]
    if required and any(node is None for node in nodes):
        missing = [node_id for node_id, node in zip(ids, nodes, strict=True) if node is None]
        raise ValueError(f"no record for ids {missing}")
    return nodes


async def lookup_node(
    info: Info,
    global_id: GlobalID,
    type_name: str,
    batch: Callable[[Context, list[int]], Awaitable[Sequence[Any]]],
    to_node: Callable[[Any], _Node],
) -> _Node | None:
    """A typed `thing(id:)` lookup: a global id of another type is a client error, a missing record is null."""
    try:
        key = decode_id(global_id, type_name, ("id",))
    except DomainError as error:
        raise as_graphql_error(error) from None
    row = await info.context.loader(batch).load(key)
    return None if row is None else to_node(row)


async def load_node(
    info: Info,
    batch: Callable[[Context, list[int]], Awaitable[Sequence[Any]]],
    key: int,
    to_node: Callable[[Any], _Node],
) -> _Node:
    """The node of the row a foreign key names, loaded through the request's DataLoader for `batch`."""
    return to_node(await info.context.loader(batch).load(key))


async def load_nodes(
    info: Info,
    batch: Callable[[Context, list[int]], Awaitable[Sequence[Any]]],
    key: int,
    to_node: Callable[[Any], _Node],
) -> list[_Node]:
    """Nodes of the rows a list loader (`batch`, one list per key) holds for `key`, in the loader's order."""
    rows: list[Any] = await info.context.loader(batch).load(key)
    return [to_node(row) for row in rows]
