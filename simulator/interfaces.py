"""Plugin contracts: the small protocols a demand, learning, quality, staffing or cost model implements.

A plugin is a callable (usually a class) registered under the ``labelops.plugins`` entry-point group as
``"<kind>.<name>"``, e.g. ``learning.exponential = "plugins.learning_exponential:ExponentialLearning"``.
The engine calls it with the scenario's ``params`` as keyword arguments; it should raise ``ValueError`` whose
message starts with the parameter name (``"tau_weeks must be > 0, got -1"``) when a parameter is bad.
Plugins must be deterministic given the ``numpy.random.Generator`` they are handed: no global randomness.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from simulator.scenario import SLA, Calendar, Demand, Pool, Review

__all__ = [
    "PLUGIN_KINDS",
    "CostBreakdown",
    "CostModel",
    "DemandModel",
    "LearningCurve",
    "PoolStatus",
    "PoolUsage",
    "QualityModel",
    "StaffingPolicy",
    "StaffingState",
]

PLUGIN_KINDS: tuple[str, ...] = ("demand", "learning", "quality", "staffing", "cost")


@runtime_checkable
class DemandModel(Protocol):
    """Generates the arriving tasks of a run."""

    def arrivals(
        self, demand: Demand, calendar: Calendar, horizon_days: int, rng: np.random.Generator
    ) -> npt.NDArray[np.float64]:
        """Sorted arrival times in hours, each in ``[0, horizon_days * 24)``."""
        ...


@runtime_checkable
class LearningCurve(Protocol):
    """Time per label of a labeler as a function of tenure in production (of tenure alone: the engine asks once
    per distinct tenure a day and gives the answer to everyone at that tenure)."""

    def time_factor(self, tenure_weeks: float) -> float:
        """Time per label relative to a novice (1.0 at tenure 0); positive and never increasing in tenure."""
        ...


@runtime_checkable
class QualityModel(Protocol):
    """How often a labeler's label is wrong, as a function of tenure in production (of tenure alone, asked once
    per distinct tenure a day like :class:`LearningCurve`)."""

    def error_probability(self, tenure_weeks: float) -> float:
        """Probability in [0, 1] that a label is erroneous (a reviewer may then give it a thumbs-down)."""
        ...


@dataclass(frozen=True)
class PoolStatus:
    """People of one pool per stage at a staffing decision."""

    name: str
    vendor: str
    production: int
    training: int
    hiring: int
    max_concurrent_hires: int
    initial_production: int


@dataclass(frozen=True)
class StaffingState:
    """What a staffing policy can observe at a decision. History arrays hold one value per finished day.

    ``backlog`` counts label jobs in the system at each day's end, ``arrivals`` jobs arriving per day,
    ``sla_attainment`` the share of jobs accepted that day within the SLA (nan when none were accepted).
    ``labeler_hours_per_day`` is the mean production hours one labeler works per calendar day.
    """

    day: float
    pools: tuple[PoolStatus, ...]
    backlog: npt.NDArray[np.float64]
    arrivals: npt.NDArray[np.float64]
    sla_attainment: npt.NDArray[np.float64]
    minutes_per_label: float
    labeler_hours_per_day: float
    sla: SLA


@runtime_checkable
class StaffingPolicy(Protocol):
    """Decides hires at hour 0 (with an empty history) and then every ``interval_days``; the hiring pipeline
    adds its own lags."""

    interval_days: float

    def decide(self, state: StaffingState) -> Mapping[str, int]:
        """Number of new hires to start per pool name (pools left out hire nobody)."""
        ...


@dataclass(frozen=True)
class PoolUsage:
    """What one pool consumed on one day, for costing."""

    pool: Pool
    day: int
    paid_hours: float
    production_hours: float
    labels: float
    hires: int
    trainees: int


@dataclass(frozen=True)
class CostBreakdown:
    """Cost of one pool-day (or of review) by component; every component is >= 0."""

    labor: float = 0.0
    vendor_fees: float = 0.0
    hiring: float = 0.0
    training: float = 0.0

    @property
    def total(self) -> float:
        return self.labor + self.vendor_fees + self.hiring + self.training


@runtime_checkable
class CostModel(Protocol):
    """Prices a pool's daily usage and the reviewers' hours."""

    def pool_cost(self, usage: PoolUsage) -> CostBreakdown:
        """Cost of ``usage``; never negative."""
        ...

    def review_cost(self, review: Review, reviewer_hours: float) -> CostBreakdown:
        """Cost of ``reviewer_hours`` paid reviewer hours (on duty, or reviewing: ``Review.paid_for``); never
        negative."""
        ...
