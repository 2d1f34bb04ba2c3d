"""What one replication produces: a summary of floats, daily series, and optionally per-task records."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["DailySeries", "RunSummary", "SimulationResult", "TaskRecords", "metric_range"]

FloatArray = npt.NDArray[np.float64]


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None  # JSON has no nan or infinity
    if isinstance(value, np.integer):
        return int(value)
    return value


# Summary figures that are shares (0 to 1); ``sla_met`` is feasibility's per-replication 0/1.
_SHARES = frozenset(
    {
        "sla_met",
        "sla_attainment",
        "accepted_share",
        "labeling_wait_probability",
        "labeling_wait_within_target",
        "review_wait_probability",
        "review_wait_within_target",
    }
)


def metric_range(name: str) -> tuple[float, float]:
    """The values a summary figure can take: shares lie in [0, 1], every other figure of :class:`RunSummary` (counts,
    hours, costs, days) is >= 0; names it does not know (a plugin's own) are unbounded."""
    if name in _SHARES:
        return 0.0, 1.0
    if name in _SUMMARY_NAMES:
        return 0.0, math.inf
    return -math.inf, math.inf


@dataclass(frozen=True)
class RunSummary:
    """Headline figures of one replication. Every field is a float (nan when undefined), so Monte Carlo
    code can aggregate them generically with :func:`dataclasses.fields`.

    Turnaround is arrival to acceptance of a task; SLA attainment counts tasks whose deadline fell inside the
    horizon; ``completion_day`` is when the last task was accepted if none is left, else nan;
    ``accepted_share`` is the share of reviews that gave a thumbs-up; ``utilization`` is busy over on-duty
    production hours. ``labeling_*`` and ``review_*`` are each stage's queue figures over first-round visits
    (see :mod:`simulator.stages`): P(wait), P(wait <= ``sla.wait_hours``), mean wait, Lq and L.
    """

    tasks_arrived: float
    tasks_completed: float
    backlog_end: float
    sla_attainment: float
    turnaround_mean_hours: float
    turnaround_p50_hours: float
    turnaround_p90_hours: float
    mean_wait_hours: float
    completion_day: float
    total_cost: float
    labor_cost: float
    vendor_fees: float
    hiring_cost: float
    training_cost: float
    cost_per_accepted_label: float
    labels_produced: float
    reviews: float
    accepted_share: float
    mean_minutes_per_label: float
    mean_headcount_production: float
    final_headcount_production: float
    hires: float
    departures: float
    utilization: float
    labeling_wait_probability: float = float("nan")
    labeling_wait_within_target: float = float("nan")
    labeling_mean_wait_hours: float = float("nan")
    labeling_queue_length: float = float("nan")
    labeling_in_system: float = float("nan")
    review_wait_probability: float = float("nan")
    review_wait_within_target: float = float("nan")
    review_mean_wait_hours: float = float("nan")
    review_queue_length: float = float("nan")
    review_in_system: float = float("nan")

    def to_dict(self) -> dict[str, float | None]:
        data: dict[str, float | None] = _jsonable(asdict(self))
        return data

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


_SUMMARY_NAMES = frozenset(f.name for f in fields(RunSummary))


@dataclass(frozen=True)
class DailySeries:
    """One value per simulated day (index = day). ``headcount`` is by stage (hiring, training, production),
    ``headcount_by_vendor`` and ``headcount_by_pool`` count production labelers. Shares are nan on days
    with nothing to measure.

    SLA figures are by deadline day (arrival plus turnaround): ``sla_due`` counts the tasks whose deadline falls
    on the day and within the horizon, ``sla_on_time`` those of them accepted by their deadline (a task never
    accepted is late), and ``sla_attainment`` is their ratio. Summed over any days they give that period's
    attainment; over the whole horizon, the summary's."""

    day: FloatArray
    arrivals: FloatArray
    completed: FloatArray
    backlog: FloatArray
    headcount: dict[str, FloatArray]
    headcount_by_vendor: dict[str, FloatArray]
    headcount_by_pool: dict[str, FloatArray]
    labels: FloatArray
    utilization: FloatArray
    minutes_per_label: FloatArray
    sla_due: FloatArray
    sla_on_time: FloatArray
    sla_attainment: FloatArray
    accepted_share: FloatArray
    cost: FloatArray
    cumulative_cost: FloatArray

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _jsonable({f.name: getattr(self, f.name) for f in fields(self)})
        return data


@dataclass(frozen=True)
class TaskRecords:
    """Per task: arrival, first labeling start (nan if never), acceptance (inf if not within the horizon),
    first labeler (-1 if never started) and project index."""

    arrival_hour: FloatArray
    start_hour: FloatArray
    finish_hour: FloatArray
    labeler: npt.NDArray[np.int64]
    project: npt.NDArray[np.int64]

    @property
    def wait_hours(self) -> FloatArray:
        result: FloatArray = self.start_hour - self.arrival_hour
        return result

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _jsonable({f.name: getattr(self, f.name) for f in fields(self)})
        return data


@dataclass(frozen=True)
class SimulationResult:
    """One replication of a scenario."""

    scenario_name: str
    flow: str
    horizon_days: int
    summary: RunSummary
    daily: DailySeries
    tasks: TaskRecords | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (nan and infinity become null)."""
        return {
            "scenario_name": self.scenario_name,
            "flow": self.flow,
            "horizon_days": self.horizon_days,
            "summary": self.summary.to_dict(),
            "daily": self.daily.to_dict(),
            "tasks": self.tasks.to_dict() if self.tasks is not None else None,
        }
