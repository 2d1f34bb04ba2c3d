"""Recorded waits in a scenario: a task is accepted at the later of the simulated acceptance and its arrival plus
a wait path drawn from the waits (pickup, first review, rework rounds), so planning answers carry the review and
rework tail the records show."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulator.engine import run_replication
from simulator.feasibility import check_feasibility
from simulator.loading import scenario_from_dict, scenario_to_dict
from simulator.scenario import SLA, Scenario, ScenarioError, Waits

# Ten labelers round the clock, 60% busy: a task is accepted well within four hours by the simulator alone.
BASE = replace(
    Scenario.queueing(arrivals_per_hour=12.0, mean_service_minutes=30.0, servers=10, horizon_days=14),
    sla=SLA(turnaround_hours=4.0, required_attainment=0.9),
)


def _turnarounds(scenario: Scenario, seed: int = 5) -> np.ndarray:
    tasks = run_replication(scenario, seed, keep_tasks=True).tasks
    assert tasks is not None
    # Tasks that arrived early enough to be accepted before the horizon whatever their waits.
    early = tasks.arrival_hour < scenario.horizon_hours - 72.0
    return (tasks.finish_hour - tasks.arrival_hour)[early]


def test_waits_of_zero_change_nothing_and_waits_never_make_a_task_earlier() -> None:
    plain = _turnarounds(BASE)
    assert np.array_equal(_turnarounds(replace(BASE, waits=Waits(labeling_hours=(0.0,)))), plain)
    waited = _turnarounds(replace(BASE, waits=Waits(labeling_hours=(0.5, 1.0, 6.0))))
    assert np.all(waited >= plain) and np.all(waited >= 0.5 - 1e-9)
    # The later clock wins: a third of the tasks wait six hours, the others keep the simulated time or 0.5-1 h.
    share_long = float(np.mean(waited >= 6.0))
    assert abs(share_long - 1 / 3) <= 4 * np.sqrt(2 / 9 / waited.size)


def test_review_and_rework_rounds_give_the_tail() -> None:
    # Every label reviewed three hours after submission; half are turned down and reworked within ten hours,
    # and each round after turns half of them down again: P(more than 12 h) = 1/2, P(more than 22 h) = 1/4.
    waits = Waits(
        labeling_hours=(0.0,),
        first_review_hours=(3.0,),
        rework_cycle_hours=(10.0,),
        review_share=1.0,
        down_by_round=(0.5,),
    )
    turnaround = _turnarounds(replace(BASE, waits=waits))
    assert np.all(turnaround >= 3.0 - 1e-9)
    n = turnaround.size
    for hours, share in ((12.0, 0.5), (22.0, 0.25)):
        observed = float(np.mean(turnaround > hours))
        assert abs(observed - share) <= 1.96 * np.sqrt(share * (1 - share) / n) * 2, (hours, observed)


def test_feasibility_answers_with_the_waits() -> None:
    # Given a team that meets a four-hour SLA alone, when the records show pickups of five hours for
    # a fifth of the tasks, then 90% within four hours cannot be met.
    assert check_feasibility(BASE, replications=4, seed=1).feasible
    slow_pickup = Waits(labeling_hours=(0.5,) * 8 + (5.0,) * 2)
    report = check_feasibility(replace(BASE, waits=slow_pickup), replications=4, seed=1)
    assert not report.feasible and report.sla_attainment.mean == pytest.approx(0.8, abs=0.03)


def test_waits_round_trip_through_plain_data_and_bad_values_name_the_field() -> None:
    waits = Waits(labeling_hours=(0.5, 2.0), first_review_hours=(1.0,), review_share=0.3, down_by_round=(0.1, 0.05))
    scenario = replace(BASE, waits=waits)
    assert scenario_from_dict(scenario_to_dict(scenario)) == scenario
    data = scenario_to_dict(scenario)
    data["waits"]["first_review_hours"] = [1.0, -2.0]
    with pytest.raises(ScenarioError, match=r"waits\.first_review_hours\[1\] must be >= 0, got -2\.0"):
        scenario_from_dict(data)
    with pytest.raises(ScenarioError, match=r"waits\.review_share must be between 0 and 1, got 1\.5"):
        Waits(review_share=1.5)
    with pytest.raises(ScenarioError, match=r"waits\.down_by_round\[0\] must be between 0 and 1"):
        Waits(down_by_round=(2.0,))
