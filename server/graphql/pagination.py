"""Relay pagination: validated offset cursors, page windows, and connections computed in SQL.

Cursors are opaque to clients but simple inside (`offset:<n>` in base64); they are validated here
because a malformed cursor otherwise surfaces as a raw Python error.
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, TypeVar

import strawberry
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.graphql.errors import as_graphql_error
from server.graphql.loaders import ChildPageKey
from server.services.errors import DomainError, Path, ValidationFailed

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "ChildReader",
    "OrderDirection",
    "PageArgs",
    "SortOrder",
    "Window",
    "child_connection",
    "child_window",
    "decode_cursor",
    "encode_cursor",
    "filtered_connection",
    "list_connection",
    "make_connection",
    "ordered",
    "paginate",
]

DEFAULT_PAGE_SIZE = 50
_CURSOR_PREFIX = "offset:"

_Node = TypeVar("_Node")
_Row = TypeVar("_Row")
_Conn = TypeVar("_Conn")
_Filter = TypeVar("_Filter")


@strawberry.enum(
    description="Sort direction. A missing value (null) sorts after every value: last going up, first going down."
)
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


class SortOrder(Protocol):
    """A domain's `orderBy` input: a column (the enum's value names the model attribute) and a direction."""

    @property
    def field(self) -> enum.Enum: ...

    @property
    def direction(self) -> OrderDirection: ...


# Reads the children of a page's nodes in the page's session and hands them to the nodes (in place): one statement
# for the page instead of a resolver coroutine and a DataLoader round per node.
ChildReader: TypeAlias = Callable[[AsyncSession, list[Any]], Awaitable[None]]


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode("ascii")


def decode_cursor(cursor: str, field: Path) -> int:
    """The offset inside a cursor this API handed out; anything else is refused, naming the argument."""
    try:
        text = base64.b64decode(cursor.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    digits = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not digits.isdigit() or len(digits) > 12:
        raise ValidationFailed(field, cursor, "is not a valid cursor (use a cursor returned by this connection)")
    return int(digits)


@dataclass(frozen=True)
class Window:
    """The half-open range of positions [start, stop) a page covers."""

    start: int
    stop: int

    @property
    def limit(self) -> int:
        return max(0, self.stop - self.start)


@dataclass(frozen=True)
class PageArgs:
    """The Relay arguments of one connection field, validated before any SQL runs."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def check(self, max_page_size: int) -> tuple[int, int | None]:
        """(start, stop before `last`) or a ValidationFailed naming the bad argument."""
        for name, size in (("first", self.first), ("last", self.last)):
            if size is not None and not 0 <= size <= max_page_size:
                raise ValidationFailed((name,), size, f"must be between 0 and {max_page_size}")
        start = decode_cursor(self.after, ("after",)) + 1 if self.after is not None else 0
        stop = decode_cursor(self.before, ("before",)) if self.before is not None else None
        return start, stop

    def window(self, total: int, max_page_size: int) -> Window:
        start, stop = self.check(max_page_size)
        stop = total if stop is None else min(stop, total)
        if self.first is not None:
            stop = min(stop, start + self.first)
        if self.last is not None:
            start = max(start, stop - self.last)
        if self.first is None and self.last is None:
            stop = min(stop, start + min(DEFAULT_PAGE_SIZE, max_page_size))
        return Window(start=start, stop=max(start, stop))


def make_connection(connection: Callable[..., _Conn], nodes: Sequence[Any], *, window: Window, total: int) -> _Conn:
    """A connection of `nodes` sitting at `window` in a list of `total` items."""
    edges = [relay.Edge(node=node, cursor=encode_cursor(window.start + index)) for index, node in enumerate(nodes)]
    stop = window.start + len(nodes)
    page_info = relay.PageInfo(
        has_next_page=stop < total,
        has_previous_page=window.start > 0,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return connection(edges=edges, page_info=page_info, total_count=total)


def ordered(column: Any, direction: OrderDirection, tiebreak: Any) -> list[Any]:
    """ORDER BY `column` then the primary key, so that offsets are stable between pages.

    A null sorts after every value (last going up, first going down) on both databases: that is PostgreSQL's own
    rule, and SQLite's is the opposite. Said only for nullable columns, where SQLite needs it.
    """
    if direction is OrderDirection.DESC:
        key, last = column.desc(), tiebreak.desc()
        return [key.nulls_first() if _nullable(column) else key, last]
    key, last = column.asc(), tiebreak.asc()
    return [key.nulls_last() if _nullable(column) else key, last]


def _nullable(column: Any) -> bool:
    return bool(getattr(getattr(column, "expression", column), "nullable", True))


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    order_by: Sequence[Any],
    args: PageArgs,
    max_page_size: int,
    to_node: Callable[[Any], _Node],
    connection: Callable[..., _Conn],
    count: Select[Any] | None = None,
    with_children: ChildReader | None = None,
) -> _Conn:
    """One page of `statement` (a select of one entity) as a connection: a forward page is one statement (its rows
    with the total), any other a COUNT and a LIMIT/OFFSET query.

    `count` replaces the COUNT of `statement` by an equivalent, cheaper statement; `with_children` reads the
    nodes' children in the same session (see `ChildReader`).
    """
    try:
        start, _ = args.check(max_page_size)
    except ValidationFailed as error:
        raise as_graphql_error(error) from None
    if count is None:
        count = select(func.count()).select_from(statement.order_by(None).subquery())
    rows: Sequence[Any] = []
    forward_limit = _forward_limit(args, max_page_size)
    if forward_limit:
        # A forward page's rows do not depend on the total: read it with them, one statement instead of two (and one
        # snapshot). The total comes on every row; an empty page has none and counts apart.
        page = statement.add_columns(count.scalar_subquery()).order_by(*order_by).offset(start).limit(forward_limit)
        with_totals = (await session.execute(page)).all()
        rows = [row for row, _total in with_totals]
        total = int(with_totals[0][1]) if with_totals else int(await session.scalar(count) or 0)
        window = args.window(total, max_page_size)
    else:
        total = int(await session.scalar(count) or 0)
        window = args.window(total, max_page_size)
        if window.limit > 0:
            rows = (await session.scalars(statement.order_by(*order_by).offset(window.start).limit(window.limit))).all()
    nodes = [to_node(row) for row in rows]
    if with_children is not None and nodes:
        await with_children(session, nodes)
    return make_connection(connection, nodes, window=window, total=total)


