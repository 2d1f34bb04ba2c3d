"""Percentiles of the time-per-label histograms: a reference computation in Python, and the documented error
bound of reading percentiles from them."""

from __future__ import annotations

from collections.abc import Iterable

from server.services.rollups import PERCENTILE_ABSOLUTE_ERROR_SECONDS, PERCENTILE_RELATIVE_ERROR, bin_value

__all__ = ["assert_within_bound", "histogram_percentile"]


def assert_within_bound(estimate: float | None, exact: float) -> None:
    """|estimate - exact| <= PERCENTILE_RELATIVE_ERROR·exact + PERCENTILE_ABSOLUTE_ERROR_SECONDS (1e-9 for rounding)."""
    assert estimate is not None
    bound = PERCENTILE_RELATIVE_ERROR * abs(exact) + PERCENTILE_ABSOLUTE_ERROR_SECONDS + 1e-9
    assert abs(estimate - exact) <= bound, f"{estimate} is {abs(estimate - exact):.6g} from {exact}, bound {bound:.6g}"


def histogram_percentile(counts: Iterable[tuple[int, int]], percent: int) -> float | None:
    """The `percent`-th percentile of the times counted in (bin, count) pairs, by the definition of
    `analytics._sql.percentile` (linear interpolation between order statistics), each order statistic taken as
    its bin's `bin_value`. None when nothing is counted."""
    ordered = sorted((index, count) for index, count in counts if count)
    n = sum(count for _, count in ordered)
    if n == 0:
        return None
    lower_rank = (n - 1) * percent // 100 + 1
    fraction = ((n - 1) * percent % 100) / 100
    lower = upper = None
    seen = 0
    for index, count in ordered:
        seen += count
        if lower is None and lower_rank <= seen:
            lower = bin_value(index)
        if lower_rank + 1 <= seen:
            upper = bin_value(index)
            break
    assert lower is not None
    if upper is None:
        upper = lower
    return lower + fraction * (upper - lower)
