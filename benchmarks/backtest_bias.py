"""Bias of the conditional backtest forecast on histories whose truth is known, by how busy the workforce is.

Histories come from :func:`simulator.planning.synthetic_flow.simulated_history`: one labeler round the clock, tasks
arriving 220 a weekday and 80 a weekend day for eight weeks, queueing for the labeler in the simulator, with
pickup, review and rework waits. The forecast from week 4 replays the arrivals with the same workforce. For each
time per task the script prints the labeler's weekday utilization and the mean error of the backlog at the end
of weeks 5-8 over independent histories, with its 95% CI, in tasks and relative to the actual backlog.

Run: .venv/bin/python benchmarks/backtest_bias.py [--histories 16] [--replications 8]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from server.services.backtest import conditional_forecast, weekly_figures
from simulator.planning.synthetic_flow import simulated_history
from simulator.scenario import Calendar, Demand, Headcount, ModelSpec, Pool, Project, Scenario, ServiceTime

END, CUT, WEEKS = 56, 28, 4


def _workforce(minutes: float) -> Scenario:
    return Scenario(
        horizon_days=END,
        calendar=Calendar(hours_per_day=24.0, start_hour=0.0, working_days=(0, 1, 2, 3, 4, 5, 6)),
        demand=Demand(model="trace", trace=(1.0,), projects=(Project("p", 1.0, minutes),)),
        service_time=ServiceTime("lognormal", 0.5),
        workforce=(Pool(name="team", headcount=Headcount(production=1), hourly_rate=10.0, attrition_per_week=0.0),),
        learning=ModelSpec("none"),
        quality=ModelSpec("constant", {"error_probability": 0.0}),
    )


def main(histories: int, replications: int) -> None:
    days = np.arange(END)
    rates = np.where(days % 7 < 5, 220.0, 80.0)
    print("minutes/task | weekday utilization | backlog error, weeks 5-8 (mean, 95% CI) | relative")
    for minutes in (5.0, 6.0, 6.5, 7.0, 7.6):
        started = time.perf_counter()
        absolute, relative = [], []
        for seed in range(histories):
            history = simulated_history(_workforce(minutes), rates, seed)
            actual = np.array(
                [w.backlog for w in weekly_figures(history.task_created, history.task_completed, CUT, WEEKS)]
            )
            forecast = conditional_forecast(
                history,
                _workforce(minutes),
                CUT,
                WEEKS,
                replications=replications,
                seed=100 + seed,
                rng=np.random.default_rng(seed),
            )
            error = np.array([w.backlog for w in forecast.weeks]) - actual
            absolute.append(error)
            relative.append(error / actual)
        errors = np.array(absolute)
        mean = errors.mean(axis=0)
        half = 1.96 * errors.std(axis=0, ddof=1) / np.sqrt(histories)
        cells = ", ".join(f"{m:+5.1f} ±{h:4.1f}" for m, h in zip(mean, half, strict=True))
        shares = ", ".join(f"{r:+4.0%}" for r in np.mean(relative, axis=0))
        utilization = 220.0 * minutes / (24.0 * 60.0)
        print(f"{minutes:12.1f} | {utilization:19.2f} | {cells} | {shares} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--histories", type=int, default=16)
    parser.add_argument("--replications", type=int, default=8)
    args = parser.parse_args()
    main(args.histories, args.replications)
