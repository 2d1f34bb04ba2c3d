"""Demand forecasts against the demo's recorded arrivals: the damped trend the calibration uses, the straight line
through the whole history it replaced, and the last four weeks' mean carried forward.

For each demo seed and project, cut after weeks 3, 4 and 5, fit on the weeks before and forecast each following
week (up to four, as far as the history goes); prints MAPE and mean signed error of weekly arrivals, and, on the
whole history, the next four weeks' forecast over the last four weeks' arrivals.

Run: .venv/bin/python benchmarks/demand_forecast.py [--demo-seeds 7 11]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.demo_world import demo_database
from server.db.models import Project
from server.services.history import history_until, load_records
from simulator.planning.calibrate import DemandFit, demand_forecast, fit_demand

Forecaster = Callable[[DemandFit, np.ndarray, int, int], np.ndarray]
CUT_WEEKS = (3, 4, 5)


def _damped(fit: DemandFit, arrivals: np.ndarray, cut: int, days: int) -> np.ndarray:
    return demand_forecast(fit, cut, days)


def _straight(fit: DemandFit, arrivals: np.ndarray, cut: int, days: int) -> np.ndarray:
    return fit.expected(np.arange(cut, cut + days))


def _last_four_weeks(fit: DemandFit, arrivals: np.ndarray, cut: int, days: int) -> np.ndarray:
    past = arrivals[max(0, cut - 28) : cut]
    return np.full(days, float(past.mean()))


FORECASTERS: dict[str, Forecaster] = {
    "damped trend": _damped,
    "straight line": _straight,
    "last 4 weeks": _last_four_weeks,
}


async def _arrivals(demo_seed: int) -> list[tuple[str, np.ndarray, int]]:
    async with demo_database(demo_seed) as database:
        async with database.session() as session:
            projects = (await session.execute(select(Project.id, Project.name).order_by(Project.id))).all()
        found = []
        for project_id, name in projects:
            try:
                records = await load_records(database, project_id)
            except Exception:  # a project without tasks has no arrivals
                continue
            history = history_until(records, records.days)
            found.append((str(name), np.asarray(history.daily_arrivals, dtype=float), history.first_weekday))
    return found


def _errors(series: list[tuple[str, np.ndarray, int]], forecaster: Forecaster) -> list[float]:
    errors = []
    for _, arrivals, first_weekday in series:
        for weeks in CUT_WEEKS:
            cut = 7 * weeks
            ahead = min(4, arrivals.size // 7 - weeks)
            if ahead < 1:
                continue
            forecast = forecaster(fit_demand(arrivals[:cut], first_weekday), arrivals, cut, 7 * ahead)
            for w in range(ahead):
                actual = float(arrivals[cut + 7 * w : cut + 7 * (w + 1)].sum())
                errors.append(float(forecast[7 * w : 7 * (w + 1)].sum()) / actual - 1.0)
    return errors


def _ratios(series: list[tuple[str, np.ndarray, int]], forecaster: Forecaster) -> str:
    cells = []
    for name, arrivals, first_weekday in series:
        fit = fit_demand(arrivals, first_weekday)
        ahead = float(forecaster(fit, arrivals, arrivals.size, 28).sum())
        cells.append(f"{name.split(':')[0]} {ahead / float(arrivals[-28:].sum()):.2f}")
    return ", ".join(cells)


async def _main(demo_seeds: list[int]) -> None:
    series = [item for seed in demo_seeds for item in await _arrivals(seed)]
    print(f"demo seeds {demo_seeds}; load average {os.getloadavg()[0]:.1f}")
    print("| forecast | weekly arrivals MAPE | mean signed error | next 4 weeks / last 4 weeks, whole history |")
    print("|---|---|---|---|")
    for label, forecaster in FORECASTERS.items():
        errors = np.array(_errors(series, forecaster))
        print(
            f"| {label} | {100 * np.mean(np.abs(errors)):.1f}% | {100 * np.mean(errors):+.1f}% "
            f"| {_ratios(series, forecaster)} |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-seeds", type=int, nargs="+", default=[7, 11])
    arguments = parser.parse_args()
    asyncio.run(_main(arguments.demo_seeds))
