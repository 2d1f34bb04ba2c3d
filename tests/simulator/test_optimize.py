"""Cheapest plan search: it finds what exhaustive enumeration finds on the same random numbers, without listing
the plans, and says what limits the closest plan when none meets the SLA."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from simulator.planning.feasibility import Hire
from simulator.planning.optimize import (
    HiringOption,
    Plan,
    PlanSearchResult,
    cheapest_plan,
    evaluate_plan,
    plan_space_size,
    review_wait_ceiling,
    reviewers_for_demand,
)
from simulator.scenario import (
    SLA,
    Calendar,
    Demand,
    Distribution,
    Headcount,
    ModelSpec,
    Pool,
    Project,
    Review,
    Scenario,
    ScenarioError,
    ServiceTime,
    Waits,
)

CONFIRM = 12
REQUIRED = 0.8


def _pool(name: str, production: int, rate: float, hire_days: float, speed: float = 1.0) -> Pool:
    return Pool(
        name=name,
        headcount=Headcount(production=production),
        hourly_rate=rate,
        attrition_per_week=0.0,
        time_to_hire_days=Distribution("fixed", hire_days, 0.0),
        platform_training_days=1.0,
        project_training_days=0.0,
        test_pass_probability=1.0,
        speed_factor=speed,
    )


SMALL = Scenario(
    name="small",
    horizon_days=21,
    calendar=Calendar(hours_per_day=8.0, working_days=(0, 1, 2, 3, 4)),
    demand=Demand(base_per_day=400.0, projects=(Project(minutes_per_label=2.0),)),
    service_time=ServiceTime("lognormal", 0.5),
    workforce=(_pool("cheap", 2, 10.0, 3.0), _pool("fast", 0, 16.0, 1.0, speed=1.5)),
    learning=ModelSpec("none"),
    quality=ModelSpec("constant", {"error_probability": 0.0}),
    sla=SLA(turnaround_hours=72.0, required_attainment=0.9),
)
OPTIONS = [HiringOption("cheap", (0, 1, 2, 3), (0.0, 7.0)), HiringOption("fast", (0, 1, 2), (0.0,))]


def _every_plan(options: list[HiringOption]) -> list[Plan]:
    """The reference: every plan the options allow, listed."""
    per_pool = [
        [None] + [Hire(o.pool, day, count) for count in o.levels if count > 0 for day in o.start_days] for o in options
    ]
    return [Plan(tuple(sorted(h for h in combo if h is not None))) for combo in itertools.product(*per_pool)]


def test_the_plan_space_is_counted_without_listing_it() -> None:
    # cheap: none, or 1-3 on day 0 or 7 (7 choices); fast: none, 1 or 2 (3 choices)
    assert plan_space_size(OPTIONS) == 21 == len(set(_every_plan(OPTIONS)))
    assert plan_space_size([HiringOption(f"p{i}", (0, 2, 4)) for i in range(8)]) == 6561


def test_finds_the_cheapest_plan_that_exhaustive_enumeration_finds_on_the_same_random_numbers() -> None:
    # Given every plan evaluated on the confirmation replications
    everything = [evaluate_plan(SMALL, plan, replications=CONFIRM, seed=4) for plan in _every_plan(OPTIONS)]
    meeting = sorted((e for e in everything if e.probability >= REQUIRED), key=lambda e: (e.expected_cost, e.plan))
    assert meeting and len(meeting) < len(everything)  # the case is not trivial
    assert meeting[0].plan != Plan(())
    # When the search climbs and trims on a few replications and confirms on more
    result = cheapest_plan(
        SMALL, OPTIONS, required_probability=REQUIRED, screen_replications=4, confirm_replications=CONFIRM, seed=4
    )
    # Then it picks the exhaustive answer, with the same estimates (same seeds), simulating fewer plans
    assert result.feasible
    assert result.best.plan == meeting[0].plan
    assert result.best.expected_cost == pytest.approx(meeting[0].expected_cost)
    assert result.best.probability == meeting[0].probability
    assert result.best.sla_attainment_ci[0] <= result.best.sla_attainment <= result.best.sla_attainment_ci[1]
    assert result.runner_ups and all(r.replications == CONFIRM for r in result.runner_ups)
    assert all(r.expected_cost >= result.best.expected_cost for r in result.runner_ups if r.meets(REQUIRED))
    assert result.candidates == 21
    assert result.evaluated < result.candidates


def test_on_one_pool_the_answer_is_the_smallest_count_that_meets_the_sla() -> None:
    # Feasibility rises with head count, so the cheapest plan is the first count that meets the requirement.
    options = [HiringOption("cheap", tuple(range(9)), (0.0,))]
    everything = {c: evaluate_plan(SMALL, _every_plan(options)[c], replications=CONFIRM, seed=1) for c in range(9)}
    first = min(c for c, e in everything.items() if e.probability >= REQUIRED)
    result = cheapest_plan(SMALL, options, required_probability=REQUIRED, confirm_replications=CONFIRM, seed=1)
    assert 0 < first < 8  # hiring is needed, and not everything the options allow
    assert result.feasible and result.best.plan == Plan((Hire("cheap", 0.0, first),))
    assert result.best.probability == everything[first].probability


def test_a_plan_that_looked_feasible_on_few_replications_is_corrected_by_the_confirmation() -> None:
    # Given a team that meets the SLA in about 60% of replications: two lucky screening runs make it look enough
    borderline = replace(SMALL, demand=replace(SMALL.demand, base_per_day=380.0))
    options = [HiringOption("cheap", (0, 1, 2), (0.0,))]
    nobody = evaluate_plan(borderline, Plan(()), replications=2, seed=0)
    assert nobody.probability == 1.0
    assert evaluate_plan(borderline, Plan(()), replications=16, seed=0).probability < 0.9
    # When the search confirms on more replications, it steps up to the plan enumeration finds
    result = cheapest_plan(
        borderline, options, required_probability=0.9, screen_replications=2, confirm_replications=16, seed=0
    )
    assert result.feasible and result.best.plan == Plan((Hire("cheap", 0.0, 1),))
    assert result.best.replications == 16


def _search_with_late_hires() -> PlanSearchResult:
    """Demand far above the team from day 0, and hires that take two weeks to arrive (around day 15 of 21)."""
    slow = replace(
        SMALL,
        demand=replace(SMALL.demand, base_per_day=1500.0),
        workforce=(_pool("cheap", 2, 10.0, 14.0),),
        sla=SLA(turnaround_hours=24.0, required_attainment=0.9),
    )
    return cheapest_plan(
        slow,
        [HiringOption("cheap", (0, 5, 10))],
        required_probability=REQUIRED,
        screen_replications=4,
        confirm_replications=4,
    )


def test_infeasible_reports_the_closest_plan_and_the_hiring_lag_that_limits_it() -> None:
    result = _search_with_late_hires()
    assert not result.feasible
    assert result.best.plan == Plan((Hire("cheap", 0.0, 10),))  # the closest: the most the options allow
    kinds = [limit.kind for limit in result.limits]
    assert "hiring_lag" in kinds
    assert "week(s) 1, 2, 3 fail before anyone hired can be in production" in result.limits[0].message


def test_hires_arriving_after_the_last_week_starts_are_never_said_to_meet_the_sla() -> None:
    # Given hires that reach production around day 15 of a 21-day horizon: no week starts with them at work
    result = _search_with_late_hires()
    # Then nothing claims the weeks with the hires meet the SLA (none was simulated); the horizon is named instead
    messages = [limit.message for limit in result.limits]
    assert not any("weeks meet the SLA" in message for message in messages), messages
    horizon = next(limit.message for limit in result.limits if limit.kind == "horizon")
    assert horizon.startswith("the hires arrive around day 15, too late for any week of the 21-day horizon")


def test_a_first_week_of_deadlines_with_nobody_working_is_named_in_the_hiring_lag() -> None:
    # Given nobody in production until the hires arrive around day 8: week 1's tasks fall due, none is accepted
    idle = replace(
        SMALL, workforce=(_pool("cheap", 0, 10.0, 7.0),), sla=SLA(turnaround_hours=24.0, required_attainment=0.9)
    )
    result = cheapest_plan(
        idle,
        [HiringOption("cheap", (0, 5, 10))],
        required_probability=REQUIRED,
        screen_replications=4,
        confirm_replications=4,
    )
    # Then week 1 fails (it is not skipped for accepting nothing) and the hiring lag names it
    assert not result.feasible
    assert result.best.weekly_probability[0] == 0.0
    lag = next(limit.message for limit in result.limits if limit.kind == "hiring_lag")
    assert lag.startswith("week(s) 1, 2 fail before anyone hired can be in production")


def test_infeasible_with_every_pool_at_its_largest_count_says_max_hires() -> None:
    fast_hire = replace(
        SMALL, demand=replace(SMALL.demand, base_per_day=3000.0), workforce=(_pool("cheap", 2, 10.0, 0.0),)
    )
    result = cheapest_plan(
        fast_hire,
        [HiringOption("cheap", (0, 1, 2))],
        required_probability=REQUIRED,
        screen_replications=4,
        confirm_replications=4,
    )
    assert not result.feasible
    assert "max_hires" in [limit.kind for limit in result.limits]
    assert "cheap 2" in next(limit.message for limit in result.limits if limit.kind == "max_hires")


def test_recorded_review_waits_past_the_turnaround_are_the_limit_hiring_cannot_lift() -> None:
    # Every label is reviewed; a quarter of the reviews come 30 h after submission, past the 24 h turnaround, so
    # at most 75% of tasks can meet it whatever the team, and the SLA asks 90%.
    waits = Waits(first_review_hours=(1.0, 2.0, 3.0, 30.0), review_share=1.0)
    slow_review = replace(SMALL, sla=SLA(turnaround_hours=24.0, required_attainment=0.9), waits=waits)
    assert review_wait_ceiling(slow_review) == pytest.approx(0.75, abs=0.01)
    result = cheapest_plan(
        slow_review,
        [HiringOption("cheap", (0, 1, 2))],
        required_probability=REQUIRED,
        screen_replications=4,
        confirm_replications=4,
    )
    assert not result.feasible
    assert [limit.kind for limit in result.limits] == ["recorded_waits"]
    assert "for 25% of labels, so attainment cannot pass 75% (the SLA asks 90%)" in result.limits[0].message
    # Reviews well within the turnaround: the ceiling is 1 and the search finds a plan.
    quick = replace(SMALL, waits=replace(waits, first_review_hours=(1.0, 2.0)))
    assert review_wait_ceiling(quick) == 1.0
    assert cheapest_plan(
        quick, [HiringOption("cheap", (0, 1, 2))], required_probability=REQUIRED, screen_replications=4
    ).feasible


def test_a_pool_whose_hires_arrive_after_the_horizon_is_pruned_with_the_reason() -> None:
    late = replace(SMALL, workforce=(SMALL.workforce[0], _pool("fast", 0, 16.0, 30.0)))
    result = cheapest_plan(
        late, [HiringOption("cheap", (0, 1, 2)), HiringOption("fast", (0, 5))], required_probability=REQUIRED
    )
    assert [p.pool for p in result.pruned] == ["fast"]
    assert "after the 21-day horizon" in result.pruned[0].reason
    assert all(h.pool == "cheap" for h in result.best.plan.hires)
    # A start day far past any horizon is said in powers of ten, not in 309 digits
    far = cheapest_plan(
        late,
        [HiringOption("cheap", (0, 1, 2)), HiringOption("fast", (0, 5), days=(1e308,))],
        required_probability=REQUIRED,
    )
    assert "reach production around day 1e+308, after the 21-day horizon" in far.pruned[0].reason


def test_reviewers_are_sized_from_review_demand_not_enumerated() -> None:
    # 400 tasks a day, all reviewed at 3 minutes (+ re-reviews of rework): 400 * 1.5 * 3 / 60 = 30 h/day of review;
    # a reviewer gives 8 h x 5/7 = 5.7 h/day at 80% busy: 4.57 h, so 7 reviewers.
    reviewed = replace(SMALL, review=Review(share_reviewed=1.0, reviewers=1, review_minutes=3.0))
    assert reviewers_for_demand(reviewed) == 7
    result = cheapest_plan(
        reviewed,
        [HiringOption("cheap", (0, 1))],
        required_probability=0.5,
        screen_replications=4,
        confirm_replications=4,
    )
    assert result.reviewers == 7
    assert reviewers_for_demand(SMALL) == 0


def test_bad_options_name_the_field() -> None:
    with pytest.raises(ScenarioError, match=r"options\[\]\.pool must name a workforce pool, got 'nobody'"):
        cheapest_plan(SMALL, [HiringOption("nobody", (1,))])
    with pytest.raises(ScenarioError, match=r"options\[\]\.pool must name each pool once, got 'cheap' twice"):
        cheapest_plan(SMALL, [HiringOption("cheap", (1,)), HiringOption("cheap", (2,))])
    with pytest.raises(ScenarioError, match=r"options\[cheap\]\.counts must hold integers between 0 and 1000"):
        HiringOption("cheap", (-1,))
    with pytest.raises(ScenarioError, match=r"options\[cheap\]\.counts must hold integers between 0 and 1000"):
        HiringOption("cheap", (10**6,))
    with pytest.raises(ScenarioError, match=r"options\[cheap\] may offer at most 50 counts and 50 days, got 51"):
        HiringOption("cheap", tuple(range(51)))
