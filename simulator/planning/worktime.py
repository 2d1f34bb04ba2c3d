"""Working time seen in recorded labeling: the working week and the shifts of the day.

Records say when labels were started and how long they took, not when people's shifts were. From the labeling
hours by hour of day (``hours_by_hour``) this module finds:

- the working weekdays and the observed working window: the shortest time of day holding 90% of the labeling
  hours (24 for round-the-clock work) (``fit_calendar``);
- the shifts that cover that window (``fit_shifts``): one shift of at most 8 hours where labeling is densest when
  the window fits in one shift, otherwise up to three back-to-back 8-hour shifts centred on the window, each
  carrying the share of the labeling hours observed in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.scenario import Calendar

__all__ = [
    "ASSUMED_UTILIZATION",
    "SHIFT_HOURS",
    "CalendarFit",
    "ShiftFit",
    "apportion",
    "day_cut",
    "densest_start",
    "fit_calendar",
    "fit_shifts",
    "hours_by_hour",
    "shift_coverage",
    "working_dates",
    "working_dates_by_person",
]

# People whose work came scattered through the day waited for it: take them to have been this busy.
ASSUMED_UTILIZATION = 0.85
SHIFT_HOURS = 8.0
MAX_SHIFTS = 3
# A weekday is a working day when it sees at least this share of the busiest weekday's labeling hours.
_WORKING_DAY_SHARE = 0.2
# The observed working window holds this share of the labeling hours.
_WINDOW_SHARE = 0.9
# A shift holding less than this share of the hours is noise at the window's edge: its hours go to the others.
_MIN_SHIFT_SHARE = 0.05


def hours_by_hour(label_day: Sequence[float] | np.ndarray, label_hours: Sequence[float] | np.ndarray) -> np.ndarray:
    """Labeling hours by the hour of day (0..23 on the reference clock) their labels were started in."""
    day = np.asarray(label_day, dtype=float)
    hours = np.asarray(label_hours, dtype=float)
    if day.size != hours.size:
        raise ValueError(f"label_day and label_hours must have the same length, got {day.size} and {hours.size}")
    keep = np.isfinite(day) & np.isfinite(hours) & (hours >= 0)
    hour = np.floor(np.mod(day[keep], 1.0) * 24.0).astype(np.int64) % 24
    return np.bincount(hour, hours[keep], minlength=24).astype(float)


@dataclass(frozen=True)
class ShiftFit:
    """One shift of the day: it starts at ``start_hour`` (reference clock), lasts ``hours``, and carries ``share``
    of the labeling hours."""

    start_hour: float
    hours: float
    share: float


def _arc_sums(profile: np.ndarray, length: int) -> np.ndarray:
    """Sums of ``profile`` over the ``length``-hour arcs starting at each hour of a circular day."""
    cumulative = np.concatenate([[0.0], np.cumsum(np.concatenate([profile, profile]))])
    sums: np.ndarray = cumulative[length : length + 24] - cumulative[:24]
    return sums


def _window(profile: np.ndarray) -> tuple[int, int]:
    """Start and length in whole hours of the shortest arc of the day holding 90% of ``profile``."""
    total = float(profile.sum())
    for length in range(1, 25):
        sums = _arc_sums(profile, length)
        if sums.max() >= _WINDOW_SHARE * total:
            return int(np.argmax(sums)), length
    return 0, 24


def shift_coverage(start: float, hours: float) -> np.ndarray:
    """How much of each hour of a circular day the span ``[start, start + hours)`` covers."""
    bins = np.arange(24, dtype=float)
    covered = np.zeros(24)
    for turn in (-24.0, 0.0, 24.0):
        covered += np.clip(np.minimum(bins + 1.0, start + turn + hours) - np.maximum(bins, start + turn), 0.0, 1.0)
    return covered


def densest_start(profile: Sequence[float] | np.ndarray, hours: float) -> float:
    """The start (quarter hours, reference clock) of the ``hours``-long span of the day holding most of
    ``profile``: where a team giving ``hours`` a day works when its people's hours spread wider (each person
    starts at their own hour, so the window of the whole team is longer than anyone's day)."""
    by_hour = np.clip(np.asarray(profile, dtype=float), 0.0, None)
    starts = np.arange(0.0, 24.0, 0.25)
    held = np.array([float(np.dot(shift_coverage(start, min(hours, 24.0)), by_hour)) for start in starts])
    # Hourly bins make neighbouring starts tie: the middle of the tied ones is centred on the profile.
    best = starts[held >= held.max() - 1e-9 * max(held.max(), 1.0)]
    return float(best[best.size // 2])


def fit_shifts(
    profile: Sequence[float] | np.ndarray, *, shift_hours: float = SHIFT_HOURS, max_shifts: int = MAX_SHIFTS
) -> tuple[tuple[ShiftFit, ...], float]:
    """The shifts covering the observed working window of an hour-of-day ``profile``, and that window in hours.

    A window that fits in one shift gives one shift of the window's length, placed where labeling is densest.
    A longer one gives ``ceil(window / shift_hours)`` back-to-back shifts (at most ``max_shifts``) centred on it;
    each shift's share is the part of the profile it covers (hours outside every shift are shared pro rata, and
    shifts covering less than 5% hand theirs to the others). No hours at all: one shift from midnight.
    """
    by_hour = np.clip(np.asarray(profile, dtype=float), 0.0, None)
    if by_hour.shape != (24,):
        raise ValueError(f"profile must hold 24 hourly values, got shape {by_hour.shape}")
    if shift_hours <= 0 or max_shifts < 1:
        raise ValueError(f"shift_hours must be > 0 and max_shifts >= 1, got {shift_hours!r}, {max_shifts!r}")
    if not np.isfinite(by_hour).all() or by_hour.sum() <= 0:
        return (ShiftFit(0.0, shift_hours, 1.0),), 24.0
    start, window = _window(by_hour)
    if window <= shift_hours:
        length = max(int(min(shift_hours, window)), 1)
        return (ShiftFit(float(np.argmax(_arc_sums(by_hour, length))), float(length), 1.0),), float(window)
    count = min(max_shifts, math.ceil(window / shift_hours - 1e-9))
    span = min(count * shift_hours, 24.0)
    each = span / count
    first = (start - (span - window) / 2.0) % 24.0
    starts = [(first + i * each) % 24.0 for i in range(count)]
    covered = np.array([float(np.dot(shift_coverage(s, each), by_hour)) for s in starts])
    shares = covered / covered.sum()
    keep = shares >= _MIN_SHIFT_SHARE
    shares = np.where(keep, shares, 0.0)
    shares /= shares.sum()
    shifts = tuple(ShiftFit(s, each, float(w)) for s, w in zip(starts, shares, strict=True) if w > 0)
    return shifts, float(window)


@dataclass(frozen=True)
class CalendarFit:
    """The working week seen in the records: working weekdays (Monday = 0), the shifts of the day, and the
    calendar window they span.

    ``observed_window_hours`` is the shortest time of day holding 90% of the labeling hours (24 for
    round-the-clock work). The calendar starts with the first shift and lasts as long as the shifts together:
    one shift of at most 8 hours for office hours, 24 hours for three shifts round the clock.
    """

    working_days: tuple[int, ...]
    start_hour: float
    hours_per_day: float
    observed_window_hours: float
    shifts: tuple[ShiftFit, ...] = ()

    def calendar(self) -> Calendar:
        return Calendar(hours_per_day=self.hours_per_day, start_hour=self.start_hour, working_days=self.working_days)


# The day is cut into this many slots to find when a person never works.
_DAY_SLOTS = 96


def day_cut(starts: np.ndarray, ends: np.ndarray) -> float:
    """Where a person's working day begins, as a fraction of a day on the reference clock: the middle of the
    longest stretch of the day they never work in (0, midnight, when they work at every hour).

    A day cut at midnight splits a shift that crosses it (09:00-16:00 in America/Adak is 19:00-02:00 UTC): one
    shift's tail and the next one's start then made a single day of 24 hours from first item to last, and a lunch
    at midnight made one shift two working days."""
    slots = np.zeros(_DAY_SLOTS, dtype=bool)
    first = np.floor(np.mod(starts, 1.0) * _DAY_SLOTS).astype(np.int64)
    # Each item marks the slots from its start to its end (a day at most).
    length = np.minimum(np.ceil((ends - starts) * _DAY_SLOTS).astype(np.int64), _DAY_SLOTS - 1)
    for offset in range(int(length.max(initial=0)) + 1):
        slots[(first + offset)[length >= offset] % _DAY_SLOTS] = True
    if slots.all():
        return 0.0
    # The longest circular run of free slots: unroll the day twice and look for the longest run of False.
    free = np.concatenate((~slots, ~slots)).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], free, [0]))))
    runs = edges.reshape(-1, 2)
    longest = runs[np.argmax(runs[:, 1] - runs[:, 0])]
    middle = (longest[0] + longest[1]) / 2.0
    return float(middle % _DAY_SLOTS) / _DAY_SLOTS


