"""Backtests: calibrate on weeks 1..k of a project's history, forecast weeks k+1..k+h, compare with the records.

Two forecasts start from the state at the cut (every task open there, by stage, with its age) and separate the
two sources of error: the *conditional* forecast is fed the demand that actually arrived (the ``trace`` demand
plugin replays it), so its error is the capacity and flow model's; the *unconditional* one draws demand from the
fitted pattern, as a plan would. Completion times are the simulator's (labelers and reviewers busy) plus the
waits people take to pick work up, review it and rework it, drawn from what the records show before the cut
(:mod:`simulator.latency`): without them every open task looks done within hours. Two naive baselines stand
beside them: the last four weeks' mean throughput carried forward, and the backlog at the cut carried forward.

A forecast is a distribution, not a number: each week carries the replications' 90% interval, the report counts
the weeks whose records fell inside it, and gives the conditional forecast's *floor*, the error its mean scores
against worlds drawn from its own model. A right model still misses by its floor: where a week-end backlog is a
few dozen tasks, one labeler's afternoon moves it by a third, and no forecast of the mean can do better.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from server.db.session import Database
from server.services.errors import Path, ValidationFailed
from server.services.history import (
    ProjectRecords,
    history_until,
    load_flow,
    load_records,
    pool_for,
    recorded_waits,
)
from server.services.simulation_pool import WorkerDied
from simulator.engine import run_replication
from simulator.latency import (
    FlowHistory,
    LatencyFit,
    OpenTask,
    fit_latency,
    open_tasks,
    sample_new,
    sample_remaining,
    scenario_waits,
    with_capacity,
)
from simulator.planning.calibrate import CalibrationFit, calibrate, demand_forecast
from simulator.planning.calibrate.uncertainty import draw_scenario
from simulator.scenario import Headcount, Scenario

__all__ = [
    "BacktestData",
    "BacktestErrors",
    "BacktestFigures",
    "BacktestInterval",
    "BacktestWeekData",
    "BacktestWithin",
    "ClearingTime",
    "Forecast",
    "OpenBacklog",
    "backtest_records",
    "conditional_forecast",
    "forecast_weeks",
    "load_flow",
    "naive_baselines",
    "open_backlog",
    "replay_training",
    "run_backtest",
    "simulate_trace",
    "weekly_figures",
]

_DAY = 86400.0
#: Weeks of throughput the naive baseline averages.
_BASELINE_WEEKS = 4
#: The replications' quantiles that bound a week's forecast interval (90%).
_INTERVAL = (0.05, 0.95)


@dataclass(frozen=True)
class OpenBacklog:
    """Tasks open at the cut, by stage: the forecasts' initial state."""

    to_label: int
    in_review: int
    in_rework: int

    @property
    def total(self) -> int:
        return self.to_label + self.in_review + self.in_rework


@dataclass(frozen=True)
class BacktestFigures:
    """One week: tasks completed in it, completed from the cut to its end, and open at its end."""

    throughput: float
    completions: float
    backlog: float


@dataclass(frozen=True)
class BacktestInterval:
    """A week's forecast interval: the replications' 5th and 95th percentiles of each figure."""

    low: BacktestFigures
    high: BacktestFigures

    def holds(self, figures: BacktestFigures, figure: str) -> bool:
        return bool(getattr(self.low, figure) <= getattr(figures, figure) <= getattr(self.high, figure))


@dataclass(frozen=True)
class BacktestWithin:
    """How many of the forecast weeks' records fell inside the forecast's 90% interval, per figure."""

    throughput: int
    completions: int
    backlog: int
    weeks: int


@dataclass(frozen=True)
class BacktestWeekData:
    week: int
    actual: BacktestFigures
    conditional: BacktestFigures
    unconditional: BacktestFigures
    baseline: BacktestFigures
    #: The tasks open at the week's end in the records, by stage: where a backlog error sits.
    open_actual: OpenBacklog
    conditional_interval: BacktestInterval
    unconditional_interval: BacktestInterval


@dataclass(frozen=True)
class BacktestErrors:
    """Mean absolute percentage errors over the horizon's weeks, in percent (None where nothing to compare)."""

    throughput_mape: float | None
    completions_mape: float | None
    backlog_mape: float | None


