"""People's working time read from when their labels (or reviews) were made.

Records say when each label was started and how long it took, not when people's shifts were. A person's
*sessions* are runs of work where each item starts soon after the previous one ended: within three times the
person's median item time, and at least ``SESSION_GAP_SECONDS``. A session's length, from its first start to its
last end, is time spent on the project; gaps longer than that are time away. Per person over a window this gives
the days they worked, their hours per working day and the hours of the day they work in.

What the records cannot show is time a person was available but had nothing to do. ``utilization`` tells the two
cases apart: busy hours over the *span* of each working day (first item's start to last item's end). Near 1, the
work filled the day and the session hours are the person's availability; well below, the work came scattered
(the person waited for it) and the hours read are a lower bound of what they could give.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from simulator.planning.calibrate.fits import Estimate, mean_estimate
from simulator.planning.worktime import day_cut

__all__ = ["SESSION_GAP_SECONDS", "WorkingTime", "availability", "working_time"]

SESSION_GAP_SECONDS = 120.0
# A gap counts as a pause inside a session up to this many times the person's median item time.
_GAP_ITEMS = 3.0
# A person needs this many days of production inside the window for their working days per week to count.
_MIN_EXPOSURE_DAYS = 3.0


@dataclass(frozen=True)
class WorkingTime:
    """One person's work over a window: days worked, session hours and busy hours, and when in the day."""

    person: int
    worked_days: int
    session_hours: float
    busy_hours: float
    #: Per worked day, from the first item's start to the last item's end, summed.
    span_hours: float
    #: Session hours by the hour of day (reference clock) they were spent in.
    hours_by_hour: np.ndarray

    @property
    def hours_per_working_day(self) -> float:
        return self.session_hours / self.worked_days if self.worked_days else 0.0


def working_time(
    start_day: np.ndarray,
    seconds: np.ndarray,
    person: np.ndarray,
    *,
    since: float,
    until: float,
    min_gap_seconds: float = SESSION_GAP_SECONDS,
) -> dict[int, WorkingTime]:
    """Each person's working time from items started in ``[since, until)`` (days) taking ``seconds``."""
    start_day = np.asarray(start_day, dtype=float)
    seconds = np.asarray(seconds, dtype=float)
    person = np.asarray(person, dtype=np.int64)
    keep = (start_day >= since) & (start_day < until) & np.isfinite(seconds) & (seconds >= 0)
    start_day, seconds, person = start_day[keep], seconds[keep], person[keep]
    order = np.lexsort((start_day, person))
    start_day, seconds, person = start_day[order], seconds[order], person[order]
    result: dict[int, WorkingTime] = {}
    if person.size == 0:
        return result
    bounds = np.flatnonzero(np.diff(person)) + 1
    for lo, hi in zip(np.concatenate(([0], bounds)), np.concatenate((bounds, [person.size])), strict=True):
        starts = start_day[lo:hi]
        ends = starts + seconds[lo:hi] / 86400.0
        reach = np.maximum.accumulate(ends)
        gap_days = max(min_gap_seconds, _GAP_ITEMS * float(np.median(seconds[lo:hi]))) / 86400.0
        new_session = np.concatenate(([True], starts[1:] - reach[:-1] > gap_days))
        session_start = starts[new_session]
        session_end = np.maximum.reduceat(ends, np.flatnonzero(new_session))
        hours = (session_end - session_start) * 24.0
        cut = day_cut(starts, ends)
        day_of = np.floor(starts - cut)
        day_bounds = np.flatnonzero(np.diff(day_of)) + 1
        day_first = starts[np.concatenate(([0], day_bounds))]
        day_last = np.maximum.reduceat(ends, np.concatenate(([0], day_bounds)))
        profile = _hours_by_hour(np.mod(session_start, 1.0) * 24.0, np.minimum(hours, 24.0))
        result[int(person[lo])] = WorkingTime(
            person=int(person[lo]),
            worked_days=int(np.unique(np.floor(session_start - cut)).size),
            session_hours=float(hours.sum()),
            busy_hours=float(seconds[lo:hi].sum() / 3600.0),
            span_hours=float(np.sum(day_last - day_first) * 24.0),
            hours_by_hour=profile,
        )
    return result


def _hours_by_hour(start_hour: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """How many of the spans' hours fall in each hour of a circular day (``worktime.shift_coverage``, for many)."""
    bins = np.arange(24.0)[None, :]
    total = np.zeros(24)
    for turn in (-24.0, 0.0, 24.0):
        low = start_hour[:, None] + turn
        total += np.clip(np.minimum(bins + 1.0, low + hours[:, None]) - np.maximum(bins, low), 0.0, 1.0).sum(axis=0)
    return total


@dataclass(frozen=True)
class Availability:
    """A group's fitted availability: hours per working day and working days per week, per person."""

    hours_per_working_day: Estimate
    working_days_per_week: Estimate
    #: Busy hours over the span of their working days: near 1 when work filled their days.
    utilization: Estimate
    people: int
    person_days: int
    #: From the first item's start to the last item's end, per working day: the time they were there.
    span_per_working_day: Estimate


def availability(
    times: Mapping[int, WorkingTime], exposure_days: Mapping[int, float], people: Sequence[int]
) -> Availability:
    """Mean hours per working day and working days per week over ``people`` who worked in the window.

    ``exposure_days`` is each person's time in production inside the window; the intervals are Student-t over
    people (a person's days are not independent of each other), the counts are person-days.
    """
    worked = [times[p] for p in people if p in times and times[p].worked_days > 0]
    person_days = sum(t.worked_days for t in worked)
    hours = mean_estimate([t.hours_per_working_day for t in worked], "hours per working day", n=person_days)
    weekly = [
        7.0 * t.worked_days / exposure_days[t.person]
        for t in worked
        if exposure_days.get(t.person, 0.0) >= _MIN_EXPOSURE_DAYS
    ]
    days = mean_estimate(np.minimum(weekly, 7.0), "working days per week", n=person_days)
    busy = mean_estimate(
        [min(1.0, t.busy_hours / t.span_hours) for t in worked if t.span_hours > 0],
        "busy share of the day",
        n=person_days,
    )
    span = mean_estimate(
        [t.span_hours / t.worked_days for t in worked if t.span_hours > 0],
        "hours on shift per working day",
        n=person_days,
    )
    return Availability(hours, days, busy, len(worked), person_days, span)
