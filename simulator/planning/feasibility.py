"""SLA feasibility: how likely a scenario (a demand and a vendor offer) meets its SLA, and which week fails first.

A replication *meets* the SLA when its overall attainment reaches ``sla.required_attainment``; the probability
of meeting it is the share of replications that do, with a Wilson 95% interval (honest near 0 and 1, where a
planner's question usually sits). Each replication's weekly attainment (of the tasks whose deadline fell in
the week, the share accepted by it: the overall attainment's definition, one week at a time) gives a per-week
meeting probability; the first failing week is the first whose probability falls below the required
probability.

Every replication is seeded from one ``SeedSequence`` like :mod:`simulator.montecarlo`, so comparisons between
offers use common random numbers: the same demand draws, the same people.
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from simulator.intervals import wilson_interval
from simulator.montecarlo import Estimate, Replication, run_monte_carlo
from simulator.scenario import ITEM, MAX_PEOPLE, Distribution, Headcount, Key, ModelSpec, Pool, Scenario, invalid
from simulator.scenario_checks import ScenarioError, ScenarioPath

__all__ = [
    "FeasibilityReport",
    "Hire",
    "OfferMode",
    "VendorOffer",
    "apply_offer",
    "check_feasibility",
    "feasibility_replication",
    "scheduled_hires",
    "weekly_attainment",
    "with_hires",
]


@dataclass(frozen=True, order=True)
class Hire:
    """``count`` people start the hiring pipeline of ``pool`` on ``day``."""

    pool: str
    day: float
    count: int

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise invalid(("hires", Key(self.pool), "count"), "must be an integer >= 0", self.count)
        if not math.isfinite(self.day) or self.day < 0:
            raise invalid(("hires", Key(self.pool), "day"), "must be >= 0", self.day)


def with_hires(scenario: Scenario, hires: Sequence[Hire]) -> Scenario:
    """``scenario`` with its staffing replaced by a fixed schedule of ``hires`` (nothing else changes)."""
    names = {pool.name for pool in scenario.workforce}
    for hire in hires:
        if hire.pool not in names:
            raise invalid(
                ("hires", ITEM, "pool"), f"must name a workforce pool ({', '.join(sorted(names))})", hire.pool
            )
    plan = [{"day": float(h.day), "pool": h.pool, "count": int(h.count)} for h in hires if h.count > 0]
    return replace(scenario, staffing=ModelSpec("scheduled", {"hires": plan}))


def scheduled_hires(scenario: Scenario) -> tuple[Hire, ...]:
    """The hires a ``scheduled`` staffing policy already plans (none under another policy)."""
    if scenario.staffing.model != "scheduled":
        return ()
    return tuple(
        Hire(str(h["pool"]), float(h.get("day", 0.0)), int(h["count"]))
        for h in scenario.staffing.params.get("hires", [])
    )


def _check_people(path: ScenarioPath, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid(path, "must be an integer >= 0", value)
    if value > MAX_PEOPLE:
        raise invalid(path, f"must be at most {MAX_PEOPLE:,}", value)


@dataclass(frozen=True)
class VendorOffer:
    """What a vendor offers: people in production at the start, a ramp of hires, pricing and learning.

    ``ramp`` lists hires as (week, count): ``count`` people start the vendor's hiring pipeline at the start of
    ``week`` (0-based) and reach production after ``time_to_hire_days`` plus training. Exactly one of
    ``hourly_rate`` and ``price_per_label`` is set. ``learning_plateau_share``/``learning_tau_weeks`` describe the
    exponential learning curve (leave them None to keep the scenario's). ``hours_per_day`` is each offered
    person's time on the project per working day, hires included: stated by the offer, never the calendar's day,
    which on a calibrated scenario spans every pool's shifts (16 hours on the demo's driving project).
    """

    name: str = "offer"
    headcount: int = 10
    ramp: tuple[tuple[int, int], ...] = ()
    hourly_rate: float | None = None
    price_per_label: float | None = None
    vendor_fee_share: float = 0.0
    time_to_hire_days: float = 14.0
    training_days: float = 5.0
    attrition_per_week: float = 0.01
    initial_tenure_weeks: float = 0.0
    speed_factor: float = 1.0
    hours_per_day: float = 8.0
    learning_plateau_share: float | None = None
    learning_tau_weeks: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_people(("offer", "headcount"), self.headcount)
        for i, item in enumerate(self.ramp):
            week, count = item
            if isinstance(week, bool) or not isinstance(week, int) or week < 0:
                raise invalid(("offer", "ramp", i, "week"), "must be an integer >= 0", week)
            _check_people(("offer", "ramp", i, "count"), count)
        if (self.hourly_rate is None) == (self.price_per_label is None):
            raise invalid(
                ("offer", "hourly_rate"),
                "or offer.price_per_label must be set (exactly one of them)",
                (self.hourly_rate, self.price_per_label),
            )
        if self.time_to_hire_days < 0:
            raise invalid(("offer", "time_to_hire_days"), "must be >= 0", self.time_to_hire_days)
        if self.training_days < 0:
            raise invalid(("offer", "training_days"), "must be >= 0", self.training_days)
        # Checked here, where the offer's names are known: the learning plugin would name only its own parameter.
        share = self.learning_plateau_share
        if share is not None and not (math.isfinite(share) and 0.0 < share <= 1.0):
            raise invalid(("offer", "learning_plateau_share"), "must be in (0, 1]", share)
        tau = self.learning_tau_weeks
        if tau is not None and not (math.isfinite(tau) and tau > 0.0):
            raise invalid(("offer", "learning_tau_weeks"), "must be > 0", tau)


class OfferMode(enum.Enum):
    """How an offer meets the scenario's team: ``add`` it beside the current pools, or ``replace`` them all."""

    ADD = "add"
    REPLACE = "replace"