@dataclass(frozen=True)
class ClearingTime:
    """Days from the cut until the tasks open there were done: the median and the 90th percentile."""

    median_days: float
    p90_days: float


@dataclass(frozen=True)
class Forecast:
    """Weekly figures over replications (their mean and every run's), and every draw of the days the open tasks
    took to complete."""

    weeks: list[BacktestFigures]
    open_remaining_days: np.ndarray
    runs: list[list[BacktestFigures]]

    def interval(self, week: int) -> BacktestInterval:
        def quantile(figure: str, q: float) -> float:
            return float(np.quantile([getattr(run[week], figure) for run in self.runs], q))

        low, high = (BacktestFigures(*(quantile(f, q) for f in _FIGURES)) for q in _INTERVAL)
        return BacktestInterval(low, high)

    def floor(self) -> BacktestErrors:
        """The mean MAPE of the forecast's mean against each of its own runs: its error were the world one of them."""

        def mean_mape(figure: str) -> float | None:
            forecast = [getattr(week, figure) for week in self.weeks]
            scored = [_mape([getattr(week, figure) for week in run], forecast) for run in self.runs]
            known = [value for value in scored if value is not None]
            return float(np.mean(known)) if known else None

        return BacktestErrors(*(mean_mape(figure) for figure in _FIGURES))

    def held_out(self) -> list[BacktestErrors]:
        """Each run taken in turn as the world and forecast by the mean of the others: what a right model's
        forecast scores, one world at a time. A run's error against the others' mean is n/(n-1) times its error
        against the mean of all n, so their mean is the floor times n/(n-1); what they add is their spread: the
        share of them within a target is the chance that even a right model meets it."""
        if len(self.runs) < 2:
            return []
        totals = {
            figure: np.array([[getattr(week, figure) for week in run] for run in self.runs]) for figure in _FIGURES
        }
        others = len(self.runs) - 1

        def scored(run: int, figure: str) -> float | None:
            values = totals[figure]
            forecast = (values.sum(axis=0) - values[run]) / others
            return _mape(values[run].tolist(), forecast.tolist())

        return [BacktestErrors(*(scored(run, figure) for figure in _FIGURES)) for run in range(len(self.runs))]


_FIGURES = ("throughput", "completions", "backlog")


@dataclass(frozen=True)
class BacktestData:
    train_weeks: int
    horizon_weeks: int
    open_at_cut: OpenBacklog
    #: How long the backlog open at the cut took to clear, in the records and in the conditional forecast
    #: (None where nothing was open, or it had not cleared by the end of the records).
    open_cleared_actual: ClearingTime | None
    open_cleared_forecast: ClearingTime | None
    conditional: BacktestErrors
    unconditional: BacktestErrors
    baseline: BacktestErrors
    weeks: tuple[BacktestWeekData, ...]
    #: The conditional forecast's error against worlds drawn from its own model (`Forecast.floor`).
    conditional_floor: BacktestErrors
    #: Each of the conditional forecast's runs scored as the world by the mean of the others (`Forecast.held_out`).
    conditional_held_out: tuple[BacktestErrors, ...]
    #: Weeks whose records fell inside each forecast's 90% interval.
    conditional_within: BacktestWithin
    unconditional_within: BacktestWithin


def _mape(actual: list[float], forecast: list[float]) -> float | None:
    pairs = [(a, f) for a, f in zip(actual, forecast, strict=True) if a > 0]
    if not pairs:
        return None
    return 100.0 * float(np.mean([abs(f - a) / a for a, f in pairs]))


def _within(weeks: list[BacktestWeekData], which: str) -> BacktestWithin:
    def count(figure: str) -> int:
        return sum(getattr(week, f"{which}_interval").holds(week.actual, figure) for week in weeks)

    return BacktestWithin(count("throughput"), count("completions"), count("backlog"), len(weeks))


def _errors(weeks: list[BacktestWeekData], which: str) -> BacktestErrors:
    def mape(figure: str) -> float | None:
        return _mape([getattr(w.actual, figure) for w in weeks], [getattr(getattr(w, which), figure) for w in weeks])

    return BacktestErrors(mape("throughput"), mape("completions"), mape("backlog"))


