"""Dialect-portable SQL building blocks: day buckets, elapsed time, answer text, percentiles, rollups.

Every metric runs on SQLite and PostgreSQL with the same answer, so anything the two dialects spell differently
is defined once here, either as a construct compiled per dialect or as plain window-function arithmetic.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, String, Text, case, cast, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

__all__ = [
    "answer_text",
    "day_bucket",
    "day_number",
    "day_text_number",
    "percentile",
    "seconds_between",
    "share",
    "within_seconds",
]


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
    """Seconds from the second timestamp to the first, as a double.

    SQLite measures through julianday(), whose double carries about 50 microseconds of resolution at today's
    dates; comparisons against thresholds therefore allow a millisecond of slack (see `within_seconds`).
    """

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"((julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
        " AS DOUBLE PRECISION)"
    )


def within_seconds(later: Any, earlier: Any, limit_seconds: Any) -> ColumnElement[bool]:
    """`later - earlier <= limit`, with a millisecond of slack so both dialects agree at the boundary."""
    return seconds_between(later, earlier) <= limit_seconds + 0.001


def answer_text(column: Any) -> ColumnElement[str]:
    """The stored JSON text of an answer, for equality comparisons.

    Answers are written through SQLAlchemy's JSON type, which serialises with `json.dumps` on both dialects;
    SQLite keeps that text in the column and PostgreSQL's `json` (not `jsonb`) keeps the input text verbatim, so
    `CAST(answer AS TEXT)` is the same string on both. Two answers are equal when their serialised text is equal
    (object key order therefore matters: writers serialise the same answer the same way).
    """
    return cast(column, Text)


def percentile(value: Any, rank: Any, count: Any, percent: int) -> ColumnElement[float]:
    """An aggregate giving the `percent`-th percentile of `value` within each group, by linear interpolation.

    Definition (the same as PostgreSQL's percentile_cont and numpy's default): with the group's n values sorted
    ascending as v_1..v_n, the position is h = (n - 1)·p; the result is v_(⌊h⌋+1) + (h - ⌊h⌋)·(v_(⌊h⌋+2) - v_(⌊h⌋+1)),
    with v_(n+1) taken as v_n. The caller supplies, per row, `rank` = ROW_NUMBER() over the group ordered by
    value and `count` = the group's size (joined from a GROUP BY, or COUNT(*) over the group). p is an integer
    percent, so ⌊h⌋ is exact integer arithmetic on both dialects. ROW_NUMBER is the only window function needed:
    on SQLite, COUNT(*) OVER and LEAD over hundreds of thousands of rows cost more than the sort itself.
    """
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be within 0..100, got {percent!r}")
    lower_rank = (count - 1) * percent // 100 + 1
    lower = func.max(case((rank == lower_rank, value)))
    upper = func.max(case((rank == lower_rank + 1, value)))
    fraction = cast(func.max((count - 1) * percent % 100), Float) / 100
    return lower + fraction * (func.coalesce(upper, lower) - lower)


def share(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)
