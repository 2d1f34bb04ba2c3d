"""A backtest's forecast as a distribution: each week's 90% interval, the weeks whose records fell inside it, and
the floor, the error the forecast's mean scores against its own replications."""

from __future__ import annotations

import numpy as np
import pytest

from server.services.backtest import BacktestFigures, BacktestInterval, Forecast


def _forecast(backlogs_by_run: list[list[float]]) -> Forecast:
    runs = [[BacktestFigures(100.0 + b, 100.0 * (w + 1), b) for w, b in enumerate(run)] for run in backlogs_by_run]
    figures = ("throughput", "completions", "backlog")
    weeks = [
        BacktestFigures(*(float(np.mean([getattr(run[w], f) for run in runs])) for f in figures))
        for w in range(len(runs[0]))
    ]
    return Forecast(weeks, np.zeros(0), runs)


def test_the_floor_is_the_mean_error_of_the_forecasts_mean_against_each_of_its_runs() -> None:
    # given two runs whose one week ends with 10 and 30 tasks open: the mean forecast is 20
    forecast = _forecast([[10.0], [30.0]])
    # then against the first run it is 100% off, against the second a third off: the floor is their mean
    floor = forecast.floor()
    assert floor.backlog_mape == pytest.approx(100.0 * (10 / 10 + 10 / 30) / 2)
    # and a figure every run agrees on has no floor
    assert floor.completions_mape == pytest.approx(0.0)


def test_a_week_with_nothing_open_in_a_run_is_left_out_of_that_runs_error() -> None:
    # given a run with nothing open at the end of its first week (a percentage of zero is undefined)
    forecast = _forecast([[0.0, 10.0], [20.0, 30.0]])
    # then that week counts in the other run only: week 1, 10 against 20 (50%); week 2, 20 against 10 and 30
    expected = ((abs(20 - 10) / 10) + (abs(10 - 20) / 20 + abs(20 - 30) / 30) / 2) / 2
    assert forecast.floor().backlog_mape == pytest.approx(100.0 * expected)


def test_the_interval_runs_from_the_5th_to_the_95th_percentile_of_the_runs() -> None:
    # given 21 runs whose week-end backlog is 0, 10, ..., 200
    forecast = _forecast([[10.0 * k] for k in range(21)])
    interval = forecast.interval(0)
    # then the interval holds the middle 90% of them
    assert (interval.low.backlog, interval.high.backlog) == (10.0, 190.0)
    # and holds a record inside it, bounds included, and not one outside
    assert interval.holds(BacktestFigures(0.0, 0.0, 10.0), "backlog")
    assert interval.holds(BacktestFigures(0.0, 0.0, 190.0), "backlog")
    assert not interval.holds(BacktestFigures(0.0, 0.0, 195.0), "backlog")


def test_a_record_outside_a_degenerate_interval_is_outside() -> None:
    interval = BacktestInterval(BacktestFigures(5.0, 5.0, 5.0), BacktestFigures(5.0, 5.0, 5.0))
    assert interval.holds(BacktestFigures(5.0, 5.0, 5.0), "throughput")
    assert not interval.holds(BacktestFigures(6.0, 5.0, 5.0), "throughput")


def test_each_run_is_scored_as_the_world_against_the_mean_of_the_others() -> None:
    # given three runs whose one week ends with 10, 20 and 60 tasks open
    forecast = _forecast([[10.0], [20.0], [60.0]])
    scores = [score.backlog_mape for score in forecast.held_out()]
    # then each is forecast by the other two's mean: 40 for the first, 35 for the second, 15 for the third
    assert scores == pytest.approx([100.0 * 30 / 10, 100.0 * 15 / 20, 100.0 * 45 / 60])
    # each 3/2 of its error against the mean of all three (30), so on average the floor times 3/2
    floor = forecast.floor().backlog_mape
    assert floor is not None and float(np.mean(scores)) == pytest.approx(floor * 3 / 2)


def test_a_single_run_has_no_other_to_forecast_it() -> None:
    assert _forecast([[10.0]]).held_out() == []
