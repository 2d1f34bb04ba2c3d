"""Demand plans: weekly volumes and named launches in the ``pattern`` demand, and the CSV a planner pastes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from plugins.demand_pattern import PatternDemand
from simulator.arrivals import pattern_volumes
from simulator.demand_plan import DemandPlan, Launch, demand_plan, plan_params, weekly_plan_from_csv
from simulator.loading import scenario_from_dict
from simulator.registry import check_scenario_plugins
from simulator.scenario import Calendar, Demand, ScenarioError, Spike

WEEKDAYS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0)


def _demand(**params: object) -> Demand:
    return Demand(base_per_day=100.0, weekly=WEEKDAYS, params=params)


def test_a_planned_week_is_spread_over_its_working_days_and_later_weeks_keep_the_base() -> None:
    volumes = pattern_volumes(_demand(weekly_volumes=[5000, 0]), 21)
    assert volumes[:7] == pytest.approx([1000, 1000, 1000, 1000, 1000, 0, 0])
    assert volumes[7:14] == pytest.approx([0] * 7)
    assert volumes[14:] == pytest.approx([100, 100, 100, 100, 100, 0, 0])


def test_a_launch_adds_its_extra_tasks_over_its_days_even_when_it_starts_mid_day() -> None:
    launch = {"name": "Berlin", "start_day": 2.5, "extra_tasks": 3000, "duration_days": 3}
    plain = pattern_volumes(_demand(), 14)
    launched = pattern_volumes(_demand(launches=[launch]), 14)
    extra = launched - plain
    assert extra.sum() == pytest.approx(3000)
    assert extra[2] == pytest.approx(500) and extra[3] == pytest.approx(1000) and extra[5] == pytest.approx(500)
    assert extra[:2] == pytest.approx([0, 0]) and extra[6:] == pytest.approx([0] * 8)


def test_spikes_still_multiply_the_planned_volume() -> None:
    demand = replace(_demand(weekly_volumes=[5000]), spikes=(Spike(0.0, 1.0, 2.0),))
    assert pattern_volumes(demand, 7)[:2] == pytest.approx([2000, 1000])


def test_arrivals_follow_the_plan_within_a_poisson_confidence_interval() -> None:
    demand = _demand(
        weekly_volumes=[5000, 2000], launches=[{"name": "L", "start_day": 8, "extra_tasks": 1000, "duration_days": 2}]
    )
    counts = []
    for seed in range(20):
        times = PatternDemand().arrivals(demand, Calendar(), 14, np.random.default_rng(seed))
        counts.append([np.sum(times < 168), np.sum(times >= 168)])
    weeks = np.array(counts, dtype=float)
    # Expected 5000 and 3000; Poisson sd of a 20-run mean: sqrt(5000/20) = 16, sqrt(3000/20) = 12.
    assert abs(weeks[:, 0].mean() - 5000) < 4 * 16
    assert abs(weeks[:, 1].mean() - 3000) < 4 * 12


def test_the_plan_round_trips_through_the_document_params() -> None:
    plan = DemandPlan((5000.0, 6500.0), (Launch("Berlin", 1.0, 3000.0, 5.0),))
    assert demand_plan(_demand(**plan_params(plan))) == plan


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"weekly_volumes": [100, -5]}, r"demand\.params\.weekly_volumes\[1\] must be >= 0, got -5"),
        ({"weekly_volumes": "100"}, r"demand\.params\.weekly_volumes must be a list of tasks per week"),
        ({"launches": [{"name": "x", "start_day": 0, "extra_tasks": 5}]}, r"launches\[0\] must give duration_days"),
        (
            {"launches": [{"name": "x", "start_day": 0, "extra_tasks": 5, "duration_days": 0}]},
            r"demand\.params\.launches\[x\]\.duration_days must be > 0, got 0",
        ),
        ({"start_date": "March"}, r"demand\.params\.start_date must be a date like 2027-03-01, got 'March'"),
    ],
)
def test_a_bad_plan_names_the_field_and_the_value(params: dict[str, object], said: str) -> None:
    with pytest.raises(ScenarioError, match=said):
        pattern_volumes(_demand(**params), 7)
    # Read from a document, the message says the field once (it said "demand.params.demand.params.weekly_volumes")
    # and the error's path is the field's, for the API to name.
    with pytest.raises(ScenarioError, match="^" + said if said.startswith("demand") else said) as error:
        check_scenario_plugins(scenario_from_dict({"demand": {"params": params}}))
    assert "demand.params.demand" not in str(error.value)
    assert error.value.path is not None and error.value.path[:2] == ("demand", "params") and len(error.value.path) > 2


def test_csv_takes_week_rows_with_a_header_or_one_number_a_line() -> None:
    assert weekly_plan_from_csv("week,tasks\n1,5000\n2, 6500\n") == (5000.0, 6500.0)
    assert weekly_plan_from_csv("5000\n\n6500") == (5000.0, 6500.0)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("week,tasks\n1,5000\n3,6500", r"line 3 must be week 2 \(weeks in order from 1\), got '3'"),
        ("5000\nlots", r"line 2 tasks must be a number >= 0, got 'lots'"),
        ("1,2,3", r"line 1 must be 'week,tasks' or a number, got '1,2,3'"),
        ("week,tasks\n", r"must hold at least one week"),
    ],
)
def test_bad_csv_names_the_line_and_the_value(text: str, said: str) -> None:
    with pytest.raises(ScenarioError, match=said):
        weekly_plan_from_csv(text)
