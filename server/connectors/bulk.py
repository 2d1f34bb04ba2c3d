"""Bulk writes of plain tuples, for the import's hot path.

SQLAlchemy's Core statements run every parameter of every row through its type processors and its
insert-many-values machinery, which costs more than the database's own work on an import of a few hundred thousand
rows. Here each column's conversion to the driver's own value (what `UTCDateTime`, `JSON` and `Enum` would bind)
is chosen once per statement, and the rows go to the driver as tuples through `exec_driver_sql`, in the
connection's transaction: one executemany, or multi-row `INSERT ... RETURNING` statements when ids are wanted.
Python-side scalar defaults of the columns not given are filled in as SQLAlchemy would.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import chain
from json import dumps
from typing import Any

from sqlalchemy import JSON, Enum, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.types import UTCDateTime

__all__ = ["BulkWriter", "sqlite_time"]

_MAX_PARAMETERS = 32_000  # under both SQLite's (32,766) and PostgreSQL's (32,767) limit per statement

ConvertColumn = Callable[[Sequence[Any]], list[Any]]


def sqlite_time(value: datetime) -> str:
    """A moment as SQLAlchemy's SQLite `DATETIME` stores it: naive UTC, always with microseconds."""
    if value.tzinfo is None:
        raise ValueError(f"timestamps must be timezone-aware, got naive {value.isoformat()}")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # isoformat is C code, several times faster than strftime; [:26] drops the "+00:00".
    return value.isoformat(" ", "microseconds")[:26]


def _postgresql_time(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"timestamps must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


# Conversions of a whole column at once: a comprehension per column costs a fraction of a call per value.


def _sqlite_times(values: Sequence[Any]) -> list[Any]:
    return [
        None if v is None else v.isoformat(" ", "microseconds")[:26] if v.tzinfo is UTC else sqlite_time(v)
        for v in values
    ]


def _postgresql_times(values: Sequence[Any]) -> list[Any]:
    return [v if v is None or v.tzinfo is UTC else _postgresql_time(v) for v in values]


def _json_or_null(values: Sequence[Any]) -> list[Any]:
    return [None if v is None else dumps(v) for v in values]


def _json(values: Sequence[Any]) -> list[Any]:
    return [dumps(v) for v in values]


def _enum_names(values: Sequence[Any]) -> list[Any]:
    return [v.name if isinstance(v, enum.Enum) else v for v in values]


class BulkWriter:
    """Inserts and updates rows given as tuples, on one connection (and its transaction)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name

    def _converter(self, table: Table, name: str) -> ConvertColumn | None:
        column_type = table.c[name].type
        if isinstance(column_type, UTCDateTime):
            return _sqlite_times if self.dialect == "sqlite" else _postgresql_times
        if isinstance(column_type, JSON):
            return _json_or_null if column_type.none_as_null else _json
        if isinstance(column_type, Enum):
            return _enum_names
        return None

    def _prepare(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        by_column: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for index, name in enumerate(columns):
            if convert := self._converter(table, name):
                by_column[index] = convert(by_column[index])
        return list(zip(*by_column, strict=True))

    def _defaults(self, table: Table, columns: Sequence[str]) -> tuple[list[str], tuple[Any, ...]]:
        """The omitted columns with a Python-side default, and their values converted for the driver."""
        names, values = [], []
        for column in table.columns:
            default = column.default
            if column.name in columns or column.primary_key or default is None:
                continue
            if not default.is_scalar:
                raise TypeError(f"{table.name}.{column.name} has a computed default: give its value")
            value = default.arg  # type: ignore[attr-defined]
            convert = self._converter(table, column.name)
            names.append(column.name)
            values.append(convert([value])[0] if convert else value)
        return names, tuple(values)

    def _placeholders(self, count: int, start: int = 0) -> str:
        if self.dialect == "postgresql":
            return ", ".join(f"${start + i + 1}" for i in range(count))
        return ", ".join("?" * count)

    async def insert(
        self,
        table: Table,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        returning: Sequence[str] = (),
    ) -> list[tuple[Any, ...]]:
        """INSERT `rows` (values in the order of `columns`); the `returning` columns of the new rows, in no
        particular order."""
        if not rows:
            return []
        extra, constants = self._defaults(table, columns)
        names = [*columns, *extra]
        prepared = (
            [row + constants for row in self._prepare(table, columns, rows)]
            if extra
            else self._prepare(table, columns, rows)
        )
        head = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES "
        if not returning:
            await self.connection.exec_driver_sql(head + f"({self._placeholders(len(names))})", prepared)
            return []
        tail = f" RETURNING {', '.join(returning)}"
        per_statement = max(1, _MAX_PARAMETERS // len(names))
        out: list[tuple[Any, ...]] = []
        for offset in range(0, len(prepared), per_statement):
            chunk = prepared[offset : offset + per_statement]
            groups = ", ".join(f"({self._placeholders(len(names), start=i * len(names))})" for i in range(len(chunk)))
            flat = tuple(chain.from_iterable(chunk))
            result = await self.connection.exec_driver_sql(head + groups + tail, flat)
            out.extend(tuple(row) for row in result)
        return out

    async def update(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """UPDATE by id with one executemany: each row holds the new values of `columns`, then the row's id."""
        if not rows:
            return
        prepared = self._prepare(table, [*columns, "id"], rows)
        if self.dialect == "postgresql":
            assignments = ", ".join(f"{name} = ${i + 1}" for i, name in enumerate(columns))
            where = f"${len(columns) + 1}"
        else:
            assignments = ", ".join(f"{name} = ?" for name in columns)
            where = "?"
        await self.connection.exec_driver_sql(f"UPDATE {table.name} SET {assignments} WHERE id = {where}", prepared)
