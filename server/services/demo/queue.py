"""The demo's labeling queue: labelers' shifts, and who takes which task when.

Each labeler works shifts: working days, a start hour in their vendor's time zone and a length; someone on two
projects spends the first part of each shift on one and the rest on the other. Tasks wait in one queue per project,
highest priority first, then oldest; a labeler free and on shift takes the next task they have not labelled yet,
so a consensus task needing k labels gets k distinct labelers. Waits come from how busy the team is: a surge the
team cannot absorb grows the backlog. The loop is a heap of labelers' free times (one pass over the tasks).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

__all__ = ["Assignments", "ShiftPattern", "dispatch", "next_on_shift", "shift_windows"]

_DAY_SECONDS = 86400.0


@dataclass(frozen=True)
class ShiftPattern:
    """When one labeler works: local start hour, hours per shift, and whether they also work Saturdays / Sundays."""

    time_zone: str
    start_hour: float
    hours: float
    saturday: bool = False
    sunday: bool = False


@dataclass(frozen=True)
class Assignments:
    """Labels in the order they were started: task index, labeler index, start (days) and seconds of labeling."""

    task: np.ndarray
    person: np.ndarray
    started: np.ndarray
    seconds: np.ndarray


def shift_windows(
    pattern: ShiftPattern,
    window_start: datetime,
    days: int,
    *,
    available_from: float,
    available_until: float,
    part: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """[begin, end) of each shift over `days` days from `window_start` (in days from it), clipped to when the
    labeler is available.

    `part` is the share of each shift spent on this project (first and last fraction), for people on two projects.
    Days follow the local calendar, so a shift starts at the same local hour across a change of daylight saving.
    """
    zone = ZoneInfo(pattern.time_zone)
    local_first = window_start.astimezone(zone).date() - timedelta(days=1)
    rows: list[tuple[float, float]] = []
    for offset in range(days + 2):
        date = local_first + timedelta(days=offset)
        weekday = date.weekday()
        if (weekday == 5 and not pattern.saturday) or (weekday == 6 and not pattern.sunday):
            continue
        local = datetime(date.year, date.month, date.day, tzinfo=zone) + timedelta(hours=pattern.start_hour)
        begin = (local - window_start).total_seconds() / _DAY_SECONDS
        length = pattern.hours / 24.0
        lo = max(begin + part[0] * length, available_from, 0.0)
        hi = min(begin + part[1] * length, available_until, float(days))
        if hi > lo:
            rows.append((lo, hi))
    return np.array(rows, dtype=float).reshape(-1, 2)


def next_on_shift(
    windows: list[np.ndarray], person: np.ndarray, at: np.ndarray, *, otherwise: np.ndarray
) -> np.ndarray:
    """For each (person, time), the first moment at or after it that the person is on shift; `otherwise` where
    they have no shift left."""
    result = otherwise.astype(float).copy()
    for who in np.unique(person):
        rows = np.flatnonzero(person == who)
        window = windows[int(who)]
        k = np.searchsorted(window[:, 1], at[rows], side="right")
        inside = k < window.shape[0]
        result[rows[inside]] = np.maximum(at[rows[inside]], window[k[inside], 0])
    return result


def dispatch(
    created: np.ndarray,
    priority: np.ndarray,
    required: np.ndarray,
    windows: list[np.ndarray],
    seconds_for: Callable[[int, float, int], float],
    rng: np.random.Generator,
) -> Assignments:
    """Run the queue: tasks (sorted by `created`, in days) needing `required` distinct labels, labelers working
    `windows`; `seconds_for(person, start_day, label_number)` is how long that label takes."""
    chooser = random.Random(int(rng.integers(2**62)))  # which idle labeler hears of a new task first
    starts = [w[:, 0].tolist() for w in windows]
    ends = [w[:, 1].tolist() for w in windows]
    position = [0] * len(windows)

    def on_shift(person: int, at: float) -> float:
        """The first moment at or after `at` that `person` is on shift (inf when never again)."""
        k = position[person]
        person_ends = ends[person]
        while k < len(person_ends) and person_ends[k] <= at:
            k += 1
        position[person] = k
        return math.inf if k == len(person_ends) else max(at, starts[person][k])

    created_list = created.tolist()
    priority_list = priority.tolist()
    remaining = required.astype(int).tolist()
    labelled_by: dict[int, set[int]] = {}
    queue: list[tuple[int, float, int]] = []
    free = [(s[0], person) for person, s in enumerate(starts) if s]
    heapq.heapify(free)
    idle: list[int] = []
    out_task: list[int] = []
    out_person: list[int] = []
    out_start: list[float] = []
    out_seconds: list[float] = []

    def take(person: int, at: float) -> bool:
        """`person` starts the next task they may label; False when the queue holds none for them."""
        skipped = []
        task = -1
        while queue:
            entry = heapq.heappop(queue)
            if person in labelled_by.get(entry[2], ()):
                skipped.append(entry)
                continue
            task = entry[2]
            remaining[task] -= 1
            if remaining[task] > 0:
                labelled_by.setdefault(task, set()).add(person)
                skipped.append(entry)
            break
        for entry in skipped:
            heapq.heappush(queue, entry)
        if task < 0:
            return False
        seconds = seconds_for(person, at, len(out_task))
        out_task.append(task)
        out_person.append(person)
        out_start.append(at)
        out_seconds.append(seconds)
        heapq.heappush(free, (at + seconds / _DAY_SECONDS, person))
        return True

    arrival = 0
    n_tasks = len(created_list)
    while True:
        next_arrival = created_list[arrival] if arrival < n_tasks else math.inf
        next_free = free[0][0] if free else math.inf
        if next_arrival == math.inf and next_free == math.inf:
            break
        if next_arrival <= next_free:
            heapq.heappush(queue, (-priority_list[arrival], next_arrival, arrival))
            arrival += 1
            declined = []  # idle labelers who already labelled every task queued
            while idle and queue:
                pick = chooser.randrange(len(idle))
                idle[pick], idle[-1] = idle[-1], idle[pick]
                person = idle.pop()
                back = on_shift(person, next_arrival)
                if back > next_arrival:  # the shift ended while idle: back at the next one
                    if back < math.inf:
                        heapq.heappush(free, (back, person))
                    continue
                if not take(person, next_arrival):
                    declined.append(person)
            idle.extend(declined)
            continue
        at, person = heapq.heappop(free)
        back = on_shift(person, at)
        if back > at:
            if back < math.inf:
                heapq.heappush(free, (back, person))
            continue
        if not take(person, at):
            idle.append(person)
    order = np.lexsort((np.asarray(out_person), np.asarray(out_start)))
    return Assignments(
        task=np.asarray(out_task, dtype=int)[order],
        person=np.asarray(out_person, dtype=int)[order],
        started=np.asarray(out_start, dtype=float)[order],
        seconds=np.asarray(out_seconds, dtype=float)[order],
    )
