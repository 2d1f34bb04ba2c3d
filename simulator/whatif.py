"""What-if variants of a scenario: demand spikes, slower vendor ramps, higher attrition, side by side.

A :class:`Variant` is a small set of multipliers and additions applied to a base scenario; :func:`compare` runs
the base and every variant on the same replication seeds (common random numbers), so differences between their
summaries come from the change, not from luck.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from simulator.montecarlo import Estimate, run_monte_carlo
from simulator.scenario import Distribution, ModelSpec, Scenario, ScenarioError, Spike

__all__ = ["COMPARED_METRICS", "Variant", "VariantResult", "apply_variant", "compare"]

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
        raise ScenarioError(f"{path} must be > 0, got {value!r}")


@dataclass(frozen=True)
class Variant:
    """A change to a base scenario. Multipliers default to 1 (no change).

    ``demand_multiplier`` scales base demand (1.2 = +20%); ``spikes`` adds launch events; ``hiring_delay_multiplier``
    and ``learning_tau_multiplier`` slow a vendor's ramp (longer time to hire, slower learning);
    ``attrition_multiplier`` scales every pool's weekly attrition (capped at 1); ``headcount_delta`` adds people in
    production to every pool (never below 0); ``speed_multiplier`` scales every pool's speed factor.
    """

    name: str
    demand_multiplier: float = 1.0
    spikes: tuple[Spike, ...] = ()
    hiring_delay_multiplier: float = 1.0
    learning_tau_multiplier: float = 1.0
    attrition_multiplier: float = 1.0
    headcount_delta: int = 0
    speed_multiplier: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ScenarioError(f"name must be a non-empty string, got {self.name!r}")
        for key in (
            "demand_multiplier",
            "hiring_delay_multiplier",
            "learning_tau_multiplier",
            "attrition_multiplier",
            "speed_multiplier",
        ):
            _positive(key, getattr(self, key))
        object.__setattr__(self, "spikes", tuple(self.spikes))


def apply_variant(scenario: Scenario, variant: Variant) -> Scenario:
    """The base ``scenario`` changed as ``variant`` says (validated like any scenario)."""
    demand = scenario.demand
    demand = replace(
        demand,
        base_per_day=demand.base_per_day * variant.demand_multiplier,
        trace=tuple(count * variant.demand_multiplier for count in demand.trace),
        spikes=demand.spikes + variant.spikes,
    )
    pools = []
    for pool in scenario.workforce:
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
