"""Batch loading shared by the domains: records by key, child lists, and child pages, one query per batch.

Every function here takes the keys of one DataLoader batch and issues a fixed number of `IN (...)`
queries for it, whatever the number of keys: nested fields cost the same for 5 parents or 50.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

__all__ = ["ChildPage", "ChildPageKey", "load_by_keys", "load_child_lists", "load_child_pages"]

_Row = TypeVar("_Row")


async def load_by_keys(session: AsyncSession, entity: type[_Row], keys: Sequence[int]) -> list[_Row | None]:
    """Records of `entity` by primary key, in key order, None where missing."""
    primary_key: Any = entity.id  # type: ignore[attr-defined]
    rows = (await session.scalars(select(entity).where(primary_key.in_(set(keys))))).all()
    by_key = {row.id: row for row in rows}  # type: ignore[attr-defined]
    return [by_key.get(key) for key in keys]


async def load_child_lists(
    session: AsyncSession,
    statement: Any,
    parent: Any,
    keys: Sequence[int],
) -> list[list[Any]]:
    """All children of each parent: `statement` selects (child, parent key) and is already ordered."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for child, parent_key in await session.execute(statement.where(parent.in_(set(keys)))):
        grouped[parent_key].append(child)
    return [grouped.get(key, []) for key in keys]


@dataclass(frozen=True)
class ChildPageKey:
    """One parent's page request inside a nested connection."""

    parent: int
    start: int
    limit: int
    include_archived: bool = False


@dataclass
class ChildPage(Generic[_Row]):
    rows: list[_Row] = field(default_factory=list)
    total: int = 0


async def load_child_pages(
    session: AsyncSession,
    entity: type[_Row],
    statement: Callable[[Sequence[Any], bool], Select[Any]],
    parent: Any,
    order_by: Sequence[Any],
    keys: Sequence[ChildPageKey],
) -> list[ChildPage[_Row]]:
    """Pages of children for many parents: a GROUP BY count and a ROW_NUMBER() window per page shape.

    `statement(columns, include_archived)` selects `columns` from the children joined to their parent
    key column `parent`, with any filters applied.
    """
    shapes: dict[tuple[int, int, bool], set[int]] = defaultdict(set)
    for key in keys:
        shapes[(key.start, key.limit, key.include_archived)].add(key.parent)
    pages: dict[ChildPageKey, ChildPage[_Row]] = {}
    counted: dict[bool, dict[int, int]] = {}
    for (start, limit, include_archived), parents in shapes.items():
        if include_archived not in counted:
            all_parents = {key.parent for key in keys if key.include_archived == include_archived}
            counts = statement([parent, func.count()], include_archived).where(parent.in_(all_parents))
            counted[include_archived] = {key: count for key, count in await session.execute(counts.group_by(parent))}
        position = func.row_number().over(partition_by=parent, order_by=order_by).label("_position")
        ranked = (
            statement([entity, parent.label("_parent"), position], include_archived)
            .where(parent.in_(parents))
            .subquery()
        )
        child: Any = aliased(entity, ranked)
        rows = await session.execute(
            select(child, ranked.c["_parent"])
            .where(ranked.c["_position"] > start, ranked.c["_position"] <= start + limit)
            .order_by(ranked.c["_parent"], ranked.c["_position"])
        )
        grouped: dict[int, list[_Row]] = defaultdict(list)
        for row, parent_key in rows:
            grouped[parent_key].append(row)
        for parent_key in parents:
            total = counted[include_archived].get(parent_key, 0)
            pages[ChildPageKey(parent_key, start, limit, include_archived)] = ChildPage(grouped[parent_key], total)
    return [pages[key] for key in keys]
