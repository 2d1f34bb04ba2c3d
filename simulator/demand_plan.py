"""Demand as planners know it: a volume per week and named launches, read from the ``pattern`` demand's params.

A planner rarely knows a base rate and a trend; they know "5,000 tasks in week 1, 6,500 in week 2" and "the
Berlin launch brings 3,000 extra tasks over 5 days from March 2". In a scenario document these are::

    [demand.params]
    start_date = "2027-03-01"          # optional: the calendar date of day 0, so launches can be given by date
    weekly_volumes = [5000, 6500]      # tasks per week, week 1 first; later weeks keep the base pattern
    launches = [{name = "Berlin", start_day = 1, extra_tasks = 3000, duration_days = 5}]

A planned week's volume is spread over its days by the weekly factors (``demand.weekly``); a launch adds its
extra tasks evenly over its days. Spikes still multiply the result, and daily counts stay Poisson.
:func:`weekly_plan_from_csv` reads the volumes from CSV text (``week,tasks`` rows or one number a line).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.scenario import ITEM, Demand, Key, ScenarioError, ScenarioPath, invalid, path_text

__all__ = [
    "DemandPlan",
    "Launch",
    "demand_plan",
    "plan_params",
    "planned_volumes",
    "weekly_plan_from_csv",
]

_PATH: ScenarioPath = ("demand", "params")


def _number(path: ScenarioPath, value: object, *, low: float, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid(path, "must be a finite number", value)
    if value < low or (strict and value == low):
        raise invalid(path, f"must be {'>' if strict else '>='} {low:g}", value)
    return float(value)


@dataclass(frozen=True)
class Launch:
    """A named launch: ``extra_tasks`` more tasks spread evenly over ``duration_days`` from ``start_day``."""

    name: str
    start_day: float
    extra_tasks: float
    duration_days: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            unnamed = (*_PATH, "launches", ITEM, "name")
            raise invalid(unnamed, "must be a non-empty string", self.name)
        path = (*_PATH, "launches", Key(self.name))
        _number((*path, "start_day"), self.start_day, low=0.0)
        _number((*path, "extra_tasks"), self.extra_tasks, low=0.0)
        _number((*path, "duration_days"), self.duration_days, low=0.0, strict=True)


@dataclass(frozen=True)
class DemandPlan:
    """Planned tasks per week (week 1 first) and named launches; ``start_date`` is day 0's date when known."""

    weekly_volumes: tuple[float, ...] = ()
    launches: tuple[Launch, ...] = ()
    start_date: date | None = None

    def __post_init__(self) -> None:
        volumes = tuple(self.weekly_volumes)
        object.__setattr__(self, "weekly_volumes", volumes)
        for i, volume in enumerate(volumes):
            _number((*_PATH, "weekly_volumes", i), volume, low=0.0)
        launches = tuple(self.launches)
        object.__setattr__(self, "launches", launches)
        names = [launch.name for launch in launches]
        if len(set(names)) != len(names):
            path = (*_PATH, "launches")
            raise invalid(path, "must have unique names", names)

    @property
    def empty(self) -> bool:
        return not self.weekly_volumes and not self.launches

    def day_of(self, when: date, *, path: ScenarioPath) -> float:
        """Day number of ``when`` from ``start_date`` (which must be known and not later)."""
        if self.start_date is None:
            raise ScenarioError(
                f"{path_text((*_PATH, 'start_date'))} is needed to place {path_text(path)} by date, got None",
                path=path,
            )
        days = (when - self.start_date).days
        if days < 0:
            raise ScenarioError(
                f"{path_text(path)} must not be before the plan's start date {self.start_date.isoformat()}, "
                f"got {when.isoformat()}",
                path=path,
            )
        return float(days)


def _launch(index: int, item: object) -> Launch:
    path = (*_PATH, "launches", index)
    if not isinstance(item, Mapping):
        raise invalid(path, "must be a table", item)
    unknown = sorted(set(item) - {"name", "start_day", "extra_tasks", "duration_days"})
    if unknown:
        raise ScenarioError(f"{path_text(path)} has unknown keys {unknown!r}", path=path)
    missing = [key for key in ("name", "start_day", "extra_tasks", "duration_days") if key not in item]
    if missing:
        raise invalid(path, f"must give {', '.join(missing)}", dict(item))
    return Launch(item["name"], item["start_day"], item["extra_tasks"], item["duration_days"])


