"""The engine: determinism, conservation, the workforce pipeline, and JSON-ready results."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from simulator import (
    Calendar,
    Consensus,
    Demand,
    Distribution,
    Headcount,
    ModelSpec,
    Pool,
    Project,
    Review,
    RunSummary,
    Scenario,
    Spike,
    run_replication,
)
from simulator.loading import scenario_from_dict
from simulator.scenario import PoolShare, ScenarioError

SMALL = Scenario(
    name="small",
    horizon_days=21,
    demand=Demand(
        base_per_day=400,
        weekly=(1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5),
        spikes=(Spike(start_day=8, duration_days=2, multiplier=2.0),),
        projects=(Project("a", 0.6, 4.0), Project("b", 0.4, 6.0)),
    ),
    workforce=(
        Pool("a", hourly_rate=20, headcount=Headcount(production=6, training=2, hiring=1), attrition_per_week=0.05),
        Pool(
            "b",
            vendor="acme",
            price_per_label=0.3,
            headcount=Headcount(production=5),
            shift_offset_hours=8,
            time_to_hire_days=Distribution("fixed", 3.0, 0.0),
            hiring_cost=100.0,
            training_cost=50.0,
        ),
    ),
    review=Review(share_reviewed=0.3, reviewers=2, review_minutes=1.5),
    consensus=Consensus(labels_per_task=2, coverage=0.2),
    staffing=ModelSpec("scheduled", {"hires": [{"day": 2, "pool": "b", "count": 4}]}),
)


@pytest.fixture(scope="module")
def small_run() -> object:
    return run_replication(SMALL, 11, keep_tasks=True)


def test_same_seed_same_result() -> None:
    first = run_replication(SMALL, 3).to_dict()
    second = run_replication(SMALL, 3).to_dict()
    assert first == second


def test_a_seed_sequence_can_be_reused() -> None:
    seed = np.random.SeedSequence(2024)
    assert run_replication(SMALL, seed).summary == run_replication(SMALL, seed).summary


def test_different_seeds_differ() -> None:
    assert run_replication(SMALL, 1).summary != run_replication(SMALL, 2).summary


def test_seed_must_be_valid() -> None:
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        run_replication(SMALL, -1)
    with pytest.raises(ValueError, match="flow must be 'kernel' or 'reference'"):
        run_replication(SMALL, 1, flow="fast")  # type: ignore[arg-type]


def test_summary_fields_are_all_floats(small_run: object) -> None:
    summary = small_run.summary  # type: ignore[attr-defined]
    assert isinstance(summary, RunSummary)
    for field in dataclasses.fields(summary):
        assert isinstance(getattr(summary, field.name), float), field.name


def test_conservation_arrived_equals_done_plus_in_system(small_run: object) -> None:
    result = small_run
    summary, daily = result.summary, result.daily  # type: ignore[attr-defined]
    assert summary.tasks_arrived == summary.tasks_completed + summary.backlog_end
    assert daily.arrivals.sum() == summary.tasks_arrived
    assert daily.completed.sum() == summary.tasks_completed
    np.testing.assert_array_equal(daily.backlog, np.cumsum(daily.arrivals) - np.cumsum(daily.completed))
    assert daily.backlog[-1] == summary.backlog_end


def test_task_records_are_consistent(small_run: object) -> None:
    tasks = small_run.tasks  # type: ignore[attr-defined]
    horizon = SMALL.horizon_hours
    assert tasks.arrival_hour.size == small_run.summary.tasks_arrived  # type: ignore[attr-defined]
    assert np.all(np.diff(tasks.arrival_hour) >= 0)
    started = ~np.isnan(tasks.start_hour)
    assert np.all(tasks.start_hour[started] >= tasks.arrival_hour[started])
    finished = np.isfinite(tasks.finish_hour)
    assert np.all(tasks.finish_hour[finished] > tasks.start_hour[finished])
    assert np.all(tasks.finish_hour[finished] <= horizon)
    assert np.all(tasks.labeler[started] >= 0) and np.all(tasks.labeler[~started] == -1)
    assert set(np.unique(tasks.project)) == {0, 1}


def test_work_happens_only_on_shift(small_run: object) -> None:
    # Pool a works 09:00-17:00, pool b 17:00-01:00, Monday to Friday: no label starts at 03:00 or on Sunday.
    tasks = small_run.tasks  # type: ignore[attr-defined]
    start = tasks.start_hour[~np.isnan(tasks.start_hour)]
    hour = start % 24
    day = (start // 24) % 7
    assert not np.any((hour >= 1.0) & (hour < 9.0))
    assert not np.any((day == 6) & (hour >= 1.0))


def test_workforce_pipeline_and_headcount(small_run: object) -> None:
    result = small_run
    daily, summary = result.daily, result.summary  # type: ignore[attr-defined]
    production = daily.headcount["production"]
    np.testing.assert_array_equal(production, daily.headcount_by_pool["a"] + daily.headcount_by_pool["b"])
    np.testing.assert_array_equal(daily.headcount_by_vendor["acme"], daily.headcount_by_pool["b"])
    # Four scheduled hires into b on day 2, plus the one initially in a's pipeline.
    assert summary.hires == 5.0
    # b's hires take 3 days to hire and 5 working days to train: nobody joins b's production before day 7.
    assert np.all(daily.headcount_by_pool["b"][:7] <= 5)
    assert summary.hiring_cost == 4 * 100.0
    # Only b charges for training; its four hires start training on day 5.
    assert summary.training_cost == 4 * 50.0


def test_costs_add_up(small_run: object) -> None:
    summary, daily = small_run.summary, small_run.daily  # type: ignore[attr-defined]
    parts = summary.labor_cost + summary.vendor_fees + summary.hiring_cost + summary.training_cost
    assert summary.total_cost == pytest.approx(parts)
    assert daily.cumulative_cost[-1] == pytest.approx(summary.total_cost)
    assert np.all(np.diff(daily.cumulative_cost) >= 0)
    assert summary.cost_per_accepted_label == pytest.approx(summary.total_cost / summary.tasks_completed)


def test_review_and_rework_counts(small_run: object) -> None:
    summary, daily = small_run.summary, small_run.daily  # type: ignore[attr-defined]
    assert summary.reviews > 0
    assert 0.0 < summary.accepted_share < 1.0
    # Consensus copies and rework make more labels than tasks started.
    assert summary.labels_produced > summary.tasks_completed
    shares = daily.accepted_share[~np.isnan(daily.accepted_share)]
    assert np.all((shares >= 0) & (shares <= 1))


def test_result_is_json_serialisable(small_run: object) -> None:
    data = small_run.to_dict()  # type: ignore[attr-defined]
    text = json.dumps(data, allow_nan=False)
    loaded = json.loads(text)
    assert loaded["summary"]["tasks_arrived"] == small_run.summary.tasks_arrived  # type: ignore[attr-defined]
    assert len(loaded["daily"]["backlog"]) == SMALL.horizon_days
    assert len(loaded["tasks"]["arrival_hour"]) == loaded["summary"]["tasks_arrived"]


def test_learning_makes_new_labelers_faster() -> None:
    base = Scenario(
        horizon_days=42,
        calendar=Calendar(hours_per_day=24, start_hour=0, working_days=tuple(range(7))),
        demand=Demand(base_per_day=100, projects=(Project("p", 1.0, 10.0),)),
        service_time=dataclasses.replace(SMALL.service_time),
        workforce=(
            Pool(
                "p", hourly_rate=10, headcount=Headcount(production=3), initial_tenure_weeks=0.0, attrition_per_week=0.0
            ),
        ),
    )
    daily = run_replication(base, 4).daily
    week1 = np.nanmean(daily.minutes_per_label[:7])
    week6 = np.nanmean(daily.minutes_per_label[35:])
    # The default curve: T(6 weeks) is about 0.71 of a novice's time, T(first week) about 0.9.
    assert week6 < 0.8 * week1
    assert 6.0 < week6 < 8.0


def test_attrition_and_replacement() -> None:
    scenario = dataclasses.replace(
        SMALL,
        horizon_days=28,
        workforce=(
            Pool(
                "a",
                hourly_rate=10,
                headcount=Headcount(production=20),
                attrition_per_week=0.2,
                time_to_hire_days=Distribution("fixed", 1.0, 0.0),
            ),
        ),
        staffing=ModelSpec("fixed", {"replace_attrition": True, "interval_days": 1.0}),
        review=Review(),
        consensus=Consensus(),
    )
    summary = run_replication(scenario, 9).summary
    assert summary.departures > 5
    assert summary.hires >= summary.departures - 20
    assert summary.hires > 0


def test_empty_demand_runs() -> None:
    scenario = dataclasses.replace(SMALL, demand=Demand(base_per_day=0.0))
    summary = run_replication(scenario, 1).summary
    assert summary.tasks_arrived == 0.0
    assert math.isnan(summary.turnaround_p50_hours)
    assert math.isnan(summary.cost_per_accepted_label)


def test_trace_demand_replays_counts() -> None:
    scenario = dataclasses.replace(SMALL, horizon_days=5, demand=Demand(model="trace", trace=(10, 0, 25, 7)))
    daily = run_replication(scenario, 1).daily
    np.testing.assert_array_equal(daily.arrivals, [10, 0, 25, 7, 0])


def test_trace_demand_queues_the_first_days_waiting_tasks_at_hour_zero() -> None:
    # A forecast from a cut: 20 of the first day's 30 tasks are already waiting, the rest arrive through the day.
    def arrival_hours(at_start: int, trace: tuple[float, ...] = (30, 5)) -> np.ndarray:
        demand = Demand(model="trace", trace=trace, params={"at_start": at_start})
        result = run_replication(dataclasses.replace(SMALL, horizon_days=2, demand=demand), 1, keep_tasks=True)
        assert result.tasks is not None
        return np.sort(result.tasks.arrival_hour)

    hours = arrival_hours(20)
    assert hours.size == 35 and np.all(hours[:20] == 0.0) and np.all(hours[20:] > 0.0)
    assert np.sum(hours < 24.0) == 30
    assert np.sum(arrival_hours(0) == 0.0) == 0
    assert np.sum(arrival_hours(50, (3, 1)) == 0.0) == 3  # never more than the first day holds
    with pytest.raises(ScenarioError, match=r"demand\.params\.at_start must be a whole number of tasks >= 0, got -1"):
        arrival_hours(-1)


def test_a_pool_with_its_own_working_days_labels_on_those_days_only() -> None:
    # The calendar is Monday to Friday; the weekend pool works Saturday and Sunday (days 5 and 6) alone.
    weekend = dataclasses.replace(SMALL.workforce[0], name="weekend", working_days=(5, 6), attrition_per_week=0.0)
    scenario = dataclasses.replace(
        SMALL, horizon_days=7, workforce=(weekend,), demand=Demand(base_per_day=50.0), staffing=ModelSpec("fixed")
    )
    labels = run_replication(scenario, 1).daily.labels
    assert labels[:5].sum() == 0 and labels[5:].sum() > 0


def test_a_pools_working_days_are_checked() -> None:
    refused = (((), "must name at least one day"), ((7,), "must hold integers 0"), ((1, 1), "must not repeat a day"))
    for days, message in refused:
        with pytest.raises(ScenarioError, match=rf"workforce\[a\]\.working_days {message}"):
            Pool(name="a", hourly_rate=10.0, working_days=days)


def test_people_in_production_start_at_their_own_tenures() -> None:
    # One labeler, learning to 60% of a novice's time with tau 1 week: a veteran labels far more than a novice,
    # and anyone past the listed tenures starts at initial_tenure_weeks.
    def scenario(tenures: tuple[float, ...], people: int = 1) -> Scenario:
        base = Scenario.queueing(arrivals_per_hour=200.0, mean_service_minutes=1.0, servers=people, horizon_days=3)
        pool = dataclasses.replace(base.workforce[0], production_tenure_weeks=tenures, initial_tenure_weeks=0.0)
        learning = ModelSpec("exponential", {"plateau_share": 0.6, "tau_weeks": 1.0})
        return dataclasses.replace(base, workforce=(pool,), learning=learning)

    novice = run_replication(scenario((0.0,)), 1).summary.labels_produced
    veteran = run_replication(scenario((20.0,)), 1).summary.labels_produced
    assert veteran > 1.4 * novice
    # Two people, one tenure listed: the second starts as a novice.
    mixed = run_replication(scenario((20.0,), people=2), 1).summary.labels_produced
    assert mixed == pytest.approx(veteran + novice, rel=0.05)


def test_reviewers_work_their_own_shift_hours() -> None:
    base = Scenario.queueing(arrivals_per_hour=10.0, mean_service_minutes=1.0, servers=2, horizon_days=7)
    calendar = Calendar(hours_per_day=8.0, start_hour=9.0, working_days=(0, 1, 2, 3, 4, 5, 6))
    review = Review(share_reviewed=0.5, reviewers=3, review_minutes=1.0, reviewer_hourly_rate=40.0, shift_hours=2.0)
    short = dataclasses.replace(base, calendar=calendar, review=review)
    full = dataclasses.replace(short, review=dataclasses.replace(review, shift_hours=None))
    short_cost = run_replication(short, 1).summary.total_cost
    full_cost = run_replication(full, 1).summary.total_cost
    labour = run_replication(dataclasses.replace(short, review=Review()), 1).summary.total_cost
    # 3 reviewers x 7 days at $40/h: 2 hours a day against the calendar's 8.
    assert short_cost - labour == pytest.approx(3 * 7 * 2.0 * 40.0, rel=0.02)
    assert full_cost - labour == pytest.approx(3 * 7 * 8.0 * 40.0, rel=0.02)


def test_reviewers_paid_for_reviewing_cost_the_time_their_reviews_take() -> None:
    base = Scenario.queueing(arrivals_per_hour=10.0, mean_service_minutes=1.0, servers=2, horizon_days=7)
    calendar = Calendar(hours_per_day=8.0, start_hour=9.0, working_days=(0, 1, 2, 3, 4, 5, 6))
    review = Review(share_reviewed=0.5, reviewers=3, review_minutes=2.0, reviewer_hourly_rate=40.0, shift_hours=8.0)
    on_duty = dataclasses.replace(base, calendar=calendar, review=review)
    reviewing = dataclasses.replace(on_duty, review=dataclasses.replace(review, paid_for="reviewing"))
    labour = run_replication(dataclasses.replace(on_duty, review=Review()), 1).summary.total_cost
    result = run_replication(reviewing, 1).summary
    # The same seed reviews the same labels either way; only what is paid differs.
    assert result.reviews == run_replication(on_duty, 1).summary.reviews > 500
    # Review times are exponential with a 2-minute mean: their sum over n reviews is n x 2 min within 4 sd.
    expected = result.reviews * 2.0 / 60.0 * 40.0
    assert abs((result.total_cost - labour) - expected) <= 4.0 * math.sqrt(result.reviews) * 2.0 / 60.0 * 40.0
    assert run_replication(on_duty, 1).summary.total_cost - labour == pytest.approx(3 * 7 * 8.0 * 40.0, rel=0.02)


def test_review_paid_for_names_the_field_and_value() -> None:
    with pytest.raises(ScenarioError, match=r"review\.paid_for must be 'on_duty' or 'reviewing', got 'shift'"):
        Review(share_reviewed=0.5, reviewers=1, paid_for="shift")


def test_people_in_the_pipeline_continue_from_where_they_are() -> None:
    # A trainee with all 5 working days of training behind them labels from day 0; one just starting does not
    # within 3 days. A search already 10 days into a fixed 10-day hire brings someone in at once.
    base = Scenario.queueing(arrivals_per_hour=20.0, mean_service_minutes=1.0, servers=0, horizon_days=3)
    pool = dataclasses.replace(
        base.workforce[0],
        headcount=Headcount(training=1),
        platform_training_days=3.0,
        project_training_days=2.0,
        test_pass_probability=1.0,
    )

    def labels(**fields: object) -> float:
        scenario = dataclasses.replace(base, workforce=(dataclasses.replace(pool, **fields),))
        return run_replication(scenario, 1).summary.labels_produced

    assert labels() == 0
    assert labels(training_done_days=(5.0,)) > 0
    hiring = {"headcount": Headcount(hiring=1), "time_to_hire_days": Distribution("fixed", 10.0, 0.0)}
    assert labels(**hiring, training_done_days=(5.0,)) == 0  # the trainee list is for people in training
    assert labels(**hiring, hiring_done_days=(10.0,), platform_training_days=0.0, project_training_days=0.0) > 0


def _joining(p: float, newcomers: int) -> Scenario:
    """``newcomers`` people finishing training at hour 0 in pool "new", who join "weekdays" (Monday to Friday) or,
    with chance ``p``, "weekend" (every day)."""
    base = dataclasses.replace(
        SMALL.workforce[0],
        headcount=Headcount(),
        attrition_per_week=0.0,
        platform_training_days=0.0,
        project_training_days=0.0,
        test_pass_probability=1.0,
        shift_hours=0.25,  # short shifts: the backlog never runs dry, so labels measure capacity
    )
    new = dataclasses.replace(
        base,
        name="new",
        headcount=Headcount(training=newcomers),
        joins=(PoolShare("weekdays", 1.0 - p), PoolShare("weekend", p)),
    )
    weekdays = dataclasses.replace(base, name="weekdays", working_days=(0, 1, 2, 3, 4))
    weekend = dataclasses.replace(base, name="weekend", working_days=tuple(range(7)))
    return dataclasses.replace(
        SMALL,
        horizon_days=7,
        workforce=(new, weekdays, weekend),
        demand=Demand(base_per_day=4000.0, weekly=(1.0,) * 7),
        staffing=ModelSpec("fixed"),
        learning=ModelSpec("none"),  # newcomers as fast on Sunday as on Monday
        review=Review(share_reviewed=0.0),
    )


def test_newcomers_join_the_pools_of_their_joins_in_proportion_to_the_shares() -> None:
    # Each of 400 trainees works weekends with chance 0.3: the share who do is within its binomial 99% interval
    # on every seed, and the weekend's labels come from them alone.
    p, n = 0.3, 400
    half_width = 2.576 * math.sqrt(p * (1 - p) / n)
    for seed in (1, 2, 3):
        result = run_replication(_joining(p, n), seed)
        by_pool = result.daily.headcount_by_pool
        assert by_pool["new"][-1] == 0
        weekend = by_pool["weekend"][-1]
        assert by_pool["weekdays"][-1] + weekend == n
        assert abs(weekend / n - p) < half_width
        labels = result.daily.labels
        # Saturday and Sunday: only the weekend pool works, a share p of a weekday's whole team.
        assert labels[5:7].mean() / labels[1:5].mean() == pytest.approx(weekend / n, abs=0.05)


def test_a_pools_joins_are_checked() -> None:
    with pytest.raises(ScenarioError, match=r"workforce\[\]\.joins\[\]\.share must be >= 0, got -1"):
        PoolShare("a", -1.0)
    document = {"workforce": [{"name": "a", "hourly_rate": 1.0, "joins": [{"pool": "a", "share": -1.0}]}]}
    # A document's joins are a list: the message says which item (the part alone cannot).
    with pytest.raises(ScenarioError, match=r"workforce\[a\]\.joins\[0\]\.share must be >= 0, got -1\.0"):
        scenario_from_dict(document)
    with pytest.raises(ScenarioError, match=r"workforce\[a\]\.joins must have a share above 0, got \[0\.0\]"):
        Pool(name="a", hourly_rate=10.0, joins=(PoolShare("b", 0.0),))
    with pytest.raises(ScenarioError, match=r"workforce\[new\]\.joins\[0\]\.pool must be one of the pools"):
        dataclasses.replace(_joining(0.3, 1), workforce=(_joining(0.3, 1).workforce[0],))


def test_a_staffing_policy_asking_for_more_people_than_a_pool_takes_is_refused() -> None:
    # given hires of 60,000 on day 1 and again on day 2 into pool b (each alone within the 100,000 a pool takes)
    hires = [{"day": 1, "pool": "b", "count": 60_000}, {"day": 2, "pool": "b", "count": 60_000}]
    scenario = dataclasses.replace(SMALL, staffing=ModelSpec("scheduled", {"hires": hires}))
    # then the run stops at the second decision, naming the pool, the count and the day
    with pytest.raises(ScenarioError, match=r"asked for 120,000 hires into 'b' by day 2; a pool takes at most 100,000"):
        run_replication(scenario, 1)


@pytest.mark.parametrize(
    "demand",
    [
        Demand(base_per_day=100, weekly=(1.0, 1.0, 1.0, 1.0, 1e9, 1.0, 1.0)),
        Demand(base_per_day=1e6, trend_per_week=1e30),
        Demand(base_per_day=1e6, spikes=(Spike(start_day=0, duration_days=3, multiplier=1e3),)),
        Demand(model="trace", trace=(10.0, 1e12)),
    ],
)
def test_demand_no_run_could_hold_is_refused_before_drawing_it(demand: Demand) -> None:
    # each within its own field's bounds, together more tasks than a replication can keep in memory
    scenario = dataclasses.replace(SMALL, demand=dataclasses.replace(demand, projects=SMALL.demand.projects))
    with pytest.raises(ScenarioError, match=r"demand asks for .* tasks over 21 days; a run holds at most 50,000,000"):
        run_replication(scenario, 1)
