"""Cheapest plan search: on a case small enough to enumerate, it finds the cheapest plan meeting the SLA."""

from __future__ import annotations

import pytest

from simulator.feasibility import Hire
from simulator.optimize import HiringOption, Plan, candidate_plans, cheapest_plan, evaluate_plan
from simulator.scenario import (
    SLA,
    Calendar,
    Demand,
    Distribution,
    Headcount,
    ModelSpec,
    Pool,
    Project,
    Scenario,
    ScenarioError,
    ServiceTime,
)

CONFIRM = 12
REQUIRED = 0.8


def _pool(name: str, production: int, rate: float, hire_days: float) -> Pool:
    return Pool(
        name=name,
        headcount=Headcount(production=production),
        hourly_rate=rate,
        attrition_per_week=0.0,
        time_to_hire_days=Distribution("fixed", hire_days, 0.0),
        platform_training_days=1.0,
        project_training_days=0.0,
        test_pass_probability=1.0,
    )


SMALL = Scenario(
    name="small",
    horizon_days=21,
    calendar=Calendar(hours_per_day=8.0, working_days=(0, 1, 2, 3, 4)),
    demand=Demand(base_per_day=400.0, projects=(Project(minutes_per_label=2.0),)),
    service_time=ServiceTime("lognormal", 0.5),
    workforce=(_pool("cheap", 2, 10.0, 3.0), _pool("fast", 0, 16.0, 1.0)),
    learning=ModelSpec("none"),
    quality=ModelSpec("constant", {"error_probability": 0.0}),
    sla=SLA(turnaround_hours=72.0, required_attainment=0.9),
)
OPTIONS = [HiringOption("cheap", (0, 1, 2), (0.0, 7.0)), HiringOption("fast", (0, 1), (0.0,))]


def test_candidates_enumerate_every_count_and_day_once() -> None:
    plans = candidate_plans(OPTIONS)
    # cheap: none, 1 or 2 on day 0 or 7 (5 choices); fast: none or 1 (2 choices)
    assert len(plans) == 10
    assert Plan(()) in plans
    assert Plan((Hire("cheap", 7.0, 2), Hire("fast", 0.0, 1))) in plans


def test_finds_the_cheapest_plan_that_exhaustive_enumeration_finds() -> None:
    # Given every plan evaluated on the confirmation replications
    everything = [evaluate_plan(SMALL, plan, replications=CONFIRM, seed=4) for plan in candidate_plans(OPTIONS)]
    meeting = sorted((e for e in everything if e.probability >= REQUIRED), key=lambda e: e.expected_cost)
    assert meeting and len(meeting) < len(everything)  # the case is not trivial
    # When the search screens with a few replications and confirms finalists
    result = cheapest_plan(
        SMALL, OPTIONS, required_probability=REQUIRED, screen_replications=4, confirm_replications=CONFIRM, seed=4
    )
    # Then it picks the exhaustive answer, with the same estimates (same seeds)
    assert result.feasible
    assert result.best.plan == meeting[0].plan
    assert result.best.expected_cost == pytest.approx(meeting[0].expected_cost)
    assert result.best.probability == meeting[0].probability
    assert result.best.sla_attainment_ci[0] <= result.best.sla_attainment <= result.best.sla_attainment_ci[1]
    assert all(r.expected_cost >= result.best.expected_cost for r in result.runner_ups if r.meets(REQUIRED))
    assert result.candidates == 10


def test_reports_infeasible_with_the_most_reliable_plan_when_nothing_meets_the_sla() -> None:
    result = cheapest_plan(
        SMALL,
        [HiringOption("cheap", (0,), (0.0,))],
        required_probability=REQUIRED,
        screen_replications=2,
        confirm_replications=4,
    )
    assert not result.feasible
    assert result.best.plan == Plan(())


def test_bad_options_name_the_field() -> None:
    with pytest.raises(ScenarioError, match=r"options\[\]\.pool must name a workforce pool, got 'nobody'"):
        cheapest_plan(SMALL, [HiringOption("nobody", (1,))])
    with pytest.raises(ScenarioError, match=r"options\[cheap\]\.counts must hold integers >= 0"):
        HiringOption("cheap", (-1,))
