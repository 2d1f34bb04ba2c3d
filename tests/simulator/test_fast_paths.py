"""The engine's fast paths give exactly what the plain computations they replace give, bit for bit.

Each case sets a fast path (fewer passes over millions of values, fewer plugin calls) beside the plain numpy
or Python it stands for, on inputs that reach its edges: nan and infinite times, visits past the horizon,
windows that cross midnight, empty days, shared tenures. Equality is exact: a replication with a fixed seed must
not move by a bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from plugins.learning_exponential import ExponentialLearning
from plugins.quality_exponential import ExponentialQuality
from simulator import Calendar, Demand, Headcount, ModelSpec, Pool, Project, Scenario, run_replication
from simulator.arrivals import _sort_by_day, place_arrivals
from simulator.engine import choose_projects
from simulator.kernel import KernelFlow
from simulator.stages import StageFigures, stage_figures


def _plain_stage_figures(
    ready: np.ndarray, start: np.ndarray, end: np.ndarray, *, horizon: float, target: float
) -> StageFigures:
    """The figures as first written: a masked copy of every array, then one numpy expression per figure."""
    inside = ready < horizon
    if not inside.any() or horizon <= 0.0:
        return StageFigures.undefined()
    ready, start, end = ready[inside], start[inside], end[inside]
    started = ~np.isnan(start)
    waited_until = np.where(started, np.minimum(start, horizon), horizon)
    wait = start[started] - ready[started]
    eligible = ready + target <= horizon
    within = started & (start - np.where(started, ready, 0.0) <= target)
    served_until = np.where(started, np.minimum(np.nan_to_num(end, nan=horizon), horizon), waited_until)
    return StageFigures(
        wait_probability=float(np.count_nonzero(~started) + np.count_nonzero(wait > 0.0)) / ready.size,
        wait_within_target=(
            float(np.count_nonzero(within & eligible)) / float(np.count_nonzero(eligible))
            if eligible.any()
            else math.nan
        ),
        mean_wait_hours=float(wait.mean()) if wait.size else math.nan,
        queue_length=float((waited_until - ready).sum()) / horizon,
        in_system=float((served_until - ready).sum()) / horizon,
    )


def _same(a: StageFigures, b: StageFigures) -> bool:
    return all(
        x == y or (math.isnan(x) and math.isnan(y))
        for x, y in zip(a.__dict__.values(), b.__dict__.values(), strict=True)
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("late_share", [0.0, 0.3])
def test_stage_figures_equal_the_plain_computation(seed: int, late_share: float) -> None:
    # Given visits ready over 100 h (some after the horizon), a share never started, some still in service
    # (end nan) or ending after the horizon (end past it or infinite), and waits of exactly zero
    rng = np.random.default_rng(seed)
    n, horizon = 20_000, 80.0
    ready = np.sort(rng.uniform(0.0, 80.0 / (1.0 - late_share), n))
    start = ready + np.where(rng.random(n) < 0.3, 0.0, rng.exponential(2.0, n))
    start[rng.random(n) < 0.1] = np.nan
    end = start + rng.exponential(1.0, n)
    end[rng.random(n) < 0.05] = np.nan
    end[np.isnan(start) & (rng.random(n) < 0.5)] = 70.0  # an end with no start counts as waiting to the horizon
    end[rng.random(n) < 0.02] = np.inf
    ready[rng.random(n) < 0.01] = np.nan  # visits that never became ready
    for target in (0.0, 0.5, 3.0, 200.0):
        # When the figures are taken
        fast = stage_figures(ready, start, end, horizon=horizon, target=target)
        # Then they are the plain computation's, bit for bit
        assert _same(fast, _plain_stage_figures(ready, start, end, horizon=horizon, target=target)), target


def test_stage_figures_when_every_visit_started_and_none_did() -> None:
    ready = np.array([0.0, 1.0, 2.0, 3.5])
    for start, end in (
        (np.array([0.0, 1.5, 2.0, 4.0]), np.array([1.0, 12.0, 3.0, np.nan])),
        (np.full(4, np.nan), np.full(4, np.nan)),
    ):
        for horizon in (10.0, 3.0, 0.0):
            fast = stage_figures(ready, start, end, horizon=horizon, target=1.0)
            assert _same(fast, _plain_stage_figures(ready, start, end, horizon=horizon, target=1.0))


def _plain_arrivals(counts: np.ndarray, calendar: Calendar, window: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    day = np.repeat(np.arange(counts.size, dtype=np.float64), counts)
    start, length = (calendar.start_hour, calendar.hours_per_day) if window == "shift" else (0.0, 24.0)
    times = day * 24.0 + start + rng.random(day.size) * length
    times.sort()
    return times[times < counts.size * 24.0]


@pytest.mark.parametrize(
    ("start_hour", "hours_per_day", "window"),
    [(0.0, 8.0, "day"), (9.0, 8.0, "shift"), (20.5, 8.0, "shift"), (23.9, 24.0, "shift"), (1.0 / 3.0, 7.7, "shift")],
)
def test_arrivals_sorted_day_by_day_equal_one_sort(start_hour: float, hours_per_day: float, window: str) -> None:
    # Given daily counts with empty days, and windows that cross midnight (the last day's spill is cut)
    counts = np.random.default_rng(3).poisson(400.0, 30)
    counts[[0, 7, 8, 29]] = 0
    calendar = Calendar(hours_per_day=hours_per_day, start_hour=start_hour)
    # When arrivals are placed
    fast = place_arrivals(counts, calendar, window, np.random.default_rng(11))
    # Then they are the one-sort result, value for value
    plain = _plain_arrivals(counts, calendar, window, 11)
    assert fast.dtype == plain.dtype and fast.tobytes() == plain.tobytes()


def test_a_day_sort_falls_back_to_one_sort_when_days_overlap() -> None:
    times = np.array([5.0, 30.0, 20.0, 40.0, 41.0])
    _sort_by_day(times, np.array([2, 0, 3]))
    assert times.tolist() == [5.0, 20.0, 30.0, 40.0, 41.0]


@pytest.mark.parametrize("shares", [[0.6, 0.4], [1.0, 1.0, 1.0], [0.05, 0.5, 0.2, 0.2, 0.05], [1.0] * 12])
def test_projects_are_numpys_choice(shares: list[float]) -> None:
    p = np.asarray(shares) / np.sum(shares)
    expected = np.random.default_rng(7).choice(p.size, size=100_000, p=p)
    got = choose_projects(np.random.default_rng(7), p, 100_000)
    assert got.dtype == np.int64 and np.array_equal(got, expected)


def test_each_tenure_is_evaluated_once_a_day_and_everyone_gets_their_curve(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given two pools of people who all started together (one shared tenure), one with its own speed factor
    scenario = Scenario(
        name="shared tenure",
        horizon_days=5,
        demand=Demand(base_per_day=50.0, projects=(Project("a", 1.0, 6.0),)),
        workforce=(
            Pool("a", hourly_rate=20.0, headcount=Headcount(production=7), initial_tenure_weeks=1.0),
            Pool("b", hourly_rate=20.0, headcount=Headcount(production=4), speed_factor=1.3, initial_tenure_weeks=1.0),
        ),
        learning=ModelSpec("exponential"),
        quality=ModelSpec("exponential"),
    )
    skills: list[tuple[int, float, float]] = []
    set_skill = KernelFlow.set_skill

    def recording(self: KernelFlow, lid: int, speed: float, error: float) -> None:
        skills.append((lid, speed, error))
        set_skill(self, lid, speed, error)

    calls = []
    time_factor = ExponentialLearning.time_factor

    def counting(self: ExponentialLearning, tenure_weeks: float) -> float:
        calls.append(tenure_weeks)
        return time_factor(self, tenure_weeks)

    monkeypatch.setattr(KernelFlow, "set_skill", recording)
    monkeypatch.setattr(ExponentialLearning, "time_factor", counting)
    monkeypatch.setenv("LABELOPS_KERNEL", "python")
    # When it runs (a skill update at the end of each of the first four days)
    run_replication(scenario, 1)
    # Then the curve was evaluated once per day for everyone, plus once per person entering production
    assert len(calls) == 4 + 11
    # And each labeler got their pool's factor times the curve at the shared tenure, the error clipped to [0, 1]
    learning, quality = ExponentialLearning(), ExponentialQuality()
    monkeypatch.undo()
    assert len(skills) == 4 * 11
    for k, (lid, speed, error) in enumerate(skills):
        tenure = 1.0 + 24.0 * (k // 11 + 1) / 168.0
        assert speed == (1.3 if lid >= 7 else 1.0) * learning.time_factor(tenure)
        assert error == min(1.0, max(0.0, quality.error_probability(tenure)))