# The offer's field behind each field of the pool it becomes.
_OFFER_FIELD = {
    "name": "name",
    "vendor": "name",
    "headcount": "headcount",
    "hourly_rate": "hourly_rate",
    "price_per_label": "price_per_label",
    "vendor_fee_share": "vendor_fee_share",
    "time_to_hire_days": "time_to_hire_days",
    "platform_training_days": "training_days",
    "attrition_per_week": "attrition_per_week",
    "initial_tenure_weeks": "initial_tenure_weeks",
    "speed_factor": "speed_factor",
    "shift_hours": "hours_per_day",
}


def _offer_pool(offer: VendorOffer) -> Pool:
    """The pool an offer becomes; its errors name the offer's fields (``offer.speed_factor``), not the pool's."""
    try:
        return _pool_of(offer)
    except ScenarioError as error:
        parts = [part for part in error.path or () if isinstance(part, str)]
        field = next((_OFFER_FIELD[part] for part in parts if part in _OFFER_FIELD), None)
        if field is None or error.requirement is None:
            raise
        raise invalid(("offer", field), error.requirement, getattr(offer, field)) from None


def _pool_of(offer: VendorOffer) -> Pool:
    return Pool(
        name=offer.name,
        vendor=offer.name,
        headcount=Headcount(production=offer.headcount),
        hourly_rate=offer.hourly_rate,
        price_per_label=offer.price_per_label,
        vendor_fee_share=offer.vendor_fee_share,
        max_concurrent_hires=max(1, max((count for _, count in offer.ramp), default=1)),
        time_to_hire_days=Distribution("gamma", offer.time_to_hire_days, 0.3 if offer.time_to_hire_days else 0.0),
        platform_training_days=offer.training_days,
        project_training_days=0.0,
        attrition_per_week=offer.attrition_per_week,
        initial_tenure_weeks=offer.initial_tenure_weeks,
        speed_factor=offer.speed_factor,
        shift_hours=offer.hours_per_day,
        **dict(offer.extra),
    )


