"""What-if variants of a scenario: demand spikes, slower vendor ramps, higher attrition, side by side.

A :class:`Variant` is a small set of multipliers and additions applied to a base scenario; :func:`compare` runs
the base and every variant on the same replication seeds (common random numbers), so differences between their
summaries come from the change, not from luck.

Workforce changes apply to one named pool or to every labeling pool; reviewers (the scenario's review team) are
never touched by them. A variant that would change nothing in the scenario it is applied to (a slower hiring
ramp where nobody is hired) is refused by :func:`check_variant` with the reason, rather than shown as a result
identical to the baseline.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from simulator.demand_plan import DemandPlan, demand_plan, plan_params
from simulator.montecarlo import Estimate, run_monte_carlo
from simulator.planning.feasibility import scheduled_hires
from simulator.scenario import Demand, Distribution, ModelSpec, Pool, Scenario, ScenarioError, Spike, invalid

__all__ = ["COMPARED_METRICS", "Variant", "VariantResult", "apply_variant", "check_variant", "compare"]

COMPARED_METRICS: tuple[str, ...] = (
    "sla_attainment",
    "total_cost",
    "backlog_end",
    "tasks_completed",
    "turnaround_p90_hours",
    "completion_day",
    "cost_per_accepted_label",
    "mean_headcount_production",
)


def _positive(path: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise invalid((path,), "must be > 0", value)


@dataclass(frozen=True)
class Variant:
    """A change to a base scenario. Multipliers default to 1 (no change).

    ``demand_multiplier`` scales base demand (1.2 = +20%); ``spikes`` adds launch events; ``hiring_delay_multiplier``
    and ``learning_tau_multiplier`` slow a vendor's ramp (longer time to hire, slower learning);
    ``attrition_multiplier`` scales weekly attrition (capped at 1); ``headcount_delta`` adds people in production
    (:func:`check_variant` refuses taking more than a pool has); ``speed_multiplier`` scales the speed factor.
    These apply to the pool named ``pool``, or to every labeling pool when it is None.
    """

    name: str
    pool: str | None = None
    demand_multiplier: float = 1.0
    spikes: tuple[Spike, ...] = ()
    hiring_delay_multiplier: float = 1.0
    learning_tau_multiplier: float = 1.0
    attrition_multiplier: float = 1.0
    headcount_delta: int = 0
    speed_multiplier: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise invalid(("name",), "must be a non-empty string", self.name)
        for key in (
            "demand_multiplier",
            "hiring_delay_multiplier",
            "learning_tau_multiplier",
            "attrition_multiplier",
            "speed_multiplier",
        ):
            _positive(key, getattr(self, key))
        object.__setattr__(self, "spikes", tuple(self.spikes))


def _scaled_plan(demand: Demand, factor: float) -> dict[str, Any]:
    """``demand``'s params with its planned weeks and launches scaled by ``factor``: a planned week replaces the base
    rate, so scaling the base alone would leave a planned horizon as it was."""
    if demand.model != "pattern" or factor == 1.0:
        return dict(demand.params)
    plan = demand_plan(demand)
    if plan.empty:
        return dict(demand.params)
    scaled = DemandPlan(
        tuple(volume * factor for volume in plan.weekly_volumes),
        tuple(replace(launch, extra_tasks=launch.extra_tasks * factor) for launch in plan.launches),
        plan.start_date,
    )
    params = {key: value for key, value in demand.params.items() if key not in ("weekly_volumes", "launches")}
    return {**params, **plan_params(scaled)}


def apply_variant(scenario: Scenario, variant: Variant) -> Scenario:
    """The base ``scenario`` changed as ``variant`` says (validated like any scenario)."""
    demand = scenario.demand
    demand = replace(
        demand,
        params=_scaled_plan(demand, variant.demand_multiplier),
        base_per_day=demand.base_per_day * variant.demand_multiplier,
        trace=tuple(count * variant.demand_multiplier for count in demand.trace),
        spikes=demand.spikes + variant.spikes,
    )
    pools = []
    for pool in scenario.workforce:
        if variant.pool is not None and pool.name != variant.pool:
            pools.append(pool)
            continue
        hire = pool.time_to_hire_days
        pools.append(
            replace(
                pool,
                time_to_hire_days=Distribution(hire.kind, hire.mean * variant.hiring_delay_multiplier, hire.cv),
                attrition_per_week=min(1.0, pool.attrition_per_week * variant.attrition_multiplier),
                headcount=replace(
                    pool.headcount, production=max(0, pool.headcount.production + variant.headcount_delta)
                ),
                speed_factor=pool.speed_factor * variant.speed_multiplier,
            )
        )
    learning = scenario.learning
    if variant.learning_tau_multiplier != 1.0 and learning.model in ("exponential", "power"):
        params = dict(learning.params)
        key = "tau_weeks" if learning.model == "exponential" else None
        if key is not None:
            params[key] = float(params.get(key, 1.75)) * variant.learning_tau_multiplier
            learning = ModelSpec(learning.model, params)
    return replace(
        scenario, name=f"{scenario.name} / {variant.name}", demand=demand, workforce=tuple(pools), learning=learning
    )


def _hires_into(scenario: Scenario, pools: Sequence[Pool]) -> bool:
    """Whether anyone is hired into ``pools`` during the scenario (a pipeline at the start, a schedule, a policy)."""
    names = {pool.name for pool in pools}
    if any(pool.headcount.hiring > 0 for pool in pools):
        return True
    staffing = scenario.staffing
    if staffing.model == "fixed":
        return False
    if staffing.model == "scheduled":
        return any(h.pool in names and h.count > 0 for h in scheduled_hires(scenario))
    return True  # a policy (hiring on backlog or SLA) may hire whenever it sees fit


def _changes_workforce(variant: Variant) -> bool:
    """Whether ``variant`` changes anything a pool holds (what its ``pool`` selects)."""
    multipliers = (variant.hiring_delay_multiplier, variant.attrition_multiplier, variant.speed_multiplier)
    return variant.headcount_delta != 0 or any(m != 1.0 for m in multipliers)


def check_variant(scenario: Scenario, variant: Variant) -> None:
    """Refuse ``variant`` when a change it asks for has no effect on ``scenario``, saying why (ScenarioError)."""
    names = [pool.name for pool in scenario.workforce]
    if variant.pool is not None and variant.pool not in names:
        # Reviewers are the scenario's review team, not a pool: say so to whoever names their vendor.
        reviewers = "; the review team is not one, and variants never change it" if scenario.review.reviewers else ""
        raise invalid(("pool",), f"must name a workforce pool ({', '.join(names)}){reviewers}", variant.pool)
    targets = [p for p in scenario.workforce if variant.pool is None or p.name == variant.pool]
    where = f"pool {variant.pool!r}" if variant.pool is not None else "any pool"
    if variant.headcount_delta and variant.pool is None and len(names) > 1:
        raise ScenarioError(
            f"headcount_delta needs a pool when the scenario has several ({', '.join(names)}): "
            f"{variant.headcount_delta:+d} in each would change the team by "
            f"{variant.headcount_delta * len(names):+d} people; name the pool it applies to (none was named)",
            path=("headcount_delta",),
        )
    if variant.hiring_delay_multiplier != 1.0 and not _hires_into(scenario, targets):
        raise invalid(
            ("hiring_delay_multiplier",),
            f"has no effect: no hiring into {where} in this scenario, so a slower ramp changes nothing (add hires "
            "or a staffing policy first)",
            variant.hiring_delay_multiplier,
        )
    if variant.attrition_multiplier != 1.0 and all(p.attrition_per_week == 0 for p in targets):
        raise invalid(
            ("attrition_multiplier",),
            f"has no effect: attrition is 0 in {where}, so multiplying it changes nothing",
            variant.attrition_multiplier,
        )
    if variant.learning_tau_multiplier != 1.0:
        if variant.pool is not None:
            raise ScenarioError(
                "learning_tau_multiplier sets the whole scenario's learning curve and cannot apply to one pool, "
                f"got pool {variant.pool!r}",
                path=("learning_tau_multiplier",),
            )
        if scenario.learning.model != "exponential":
            raise invalid(
                ("learning_tau_multiplier",),
                f"has no effect: the learning model is {scenario.learning.model!r}, which has no time constant",
                variant.learning_tau_multiplier,
            )
    for i, spike in enumerate(variant.spikes):
        if spike.multiplier == 1.0:
            raise invalid(("spikes", i, "multiplier"), "has no effect: multiplying demand by 1 changes nothing", 1.0)
        if spike.start_day >= scenario.horizon_days:
            raise invalid(
                ("spikes", i, "start_day"),
                f"has no effect: the spike starts after the scenario's {scenario.horizon_days}-day horizon",
                spike.start_day,
            )
    unchanged = Variant(name=variant.name, pool=variant.pool)
    if replace(variant, spikes=tuple(variant.spikes)) == unchanged:
        raise ScenarioError(
            f"variant {variant.name!r} changes nothing: set at least one multiplier, delta or spike",
            path=(),  # the whole variant, no one field of it
        )
    if variant.pool is not None and not _changes_workforce(variant):
        raise invalid(
            ("pool",),
            "has no effect: the variant changes only demand, which is the whole scenario's (leave the pool out)",
            variant.pool,
        )
    if variant.headcount_delta < 0:
        for pool in targets:
            if pool.headcount.production + variant.headcount_delta < 0:
                raise invalid(
                    ("headcount_delta",),
                    f"must not take more people than pool {pool.name!r} has in production "
                    f"({pool.headcount.production})",
                    variant.headcount_delta,
                )
    try:
        apply_variant(scenario, variant)
    except ScenarioError as error:
        raise _variant_error(variant, error) from None


# The variant's field behind each part of the scenario it changes.
_CHANGED_BY = {
    "demand": "demand_multiplier",
    "spikes": "spikes",
    "headcount": "headcount_delta",
    "speed_factor": "speed_multiplier",
    "attrition_per_week": "attrition_multiplier",
    "time_to_hire_days": "hiring_delay_multiplier",
    "learning": "learning_tau_multiplier",
}


def _variant_error(variant: Variant, error: ScenarioError) -> ScenarioError:
    """A scenario the variant makes invalid, told as the variant's own field and value (the scenario's names are
    not the client's: ``demand.base_per_day`` is what ``demand_multiplier`` took too far)."""
    parts = [part for part in error.path or () if isinstance(part, str)]
    field = next((_CHANGED_BY[part] for part in reversed(parts) if part in _CHANGED_BY), None)
    if field is None:
        return ScenarioError(f"variant {variant.name!r} makes an invalid scenario: {error}", path=())
    value = getattr(variant, field)
    return ScenarioError(
        f"{field} makes an invalid scenario ({error}), got {value!r}",
        path=(field,),
        requirement=f"makes an invalid scenario ({error})",
        value=value,
    )


@dataclass(frozen=True)
class VariantResult:
    """A variant's summary estimates (95% CIs) over the shared replication seeds."""

    name: str
    summary: dict[str, Estimate]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "summary": {k: v.to_dict() for k, v in self.summary.items()}}


def compare(
    scenario: Scenario,
    variants: Sequence[Variant],
    *,
    replications: int = 32,
    seed: int = 0,
    executor: str = "serial",
    include_base: bool = True,
) -> list[VariantResult]:
    """Run the base (named ``baseline``) and each variant on the same seeds; summaries in input order."""
    from simulator.engine import run_replication

    for variant in variants:
        check_variant(scenario, variant)
    runs: list[tuple[str, Scenario]] = [("baseline", scenario)] if include_base else []
    runs.extend((variant.name, apply_variant(scenario, variant)) for variant in variants)
    out = []
    for name, changed in runs:
        result = run_monte_carlo(
            changed,
            replications=replications,
            seed=seed,
            executor=executor,
            runner=functools.partial(run_replication, flow="kernel"),
        )
        out.append(VariantResult(name, {k: result.summary[k] for k in COMPARED_METRICS if k in result.summary}))
    return out
