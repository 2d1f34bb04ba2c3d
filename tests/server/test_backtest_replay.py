"""The conditional forecast with the replay of the weeks before the cut, on histories whose waits are mostly queueing.

Tasks queue for a busy labeler and little else delays them (no review; the generator's pickup of at most 2.4 hours,
uniform, where the queue is longer), so the recorded waits are mostly the capacity delays of the weeks before the
cut. Taking the later of the simulated delay and an independent recorded wait counts that queueing twice; the
replay maps the simulated delay onto the recorded ones instead, and holds fewer tasks open at the week ends.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulator.latency import FlowHistory, fit_latency, sample_new, with_capacity
from simulator.planning.synthetic_flow import WorkflowTruth, simulated_history
from tests.server.backtest_world import CUT, END, ONE_LABELER, backlog_errors

REPLICATIONS = 6
QUEUEING_ONLY = WorkflowTruth(pickup_days=0.0, consensus_share=0.0, review_share=0.0)


def _history(seed: int) -> FlowHistory:
    # 95% busy every day: the queue at a week's end is anything from none to hours of work.
    return simulated_history(ONE_LABELER, np.full(END, 228.0), seed, QUEUEING_ONLY)


def _backlog_errors(seed: int, replay: bool) -> np.ndarray:
    return backlog_errors(
        _history(seed), ONE_LABELER, replications=REPLICATIONS, seed=500 + seed, rng_seed=seed, replay=replay
    )


def test_the_replay_holds_fewer_tasks_open_than_the_later_of_two_clocks_on_a_queueing_only_history() -> None:
    # Paired on the same histories and random streams: the later of the simulated delay and an independent
    # recorded wait, both of which are the queue, keeps more tasks open at the week ends than the replay's
    # mapping of one onto the other. The mean of the four week ends per history, 95% CI of the paired difference.
    seeds = range(16)
    later = np.array([_backlog_errors(seed, replay=False).mean() for seed in seeds])
    replayed = np.array([_backlog_errors(seed, replay=True).mean() for seed in seeds])
    difference = later - replayed
    half_width = float(stats.t.ppf(0.975, difference.size - 1)) * difference.std(ddof=1) / np.sqrt(difference.size)
    assert difference.mean() - half_width > 0.0, (difference.mean(), half_width)
    # Both overstate the backlog here (the replay by about 3 tasks in 25, the later clock by about 5).
    assert later.mean() > replayed.mean() > 0.0, (later.mean(), replayed.mean())


def test_capacity_delays_need_arrivals_and_one_per_task() -> None:
    fit = fit_latency(_history(0), CUT)
    with pytest.raises(ValueError, match=r"capacity needs arrived and one delay per task \(3\), got 2"):
        sample_new(fit, np.ones(3, dtype=np.int64), np.random.default_rng(0), capacity=np.zeros(2))


def test_a_delay_within_the_replayed_range_takes_the_recorded_wait_of_the_same_rank() -> None:
    # Recorded completions are the replayed delays plus a day: a task with any replayed delay takes that delay
    # plus a day, with no spread added (an independent pairing would add the spread of both).
    fit = fit_latency(_history(1), CUT)
    replayed = with_capacity(fit, lambda at: np.zeros(at.size))
    shifted = with_capacity(
        type(fit)(**{**fit.__dict__, "labeling_single_done": replayed.labeling_single_capacity + 1.0}),
        lambda at: np.zeros(at.size),
    )
    at = np.full(500, CUT + 1.5)
    drawn = sample_new(
        shifted, np.ones(at.size, dtype=np.int64), np.random.default_rng(3), arrived=at, capacity=np.zeros(at.size)
    )
    np.testing.assert_allclose(drawn, 1.0)
