"""Bulk writes of plain tuples, for the import's hot path.

SQLAlchemy's Core statements run every parameter of every row through its type processors and its
insert-many-values machinery, which costs more than the database's own work on an import of a few hundred thousand
rows. Here each column's conversion to the driver's own value (what `UTCDateTime`, `JSON`, `AnswerJSON` and `Enum`
would bind) is chosen once per statement, and the rows go to the driver as tuples through `exec_driver_sql`, in the
connection's transaction: one executemany, or multi-row `INSERT ... RETURNING` statements when ids are wanted.
Python-side scalar defaults of the columns not given are filled in as SQLAlchemy would.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import chain
from json import JSONEncoder, dumps, encoder
from typing import Any, cast

from sqlalchemy import JSON, Boolean, Enum, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from server.connectors.json_reading import loads
from server.db.types import AnswerJSON, UTCDateTime, canonical_answer

__all__ = ["BulkRows", "sqlite_time"]

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


# The text of a UTC moment put together from pieces formatted once: `isoformat` goes through a generic
# printf-style formatter that cost about 1.3 us a value, a column of timestamps as much as 1.5 CPU-s of a 200,000-row
# import (labels' start and submission, tasks' creation and completion); these lookups cost a third of that.
_CLOCK = [f"{hour:02d}:{minute:02d}:" for hour in range(24) for minute in range(60)]  # by minute of the day
_SECONDS = [f"{second:02d}." for second in range(60)]
_THREE_DIGITS = [f"{n:03d}" for n in range(1000)]  # microseconds as two groups of three digits


class _DayPrefixes(dict[int, str]):
    """Each day's "YYYY-MM-DD " by its ordinal, formatted the first time it is asked for. Kept for the process:
    a few kilobytes a year of days, and a lookup that needs no pass over the column first to find its days."""

    def __missing__(self, ordinal: int) -> str:
        text = self[ordinal] = f"{date.fromordinal(ordinal).isoformat()} "
        return text


_DAY_PREFIXES = _DayPrefixes()


def _sqlite_times(values: Sequence[Any]) -> list[Any]:
    days = _DAY_PREFIXES
    return [
        None
        if v is None
        else days[v.toordinal()]
        + _CLOCK[v.hour * 60 + v.minute]
        + _SECONDS[v.second]
        + _THREE_DIGITS[v.microsecond // 1000]
        + _THREE_DIGITS[v.microsecond % 1000]
        if v.tzinfo is UTC
        else sqlite_time(v)
        for v in values
    ]


def _postgresql_times(values: Sequence[Any]) -> list[Any]:
    return [v if v is None or v.tzinfo is UTC else _postgresql_time(v) for v in values]


def _plain_dumps() -> Callable[[Any], str]:
    """`json.dumps` with its default settings, the C encoder built once: `dumps` builds one per call, over half of
    the 2 us it spends on a Label Studio result (0.8 us this way). Without the circular-reference check, whose only
    effect is the error raised on a value holding itself (a RecursionError here): values read from a file cannot."""
    make_encoder = getattr(encoder, "c_make_encoder", None)  # not in the type stubs; None without the C accelerator
    if make_encoder is None:
        return dumps
    ascii_text = encoder.encode_basestring_ascii
    encode = make_encoder(None, JSONEncoder().default, ascii_text, None, ": ", ", ", False, False, True)
    return lambda value: "".join(encode(value, 0))


_dumps = _plain_dumps()


def _json_texts(values: Sequence[Any], none_as_null: bool, canonical: bool = False) -> list[Any]:
    """Each value as `json.dumps` writes it (None as SQL NULL with `none_as_null`), in its canonical form
    (`canonical_answer`, what `AnswerJSON` binds) when `canonical`. An import's answers repeat a few flat objects of
    strings ({"label": "cat"}): each such object is serialised once per column, looked up by its items (a dumps
    costs several times a lookup). Only objects of strings are kept: among JSON's values only a string equals a
    string, so a stored object's items match those of another object exactly when its text would; 1 == True == 1.0
    would not be safe."""
    texts: dict[tuple[tuple[Any, Any], ...], str] = {}
    out: list[Any] = []
    append = out.append
    form = canonical_answer if canonical else _as_is
    for value in values:
        if type(value) is not dict:
            append(None if value is None and none_as_null else _dumps(form(value)))
            continue
        try:
            items = tuple(value.items())
            text = texts.get(items)
        except TypeError:  # a list or an object inside: not hashable, serialised each time
            append(_dumps(form(value)))
            continue
        if text is None:
            text = _dumps(form(value))
            if all(type(name) is str and type(item) is str for name, item in items):
                texts[items] = text
        append(text)
    return out


def _as_is(value: Any) -> Any:
    return value


def _json_or_null(values: Sequence[Any]) -> list[Any]:
    return _json_texts(values, none_as_null=True)


def _json(values: Sequence[Any]) -> list[Any]:
    return _json_texts(values, none_as_null=False)


def _answers_or_null(values: Sequence[Any]) -> list[Any]:
    return _json_texts(values, none_as_null=True, canonical=True)


def _answers(values: Sequence[Any]) -> list[Any]:
    return _json_texts(values, none_as_null=False, canonical=True)


def _enum_names(values: Sequence[Any]) -> list[Any]:
    # A column holds a handful of members: each one's name is read once (`.name` is a Python-level property).
    names = {v: v.name for v in set(values) if isinstance(v, enum.Enum)}
    return [names[v] if isinstance(v, enum.Enum) else v for v in values]


# And back, from what the driver gives to what the ORM would.


def _sqlite_times_read(values: Sequence[Any]) -> list[Any]:
    try:
        # Naive UTC text as written here and by SQLAlchemy: parsed with its zone appended, one C call per value
        # (several times faster than parsing, then `replace`, whose keyword call is slow).
        return [None if v is None else datetime.fromisoformat(v + "+00:00") for v in values]
    except (TypeError, ValueError):  # a value of another shape somewhere in the column: read as `UTCDateTime` does
        return [None if v is None else _utc(datetime.fromisoformat(v)) for v in values]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _postgresql_times_read(values: Sequence[Any]) -> list[Any]:
    return [v if v is None or v.tzinfo is UTC else v.astimezone(UTC) for v in values]


def _json_read(values: Sequence[Any]) -> list[Any]:
    return [None if v is None else loads(v) for v in values]


def _members(enum_class: type[enum.Enum]) -> ConvertColumn:
    members = enum_class.__members__
    return lambda values: [None if v is None else members[v] for v in values]


def _booleans(values: Sequence[Any]) -> list[Any]:
    return [None if v is None else bool(v) for v in values]


def _placeholders(dialect: str, count: int, start: int = 0) -> str:
    if dialect == "postgresql":
        return ", ".join(f"${start + i + 1}" for i in range(count))
    return ", ".join("?" * count)


@lru_cache(maxsize=32)  # at most some 8 MB of text
def _multi_row_statement(dialect: str, head: str, tail: str, columns: int, rows: int) -> str:
    """`head` followed by `rows` groups of `columns` placeholders, then `tail`. Kept across calls: the text of a
    full-size statement (some 30,000 placeholders) cost 2 ms to put together, and every batch of an import sends
    the same few."""
    if dialect == "sqlite":  # every row's group is the same "(?, ...)": repeated by `join`, not formatted per row
        return head + ", ".join([f"({_placeholders(dialect, columns)})"] * rows) + tail
    groups = (f"({_placeholders(dialect, columns, start=i * columns)})" for i in range(rows))
    return head + ", ".join(groups) + tail


class BulkRows:
    """Inserts, updates and key lookups of rows as tuples, on one connection (and its transaction)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name

    def _converter(self, table: Table, name: str) -> ConvertColumn | None:
        column_type = table.c[name].type
        if isinstance(column_type, UTCDateTime):
            return _sqlite_times if self.dialect == "sqlite" else _postgresql_times
        if isinstance(column_type, AnswerJSON):  # before JSON: the answers' canonical form, as the type binds it
            return _answers_or_null if column_type.none_as_null else _answers
        if isinstance(column_type, JSON):
            return _json_or_null if column_type.none_as_null else _json
        if isinstance(column_type, Enum):
            return _enum_names
        return None

    def converted(self, table: Table, name: str, values: Sequence[Any]) -> list[Any]:
        """The values of the column `name` as the driver takes them (to be given to `insert` as `converted`)."""
        convert = self._converter(table, name)
        return convert(values) if convert else list(values)

    def _prepare(
        self,
        table: Table,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        constants: tuple[Any, ...] = (),
        converted: Mapping[str, Sequence[Any]] | None = None,
    ) -> list[tuple[Any, ...]]:
        """The rows converted for the driver, each followed by `constants` (put in as columns: a tuple per row
        fewer than appending them to each row); a column in `converted` takes those values, already converted."""
        by_column: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for index, name in enumerate(columns):
            if converted is not None and name in converted:
                by_column[index] = converted[name]
            elif convert := self._converter(table, name):
                by_column[index] = convert(by_column[index])
        by_column.extend([value] * len(rows) for value in constants)
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

    def _reader(self, table: Table, name: str) -> ConvertColumn | None:
        column_type = table.c[name].type
        sqlite = self.dialect == "sqlite"
        if isinstance(column_type, UTCDateTime):
            return _sqlite_times_read if sqlite else _postgresql_times_read
        if isinstance(column_type, JSON | AnswerJSON):
            return _json_read if sqlite else None  # asyncpg's codec, set by SQLAlchemy, decodes JSON itself
        if isinstance(column_type, Enum) and column_type.enum_class is not None:
            return _members(column_type.enum_class)
        if isinstance(column_type, Boolean):
            return _booleans if sqlite else None
        return None

    async def select_in(
        self,
        table: Table,
        columns: Sequence[str],
        key: str,
        keys: Sequence[Any],
        where: tuple[str, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        """SELECT `columns` of the rows whose `key` is one of `keys` (and, with `where`, whose column equals the
        value), converted as the ORM would give them."""
        if not keys:
            return []
        fixed = [] if where is None else [where[1]]
        condition = "" if where is None else f"{where[0]} = {self._placeholders(1)} AND "
        found: list[tuple[Any, ...]] = []
        per_statement = _MAX_PARAMETERS - len(fixed)
        for offset in range(0, len(keys), per_statement):
            chunk = list(keys[offset : offset + per_statement])
            marks = self._placeholders(len(chunk), start=len(fixed))
            result = await self.connection.exec_driver_sql(
                f"SELECT {', '.join(columns)} FROM {table.name} WHERE {condition}{key} IN ({marks})",
                tuple(fixed + chunk),
            )
            found.extend(cast(list[tuple[Any, ...]], result.fetchall()))
        if not found:
            return found
        by_column: list[Sequence[Any]] = list(zip(*found, strict=True))
        for index, name in enumerate(columns):
            if convert := self._reader(table, name):
                by_column[index] = convert(by_column[index])
        return list(zip(*by_column, strict=True))

    def _placeholders(self, count: int, start: int = 0) -> str:
        return _placeholders(self.dialect, count, start)

    async def insert(
        self,
        table: Table,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        returning: Sequence[str] = (),
        converted: Mapping[str, Sequence[Any]] | None = None,
    ) -> list[tuple[Any, ...]]:
        """INSERT `rows` (values in the order of `columns`); the `returning` columns of the new rows, in no
        particular order. The columns in `converted` are given there, already converted (see `converted`)."""
        if not rows:
            return []
        extra, constants = self._defaults(table, columns)
        names = [*columns, *extra]
        prepared = self._prepare(table, columns, rows, constants, converted)
        head = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES "
        if not returning and self.dialect != "sqlite":
            # asyncpg sends an executemany's rows in one round trip, its statement prepared once.
            await self.connection.exec_driver_sql(head + f"({self._placeholders(len(names))})", prepared)
            return []
        # Multi-row statements: on SQLite a fifth cheaper than an executemany of the same rows (measured on the
        # labels of an import), whose every row goes through the statement's bindings and steps one by one.
        tail = f" RETURNING {', '.join(returning)}" if returning else ""
        per_statement = max(1, _MAX_PARAMETERS // len(names))
        out: list[tuple[Any, ...]] = []
        for offset in range(0, len(prepared), per_statement):
            chunk = prepared[offset : offset + per_statement]
            statement = _multi_row_statement(self.dialect, head, tail, len(names), len(chunk))
            flat = tuple(chain.from_iterable(chunk))
            result = await self.connection.exec_driver_sql(statement, flat)
            if returning:
                out.extend(cast(list[tuple[Any, ...]], result.fetchall()))
        return out

    async def add_counts(self, table: Table, keys: Sequence[str], count: str, rows: Sequence[Sequence[Any]]) -> None:
        """Add to the `count` column of the rows at `keys` (each row: its key values, then the number to add),
        creating the missing rows: `INSERT ... ON CONFLICT (keys) DO UPDATE`, so writers adding to the same row
        add up. The keys must be distinct (PostgreSQL refuses to update a row twice in one statement)."""
        if not rows:
            return
        names = [*keys, count]
        head = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES "
        tail = f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {count} = {table.name}.{count} + excluded.{count}"
        prepared = self._prepare(table, names, rows)
        if self.dialect != "sqlite":
            await self.connection.exec_driver_sql(head + f"({self._placeholders(len(names))})" + tail, prepared)
            return
        per_statement = max(1, _MAX_PARAMETERS // len(names))
        for offset in range(0, len(prepared), per_statement):
            chunk = prepared[offset : offset + per_statement]
            statement = _multi_row_statement(self.dialect, head, tail, len(names), len(chunk))
            await self.connection.exec_driver_sql(statement, tuple(chain.from_iterable(chunk)))

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