def working_dates(day: np.ndarray, cut: float) -> np.ndarray:
    """The date (whole days on the reference clock) of the working day each item of one person (or team) belongs
    to: items are grouped into days cut at ``cut`` (see ``day_cut``), and each day is dated by its first item. A
    shift across midnight then counts on the date it started (a Friday shift's last hour is not a Saturday), and a
    shift starting after midnight on the date it started, wherever the cut falls."""
    day = np.asarray(day, dtype=float)
    if day.size == 0:
        return np.zeros(0)
    group, inverse = np.unique(np.floor(day - cut), return_inverse=True)
    first = np.full(group.size, np.inf)
    np.minimum.at(first, inverse, day)
    dates: np.ndarray = np.floor(first)[inverse]
    return dates


def working_dates_by_person(day: np.ndarray, person: np.ndarray) -> np.ndarray:
    """``working_dates`` of each item, each person's days cut where they never start work: teams in different time
    zones keep their own days (a cut for all of them would join one team's evening to another's next morning)."""
    day = np.asarray(day, dtype=float)
    person = np.asarray(person)
    dates = np.floor(day)
    # One pass over the items sorted by person, not a mask over all of them per person.
    order = np.argsort(person, kind="stable")
    for items in np.split(order, np.flatnonzero(np.diff(person[order])) + 1):
        mine = day[items]
        dates[items] = working_dates(mine, day_cut(mine, mine))
    return dates


