"""CPU cost and agreement of the per-labeler learning-curve fits: `fit_curves` against the fitter as it stood at
`--reference` (read from git and loaded beside it in the same process).

The series are the ones the project dashboard fits: each labeler's daily means over tenure, from the label rollup
of every project over its whole history and over the `--days` whole days before the anchor, on the databases
given with `--url` (e.g. the million-label ones of `benchmarks.seed_large`) and on the demo workspace seeded at
`--scale` into a temporary SQLite file. Both fitters fit every series set; statuses must agree and the largest
relative difference of each figure is printed, and the largest difference of T0, T_inf or tau over its
standard error. Then rounds alternate between the two fitters and the medians of
their CPU seconds per series set are compared.

    .venv/bin/python -m benchmarks.curve_fitting --url sqlite+aiosqlite:///bench.sqlite3
    .venv/bin/python -m benchmarks.curve_fitting --scale 0.3 --rounds 9 --reference a9fe2f0
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from server.db import Base, Database
from server.db.models import Project
from server.services.analytics._labels import fetch_label_rollup
from server.services.analytics.scope import Scope
from server.services.analytics.speed import curve_series
from server.services.demo.seed import seed_demo
from simulator.planning.calibrate import CurveFit, fit_curves

ANCHOR = datetime(2024, 6, 3, tzinfo=UTC)
FITTER_PATH = "simulator/planning/calibrate/learning.py"
MIN_TAU_DAYS = 0.5  # as the dashboard fits
FIGURES = ("t0", "t_inf", "tau", "t0_se", "t_inf_se", "tau_se")

Fitter = Callable[..., list[CurveFit]]
SeriesSet = tuple[str, list[Any]]


def _reference_fitter(revision: str) -> Fitter:
    """`fit_curves` as it stood at `revision`."""
    source = subprocess.run(
        ["git", "show", f"{revision}:{FITTER_PATH}"], check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType("reference_learning")
    sys.modules[module.__name__] = module  # dataclasses resolve annotations through the module
    exec(compile(source, f"{revision}:{FITTER_PATH}", "exec"), module.__dict__)
    fitter: Fitter = module.fit_curves
    return fitter


async def _series_sets(url: str, label: str, days: int) -> list[SeriesSet]:
    """Every project's learning-curve series over its whole history and over `days` whole days."""
    database = Database(url)
    sets: list[SeriesSet] = []
    try:
        async with database.session() as session:
            projects = list((await session.execute(select(Project.id).order_by(Project.id))).scalars())
            for project in projects:
                windows = {"whole history": (None, None), f"{days} d": (ANCHOR - timedelta(days=days), ANCHOR)}
                for name, (start, end) in windows.items():
                    rollup = await fetch_label_rollup(session, Scope(project_id=project, start=start, end=end))
                    _, points = curve_series(rollup)
                    series = [
                        ([p.tenure_day for p in s], [p.mean_seconds for p in s], [p.labels for p in s]) for s in points
                    ]
                    sets.append((f"{label}, project {project}, {name}", series))
    finally:
        await database.dispose()
    return sets


async def _demo(scale: float, path: Path, days: int) -> list[SeriesSet]:
    url = f"sqlite+aiosqlite:///{path}"
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await seed_demo(database, seed=7, anchor=ANCHOR, scale=scale)
    await database.dispose()
    return await _series_sets(url, f"demo at scale {scale}", days)


def _relative(new: float, old: float) -> float:
    if math.isnan(new) and math.isnan(old):
        return 0.0
    if new == old:
        return 0.0
    return abs(new - old) / max(abs(old), 1e-12)


def _compare(name: str, series: Sequence[Any], new: list[CurveFit], old: list[CurveFit]) -> dict[str, float]:
    """The largest relative difference of each figure; raises when a status differs."""
    worst = dict.fromkeys(FIGURES, 0.0)
    in_errors = 0.0  # the largest difference of a figure over its standard error
    for index, (mine, theirs) in enumerate(zip(new, old, strict=True)):
        if mine.status.value != theirs.status.value or mine.points != theirs.points or mine.labels != theirs.labels:
            raise AssertionError(f"{name}: series {index} differs: {mine} against {theirs}")
        for figure in FIGURES:
            worst[figure] = max(worst[figure], _relative(getattr(mine, figure), getattr(theirs, figure)))
        for figure in ("t0", "t_inf", "tau"):
            error = getattr(theirs, f"{figure}_se")
            if math.isfinite(error) and error > 0:
                in_errors = max(in_errors, abs(getattr(mine, figure) - getattr(theirs, figure)) / error)
    worst["in standard errors"] = in_errors
    usable = sum(fit.usable for fit in new)
    points = sum(len(item[0]) for item in series)
    print(
        f"  {name}: {len(series)} series, {points} points, {usable} OK; largest difference "
        + ", ".join(f"{figure} {value:.1e}" for figure, value in worst.items())
    )
    return worst


def _cpu_seconds(fitter: Fitter, series: Sequence[Any]) -> float:
    began = time.process_time()
    fitter(series, min_tau=MIN_TAU_DAYS)
    return time.process_time() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", action="append", default=[], help="a seeded database (repeatable)")
    parser.add_argument("--scale", type=float, default=0.3, help="the demo's scale (0: no demo)")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reference", default="a9fe2f0", help="git revision holding the fitter to compare with")
    args = parser.parse_args()

    reference = _reference_fitter(args.reference)
    sets: list[SeriesSet] = []
    for url in args.url:
        sets += asyncio.run(_series_sets(url, url.rsplit("/", 1)[-1], args.days))
    if args.scale > 0:
        with tempfile.TemporaryDirectory() as folder:
            sets += asyncio.run(_demo(args.scale, Path(folder) / "demo.sqlite3", args.days))

    print("agreement (new against reference):")
    overall: dict[str, float] = {}
    for name, series in sets:
        worst = _compare(name, series, fit_curves(series, min_tau=MIN_TAU_DAYS), reference(series, min_tau=0.5))
        overall = {figure: max(overall.get(figure, 0.0), value) for figure, value in worst.items()}
    print("  overall: " + ", ".join(f"{figure} {value:.1e}" for figure, value in overall.items()))

    print(f"CPU per series set, medians of {args.rounds} alternating rounds (load {os.getloadavg()[0]:.2f}):")
    for name, series in sets:
        times: dict[str, list[float]] = {"reference": [], "new": []}
        for _ in range(args.rounds):
            times["reference"].append(_cpu_seconds(reference, series))
            times["new"].append(_cpu_seconds(fit_curves, series))
        old, new = statistics.median(times["reference"]), statistics.median(times["new"])
        print(f"  {name}: reference {old * 1e3:7.1f} ms, new {new * 1e3:6.1f} ms, new / reference {new / old:.3f}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
