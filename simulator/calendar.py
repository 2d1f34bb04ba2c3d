"""Working time: the shift windows of a pool on the reference clock, and arithmetic over them."""

from __future__ import annotations

import bisect
import math

from simulator.scenario import Calendar

__all__ = ["after_working_hours", "shift_windows"]


def shift_windows(
    calendar: Calendar, offset_hours: float, shift_hours: float | None, horizon_days: int
) -> list[tuple[float, float]]:
    """Sorted, non-overlapping (start, end) hours of work within ``[0, horizon_days * 24]``.

    A pool's local day ``d`` starts its shift at ``24 d + calendar.start_hour + offset_hours`` when
    ``d % 7`` is a working day. Back-to-back windows (a 24-hour calendar) are merged into one.
    """
    length = calendar.hours_per_day if shift_hours is None else shift_hours
    horizon = horizon_days * 24.0
    working = set(calendar.working_days)
    windows: list[tuple[float, float]] = []
    for day in range(-2, horizon_days + 2):
        if day % 7 not in working:
            continue
        start = day * 24.0 + calendar.start_hour + offset_hours
        end = start + length
        start, end = max(0.0, start), min(horizon, end)
        if end <= start:
            continue
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def after_working_hours(windows: list[tuple[float, float]], start: float, hours: float) -> float:
    """The time at which ``hours`` of shift time have passed after ``start`` (inf if not within the windows)."""
    if hours <= 0:
        return start
    remaining = hours
    index = max(0, bisect.bisect_right(windows, (start, math.inf)) - 1)
    for lo, hi in windows[index:]:
        lo = max(lo, start)
        if hi <= lo:
            continue
        if hi - lo >= remaining:
            return lo + remaining
        remaining -= hi - lo
    return math.inf
