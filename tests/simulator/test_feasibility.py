"""SLA feasibility: agreement with Erlang C on a pure queueing case, intervals, the first failing week."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from simulator.planning.feasibility import (
    Hire,
    OfferMode,
    VendorOffer,
    apply_offer,
    check_feasibility,
    scheduled_hires,
    with_hires,
)
from simulator.queueing import erlang_c
from simulator.scenario import SLA, ModelSpec, Scenario, ScenarioError

ARRIVALS_PER_HOUR = 16.0
SERVICE_MINUTES = 30.0
SERVERS = 10
TURNAROUND_HOURS = 1.0


def _theory_turnaround_within(t: float) -> float:
    """P(wait + service <= t) in M/M/c: no wait with 1 - C, else Exp(c·mu - lambda) wait plus Exp(mu) service."""
    mu = 60.0 / SERVICE_MINUTES
    load = ARRIVALS_PER_HOUR / mu
    c = erlang_c(SERVERS, load)
    a, b = SERVERS * mu - ARRIVALS_PER_HOUR, mu
    served = 1.0 - math.exp(-b * t)
    waited_then_served = 1.0 - (b * math.exp(-a * t) - a * math.exp(-b * t)) / (b - a)
    return (1.0 - c) * served + c * waited_then_served


def _queueing(required_attainment: float) -> Scenario:
    scenario = Scenario.queueing(
        arrivals_per_hour=ARRIVALS_PER_HOUR, mean_service_minutes=SERVICE_MINUTES, servers=SERVERS, horizon_days=14
    )
    return replace(scenario, sla=SLA(TURNAROUND_HOURS, required_attainment))


def test_simulated_attainment_agrees_with_erlang_c() -> None:
    theory = _theory_turnaround_within(TURNAROUND_HOURS)
    report = check_feasibility(_queueing(0.5), replications=24, seed=3)
    estimate = report.sla_attainment
    # The run starts empty, so its first hours are slightly better than steady state: allow 0.01 beyond the CI.
    assert estimate.ci_low - 0.01 <= theory <= estimate.ci_high + 0.01, (theory, estimate)


def test_feasible_below_the_theoretical_attainment_and_infeasible_above() -> None:
    theory = _theory_turnaround_within(TURNAROUND_HOURS)
    easy = check_feasibility(_queueing(theory - 0.08), replications=24, seed=1)
    hard = check_feasibility(_queueing(min(theory + 0.08, 1.0)), replications=24, seed=1)
    assert easy.feasible and easy.probability >= 0.9
    assert not hard.feasible and hard.probability <= 0.1
    assert hard.first_failing_week == 1
    assert hard.ci_high < 0.25 and easy.ci_low > 0.75


def test_same_seed_same_answer() -> None:
    first = check_feasibility(_queueing(0.8), replications=8, seed=9)
    second = check_feasibility(_queueing(0.8), replications=8, seed=9)
    assert first.to_dict() == second.to_dict()


def test_an_understaffed_offer_fails_in_its_first_week_and_a_ramp_fixes_later_weeks() -> None:
    base = replace(_queueing(0.8), horizon_days=35)
    # The queueing scenario's servers are there around the clock, and so are the offer's people
    short = apply_offer(
        base,
        VendorOffer(headcount=7, hourly_rate=20.0, time_to_hire_days=3.0, training_days=1.0, hours_per_day=24.0),
    )
    report = check_feasibility(short, replications=8, seed=2)
    assert not report.feasible
    assert report.first_failing_week == 1
    ramped = apply_offer(
        base,
        VendorOffer(
            headcount=7,
            ramp=((0, 6),),
            hourly_rate=20.0,
            time_to_hire_days=3.0,
            training_days=1.0,
            attrition_per_week=0.0,
            hours_per_day=24.0,
            extra={"test_pass_probability": 1.0},
        ),
    )
    later = check_feasibility(ramped, replications=8, seed=2)
    assert later.weekly_probability[-1] == 1.0
    assert later.weekly_probability[0] == 0.0


def test_offer_validation_names_the_field() -> None:
    with pytest.raises(ScenarioError, match=r"offer\.hourly_rate or offer\.price_per_label"):
        VendorOffer(headcount=3)
    with pytest.raises(ScenarioError, match=r"offer\.ramp\[0\]\.count must be an integer >= 0, got -1"):
        VendorOffer(headcount=3, hourly_rate=1.0, ramp=((1, -1),))
    with pytest.raises(ScenarioError, match=r"offer\.headcount must be at most 100,000, got 100001"):
        VendorOffer(headcount=100_001, hourly_rate=1.0)
    with pytest.raises(ScenarioError, match=r"offer\.ramp\[1\]\.count must be at most 100,000, got 1000000"):
        VendorOffer(headcount=3, hourly_rate=1.0, ramp=((0, 5), (1, 10**6)))


def test_an_added_offer_joins_the_team_and_its_scheduled_hires() -> None:
    # Given a team that already plans to hire 2 on day 3
    base = with_hires(Scenario(horizon_days=14), [Hire("default", 3.0, 2)])
    offer = VendorOffer(name="Northwind", headcount=5, ramp=((1, 4),), hourly_rate=12.0)
    # When the offer is added, the team keeps its pool and its hires beside the offer's
    added = apply_offer(base, offer, OfferMode.ADD)
    assert [p.name for p in added.workforce] == ["default", "Northwind"]
    assert set(scheduled_hires(added)) == {Hire("default", 3.0, 2), Hire("Northwind", 7.0, 4)}
    # When it replaces the team, the offer is all there is
    assert [p.name for p in apply_offer(base, offer, OfferMode.REPLACE).workforce] == ["Northwind"]
    # A ramp cannot join a team hired by a policy: refused, not silently dropped
    policy = replace(base, staffing=ModelSpec("backlog"))
    with pytest.raises(ScenarioError, match=r"offer\.ramp cannot be added to a team hiring by the 'backlog'"):
        apply_offer(policy, offer, OfferMode.ADD)
    with pytest.raises(ScenarioError, match=r"offer\.name must differ from the current team's pools"):
        apply_offer(base, VendorOffer(name="default", hourly_rate=12.0), OfferMode.ADD)
