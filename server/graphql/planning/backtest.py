"""GraphQL view of a backtest report (:mod:`server.services.backtest`)."""

from __future__ import annotations

from strawberry import relay

from server.graphql.planning.types import (
    BacktestErrors,
    BacktestFigures,
    BacktestInterval,
    BacktestReport,
    BacktestWeek,
    BacktestWithin,
    ClearingTime,
    OpenBacklog,
)
from server.services import backtest as service

__all__ = ["backtest_report"]


def _figures(figures: service.BacktestFigures) -> BacktestFigures:
    return BacktestFigures(throughput=figures.throughput, completions=figures.completions, backlog=figures.backlog)


def _errors(errors: service.BacktestErrors) -> BacktestErrors:
    return BacktestErrors(
        throughput_mape=errors.throughput_mape,
        completions_mape=errors.completions_mape,
        backlog_mape=errors.backlog_mape,
    )


def _interval(interval: service.BacktestInterval) -> BacktestInterval:
    return BacktestInterval(low=_figures(interval.low), high=_figures(interval.high))


def _within(within: service.BacktestWithin) -> BacktestWithin:
    return BacktestWithin(
        throughput=within.throughput, completions=within.completions, backlog=within.backlog, weeks=within.weeks
    )


def _clearing(clearing: service.ClearingTime | None) -> ClearingTime | None:
    if clearing is None:
        return None
    return ClearingTime(median_days=clearing.median_days, p90_days=clearing.p90_days)


def _open(opened: service.OpenBacklog) -> OpenBacklog:
    return OpenBacklog(
        to_label=opened.to_label, in_review=opened.in_review, in_rework=opened.in_rework, total=opened.total
    )


def backtest_report(project_id: relay.GlobalID, report: service.BacktestData) -> BacktestReport:
    return BacktestReport(
        project_id=project_id,
        train_weeks=report.train_weeks,
        horizon_weeks=report.horizon_weeks,
        open_at_cut=_open(report.open_at_cut),
        open_cleared_actual=_clearing(report.open_cleared_actual),
        open_cleared_forecast=_clearing(report.open_cleared_forecast),
        conditional=_errors(report.conditional),
        unconditional=_errors(report.unconditional),
        baseline=_errors(report.baseline),
        conditional_floor=_errors(report.conditional_floor),
        conditional_held_out=[_errors(errors) for errors in report.conditional_held_out],
        conditional_within=_within(report.conditional_within),
        unconditional_within=_within(report.unconditional_within),
        throughput_mape=report.unconditional.throughput_mape,
        backlog_mape=report.unconditional.backlog_mape,
        weeks=[
            BacktestWeek(
                week=w.week,
                actual=_figures(w.actual),
                conditional=_figures(w.conditional),
                unconditional=_figures(w.unconditional),
                baseline=_figures(w.baseline),
                open_actual=_open(w.open_actual),
                conditional_interval=_interval(w.conditional_interval),
                unconditional_interval=_interval(w.unconditional_interval),
                actual_throughput=w.actual.throughput,
                forecast_throughput=w.unconditional.throughput,
                actual_backlog=w.actual.backlog,
                forecast_backlog=w.unconditional.backlog,
            )
            for w in report.weeks
        ],
    )
