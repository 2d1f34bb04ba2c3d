"""Backtest on histories whose truth is known: the identifiability histories (``benchmarks/identifiability.py``),
each written as platform records into a fresh SQLite database, calibrated on all weeks but the last few and
forecast over those. Prints one row per history and forecast: MAPE of weekly throughput, completions since the
cut and backlog at week end, beside the naive baselines, and whether the conditional forecast meets the target
(throughput and backlog MAPE <= 10% and below both baselines').

The simulator's histories run demand 30% above what the workforce can do, so their backlog grows week by week
through capacity alone; the demo generator's end in a surge whose waits it scripts (see the README).

Run: .venv/bin/python benchmarks/backtest_identifiability.py [--seeds 1 2] [--demo-seeds 7 11] [--replications 16]
     [--cases ABCD] [--replay]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from server.db import Base, Database
from server.services.backtest import BacktestData, BacktestErrors
from server.services.known_truth import CASES, DEMO_PROJECTS
from server.services.recovery import backtest_demo_history, backtest_simulated

TARGET = 10.0


async def _fresh(directory: str, name: str) -> Database:
    database = Database(f"sqlite+aiosqlite:///{Path(directory) / name}")
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return database


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _meets(report: BacktestData) -> str:
    """The target on throughput and backlog: within 10% and better than both naive baselines."""
    misses = []
    for figure in ("throughput_mape", "backlog_mape"):
        value = getattr(report.conditional, figure)
        baseline = getattr(report.baseline, figure)
        if value is None:
            continue
        name = figure.removesuffix("_mape")
        if value > TARGET:
            misses.append(f"{name} > {TARGET:.0f}%")
        elif baseline is not None and value >= baseline:
            misses.append(f"{name} not below baseline")
    return "yes" if not misses else "no: " + ", ".join(misses)


def _rows(source: str, case: str, seed: int, report: BacktestData) -> list[str]:
    weeks = f"{report.train_weeks} -> {report.horizon_weeks}"
    rows = []
    for name, errors in (
        ("conditional", report.conditional),
        ("unconditional", report.unconditional),
        ("baseline", report.baseline),
    ):
        first = name == "conditional"
        cells: list[str] = [
            source if first else "",
            case if first else "",
            str(seed) if first else "",
            weeks if first else "",
            name,
            *_figures(errors),
            _meets(report) if first else "",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _figures(errors: BacktestErrors) -> list[str]:
    return [_percent(errors.throughput_mape), _percent(errors.completions_mape), _percent(errors.backlog_mape)]


async def _main(seeds: list[int], demo_seeds: list[int], replications: int, cases: str, replay: bool) -> None:
    print(
        "| source | history | seed | weeks trained -> forecast | forecast | weekly throughput "
        "| completions since the cut | backlog at week end | target met |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        for truth in (case for case in CASES if case.name[0] in cases):
            horizon = 4 if truth.weeks >= 8 else 3
            for seed in seeds:
                database = await _fresh(directory, f"{truth.name[0]}-{seed}.sqlite3")
                try:
                    report = await backtest_simulated(
                        database, truth, seed, horizon_weeks=horizon, replications=replications, replay=replay
                    )
                finally:
                    await database.dispose()
                print("\n".join(_rows("simulator", truth.name, seed, report)), flush=True)
        for seed in demo_seeds:
            for key in DEMO_PROJECTS:
                database = await _fresh(directory, f"demo-{seed}-{key}.sqlite3")
                try:
                    report = await backtest_demo_history(database, seed, key, replications=replications, replay=replay)
                finally:
                    await database.dispose()
                print("\n".join(_rows("demo generator", key, seed, report)), flush=True)
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--demo-seeds", type=int, nargs="*", default=[7, 11])
    parser.add_argument("--replications", type=int, default=16)
    parser.add_argument("--cases", default="ABCD", help="the simulated histories to run, by letter (default ABCD)")
    parser.add_argument("--replay", action="store_true", help="the replay's mapping, not the later of two clocks")
    arguments = parser.parse_args()
    asyncio.run(_main(arguments.seeds, arguments.demo_seeds, arguments.replications, arguments.cases, arguments.replay))
