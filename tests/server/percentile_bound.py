"""The documented error bound of percentiles read from the time-per-label histograms."""

from __future__ import annotations

from server.services.rollups import PERCENTILE_ABSOLUTE_ERROR_SECONDS, PERCENTILE_RELATIVE_ERROR

__all__ = ["assert_within_bound"]


def assert_within_bound(estimate: float | None, exact: float) -> None:
    """|estimate - exact| <= PERCENTILE_RELATIVE_ERROR·exact + PERCENTILE_ABSOLUTE_ERROR_SECONDS (1e-9 for rounding)."""
    assert estimate is not None
    bound = PERCENTILE_RELATIVE_ERROR * abs(exact) + PERCENTILE_ABSOLUTE_ERROR_SECONDS + 1e-9
    assert abs(estimate - exact) <= bound, f"{estimate} is {abs(estimate - exact):.6g} from {exact}, bound {bound:.6g}"