def _forward_limit(args: PageArgs, max_page_size: int) -> int:
    """How many rows a forward page (no `last`, no `before`) reads from its start; 0 for any other page."""
    if args.last is not None or args.before is not None:
        return 0
    return args.first if args.first is not None else min(DEFAULT_PAGE_SIZE, max_page_size)


def child_window(first: int | None, after: str | None, max_page_size: int) -> Window:
    """The window of a nested connection (forward pagination only), or a GraphQL error naming the argument."""
    try:
        start, _ = PageArgs(first=first, after=after).check(max_page_size)
    except ValidationFailed as error:
        raise as_graphql_error(error) from None
    limit = min(DEFAULT_PAGE_SIZE, max_page_size) if first is None else first
    return Window(start=start, stop=start + limit)


async def child_connection(
    info: Any,
    loader: Any,
    owner_id: int,
    *,
    first: int | None,
    after: str | None,
    include_archived: bool,
    to_node: Callable[[Any], _Node],
    connection: Callable[..., _Conn],
) -> _Conn:
    """A nested connection of `owner_id`'s children, one page from a `ChildPage` DataLoader (`loader`)."""
    window = child_window(first, after, info.context.settings.max_page_size)
    page = await loader.load(ChildPageKey(owner_id, window.start, window.limit, include_archived))
    return make_connection(connection, [to_node(row) for row in page.rows], window=window, total=page.total)


async def list_connection(
    info: Any,
    statement: Select[Any],
    *,
    order_by: Sequence[Any],
    args: PageArgs,
    to_node: Callable[[Any], _Node],
    connection: Callable[..., _Conn],
    count: Select[Any] | None = None,
    with_children: ChildReader | None = None,
) -> _Conn:
    """A top-level connection read in its own session."""
    async with info.context.read() as session:
        return await paginate(
            session,
            statement,
            order_by=order_by,
            args=args,
            max_page_size=info.context.settings.max_page_size,
            to_node=to_node,
            connection=connection,
            count=count,
            with_children=with_children,
        )


async def filtered_connection(
    info: Any,
    model: Any,
    *,
    filter: _Filter | None,
    conditions: Callable[[_Filter], Sequence[Any]],
    order: SortOrder,
    args: PageArgs,
    to_node: Callable[[Any], _Node],
    connection: Callable[..., _Conn],
    include_archived: bool = True,
    with_children: ChildReader | None = None,
) -> _Conn:
    """A domain's top-level connection of `model` rows, read in its own session.

    Archived rows are left out unless `include_archived` (models without archiving keep the default); a
    DomainError from `conditions` (an id of the wrong type, a naive time) becomes a GraphQL error naming the
    filter field; rows are sorted by `order` then the primary key.
    """
    statement = select(model)
    count = None
    if not include_archived:
        statement = statement.where(model.archived_at.is_(None))
        if filter is None and info.context.viewer.is_admin:
            count = _live_count(model)
    if filter is not None:
        try:
            statement = statement.where(*conditions(filter))
        except DomainError as error:
            raise as_graphql_error(error) from None
    return await list_connection(
        info,
        statement,
        order_by=ordered(getattr(model, order.field.value), order.direction, model.id),
        args=args,
        to_node=to_node,
        connection=connection,
        count=count,
        with_children=with_children,
    )


def _live_count(model: Any) -> Select[Any]:
    """The rows not archived, as all rows less the archived ones: SQLite counts a whole table without reading it,
    and the archived ones are few entries of an index (filtering every row on `archived_at` reads them all).
    Only for viewers whose reads are not scoped: a scoped read must count the rows its scope leaves."""
    table = model.__table__
    # Never correlated: the count sits inside the page's own SELECT of the same table (see `paginate`).
    everything = select(func.count()).select_from(table).correlate(None).scalar_subquery()
    archived = (
        select(func.count())
        .select_from(table)
        .where(table.c.archived_at.is_not(None))
        .correlate(None)
        .scalar_subquery()
    )
    return select(everything - archived).correlate(None)
