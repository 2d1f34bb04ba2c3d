"""Backtests: calibrate on weeks 1..k of a project's history, forecast weeks k+1..k+h, compare with the records."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

import numpy as np

from server.db.session import Database
from server.services.errors import ValidationFailed
from server.services.history import ProjectRecords, history_until, load_records
from simulator.calibrate import calibrate, demand_forecast

__all__ = ["BacktestData", "BacktestWeekData", "backtest_records", "run_backtest"]


@dataclass(frozen=True)
class BacktestWeekData:
    week: int
    actual_throughput: float
    forecast_throughput: float
    actual_backlog: float
    forecast_backlog: float


@dataclass(frozen=True)
class BacktestData:
    train_weeks: int
    horizon_weeks: int
    throughput_mape: float | None
    backlog_mape: float | None
    weeks: tuple[BacktestWeekData, ...]


def _mape(actual: list[float], forecast: list[float]) -> float | None:
    pairs = [(a, f) for a, f in zip(actual, forecast, strict=True) if a > 0]
    if not pairs:
        return None
    return 100.0 * float(np.mean([abs(f - a) / a for a, f in pairs]))


def backtest_records(
    records: ProjectRecords, *, train_weeks: int, horizon_weeks: int = 4, replications: int = 16, seed: int = 0
) -> BacktestData:
    """Calibrate on weeks 1..train_weeks, simulate the next horizon_weeks from the backlog then, compare."""
    from simulator.montecarlo import run_monte_carlo

    cut = 7 * train_weeks
    horizon = 7 * horizon_weeks
    calibration = calibrate(history_until(records, cut), horizon_days=horizon, start_day=cut)
    created, completed = records.task_created, records.task_completed
    open_at_cut = int(np.sum((created < cut) & ~(completed < cut)))
    # The simulator starts empty: the backlog left at the cut arrives on its first day, then the fitted demand.
    trace = demand_forecast(calibration.demand, cut, horizon)
    trace[0] += open_at_cut
    scenario = calibration.scenario
    scenario = replace(scenario, demand=replace(scenario.demand, model="trace", trace=tuple(float(v) for v in trace)))
    result = run_monte_carlo(scenario, replications=replications, seed=seed, executor="serial")
    daily_completed = result.daily["completed"].mean
    daily_backlog = result.daily["backlog"].mean
    weeks = []
    for w in range(horizon_weeks):
        lo, hi = cut + 7 * w, cut + 7 * (w + 1)
        actual_done = float(np.sum((completed >= lo) & (completed < hi)))
        actual_backlog = float(np.sum((created < hi) & ~(completed < hi)))
        weeks.append(
            BacktestWeekData(
                week=train_weeks + w + 1,
                actual_throughput=actual_done,
                forecast_throughput=float(np.nansum(daily_completed[7 * w : 7 * (w + 1)])),
                actual_backlog=actual_backlog,
                forecast_backlog=float(daily_backlog[min(7 * (w + 1), daily_backlog.size) - 1]),
            )
        )
    return BacktestData(
        train_weeks=train_weeks,
        horizon_weeks=horizon_weeks,
        throughput_mape=_mape([w.actual_throughput for w in weeks], [w.forecast_throughput for w in weeks]),
        backlog_mape=_mape([w.actual_backlog for w in weeks], [w.forecast_backlog for w in weeks]),
        weeks=tuple(weeks),
    )


async def run_backtest(
    database: Database,
    project_id: int,
    *,
    train_weeks: int,
    horizon_weeks: int = 4,
    replications: int = 16,
    seed: int = 0,
    field: str = "projectId",
) -> BacktestData:
    """Backtest a project's history (see :func:`backtest_records`); bad windows are field-level errors."""
    records = await load_records(database, project_id, field=field)
    available = records.days // 7
    if not 1 <= horizon_weeks <= 12:
        raise ValidationFailed("horizonWeeks", horizon_weeks, "must be between 1 and 12")
    if not 2 <= train_weeks <= available - horizon_weeks:
        raise ValidationFailed(
            "trainWeeks",
            train_weeks,
            f"must be between 2 and {available - horizon_weeks} "
            f"({available} weeks of history, {horizon_weeks} to forecast)",
        )
    if not 2 <= replications <= 200:
        raise ValidationFailed("replications", replications, "must be between 2 and 200")
    try:
        return await asyncio.to_thread(
            backtest_records,
            records,
            train_weeks=train_weeks,
            horizon_weeks=horizon_weeks,
            replications=replications,
            seed=seed,
        )
    except (ValueError, RuntimeError) as error:
        raise ValidationFailed(field, project_id, f"has too little history to backtest ({error})") from None