def _offer_learning(scenario: Scenario, offer: VendorOffer) -> ModelSpec:
    params = dict(scenario.learning.params) if scenario.learning.model == "exponential" else {}
    if offer.learning_plateau_share is not None:
        params["plateau_share"] = offer.learning_plateau_share
    if offer.learning_tau_weeks is not None:
        params["tau_weeks"] = offer.learning_tau_weeks
    return ModelSpec("exponential", params)


def _plain(name: str) -> str:
    """``name`` as a reader tells pools apart: case and runs of spaces do not make another pool."""
    return " ".join(name.split()).casefold()


def apply_offer(scenario: Scenario, offer: VendorOffer, mode: OfferMode = OfferMode.REPLACE) -> Scenario:
    """``scenario`` with ``offer``: staffed by the offer alone (``REPLACE``) or by the team plus the offer (``ADD``).

    The offer is one pool with its headcount, pricing and pipeline, and its ramp of hires. Adding keeps the
    team's pools and their scheduled hires; a team run by another staffing policy (hiring on backlog or SLA) has
    no schedule to add the ramp to, and the learning curve is the whole scenario's, so an added offer may not
    change it: both are refused rather than silently changing the current team.
    """
    pool = _offer_pool(offer)
    hires = [Hire(offer.name, 7.0 * week, count) for week, count in offer.ramp]
    if mode is OfferMode.REPLACE:
        staffed = replace(scenario, workforce=(pool,))
        if offer.learning_plateau_share is not None or offer.learning_tau_weeks is not None:
            staffed = replace(staffed, learning=_offer_learning(scenario, offer))
        return with_hires(staffed, hires)
    names = [p.name for p in scenario.workforce]
    if _plain(offer.name) in {_plain(name) for name in names}:
        raise invalid(
            ("offer", "name"),
            f"must differ from the current team's pools ({', '.join(names)}) when the offer is added, in more than "
            "case and spacing",
            offer.name,
        )
    if offer.learning_plateau_share is not None or offer.learning_tau_weeks is not None:
        raise invalid(
            ("offer", "learning_plateau_share"),
            "and offer.learning_tau_weeks set the whole scenario's learning curve; an offer added to the current "
            "team cannot change it (leave them out, or replace the team)",
            (offer.learning_plateau_share, offer.learning_tau_weeks),
        )
    staffed = replace(scenario, workforce=(*scenario.workforce, pool))
    staffing = scenario.staffing
    if staffing.model == "scheduled":
        return with_hires(staffed, [*scheduled_hires(scenario), *hires])
    if staffing.model == "fixed":
        return with_hires(staffed, hires) if hires else staffed
    if hires:
        raise invalid(
            ("offer", "ramp"),
            f"cannot be added to a team hiring by the {staffing.model!r} staffing policy (it has no schedule to add "
            "hires to); leave the ramp out or replace the team",
            list(offer.ramp),
        )
    return staffed


def weekly_attainment(*, on_time: np.ndarray, due: np.ndarray) -> np.ndarray:
    """Per-week SLA attainment over the tasks whose deadline fell in the week: ``on_time`` over ``due``, both daily
    counts by deadline day (:class:`~simulator.results.DailySeries`). nan for a week in which nothing fell due.

    These are the overall attainment's own counts, so weighting each week by its tasks due gives back the overall
    figure; a week whose tasks fell due but were not accepted (whether or not anything else was) scores 0.
    """
    on_time_days = np.asarray(on_time, dtype=float)
    due_days = np.asarray(due, dtype=float)
    if on_time_days.shape != due_days.shape:
        raise ValueError(f"on_time and due must have one value per day, got {on_time_days.size} and {due_days.size}")
    weeks = math.ceil(due_days.size / 7)
    index = np.arange(due_days.size) // 7
    met = np.bincount(index, weights=on_time_days, minlength=weeks)
    total = np.bincount(index, weights=due_days, minlength=weeks)
    out = np.full(weeks, np.nan)
    np.divide(met, total, out=out, where=total > 0)
    return out


