"""Percentiles in SQL, exact and from histogram rollups, with the same answer on SQLite and PostgreSQL (plain
window-function arithmetic; the constructs the dialects spell differently are in `server.db.sql`), and `share`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Float, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from server.services.rollups import BIN_FLOOR_SECONDS, BIN_POINT, BIN_RATIO, bin_value

__all__ = [
    "bin_midpoint",
    "cumulative_counts",
    "histogram_ranks",
    "interpolate_bins",
    "interpolate_values",
    "percentile",
    "share",
]


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


def bin_midpoint(bin_index: Any) -> ColumnElement[float]:
    """`bin_value` in SQL: the value that stands for every time in a histogram bin (equal to it up to rounding)."""
    exponent = cast(bin_index, Float) * literal(math.log(BIN_RATIO), Float())
    return case(
        (bin_index < 0, literal(BIN_FLOOR_SECONDS / 2, Float())),
        else_=literal(BIN_FLOOR_SECONDS * BIN_POINT, Float()) * func.exp(exponent),
    )


def interpolate_values(n: int | None, lower: float | None, upper: float | None, percent: int) -> float | None:
    """`interpolate_bins` for ranks located over values rather than bins (`histogram_ranks` ordered by a value
    column): the order statistics are the values themselves."""
    if not n or lower is None:
        return None
    low = float(lower)
    high = low if upper is None else float(upper)
    fraction = ((int(n) - 1) * percent % 100) / 100
    return low + fraction * (high - low)


def share(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)
