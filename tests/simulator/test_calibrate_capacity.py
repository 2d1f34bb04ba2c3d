"""A calibrated team gives the capacity its records show: the time each label takes, and the hours of the day it
works in (fixed seeds, 95% intervals)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from simulator.engine import run_replication
from simulator.planning.calibrate import HistoryData, PersonHistory, calibrate
from tests.simulator.test_calibrate import _people_history, _workday_labels, with_labels

DAYS = 28


def _plateau_history(rng: np.random.Generator, benchmark_share: float) -> HistoryData:
    """Six people long past their learning curve, six hours a day Monday to Friday, each label about a minute;
    ``benchmark_share`` of the tasks were benchmark tasks, recorded like the others."""
    history = _people_history(rng)
    return replace(
        history,
        label_tenure_weeks=rng.uniform(20.0, 30.0, history.label_seconds.size),
        thumbs_down=0,
        benchmark_share=benchmark_share,
        daily_arrivals=np.full(DAYS, 800.0),
    )


def _staggered_history(rng: np.random.Generator) -> HistoryData:
    """acme's six people each work three hours a weekday, starting half an hour apart from 14:00: the team labels
    from 14:00 to 19:30, most of it between 15:00 and 18:30."""
    history = _people_history(rng)
    day, seconds, who = [], [], []
    for person in range(6):
        d, s, w = _workday_labels(rng, person, DAYS, 14.0 + 0.5 * person, 3.0)
        day += d
        seconds += s
        who += w
    # The offboarded vendor's people (8, 9) labeled too: keep their records as they were.
    gone = np.isin(history.label_labeler, (8, 9))
    day += history.label_day[gone].tolist()
    seconds += history.label_seconds[gone].tolist()
    who += history.label_labeler[gone].tolist()
    people = tuple(
        p if p.id not in range(6) else PersonHistory(p.id, "acme", "production", 30.0, p.tenure_weeks, 15.0)
        for p in history.people
    )
    return with_labels(
        history,
        (day, seconds, who),
        rng.uniform(20.0, 30.0, len(day)),
        people=people,
        daily_arrivals=np.full(DAYS, 3000.0),
    )


def test_benchmark_tasks_in_the_records_make_labels_no_longer() -> None:
    # Given a history where 8% of the tasks were benchmark tasks: they are among its arrivals and labels
    rng = np.random.default_rng(21)
    history = _plateau_history(rng, benchmark_share=0.08)
    recorded = history.label_seconds[np.isin(history.label_labeler, range(6))]
    # When its calibrated scenario is simulated
    calibration = calibrate(history, horizon_days=14)
    assert calibration.fitted.benchmark_share == 0.08  # still reported
    simulated = [run_replication(calibration.scenario, seed).summary for seed in range(4)]
    # Then a simulated label takes what a recorded one took (an overhead on top counts benchmark labels twice)
    seconds = 60.0 * np.array([s.mean_minutes_per_label for s in simulated])
    labels = sum(s.labels_produced for s in simulated)
    spread = 1.96 * math.sqrt(np.var(recorded) / recorded.size + np.var(recorded) * 1.2 / labels)
    assert abs(float(np.mean(seconds)) - float(np.mean(recorded))) <= spread + 0.01 * float(np.mean(recorded))


def test_a_team_whose_people_start_at_different_hours_works_where_its_hours_are_densest() -> None:
    # Given six people each working three hours, starting half an hour apart from 14:00
    history = _staggered_history(np.random.default_rng(8))
    mine = np.isin(history.label_labeler, range(6))
    recorded_hour = float(np.mean(history.label_hour_of_day[mine]))
    # When the calibrated scenario is simulated, under a queue that never empties during the shift
    scenario = calibrate(history, horizon_days=14).scenario
    acme = next(p for p in scenario.workforce if p.vendor == "acme")
    start = (scenario.calendar.start_hour + acme.shift_offset_hours) % 24.0
    hours = []
    for seed in range(3):
        tasks = run_replication(scenario, seed, keep_tasks=True).tasks
        assert tasks is not None
        started = tasks.start_hour[np.isfinite(tasks.start_hour)]
        hours.append(np.mod(started, 24.0))
    simulated = np.concatenate(hours)
    # Then the team's shift sits in the middle of the recorded hours (15:15-18:15), not at their first start
    # (14:00-17:00), and the simulated labels' mean hour of the day is the recorded one's
    assert 15.0 <= start <= 15.5
    spread = 1.96 * math.sqrt(np.var(simulated) / simulated.size + np.var(history.label_hour_of_day[mine]) / mine.sum())
    assert abs(float(np.mean(simulated)) - recorded_hour) <= spread + 0.25
