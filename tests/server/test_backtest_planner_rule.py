"""The backtest with planning's own rule: the scenario carries the recorded review and rework waits, and a new
task's wait to be labeled is the simulated team's alone (what `slaFeasibility` and `cheapestPlan` answer with).

On histories where tasks queue for a busy labeler, are picked up within 2.4 hours (the generator's uniform pickup),
and a share of labels waits for review and rework, the default rule (the later of the simulated delay and a
recorded wait, both of which hold the queue) counts the queue twice; the planner's rule does not, and leaves the
short pickup out.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from server.services.backtest import forecast_weeks, weekly_figures
from simulator.latency import FlowHistory, fit_latency, scenario_waits
from simulator.planning.synthetic_flow import WorkflowTruth, simulated_history
from tests.server.backtest_world import CUT, END, ONE_LABELER, WEEKS, backlog_errors

REPLICATIONS = 6
QUEUE_AND_REVIEW = WorkflowTruth(pickup_days=0.0, consensus_share=0.0, review_share=0.3, review_wait_days=0.3)


def _history(seed: int) -> FlowHistory:
    # 95% busy every day, and three labels in ten wait for review.
    return simulated_history(ONE_LABELER, np.full(END, 228.0), seed, QUEUE_AND_REVIEW)


def _backlog_errors(seed: int, *, planner_rule: bool) -> np.ndarray:
    history = _history(seed)
    fit = fit_latency(history, CUT)
    scenario = replace(ONE_LABELER, waits=scenario_waits(fit)) if planner_rule else ONE_LABELER
    return backlog_errors(
        history, scenario, replications=REPLICATIONS, seed=700 + seed, rng_seed=seed, fit=fit, planner_rule=planner_rule
    )


def test_the_planner_rule_does_not_count_the_queue_twice() -> None:
    # Paired on the same histories and random streams, the mean of the four week ends per history: the later of
    # two clocks holds more tasks open than the planner's rule, by more than the 95% CI of the difference.
    seeds = range(16)
    planner = np.array([_backlog_errors(seed, planner_rule=True).mean() for seed in seeds])
    later = np.array([_backlog_errors(seed, planner_rule=False).mean() for seed in seeds])
    difference = later - planner
    half_width = float(stats.t.ppf(0.975, difference.size - 1)) * difference.std(ddof=1) / np.sqrt(difference.size)
    assert difference.mean() - half_width > 0.0, (difference.mean(), half_width)


def test_under_the_planner_rule_a_new_task_is_done_at_its_simulated_acceptance() -> None:
    # given records whose tasks waited days to be picked up, and new tasks each accepted two hours after arrival
    # in the simulated run, each arriving 2.4 hours before a week's end, and nothing open at the cut
    slow_pickup = simulated_history(
        ONE_LABELER, np.full(END, 228.0), 0, WorkflowTruth(pickup_days=3.0, review_share=0.5)
    )
    arrivals = np.array([6.9, 13.9, 20.9, 27.9])
    simulated = (arrivals * 24.0, arrivals * 24.0 + 2.0)
    forecast = forecast_weeks(
        [(arrivals, np.ones(arrivals.size, dtype=np.int64))],
        [simulated],
        [],
        fit_latency(slow_pickup, CUT),
        CUT,
        WEEKS,
        np.random.default_rng(0),
        planner_rule=True,
    )
    # then each is done in its own week, two hours after it arrived: no recorded wait is drawn
    expected = weekly_figures(CUT + arrivals, CUT + arrivals + 2.0 / 24.0, CUT, WEEKS)
    assert forecast.weeks == expected
    assert [week.backlog for week in expected] == [0, 0, 0, 0]


def test_the_planner_rule_and_a_replay_are_not_mixed() -> None:
    # given a replayed fit for the one run, asked to finish new tasks by the planner's rule as well
    fit = fit_latency(_history(0), CUT)
    arrivals = np.array([1.0])
    with pytest.raises(ValueError, match="replayed and planner_rule are two ways to finish new tasks"):
        forecast_weeks(
            [(arrivals, np.ones(1, dtype=np.int64))],
            [(arrivals * 24.0, arrivals * 24.0 + 2.0)],
            [],
            fit,
            CUT,
            WEEKS,
            np.random.default_rng(0),
            replayed=[fit],
            planner_rule=True,
        )