def weekly_figures(created: np.ndarray, completed: np.ndarray, cut: int, horizon_weeks: int) -> list[BacktestFigures]:
    """Figures of each horizon week for tasks arrived at ``created`` and completed at ``completed`` (days)."""
    figures = []
    for w in range(horizon_weeks):
        lo, hi = cut + 7 * w, cut + 7 * (w + 1)
        figures.append(
            BacktestFigures(
                throughput=float(np.sum((completed >= lo) & (completed < hi))),
                completions=float(np.sum((completed >= cut) & (completed < hi))),
                backlog=float(np.sum((created < hi) & ~(completed < hi))),
            )
        )
    return figures


def _mean_figures(runs: list[list[BacktestFigures]]) -> list[BacktestFigures]:
    return [
        BacktestFigures(
            throughput=float(np.mean([run[w].throughput for run in runs])),
            completions=float(np.mean([run[w].completions for run in runs])),
            backlog=float(np.mean([run[w].backlog for run in runs])),
        )
        for w in range(len(runs[0]))
    ]


def _capacity_delay_days(arrival_hours: np.ndarray, finish_hours: np.ndarray, at_days: np.ndarray) -> np.ndarray:
    """The simulated time from arrival to acceptance (inf past the horizon) of the simulated task arriving
    nearest after each of ``at_days`` (days since the cut): what busy labelers and reviewers add then."""
    if arrival_hours.size == 0:
        return np.zeros(at_days.size)
    order = np.argsort(arrival_hours, kind="stable")
    arrival, delay = arrival_hours[order], (finish_hours - arrival_hours)[order]
    index = np.minimum(np.searchsorted(arrival, at_days * 24.0), arrival.size - 1)
    return delay[index] / 24.0