def demand_plan(demand: Demand) -> DemandPlan:
    """The plan in ``demand.params`` (empty when it has none); ScenarioError naming the bad field."""
    params: Mapping[str, Any] = demand.params
    volumes = params.get("weekly_volumes", ())
    if not isinstance(volumes, Sequence) or isinstance(volumes, str):
        path = (*_PATH, "weekly_volumes")
        raise invalid(path, "must be a list of tasks per week", volumes)
    launches = params.get("launches", ())
    if not isinstance(launches, Sequence) or isinstance(launches, str):
        path = (*_PATH, "launches")
        raise invalid(path, "must be a list of launches", launches)
    start = params.get("start_date")
    start_date = None
    if start is not None:
        try:
            start_date = start if isinstance(start, date) else date.fromisoformat(str(start))
        except ValueError:
            path = (*_PATH, "start_date")
            raise invalid(path, "must be a date like 2027-03-01", start) from None
    return DemandPlan(tuple(volumes), tuple(_launch(i, item) for i, item in enumerate(launches)), start_date)


def plan_params(plan: DemandPlan) -> dict[str, Any]:
    """``plan`` as ``demand.params`` entries (the inverse of :func:`demand_plan`)."""
    params: dict[str, Any] = {}
    if plan.start_date is not None:
        params["start_date"] = plan.start_date.isoformat()
    if plan.weekly_volumes:
        params["weekly_volumes"] = list(plan.weekly_volumes)
    if plan.launches:
        params["launches"] = [
            {"name": x.name, "start_day": x.start_day, "extra_tasks": x.extra_tasks, "duration_days": x.duration_days}
            for x in plan.launches
        ]
    return params


def planned_volumes(
    plan: DemandPlan, weekly: Sequence[float], base: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``base`` (expected tasks per day) with the planned weeks replaced and the launches added."""
    volume = np.array(base, dtype=np.float64)
    horizon = volume.size
    factors = np.asarray(weekly, dtype=np.float64)
    share = factors / factors.sum() if factors.sum() > 0 else np.full(7, 1.0 / 7.0)
    days = np.arange(horizon)
    for week, tasks in enumerate(plan.weekly_volumes):
        inside = days // 7 == week
        volume[inside] = tasks * share[days[inside] % 7]
    for launch in plan.launches:
        # The share of each day inside [start, start + duration): a launch may start or end mid-day.
        overlap = np.clip(
            np.minimum(days + 1.0, launch.start_day + launch.duration_days) - np.maximum(days, launch.start_day),
            0.0,
            1.0,
        )
        volume += launch.extra_tasks * overlap / launch.duration_days
    return volume


def weekly_plan_from_csv(text: str, *, path: ScenarioPath = ("weekly_plan_csv",)) -> tuple[float, ...]:
    """Tasks per week from CSV: ``week,tasks`` rows (weeks 1, 2, ... in order; a header row, one holding no
    number, is allowed) or one number a line. Errors name the line, counted as the text's own, and the value."""
    # A spreadsheet's export may begin with a byte-order mark (which would make week 1 look like a header), end
    # its lines with a lone CR, and leave empty columns after the last cell: none of them is the planner's data.
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=None), strict=True)
    rows: list[tuple[int, list[str]]] = []
    last = 0  # the last line of the rows read: a row that is not CSV starts after it (a quote may run on)
    try:
        for row in reader:
            last = reader.line_num
            cells = [cell.strip() for cell in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append((last, cells))
    except csv.Error as error:
        raise invalid(path, f"line {last + 1} is not CSV ({error})", text) from None
    if rows and not any(_is_number(cell) for cell in rows[0][1]):
        rows = rows[1:]  # a header such as "week,tasks"
    volumes: list[float] = []
    for line, cells in rows:
        if len(cells) > 2:
            raise invalid(path, f"line {line} must be 'week,tasks' or a number", ",".join(cells))
        if len(cells) == 2 and cells[0] != str(len(volumes) + 1):
            raise invalid(path, f"line {line} must be week {len(volumes) + 1} (weeks in order from 1)", cells[0])
        value = cells[-1]
        if not _is_number(value) or not math.isfinite(float(value)) or float(value) < 0:
            raise invalid(path, f"line {line} tasks must be a number >= 0", value)
        volumes.append(float(value))
    if not volumes:
        raise invalid(path, "must hold at least one week", text)
    return tuple(volumes)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