def fit_calendar(
    label_day: Sequence[float] | np.ndarray,
    label_hours: Sequence[float] | np.ndarray,
    first_weekday: int,
    days: int,
    *,
    shift_hours: float = SHIFT_HOURS,
    max_shifts: int = MAX_SHIFTS,
    label_person: Sequence[int] | np.ndarray | None = None,
) -> CalendarFit:
    """Working weekdays and shifts from when labels were started (``label_day``) and their hours of work. With
    ``label_person`` (who made each label), a weekday is one people's working days started on
    (``working_dates_by_person``), else the date each label was started on."""
    day = np.asarray(label_day, dtype=float)
    hours = np.asarray(label_hours, dtype=float)
    person = None if label_person is None else np.asarray(label_person, dtype=np.int64)
    if person is not None and person.size != day.size:
        raise ValueError(f"label_person must hold one person per label ({day.size}), got {person.size}")
    if day.size == 0 or day.size != hours.size:  # when labels were made is not recorded: every day, from midnight
        return CalendarFit(tuple(range(7)), 0.0, shift_hours, 24.0, (ShiftFit(0.0, shift_hours, 1.0),))
    keep = np.isfinite(day) & (day >= 0) & np.isfinite(hours)
    day, hours = day[keep], hours[keep]
    if day.size == 0:
        return CalendarFit(tuple(range(7)), 0.0, shift_hours, 24.0, (ShiftFit(0.0, shift_hours, 1.0),))
    dates = np.floor(day) if person is None else working_dates_by_person(day, person[keep])
    weekday = (first_weekday + dates.astype(np.int64)) % 7
    occurrences = np.bincount((first_weekday + np.arange(max(days, 1))) % 7, minlength=7).astype(float)
    per_weekday = np.bincount(weekday, hours, minlength=7) / np.maximum(occurrences, 1.0)
    working = tuple(int(d) for d in np.flatnonzero(per_weekday >= _WORKING_DAY_SHARE * per_weekday.max()))
    shifts, window = fit_shifts(hours_by_hour(day, hours), shift_hours=shift_hours, max_shifts=max_shifts)
    # Several shifts run back to back from the first; the calendar spans them all.
    span = min((shifts[-1].start_hour - shifts[0].start_hour) % 24.0 + shifts[-1].hours, 24.0)
    return CalendarFit(working or tuple(range(7)), shifts[0].start_hour, span, window, shifts)


def apportion(total: int, shares: Sequence[float]) -> list[int]:
    """``total`` whole people split by ``shares`` (largest remainders), summing to ``total``."""
    weights = np.clip(np.asarray(shares, dtype=float), 0.0, None)
    if total <= 0 or weights.size == 0 or weights.sum() <= 0:
        return [0] * len(weights) if total <= 0 or weights.size == 0 else [total] + [0] * (len(weights) - 1)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: total - int(counts.sum())]:
        counts[i] += 1
    return [int(c) for c in counts]