def feasibility_replication(scenario: Scenario, seed: np.random.SeedSequence, *, flow: str = "kernel") -> Replication:
    """One replication reduced to what feasibility needs: met or not, attainment, cost, weekly attainment."""
    from simulator.engine import run_replication

    result = run_replication(scenario, seed, flow="reference" if flow == "reference" else "kernel")
    required = scenario.sla.required_attainment
    summary = result.summary
    attainment = float(summary.sla_attainment)
    weekly = weekly_attainment(on_time=result.daily.sla_on_time, due=result.daily.sla_due)
    return Replication(
        summary={
            "sla_met": 1.0 if math.isfinite(attainment) and attainment >= required else 0.0,
            "sla_attainment": attainment,
            "total_cost": float(summary.total_cost),
            "backlog_end": float(summary.backlog_end),
            "tasks_completed": float(summary.tasks_completed),
            "turnaround_p90_hours": float(summary.turnaround_p90_hours),
        },
        # A week in which no deadline fell is not a failing week.
        daily={"week_met": np.where(np.isnan(weekly), 1.0, (weekly >= required).astype(float))},
    )


@dataclass(frozen=True)
class FeasibilityReport:
    """The answer: probability the SLA is met (with its Wilson 95% CI), the first failing week, and context."""

    feasible: bool
    probability: float
    ci_low: float
    ci_high: float
    required_probability: float
    replications: int
    first_failing_week: int | None
    weekly_probability: tuple[float, ...]
    sla_attainment: Estimate
    total_cost: Estimate
    backlog_end: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "probability": self.probability,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "required_probability": self.required_probability,
            "replications": self.replications,
            "first_failing_week": self.first_failing_week,
            "weekly_probability": list(self.weekly_probability),
            "sla_attainment": self.sla_attainment.to_dict(),
            "total_cost": self.total_cost.to_dict(),
            "backlog_end": self.backlog_end.to_dict(),
        }


def check_feasibility(
    scenario: Scenario,
    *,
    replications: int = 64,
    seed: int = 0,
    required_probability: float = 0.9,
    executor: str = "serial",
    progress: Callable[[int, int], None] | None = None,
) -> FeasibilityReport:
    """Estimate whether ``scenario`` meets its SLA with at least ``required_probability``.

    Weeks are numbered from 1. ``feasible`` compares the point estimate with ``required_probability``; the CI says
    how sure that comparison is (raise ``replications`` when it straddles the requirement).
    """
    if not 0.0 < required_probability <= 1.0:
        raise invalid(("required_probability",), "must be in (0, 1]", required_probability)
    result = run_monte_carlo(
        scenario,
        replications=replications,
        seed=seed,
        executor=executor,
        runner=functools.partial(feasibility_replication),
        progress=progress,
    )
    met = result.samples["sla_met"]
    successes = int(np.sum(met))
    low, high = wilson_interval(successes, replications)
    probability = successes / replications
    weekly = result.daily["week_met"].mean if "week_met" in result.daily else np.empty(0)
    weekly_list = tuple(float(v) for v in np.nan_to_num(weekly, nan=1.0))
    failing = [i + 1 for i, p in enumerate(weekly_list) if p < required_probability]
    return FeasibilityReport(
        feasible=probability >= required_probability,
        probability=probability,
        ci_low=low,
        ci_high=high,
        required_probability=required_probability,
        replications=replications,
        first_failing_week=failing[0] if failing else None,
        weekly_probability=weekly_list,
        sla_attainment=result.summary["sla_attainment"],
        total_cost=result.summary["total_cost"],
        backlog_end=result.summary["backlog_end"],
    )
