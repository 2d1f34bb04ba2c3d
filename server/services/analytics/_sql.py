"""Dialect-portable SQL building blocks: day buckets, elapsed time, answer text, percentiles (exact, and from
histogram rollups), rollups.

Every metric runs on SQLite and PostgreSQL with the same answer, so anything the two dialects spell differently
is defined once here, either as a construct compiled per dialect or as plain window-function arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, Integer, String, Text, case, cast, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from server.services.rollups import bin_value

__all__ = [
    "answer_text",
    "cumulative_counts",
    "day_bucket",
    "day_number",
    "day_text_number",
    "histogram_ranks",
    "interpolate_bins",
    "member_of",
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
    _check_percent(percent)
    lower_rank = (count - 1) * percent // 100 + 1
    lower = func.max(case((rank == lower_rank, value)))
    upper = func.max(case((rank == lower_rank + 1, value)))
    fraction = cast(func.max((count - 1) * percent % 100), Float) / 100
    return lower + fraction * (func.coalesce(upper, lower) - lower)


def _check_percent(percent: int) -> None:
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be within 0..100, got {percent!r}")


def cumulative_counts(count: Any, bin_index: Any, partition: Sequence[Any] = ()) -> list[ColumnElement[Any]]:
    """Window columns over histogram rows, one row per (group, bin) with the bin's `count`: `cumulative`, the
    running count in ascending bin order, and `total`, the group's count; the groups are `partition` (all rows
    when empty). The input `histogram_ranks` reads."""
    groups = list(partition) or None
    return [
        func.sum(count).over(partition_by=groups, order_by=bin_index, rows=(None, 0)).label("cumulative"),
        func.sum(count).over(partition_by=groups).label("total"),
    ]


def histogram_ranks(
    bin_index: Any, cumulative: Any, total: Any, percents: Sequence[int] = (50, 90)
) -> list[ColumnElement[Any]]:
    """Aggregates that find, within each group of histogram rows, the bins holding the order statistics
    `percentile` interpolates between; `interpolate_bins` turns them into the percentile.

    The caller supplies one row per (group, bin) with `cumulative`, the running count over the group's bins in
    ascending bin order, and `total`, the group's count (see `cumulative_counts`), and groups by the group's keys.
    The columns are `n` (the group's count) and, for each percent p, `p{p}_lower` and `p{p}_upper`: the lowest bin
    whose cumulative count reaches the rank ⌊(n - 1)·p / 100⌋ + 1, and the lowest that reaches the next rank
    (NULL when that rank is past n). A bin with a zero count repeats the cumulative count of the bin before it, so
    it is never the lowest to reach a rank. The counts are cast to BIGINT first: PostgreSQL sums integers to
    bigint but bigints to numeric, whose `/` is not integer division.
    """
    n = cast(total, BigInteger)
    running = cast(cumulative, BigInteger)
    columns: list[ColumnElement[Any]] = [func.max(n).label("n")]
    for percent in percents:
        _check_percent(percent)
        lower_rank = (n - 1) * percent // 100 + 1
        columns.append(func.min(case((running >= lower_rank, bin_index))).label(f"p{percent}_lower"))
        columns.append(func.min(case((running >= lower_rank + 1, bin_index))).label(f"p{percent}_upper"))
    return columns


def interpolate_bins(n: int | None, lower: int | None, upper: int | None, percent: int) -> float | None:
    """The `percent`-th percentile of a histogram from its `histogram_ranks` row (`n`, `p{percent}_lower`,
    `p{percent}_upper`): each order statistic is its bin's `bin_value`, interpolated as in `percentile`; the same
    arithmetic as walking the bins in order (the tests' `histogram_percentile`). None when the histogram counts
    nothing."""
    if not n or lower is None:
        return None
    low = bin_value(lower)
    high = low if upper is None else bin_value(upper)
    fraction = ((int(n) - 1) * percent % 100) / 100
    return low + fraction * (high - low)


def share(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)
