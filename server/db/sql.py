"""Dialect-portable SQL building blocks: day buckets, elapsed time, answer text, membership, and the dialect's
INSERT ... ON CONFLICT.

The metrics and the rollups that feed them run on SQLite and PostgreSQL with the same answer, so anything the two
dialects spell differently is defined once here, as a construct compiled per dialect.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, Table, Text, and_, cast
from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

__all__ = [
    "answer_text",
    "day_bucket",
    "day_number",
    "day_text_number",
    "in_days",
    "member_of",
    "seconds_between",
    "unindexed",
    "upsert",
    "within_seconds",
]


def upsert(dialect: str, table: Table) -> PostgresqlInsert | SqliteInsert:
    """An INSERT into `table` in the dialect named `dialect`, which offers `on_conflict_do_update`."""
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)


class day_bucket(FunctionElement[str]):
    """The UTC calendar day of a timestamp as 'YYYY-MM-DD' text (text on both dialects, so rows compare equal)."""

    type = String()
    inherit_cache = True
    name = "day_bucket"


@compiles(day_bucket, "sqlite")
def _day_bucket_sqlite(element: day_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    # Timestamps are stored as naive UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]' on SQLite (SQLAlchemy's DateTime
    # storage format), so the first ten characters are the UTC day: the same as date(), without parsing.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(day_bucket, "postgresql")
def _day_bucket_postgresql(element: day_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    # timestamptz AT TIME ZONE 'UTC' is the UTC wall-clock time whatever the session's TimeZone setting is.
    return f"to_char(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


class day_number(FunctionElement[int]):
    """Whole UTC days since 1970-01-01 of a timestamp: differences of day numbers are calendar-day differences."""

    type = Integer()
    inherit_cache = True
    name = "day_number"


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday of a date is N.5 exactly, so the subtraction is an exact integer.
    return f"CAST(julianday(date({compiler.process(element.clauses, **kw)})) - 2440587.5 AS INTEGER)"


@compiles(day_number, "postgresql")
def _day_number_postgresql(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"((({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"


class day_text_number(FunctionElement[int]):
    """Whole days since 1970-01-01 of a 'YYYY-MM-DD' day bucket (see `day_bucket`)."""

    type = Integer()
    inherit_cache = True
    name = "day_text_number"


@compiles(day_text_number, "sqlite")
def _day_text_number_sqlite(element: day_text_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5 AS INTEGER)"


@compiles(day_text_number, "postgresql")
def _day_text_number_postgresql(element: day_text_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(CAST({compiler.process(element.clauses, **kw)} AS DATE) - DATE '1970-01-01')"


class seconds_between(FunctionElement[float]):
    """Seconds from the second timestamp to the first, as a double, exact to well under a microsecond.

    SQLite has no exact timestamp arithmetic: julianday() of a moment carries about 50 microseconds of resolution
    at today's dates, so a turnaround a microsecond past a limit could not be told from one on it. The stored text
    is read instead: whole days from the date part (julianday of a date is N.5 exactly) and the seconds of the day
    from the time part, each difference small enough for a double to keep the microseconds.
    """

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return (
        f"((julianday(substr({later}, 1, 10)) - julianday(substr({earlier}, 1, 10))) * 86400.0"
        f" + ({_second_of_day_sqlite(later)} - {_second_of_day_sqlite(earlier)}))"
    )


def _second_of_day_sqlite(stored: str) -> str:
    """Seconds since midnight of a timestamp stored as SQLite text ('YYYY-MM-DD HH:MM:SS[.ffffff]')."""
    return (
        f"(CAST(substr({stored}, 12, 2) AS INTEGER) * 3600 + CAST(substr({stored}, 15, 2) AS INTEGER) * 60"
        f" + CAST(substr({stored}, 18) AS REAL))"
    )


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
        " AS DOUBLE PRECISION)"
    )


class unindexed(FunctionElement[Any]):
    """The column itself, in a form SQLite's planner will not answer from an index (`+column`), where a condition
    on it would otherwise steer SQLite to a less selective index; PostgreSQL costs its plans and gets the column."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


class member_of(FunctionElement[bool]):
    """`column IN (subquery)` for a subquery known to give few rows; on PostgreSQL `column = ANY(ARRAY(subquery))`.

    PostgreSQL then runs the subquery first and probes the column's index with its values; planning `IN` as a join,
    it estimates the subquery's rows from its conditions, and a range over two correlated columns (a task span
    crossing a day) can be estimated at thousands where there are tens, which makes it scan the whole table.
    """

    type = Boolean()
    inherit_cache = True
    name = "member_of"
    # A condition in itself: without this, dialects with no boolean type would compare it to 1, which SQLite
    # cannot answer from the column's index.
    _is_implicitly_boolean = True


@compiles(member_of)
def _member_of(element: member_of, compiler: SQLCompiler, **kw: Any) -> str:
    column, subquery = list(element.clauses)
    return f"{compiler.process(column, **kw)} IN {compiler.process(subquery, **kw)}"


@compiles(member_of, "postgresql")
def _member_of_postgresql(element: member_of, compiler: SQLCompiler, **kw: Any) -> str:
    column, subquery = list(element.clauses)
    return f"{compiler.process(column, **kw)} = ANY(ARRAY{compiler.process(subquery, **kw)})"


# Far below the microsecond timestamps are kept to, far above the rounding of `seconds_between` and of the limit.
_WITHIN_SLACK_SECONDS = 1e-7


def within_seconds(later: Any, earlier: Any, limit_seconds: Any) -> ColumnElement[bool]:
    """`later - earlier <= limit`, to the microsecond on both dialects: a moment on the limit is within it, one a
    microsecond past is not."""
    return seconds_between(later, earlier) <= limit_seconds + _WITHIN_SLACK_SECONDS


def answer_text(column: Any) -> ColumnElement[str]:
    """The stored JSON text of an answer, for equality comparisons.

    Answers and gold answers are written in one canonical form whoever writes them (`server.db.types.AnswerJSON`
    and the bulk writers: object keys sorted at every depth, a whole float as its integer), serialised with
    `json.dumps` on both dialects; SQLite keeps that text in the column and PostgreSQL's `json` (not `jsonb`) keeps
    the input text verbatim, so `CAST(answer AS TEXT)` is the same string on both, and two answers have equal text
    exactly when they are equal JSON values (a list's order still counts: importers sort multi-choice answers).
    """
    return cast(column, Text)


def in_days(column: Any, days: Collection[str]) -> ColumnElement[bool]:
    """Whether a timestamp falls on one of the UTC `days` ('YYYY-MM-DD'): a range the column's index can serve,
    narrowed to the days themselves by their bucket."""
    ordered = sorted(days)
    start = datetime.fromisoformat(ordered[0]).replace(tzinfo=UTC)
    end = datetime.fromisoformat(ordered[-1]).replace(tzinfo=UTC) + timedelta(days=1)
    return and_(column >= start, column < end, day_bucket(column).in_(ordered))
