"""Recorded waits in a scenario: a label is accepted no earlier than its simulated submission plus a review path
drawn from the waits (first review, rework rounds), so planning answers carry the review and rework tail the
records show while the wait before labeling comes from the simulated team; with ``labeling_from_records`` the
recorded arrival-to-labels wait floors the task too."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulator.engine import run_replication
from simulator.loading import scenario_from_dict, scenario_to_dict
from simulator.planning.feasibility import check_feasibility
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
    recorded = Waits(labeling_hours=(0.5, 1.0, 6.0), labeling_from_records=True)
    assert np.array_equal(_turnarounds(replace(BASE, waits=Waits(labeling_hours=(0.0,)))), plain)
    waited = _turnarounds(replace(BASE, waits=recorded))
    assert np.all(waited >= plain) and np.all(waited >= 0.5 - 1e-9)
    # The later clock wins: a third of the tasks wait six hours, the others keep the simulated time or 0.5-1 h.
    share_long = float(np.mean(waited >= 6.0))
    assert abs(share_long - 1 / 3) <= 4 * np.sqrt(2 / 9 / waited.size)


def test_recorded_pickup_waits_apply_only_when_asked() -> None:
    # Pickup waits hold the queueing of the team they were recorded with; by default the simulated team's own
    # wait before labeling stands, so a bigger team can shorten it.
    plain = _turnarounds(BASE)
    pickup = Waits(labeling_hours=(0.5, 1.0, 6.0))
    assert np.array_equal(_turnarounds(replace(BASE, waits=pickup)), plain)


def test_review_waits_run_from_the_simulated_submission() -> None:
    # Every label reviewed and accepted exactly three hours after it is submitted: each task takes its simulated
    # time plus three hours, not the later of the two.
    plain = _turnarounds(BASE)
    review = Waits(first_review_hours=(3.0,), review_share=1.0)
    assert np.allclose(_turnarounds(replace(BASE, waits=review)), plain + 3.0)


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
    slow_pickup = Waits(labeling_hours=(0.5,) * 8 + (5.0,) * 2, labeling_from_records=True)
    report = check_feasibility(replace(BASE, waits=slow_pickup), replications=4, seed=1)
    assert not report.feasible and report.sla_attainment.mean == pytest.approx(0.8, abs=0.03)
    # Reviews five hours after submission for a fifth of the labels: the same, from the submission on.
    slow_review = Waits(first_review_hours=(0.5,) * 8 + (5.0,) * 2, review_share=1.0)
    report = check_feasibility(replace(BASE, waits=slow_review), replications=4, seed=1)
    assert not report.feasible and report.sla_attainment.mean < 0.82


def test_waits_round_trip_through_plain_data_and_bad_values_name_the_field() -> None:
    waits = Waits(
        labeling_hours=(0.5, 2.0),
        first_review_hours=(1.0,),
        review_share=0.3,
        down_by_round=(0.1, 0.05),
        labeling_from_records=True,
    )
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
    data["waits"]["first_review_hours"] = [1.0]
    data["waits"]["labeling_from_records"] = "yes"
    with pytest.raises(ScenarioError, match=r"waits\.labeling_from_records must be true or false, got 'yes'"):
        scenario_from_dict(data)
