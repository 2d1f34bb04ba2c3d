"""Weekly SLA attainment is the overall attainment one week at a time: over the tasks that fell due in the week."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from simulator.engine import FlowName, run_replication
from simulator.planning.feasibility import VendorOffer, apply_offer, check_feasibility, weekly_attainment
from simulator.scenario import SLA, Scenario


def _idle_first_week(horizon_days: int = 14) -> Scenario:
    """Nobody works in week 1; a team hired on day 7 (no hiring or training delay) works from then on."""
    base = replace(
        Scenario.queueing(arrivals_per_hour=16.0, mean_service_minutes=30.0, servers=10, horizon_days=horizon_days),
        sla=SLA(24.0, 0.8),
    )
    offer = VendorOffer(
        headcount=0,
        ramp=((1, 12),),
        hourly_rate=20.0,
        time_to_hire_days=0.0,
        training_days=0.0,
        attrition_per_week=0.0,
        extra={"test_pass_probability": 1.0},
    )
    return apply_offer(base, offer)


def test_weekly_attainment_is_on_time_over_due_and_a_week_of_misses_scores_zero() -> None:
    due = np.array([0.0, 10.0, 10.0, 0.0, 0.0, 0.0, 20.0, 5.0, 0.0])
    on_time = np.array([0.0, 10.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    weekly = weekly_attainment(on_time=on_time, due=due)
    assert weekly[0] == 15.0 / 40.0
    assert weekly[1] == 0.0  # due, none on time: a miss, not an unmeasured week
    assert math.isnan(weekly_attainment(on_time=np.zeros(7), due=np.zeros(7))[0])  # nothing fell due
    with pytest.raises(ValueError, match="on_time and due must have one value per day, got 7 and 8"):
        weekly_attainment(on_time=np.zeros(7), due=np.zeros(8))


def test_a_one_week_horizon_fails_its_week_when_it_fails_overall() -> None:
    # Given the default scenario over one week, which misses its SLA (weekend deadlines go unmet)
    report = check_feasibility(replace(Scenario(), horizon_days=7), replications=2, seed=0)
    # Then its only week carries the overall answer: the week's probability is the overall probability
    assert len(report.weekly_probability) == 1
    assert report.weekly_probability[0] == report.probability
    assert not report.feasible and report.first_failing_week == 1


def test_a_week_whose_tasks_fell_due_with_nothing_accepted_fails() -> None:
    scenario = _idle_first_week()
    result = run_replication(scenario, 5)
    daily = result.daily
    # Given a first week in which tasks fall due and none is accepted
    assert daily.completed[:7].sum() == 0 and daily.sla_due[:7].sum() > 0
    # Then that week's attainment is 0 and it is the first failing week
    assert weekly_attainment(on_time=daily.sla_on_time, due=daily.sla_due)[0] == 0.0
    report = check_feasibility(scenario, replications=4, seed=5)
    assert report.weekly_probability[0] == 0.0
    assert report.first_failing_week == 1


@pytest.mark.parametrize(
    ("scenario", "flow"),
    [
        (Scenario(horizon_days=23), "kernel"),  # a partial last week, weekends, review and rework
        (_idle_first_week(17), "kernel"),
        (Scenario(horizon_days=10), "reference"),
    ],
)
def test_weekly_counts_recombine_into_the_overall_attainment(scenario: Scenario, flow: FlowName) -> None:
    result = run_replication(scenario, 11, flow=flow, keep_tasks=True)
    daily, tasks = result.daily, result.tasks
    assert tasks is not None
    # The daily counts are the per-task deadlines and acceptances, by deadline day, within the horizon
    deadline = tasks.arrival_hour + scenario.sla.turnaround_hours
    eligible = deadline <= scenario.horizon_hours
    day = np.minimum(deadline[eligible] // 24, scenario.horizon_days - 1).astype(int)
    on_time = tasks.finish_hour[eligible] <= deadline[eligible]
    np.testing.assert_array_equal(daily.sla_due, np.bincount(day, minlength=scenario.horizon_days))
    np.testing.assert_array_equal(daily.sla_on_time, np.bincount(day[on_time], minlength=scenario.horizon_days))
    # Weeks weighted by their tasks due give back the overall attainment: exactly in counts, to rounding in shares
    weeks = math.ceil(scenario.horizon_days / 7)
    week_of_day = np.arange(scenario.horizon_days) // 7
    due_by_week = np.bincount(week_of_day, weights=daily.sla_due, minlength=weeks)
    on_time_by_week = np.bincount(week_of_day, weights=daily.sla_on_time, minlength=weeks)
    assert on_time_by_week.sum() / due_by_week.sum() == result.summary.sla_attainment
    weekly = weekly_attainment(on_time=daily.sla_on_time, due=daily.sla_due)
    recombined = np.nansum(weekly * due_by_week) / due_by_week.sum()
    assert recombined == pytest.approx(result.summary.sla_attainment, rel=1e-12, abs=0.0)
