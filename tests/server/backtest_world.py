"""Synthetic worlds the backtest tests share: one labeler working round the clock, and the week-end backlog errors
of a conditional forecast against a history."""

from __future__ import annotations

from typing import Any

import numpy as np

from server.services.backtest import conditional_forecast, weekly_figures
from simulator.latency import FlowHistory
from simulator.scenario import Calendar, Demand, Headcount, ModelSpec, Pool, Project, Scenario, ServiceTime

END, CUT, WEEKS = 56, 28, 4

# One labeler round the clock at 6 minutes a task, so that tasks queue for it whenever demand comes near 240 a day.
ONE_LABELER = Scenario(
    horizon_days=END,
    calendar=Calendar(hours_per_day=24.0, start_hour=0.0, working_days=(0, 1, 2, 3, 4, 5, 6)),
    demand=Demand(model="trace", trace=(1.0,), projects=(Project("p", 1.0, 6.0),)),
    service_time=ServiceTime("lognormal", 0.5),
    workforce=(Pool(name="team", headcount=Headcount(production=1), hourly_rate=10.0, attrition_per_week=0.0),),
    learning=ModelSpec("none"),
    quality=ModelSpec("constant", {"error_probability": 0.0}),
)


def backlog_errors(
    history: FlowHistory, scenario: Scenario, *, replications: int, seed: int, rng_seed: int, **options: Any
) -> np.ndarray:
    """The conditional forecast's week-end backlog minus the history's, week by week from the cut."""
    actual = weekly_figures(history.task_created, history.task_completed, CUT, WEEKS)
    forecast = conditional_forecast(
        history,
        scenario,
        CUT,
        WEEKS,
        replications=replications,
        seed=seed,
        rng=np.random.default_rng(rng_seed),
        **options,
    ).weeks
    return np.array([f.backlog - a.backlog for f, a in zip(forecast, actual, strict=True)])