def _first_day_delays(
    arrival_hours: np.ndarray, finish_hours: np.ndarray, ages: np.ndarray, first_day_arrivals: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Simulated delays (days) of the tasks still to label at the cut, and of the new tasks arriving on the
    forecast's first day (at ``first_day_arrivals`` days since the cut).

    The backlog entered the simulation at its first hour (the trace adds it to that day's tasks, queued at hour
    0), so in first-come order it takes the earliest acceptances among the first day's simulated tasks, the
    oldest task the earliest, and the new tasks of that day take the acceptances after them: one place in the
    queue each. (Spread over the first day like its arrivals, most of it could not be started before the
    afternoon, and a team working mornings left it for the next day.)
    (Reading each task's delay off the simulated task arriving at the same moment would give the whole backlog
    the first task's delay, and clear days of work at once.)"""
    if arrival_hours.size == 0:  # nothing simulated: no capacity limit
        return np.zeros(ages.size), np.zeros(first_day_arrivals.size)
    finishes = np.sort(finish_hours[arrival_hours < 24.0]) / 24.0
    backlog = np.full(ages.size, np.inf)
    count = min(ages.size, finishes.size)
    backlog[np.argsort(-ages, kind="stable")[:count]] = finishes[:count]
    later = finishes[count:]
    new = np.full(first_day_arrivals.size, np.inf)
    taken = min(first_day_arrivals.size, later.size)
    order = np.argsort(first_day_arrivals, kind="stable")[:taken]
    new[order] = np.maximum(later[:taken] - first_day_arrivals[order], 0.0)
    return backlog, new


def forecast_weeks(
    runs_of_arrivals: list[tuple[np.ndarray, np.ndarray]],
    simulated_runs: list[tuple[np.ndarray, np.ndarray]],
    opened: list[OpenTask],
    fit: LatencyFit,
    cut: int,
    horizon_weeks: int,
    rng: np.random.Generator,
    *,
    replayed: list[LatencyFit] | None = None,
    planner_rule: bool = False,
) -> Forecast:
    """Weekly figures over replications; each pairs new arrivals (days since the cut, labels required) with
    one simulated run's capacity delays.

    With ``planner_rule`` the simulated runs were made on a scenario carrying the recorded waits (planning's own
    rule: each label accepted no earlier than its simulated submission plus a recorded review path), so a new task
    is done at its simulated acceptance alone.

    With ``replayed`` (one fit per run, :func:`replay_training`), a new task is done at its simulated
    acceptance plus what a recorded task arriving near the same time of the week took beyond the acceptance
    the same run's workforce gave it replaying the weeks before the cut, then its review path: the recorded
    waits hold the queueing of their weeks, and the replay takes it out. Without, a task is done when the
    later of the two clocks runs out (the simulator's, and a recorded-style wait), which counts the queueing
    twice where both clocks hold it. Tasks open at the cut take the later of the two clocks either way.
    """
    open_age = np.array([task.age_days for task in opened], dtype=float)
    open_created = cut - open_age
    open_labeling = np.array([task.missing_labels > 0 for task in opened], dtype=bool)
    runs = []
    remaining = []
    if replayed is not None and planner_rule:
        raise ValueError("replayed and planner_rule are two ways to finish new tasks: choose one")
    if replayed is not None and len(replayed) != len(simulated_runs):
        raise ValueError(f"replayed must hold one fit per run ({len(simulated_runs)}), got {len(replayed)}")
    for run, ((arrivals, required), (sim_arrival, sim_finish)) in enumerate(
        zip(runs_of_arrivals, simulated_runs, strict=True)
    ):
        # Tasks still to label queue for labelers from the cut on, ahead of the new ones; those in review or
        # rework need minutes of work, so only their waits count.
        first_day = arrivals < 1.0
        open_delay = np.zeros(len(opened))
        new_delay = _capacity_delay_days(sim_arrival, sim_finish, arrivals)
        open_delay[open_labeling], new_delay[first_day] = _first_day_delays(
            sim_arrival, sim_finish, open_age[open_labeling], arrivals[first_day]
        )
        open_done = cut + np.maximum(open_delay, sample_remaining(fit, opened, rng, cut=cut))
        if planner_rule:
            new_done = cut + arrivals + new_delay
        else:
            run_fit = fit if replayed is None else replayed[run]
            new_done = cut + arrivals + sample_new(run_fit, required, rng, arrived=cut + arrivals, capacity=new_delay)
        created = np.concatenate((open_created, cut + arrivals))
        completed = np.concatenate((open_done, new_done))
        runs.append(weekly_figures(created, completed, cut, horizon_weeks))
        remaining.append(open_done - cut)
    return Forecast(_mean_figures(runs), np.concatenate(remaining) if remaining else np.zeros(0), runs)


def _clearing(days: np.ndarray) -> ClearingTime | None:
    if days.size == 0 or not np.all(np.isfinite(days)):
        return None
    return ClearingTime(float(np.quantile(days, 0.5)), float(np.quantile(days, 0.9)))


def simulate_trace(
    scenario: Scenario,
    trace: np.ndarray,
    replications: int,
    seed: int,
    *,
    at_start: int = 0,
    fitted: CalibrationFit | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Arrival and acceptance hours of every simulated task, per replication, on the demand ``trace``; the first
    ``at_start`` of day 0's tasks are queued at hour 0 (the tasks still to label at a cut). With ``fitted`` (the
    calibration behind ``scenario``), each replication draws the fitted figures from their intervals
    (:func:`~simulator.planning.calibrate.uncertainty.draw_scenario`) on a stream of its own."""
    demand = replace(
        scenario.demand, model="trace", trace=tuple(float(v) for v in trace), params={"at_start": int(at_start)}
    )
    traced = replace(scenario, demand=demand)
    # The first `replications` children are the runs' own, as without draws; one more feeds the draws.
    *children, draws = np.random.SeedSequence(seed).spawn(replications + 1)
    figures = np.random.default_rng(draws)
    runs = []
    for child in children:
        run_scenario = traced if fitted is None else draw_scenario(traced, fitted, figures)
        result = run_replication(run_scenario, child, keep_tasks=True)
        assert result.tasks is not None
        runs.append((result.tasks.arrival_hour, result.tasks.finish_hour))
    return runs


def open_backlog(opened: list[OpenTask]) -> OpenBacklog:
    """Counts of the open tasks by stage."""
    return OpenBacklog(
        to_label=sum(task.stage == "to_label" for task in opened),
        in_review=sum(task.stage == "in_review" for task in opened),
        in_rework=sum(task.stage == "in_rework" for task in opened),
    )


def naive_baselines(flow: FlowHistory, train_weeks: int, horizon_weeks: int) -> list[BacktestFigures]:
    """The last (up to four) weeks' mean throughput, and the backlog at the cut, carried forward."""
    cut = 7 * train_weeks
    created, completed = flow.task_created, flow.task_completed
    first = max(0, train_weeks - _BASELINE_WEEKS)
    past = [float(np.sum((completed >= 7 * w) & (completed < 7 * (w + 1)))) for w in range(first, train_weeks)]
    per_week = float(np.mean(past)) if past else 0.0
    backlog = float(np.sum((created < cut) & ~(completed < cut)))
    return [BacktestFigures(per_week, per_week * (w + 1), backlog) for w in range(horizon_weeks)]


#: Days the replay of the weeks before the cut runs past the cut with no new arrivals, so that the tasks of the
#: wait sample (arrived at least four days before the cut) are accepted in it.
_REPLAY_TAIL_DAYS = 14


def _team_at_cut(scenario: Scenario, weeks_back: float) -> Scenario:
    """The calibrated scenario with its people in production only, ``weeks_back`` weeks younger, none leaving:
    the team at the cut working the weeks before it (those in training or hiring then were not labeling)."""
    pools = tuple(
        replace(
            pool,
            headcount=Headcount(production=pool.headcount.production),
            production_tenure_weeks=tuple(max(0.0, t - weeks_back) for t in pool.production_tenure_weeks),
            initial_tenure_weeks=max(0.0, pool.initial_tenure_weeks - weeks_back),
            training_done_days=(),
            hiring_done_days=(),
            attrition_per_week=0.0,
        )
        for pool in scenario.workforce
    )
    return replace(scenario, workforce=pools)


def replay_training(
    flow: FlowHistory, scenario: Scenario, fit: LatencyFit, cut: int, *, replications: int, seed: int
) -> list[LatencyFit]:
    """``fit`` once per replication with the capacity delays (:func:`simulator.latency.with_capacity`) the
    calibrated team gave the wait sample's tasks, replaying the recorded arrivals from the whole week before
    the earliest of them to the cut (the tasks still to label then queued at its first hour), and
    ``_REPLAY_TAIL_DAYS`` more with none.

    Only the records before the cut are read. Replication ``r`` uses the ``r``-th seed the forecast's runs use,
    so a forecast run and its replay share their random streams."""
    arrived = np.concatenate((fit.labeling_single_arrived, fit.labeling_consensus_arrived))
    if arrived.size == 0:
        return [fit] * replications
    start = max(0, cut - 7 * int(np.ceil((cut - float(arrived.min())) / 7.0)))
    days = cut - start
    created = flow.task_created
    arriving = (created >= start) & (created < cut)
    trace = np.zeros(days + _REPLAY_TAIL_DAYS)
    trace[:days] = np.bincount(np.floor(created[arriving] - start).astype(np.int64), minlength=days)[:days]
    before = open_tasks(flow, float(start))
    to_label = sum(task.missing_labels > 0 for task in before)
    trace[0] += to_label
    team = replace(_team_at_cut(scenario, days / 7.0), horizon_days=trace.size)
    runs = simulate_trace(team, trace, replications, seed, at_start=to_label)
    ages = np.array([task.age_days for task in before if task.missing_labels > 0], dtype=float)

    def delays(sim_arrival: np.ndarray, sim_finish: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        def delay_at(at: np.ndarray) -> np.ndarray:
            since = at - start
            delay = _capacity_delay_days(sim_arrival, sim_finish, since)
            first = since < 1.0
            delay[first] = _first_day_delays(sim_arrival, sim_finish, ages, since[first])[1]
            # Not accepted in the replay: at least until its end.
            return np.where(np.isfinite(delay), delay, trace.size - since)

        return delay_at

    return [with_capacity(fit, delays(*run)) for run in runs]


def conditional_forecast(
    flow: FlowHistory,
    scenario: Scenario,
    cut: int,
    horizon_weeks: int,
    *,
    replications: int,
    seed: int,
    rng: np.random.Generator,
    fit: LatencyFit | None = None,
    replayed: list[LatencyFit] | None = None,
    replay: bool = False,
    fitted: CalibrationFit | None = None,
    planner_rule: bool = False,
) -> Forecast:
    """The forecast from ``cut`` fed the tasks that actually arrived (with the labels each needed): the
    simulator replays their daily counts, plus the tasks still to label at the cut on its first day. The recorded
    waits are ``fit``, by default every wait seen before the cut (:func:`simulator.latency.fit_latency`), with
    their replayed capacity delays ``replayed`` (with ``replay``, :func:`replay_training`'s; without either, the
    later of the two clocks finishes a new task)."""
    horizon = 7 * horizon_weeks
    fit = fit_latency(flow, cut) if fit is None else fit
    if replayed is None and replay:
        replayed = replay_training(flow, scenario, fit, cut, replications=replications, seed=seed)
    opened = open_tasks(flow, cut)
    created = flow.task_created
    arriving = (created >= cut) & (created < cut + horizon)
    trace = np.bincount(np.floor(created[arriving] - cut).astype(np.int64), minlength=horizon)[:horizon]
    to_label = sum(task.missing_labels > 0 for task in opened)
    trace[0] += to_label
    runs = simulate_trace(
        replace(scenario, horizon_days=horizon),
        trace.astype(float),
        replications,
        seed,
        at_start=to_label,
        fitted=fitted,
    )
    arrivals = (created[arriving] - cut, flow.task_required[arriving])
    return forecast_weeks(
        [arrivals] * replications,
        runs,
        opened,
        fit,
        cut,
        horizon_weeks,
        rng,
        replayed=replayed,
        planner_rule=planner_rule,
    )


def backtest_records(
    records: ProjectRecords,
    flow: FlowHistory,
    *,
    train_weeks: int,
    horizon_weeks: int = 4,
    replications: int = 16,
    seed: int = 0,
    replay: bool = False,
    parameter_draws: bool = False,
    planner_rule: bool = False,
) -> BacktestData:
    """Calibrate on weeks 1..train_weeks, forecast the next horizon_weeks from the state at the cut, compare.
    With ``replay``, new tasks finish by :func:`replay_training`'s mapping of the simulated delay onto the
    recorded ones, not at the later of the two clocks (see the README's backtest section for what each gives).
    With ``parameter_draws``, each replication draws the calibrated figures from their intervals. With
    ``planner_rule``, new tasks finish as planning answers finish them (:func:`forecast_weeks`): the scenario
    carries the recorded waits, and the wait to be labeled is the simulated team's alone."""
    cut = 7 * train_weeks
    horizon = 7 * horizon_weeks
    calibration = calibrate(history_until(records, cut), horizon_days=horizon, start_day=cut)
    fit = recorded_waits(records, flow, cut)
    if planner_rule:
        scenario = replace(calibration.scenario, waits=scenario_waits(fit))
        calibration = replace(calibration, scenario=scenario)
    opened = open_tasks(flow, cut)
    initial = open_backlog(opened)
    to_label = sum(task.missing_labels > 0 for task in opened)
    created, completed = flow.task_created, flow.task_completed
    actual = weekly_figures(created, completed, cut, horizon_weeks)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
    replayed = (
        replay_training(flow, calibration.scenario, fit, cut, replications=replications, seed=seed) if replay else None
    )

    conditional = conditional_forecast(
        flow,
        calibration.scenario,
        cut,
        horizon_weeks,
        replications=replications,
        seed=seed,
        rng=rng,
        fit=fit,
        replayed=replayed,
        fitted=calibration.fitted if parameter_draws else None,
        planner_rule=planner_rule,
    )

    # Unconditional: Poisson days around the fitted pattern, labels required as in the last weeks before the cut.
    expected = demand_forecast(calibration.demand, cut, horizon)
    recent = (created < cut) & (created >= cut - 7 * _BASELINE_WEEKS)
    required_pool = flow.task_required[recent] if recent.any() else np.ones(1, dtype=np.int64)
    drawn = []
    for _ in range(replications):
        counts = rng.poisson(expected)
        days = np.repeat(np.arange(horizon, dtype=float), counts) + rng.random(int(counts.sum()))
        drawn.append((np.sort(days), required_pool[rng.integers(0, required_pool.size, days.size)]))
    trace = expected.copy()
    trace[0] += to_label
    unconditional_runs = simulate_trace(
        calibration.scenario,
        trace,
        replications,
        seed,
        at_start=to_label,
        fitted=calibration.fitted if parameter_draws else None,
    )
    unconditional = forecast_weeks(
        drawn, unconditional_runs, opened, fit, cut, horizon_weeks, rng, replayed=replayed, planner_rule=planner_rule
    )

    baseline = naive_baselines(flow, train_weeks, horizon_weeks)
    weeks = [
        BacktestWeekData(
            train_weeks + w + 1,
            actual[w],
            conditional.weeks[w],
            unconditional.weeks[w],
            baseline[w],
            open_backlog(open_tasks(flow, cut + 7 * (w + 1))),
            conditional.interval(w),
            unconditional.interval(w),
        )
        for w in range(horizon_weeks)
    ]
    return BacktestData(
        train_weeks=train_weeks,
        horizon_weeks=horizon_weeks,
        open_at_cut=initial,
        open_cleared_actual=_clearing(np.array([completed[task.index] - cut for task in opened])),
        open_cleared_forecast=_clearing(conditional.open_remaining_days),
        conditional=_errors(weeks, "conditional"),
        unconditional=_errors(weeks, "unconditional"),
        baseline=_errors(weeks, "baseline"),
        weeks=tuple(weeks),
        conditional_floor=conditional.floor(),
        conditional_held_out=tuple(conditional.held_out()),
        conditional_within=_within(weeks, "conditional"),
        unconditional_within=_within(weeks, "unconditional"),
    )


async def run_backtest(
    database: Database,
    project_id: int,
    *,
    train_weeks: int,
    horizon_weeks: int = 4,
    replications: int = 16,
    seed: int = 0,
    parameter_draws: bool = False,
    planner_rule: bool = False,
    field: Path = ("project_id",),
) -> BacktestData:
    """Backtest a project's history (see :func:`backtest_records`); bad windows are field-level errors."""
    records = await load_records(database, project_id, field=field)
    flow = await load_flow(database, project_id, records.start)
    available = records.days // 7
    if not 1 <= horizon_weeks <= 12:
        raise ValidationFailed(("horizon_weeks",), horizon_weeks, "must be between 1 and 12")
    if available < 2 + 1:
        # No trainWeeks would do: say what the history lacks rather than an empty range such as "2 to -1".
        raise ValidationFailed(
            field,
            project_id,
            f"has {available} whole week(s) of history; a backtest needs at least 3 (2 to train, 1 to forecast)",
        )
    if available - horizon_weeks < 2:
        raise ValidationFailed(
            ("horizon_weeks",),
            horizon_weeks,
            f"must be at most {available - 2} ({available} weeks of history, at least 2 of them to train)",
        )
    if not 2 <= train_weeks <= available - horizon_weeks:
        raise ValidationFailed(
            ("train_weeks",),
            train_weeks,
            f"must be between 2 and {available - horizon_weeks} "
            f"({available} weeks of history, {horizon_weeks} to forecast)",
        )
    if not 2 <= replications <= 200:
        raise ValidationFailed(("replications",), replications, "must be between 2 and 200")
    try:
        # CPU-bound: a worker of the server's simulation pool, killed when the request is cut short.
        return await pool_for(database).run(
            functools.partial(
                backtest_records,
                records,
                flow,
                train_weeks=train_weeks,
                horizon_weeks=horizon_weeks,
                replications=replications,
                seed=seed,
                parameter_draws=parameter_draws,
                planner_rule=planner_rule,
            )
        )
    except WorkerDied:
        raise
    except (ValueError, RuntimeError) as error:
        raise ValidationFailed(field, project_id, f"has too little history to backtest ({error})") from None
