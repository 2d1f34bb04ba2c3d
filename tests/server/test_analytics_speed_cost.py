"""Speed, cost, forecast, SLA and outlier metrics against hand-computed fixtures."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from server.db import Database
from server.db.enums import LabelerStage, LabelStatus, PricingModel, TaskStatus
from server.db.models import LabelerStageEvent
from server.services.analytics import Scope, completion_forecast, cost_metrics, speed_metrics
from server.services.analytics.dashboard import project_dashboard
from server.services.analytics.forecast import fetch_task_flow
from server.services.analytics.outliers import PLATEAU_WEEK, fetch_outliers
from simulator.planning.calibrate import CurveStatus, fit_curves
from tests.server.percentile_bound import assert_within_bound
from tests.server.test_analytics_world import World, day


async def _speed_world(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        w = World(session)
        hourly = await w.vendor(PricingModel.HOURLY, rate=999.0)  # an hourly vendor's own rate is not used
        per_label = await w.vendor(PricingModel.PER_LABEL, rate=0.5)
        project = await w.project(budget=10.0)
        a = await w.labeler(hourly, hourly_rate=36.0)  # 0.01 per second
        b = await w.labeler(per_label, hourly_rate=99.0)  # per-label vendor: the hourly rate is not used
        accepted, rejected = LabelStatus.ACCEPTED, LabelStatus.REJECTED
        await w.label(await w.task(project), a, at=day(0, 5), seconds=100)  # before the window
        for hour, seconds in ((1, 10), (2, 20), (3, 30)):
            await w.label(await w.task(project), a, at=day(1, hour), seconds=seconds)
        await w.label(await w.task(project), a, at=day(2, 1), seconds=40, rework_seconds=60, rework_count=1)
        await w.label(await w.task(project), b, at=day(1, 4), seconds=50, status=accepted)
        await w.label(await w.task(project), b, at=day(2, 2), seconds=60, status=rejected)
        await w.label(await w.task(project), b, at=day(2, 3), seconds=70, status=accepted)
        return {"project": project.id, "a": a.id, "b": b.id, "hourly": hourly.id, "per_label": per_label.id}


async def test_speed_over_a_window(database: Database) -> None:
    ids = await _speed_world(database)
    async with database.session() as session:
        speed = await speed_metrics(session, Scope(project_id=ids["project"], start=day(1), end=day(3)))
    # Times 10, 20, 30, 40, 50, 60, 70: mean 40; median at h = 6·0.5 = 3 -> v4 = 40;
    # p90 at h = 6·0.9 = 5.4 -> v6 + 0.4·(v7 - v6) = 60 + 4 = 64.
    assert speed.labels == 7
    assert speed.mean_seconds == pytest.approx(40.0)
    assert_within_bound(speed.median_seconds, 40.0)
    assert_within_bound(speed.p90_seconds, 64.0)
    assert (speed.reworked_labels, speed.rework_seconds, speed.mean_rework_seconds) == (1, 60.0, 60.0)
    # Two active days; 280 s labeling + 60 s rework = 340 s.
    assert speed.labels_per_day == pytest.approx(3.5)
    assert speed.labeling_hours == pytest.approx(340 / 3600)
    assert speed.labels_per_labeler_hour == pytest.approx(7 / (340 / 3600))


async def test_cost_hourly_and_per_label(database: Database) -> None:
    ids = await _speed_world(database)
    async with database.session() as session:
        cost = await cost_metrics(session, Scope(project_id=ids["project"], start=day(1), end=day(3)), budget=10.0)
    # a (hourly, 0.01/s): (10 + 20 + 30 + 40 + 60 rework) s = 1.60; b (per label, 0.5): two accepted = 1.00.
    assert cost.cost == pytest.approx(2.60)
    assert cost.accepted_labels == 6
    assert cost.cost_per_accepted_label == pytest.approx(2.60 / 6)
    usage = {(row.day, row.vendor_id): row for row in cost.usage}
    assert usage[("2024-03-05", ids["hourly"])].cost == pytest.approx(0.60)
    assert usage[("2024-03-05", ids["per_label"])].cost == pytest.approx(0.50)
    assert usage[("2024-03-06", ids["hourly"])].cost == pytest.approx(1.00)
    assert usage[("2024-03-06", ids["per_label"])].cost == pytest.approx(0.50)
    assert usage[("2024-03-06", ids["per_label"])].labels == 2
    assert usage[("2024-03-06", ids["per_label"])].accepted_labels == 1
    assert len(usage) == 4
    # Budget: everything before the window's end, including day 0's 100 s (1.00): 3.60 of 10.
    assert cost.budget is not None
    assert cost.budget.spent == pytest.approx(3.60)
    assert cost.budget.burn == pytest.approx(0.36)


async def test_vendor_and_day_scopes(database: Database) -> None:
    ids = await _speed_world(database)
    async with database.session() as session:
        vendor = await cost_metrics(session, Scope(vendor_id=ids["per_label"]))
        one_day = await speed_metrics(session, Scope.day(day(1).date(), project_id=ids["project"]))
    assert vendor.cost == pytest.approx(1.0)
    # Day 1: 10, 20, 30, 50: median at h = 1.5 -> 20 + 0.5·10 = 25; p90 at h = 2.7 -> 30 + 0.7·20 = 44.
    assert one_day.labels == 4
    assert_within_bound(one_day.median_seconds, 25.0)
    assert_within_bound(one_day.p90_seconds, 44.0)


async def test_dashboard_days_are_bucketed_and_zero_filled(database: Database) -> None:
    ids = await _speed_world(database)
    async with database.session() as session:
        dashboard = await project_dashboard(session, ids["project"], start=day(1), end=day(4))
    days = {bucket.day.isoformat(): bucket for bucket in dashboard.days}
    assert list(days) == ["2024-03-05", "2024-03-06", "2024-03-07"]
    assert days["2024-03-05"].labels == 4
    assert_within_bound(days["2024-03-05"].median_seconds, 25.0)
    # Day 2: 40, 60, 70: median 60; p90 at h = 1.8 -> 60 + 0.8·10 = 68; cost 1.00 + 0.50.
    assert_within_bound(days["2024-03-06"].median_seconds, 60.0)
    assert_within_bound(days["2024-03-06"].p90_seconds, 68.0)
    assert days["2024-03-06"].cost == pytest.approx(1.50)
    assert days["2024-03-07"].labels == 0
    assert days["2024-03-07"].mean_seconds is None


def test_percentile_definition_matches_numpy_linear() -> None:
    # The SQL definition is numpy's default; the hand values above were computed with it.
    assert np.percentile([10, 20, 30, 40, 50, 60, 70], 90) == pytest.approx(64.0)
    assert np.percentile([10, 20, 30, 50], 90) == pytest.approx(44.0)


async def test_learning_curve_is_recovered_from_exact_points(database: Database) -> None:
    # T(t) = 42 + 18·exp(-t/10): 60 s on day 0, falling towards 42 s.
    def curve(t: int) -> float:
        return 42.0 + 18.0 * math.exp(-t / 10.0)

    async with database.transaction() as session:
        w = World(session)
        vendor = await w.vendor()
        project = await w.project()
        labeler = await w.labeler(vendor)
        for t in range(0, 28, 2):
            for k in range(2):
                # Two labels a day, 1 s either side of the curve: the day's mean is exactly T(t).
                await w.label(await w.task(project), labeler, at=day(t, 1 + k), seconds=curve(t) + (1 if k else -1))
        project_id, labeler_id = project.id, labeler.id
    async with database.session() as session:
        dashboard = await project_dashboard(session, project_id)
    (fitted,) = dashboard.learning_curves
    assert fitted.labeler_id == labeler_id
    assert [p.tenure_day for p in fitted.points] == list(range(0, 28, 2))
    assert fitted.initial_seconds == pytest.approx(60.0, rel=1e-6)
    assert fitted.plateau_seconds == pytest.approx(42.0, rel=1e-6)
    assert fitted.tau_days == pytest.approx(10.0, rel=1e-6)
    # First week: days 0, 2, 4, 6; latest seven days (20..26): 20, 22, 24, 26.
    first = sum(curve(t) for t in (0, 2, 4, 6)) / 4
    latest = sum(curve(t) for t in (20, 22, 24, 26)) / 4
    assert fitted.improvement == pytest.approx(1 - latest / first)


def test_learning_curves_fitted_together_equal_each_fitted_alone() -> None:
    # Series of different lengths share one padded evaluation: the padding must not move any fit.
    rng = np.random.default_rng(3)
    series = []
    for _ in range(12):
        days = sorted(int(day) for day in rng.choice(40, size=int(rng.integers(2, 30)), replace=False))
        initial, plateau, tau = rng.uniform(40, 90), rng.uniform(15, 35), rng.uniform(2, 20)
        seconds = [plateau + (initial - plateau) * math.exp(-day / tau) * rng.lognormal(0, 0.05) for day in days]
        series.append((days, seconds, [int(n) for n in rng.integers(1, 30, size=len(days))]))
    together = fit_curves(series, min_tau=0.5)
    alone = [fit_curves([item], min_tau=0.5)[0] for item in series]
    assert sum(fit.usable for fit in alone) >= 8
    for fit, reference in zip(together, alone, strict=True):
        assert fit.status is reference.status
        if fit.usable:
            assert (fit.t0, fit.t_inf, fit.tau) == pytest.approx(
                (reference.t0, reference.t_inf, reference.tau), rel=1e-6
            )
            assert (fit.t0_se, fit.tau_se) == pytest.approx((reference.t0_se, reference.tau_se), rel=1e-6)


def test_learning_curve_needs_enough_points() -> None:
    assert fit_curves([([0, 1, 2], [50.0, 45.0, 43.0], [5, 5, 5])], min_tau=0.5)[0].status is CurveStatus.TOO_FEW_POINTS


def test_forecast_with_steady_throughput() -> None:
    # 10 a day with no spread: 100 remaining take exactly 10 days, and the interval collapses.
    forecast = completion_forecast(as_of=day(0), remaining=100, daily=[10] * 14)
    assert forecast.expected_days == pytest.approx(10.0)
    assert forecast.earliest_days == pytest.approx(10.0)
    assert forecast.latest_days == pytest.approx(10.0)
    assert forecast.expected_date == day(10)


def test_forecast_interval_from_variable_throughput() -> None:
    # Alternating 5 and 15: mean 10, s = sqrt(14·25/13) = 5.18875; z(80%) = 1.281552, z·s = 6.64960.
    # sqrt(D) = (∓6.64960 + sqrt(6.64960² + 4·10·100)) / 20 = (∓6.64960 + 63.59418) / 20
    # -> earliest D = 2.847229² = 8.10671, latest D = 3.512189² = 12.33547.
    forecast = completion_forecast(as_of=day(0), remaining=100, daily=[5, 15] * 7, deadline=day(12))
    assert forecast.stdev_per_day == pytest.approx(5.18875, rel=1e-5)
    assert forecast.expected_days == pytest.approx(10.0)
    assert forecast.earliest_days == pytest.approx(8.10671, rel=1e-4)
    assert forecast.latest_days == pytest.approx(12.33547, rel=1e-4)
    assert forecast.on_track is False


def test_forecast_without_throughput_has_no_date() -> None:
    forecast = completion_forecast(as_of=day(0), remaining=5, daily=[0] * 14)
    assert forecast.expected_date is None
    assert forecast.on_track is None


async def test_sla_attainment_and_completions(database: Database) -> None:
    async with database.transaction() as session:
        w = World(session)
        project = await w.project(sla_turnaround_hours=24.0, sla_target_share=0.9)
        done = TaskStatus.DONE
        await w.task(project, created_at=day(0), completed_at=day(0, 10), status=done)  # 10 h: within
        await w.task(project, created_at=day(0), completed_at=day(1), status=done)  # exactly 24 h: within
        await w.task(project, created_at=day(0), completed_at=day(1, 6), status=done)  # 30 h: breached
        await w.task(project, created_at=day(-2))  # open for 5 days at as_of: breached
        await w.task(project, created_at=day(3) - timedelta(hours=1))  # open for 1 h
        project_row = project
    async with database.session() as session:
        flow = await fetch_task_flow(session, project_row, Scope(project_id=project_row.id), as_of=day(3))
    assert (flow.sla.completed, flow.sla.within_sla) == (3, 2)
    assert flow.sla.attainment == pytest.approx(2 / 3)
    assert flow.sla.met is False
    assert flow.sla.open_breached == 1
    # Lookback 14 days ending at day 3: ..., day 0: 1, day 1: 2, day 2: 0.
    assert flow.forecast.daily_completions[-3:] == (1, 2, 0)
    assert sum(flow.forecast.daily_completions) == 3
    assert flow.forecast.remaining_tasks == 2
    assert flow.forecast.expected_days == pytest.approx(2 / (3 / 14))


async def test_outliers_fast_and_careless(database: Database) -> None:
    # Five labelers in tenure week 0, two labels each at mean x = 1, 10, 11, 12, 13 s.
    # Median 11; deviations 10, 1, 0, 1, 2 -> sorted 0, 1, 1, 2, 10: MAD 1.
    # z(1 s) = 0.6745·(1 - 11)/1 = -6.745: a fast outlier; z(13 s) = 1.349: normal.
    means = [1.0, 10.0, 11.0, 12.0, 13.0]
    async with database.transaction() as session:
        w = World(session)
        vendor = await w.vendor()
        project = await w.project()
        labelers = []
        for i, mean in enumerate(means):
            labeler = await w.labeler(vendor)
            labelers.append(labeler.id)
            gold = {"c": "cat"}
            for k in range(2):
                task = await w.task(project, is_benchmark=True, gold_answer=gold)
                answer = {"c": "dog"} if i == 0 else gold  # the fast one is also wrong on every benchmark
                await w.label(task, labeler, answer=answer, at=day(1, i + k * 0.5), seconds=mean + (1 if k else -1))
        project_id = project.id
    async with database.session() as session:
        rows = await fetch_outliers(session, Scope(project_id=project_id), min_labels=2)
        flagged = await fetch_outliers(session, Scope(project_id=project_id), min_labels=2, only_outliers=True)
    by_labeler = {row.labeler_id: row for row in rows}
    fast = by_labeler[labelers[0]]
    assert fast.cohort_size == 5
    assert fast.cohort_median_seconds == pytest.approx(11.0)
    assert fast.cohort_mad_seconds == pytest.approx(1.0)
    assert fast.robust_z == pytest.approx(-6.745)
    assert fast.direction == "FAST"
    assert fast.benchmark_accuracy == pytest.approx(0.0)
    assert by_labeler[labelers[4]].robust_z == pytest.approx(1.349)
    assert not by_labeler[labelers[4]].is_outlier
    assert [row.labeler_id for row in flagged] == [labelers[0]]


async def test_learning_curve_tenure_counts_from_the_production_stage_event(database: Database) -> None:
    # A veteran in production since 70 days before their first label here, labeling at their plateau (40 s, with
    # a little day-to-day noise): tenure starts at 70, and a flat series says its curve is not pinned down.
    rng = np.random.default_rng(8)
    async with database.transaction() as session:
        w = World(session)
        vendor = await w.vendor()
        project = await w.project()
        veteran = await w.labeler(vendor)
        session.add(LabelerStageEvent(labeler_id=veteran.id, stage=LabelerStage.PRODUCTION, entered_at=day(-70)))
        for t in range(0, 28):
            seconds = 40.0 + float(rng.normal(0.0, 0.5))
            await w.label(await w.task(project), veteran, at=day(t, 1), seconds=seconds)
        project_id = project.id
    async with database.session() as session:
        dashboard = await project_dashboard(session, project_id)
        outliers = await fetch_outliers(session, Scope(project_id=project_id), min_labels=1)
    (curve,) = dashboard.learning_curves
    assert [p.tenure_day for p in curve.points][:3] == [70, 71, 72]
    assert curve.fit_status is not CurveStatus.OK
    assert (curve.initial_seconds, curve.plateau_seconds, curve.tau_days, curve.tau_days_se) == (None,) * 4
    # Speed-outlier cohorts count tenure from the PRODUCTION event too; weeks 10 to 13 are past the learning
    # plateau, so all four sit in the veterans' pooled cohort.
    assert {row.tenure_week for row in outliers} == {PLATEAU_WEEK}
    assert [row.labels for row in outliers] == [28]
