"""Scenario validation: bad values raise ScenarioError naming the field path and the value."""

from __future__ import annotations

import dataclasses

import pytest

from simulator import (
    SLA,
    Calendar,
    Consensus,
    Demand,
    Distribution,
    Headcount,
    ModelSpec,
    Pool,
    Project,
    Review,
    Scenario,
    ScenarioError,
    Spike,
)


def test_defaults_form_a_valid_scenario() -> None:
    scenario = Scenario()
    assert scenario.horizon_hours == scenario.horizon_days * 24
    assert scenario.pool("default").hourly_rate == 15.0
    assert scenario.learning == ModelSpec("exponential")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Demand(base_per_day=-5), r"demand\.base_per_day must be >= 0, got -5"),
        (lambda: Demand(weekly=(1.0,) * 6), r"demand\.weekly must have 7 factors"),
        (lambda: Demand(weekly=(1, 1, 1, -2, 1, 1, 1)), r"demand\.weekly\[3\] must be >= 0, got -2"),
        (lambda: Demand(arrival_window="night"), r"demand\.arrival_window must be 'day' or 'shift', got 'night'"),
        (lambda: Demand(trace=(3.0, -1.0)), r"demand\.trace\[1\] must be >= 0, got -1.0"),
        (lambda: Demand(projects=()), r"demand\.projects must list at least one project"),
        (lambda: Spike(start_day=1, duration_days=0, multiplier=2), r"duration_days must be > 0, got 0"),
        (lambda: Project("p", minutes_per_label=0), r"demand\.projects\[p\]\.minutes_per_label must be > 0, got 0"),
        (lambda: Calendar(hours_per_day=25), r"calendar\.hours_per_day must be between 0 and 24, got 25"),
        (lambda: Calendar(working_days=(0, 7)), r"calendar\.working_days must hold integers 0 \(Monday\) to 6"),
        (lambda: Calendar(working_days=()), r"calendar\.working_days must name at least one day"),
        (lambda: Headcount(production=-1), r"headcount\.production must be >= 0, got -1"),
        (lambda: Headcount(production=2.5), r"headcount\.production must be an integer, got 2.5"),
        (lambda: Pool("a"), r"workforce\[a\]\.hourly_rate or price_per_label must be set"),
        (lambda: Pool("a", hourly_rate=10, price_per_label=0.1), r"exactly one of them"),
        (lambda: Pool("a", hourly_rate=-3), r"workforce\[a\]\.hourly_rate must be >= 0, got -3"),
        (
            lambda: Pool("a", hourly_rate=1, test_pass_probability=1.5),
            r"workforce\[a\]\.test_pass_probability must be between 0 and 1, got 1.5",
        ),
        (lambda: Pool("a", hourly_rate=1, max_concurrent_hires=0), r"max_concurrent_hires must be >= 1, got 0"),
        (
            lambda: Pool("a", hourly_rate=1, production_tenure_weeks=(2.0, -1.0)),
            r"workforce\[a\]\.production_tenure_weeks\[1\] must be >= 0, got -1.0",
        ),
        (
            lambda: Pool("a", hourly_rate=1, production_tenure_weeks=(float("inf"),)),
            r"workforce\[a\]\.production_tenure_weeks\[0\] must be finite, got inf",
        ),
        (lambda: Distribution("weibull"), r"distribution\.kind must be one of"),
        (lambda: Review(share_reviewed=0.2), r"review\.reviewers must be >= 1 when review\.share_reviewed > 0"),
        (lambda: Review(detection_probability=2), r"review\.detection_probability must be between 0 and 1, got 2"),
        (lambda: Review(shift_hours=0.0), r"review\.shift_hours must be > 0, got 0.0"),
        (lambda: Review(shift_hours=30.0), r"review\.shift_hours must be between 0 and 24, got 30.0"),
        (lambda: Consensus(labels_per_task=0), r"consensus\.labels_per_task must be >= 1, got 0"),
        (lambda: SLA(turnaround_hours=0), r"sla\.turnaround_hours must be > 0, got 0"),
        (lambda: SLA(required_attainment=float("nan")), r"sla\.required_attainment must be a number, got nan"),
        (lambda: Scenario(horizon_days=0), r"horizon_days must be >= 1, got 0"),
        (lambda: Scenario(workforce=()), r"workforce must list at least one pool"),
        (
            lambda: Scenario(workforce=(Pool("a", hourly_rate=1), Pool("a", hourly_rate=2))),
            r"workforce must have unique pool names, got \['a', 'a'\]",
        ),
        (lambda: Scenario(learning="exponential"), r"learning must be a ModelSpec"),  # type: ignore[arg-type]
        (lambda: ModelSpec(""), r"model must be a non-empty string"),
        # Sizes no machine could simulate are refused before a run starts, not by running out of memory.
        (lambda: Headcount(training=10**30), r"headcount\.training must be at most 100,000, got 10{30}"),
        (lambda: Headcount(production=100_001), r"headcount\.production must be at most 100,000, got 100001"),
        (lambda: Review(reviewers=10**9), r"review\.reviewers must be at most 100,000, got 1000000000"),
        (
            lambda: Pool("a", hourly_rate=1, max_concurrent_hires=10**12),
            r"max_concurrent_hires must be at most 100,000",
        ),
        (lambda: Consensus(labels_per_task=101), r"consensus\.labels_per_task must be at most 100, got 101"),
        (lambda: Scenario(horizon_days=3654), r"horizon_days must be at most 3,653, got 3654"),
    ],
)
def test_invalid_values_name_the_field_and_value(build: object, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        build()  # type: ignore[operator]


def test_scenario_error_is_a_value_error() -> None:
    assert issubclass(ScenarioError, ValueError)


def test_scenarios_are_immutable() -> None:
    scenario = Scenario()
    with pytest.raises(dataclasses.FrozenInstanceError):
        scenario.horizon_days = 3  # type: ignore[misc]


def test_pool_vendor_defaults_to_its_name() -> None:
    assert Pool("night_shift", hourly_rate=10).vendor == "night_shift"
    assert Pool("night_shift", vendor="acme", hourly_rate=10).vendor == "acme"


def test_queueing_case_turns_everything_else_off() -> None:
    scenario = Scenario.queueing(arrivals_per_hour=10, mean_service_minutes=5, servers=2)
    assert scenario.calendar.hours_per_day == 24 and len(scenario.calendar.working_days) == 7
    assert scenario.service_time.distribution == "exponential"
    (pool,) = scenario.workforce
    assert pool.headcount.production == 2 and pool.attrition_per_week == 0
    assert scenario.learning.model == "none" and scenario.review.share_reviewed == 0
    assert scenario.staffing.model == "fixed" and not scenario.demand.spikes


def test_the_largest_sizes_allowed_are_valid() -> None:
    assert Headcount(production=100_000, training=100_000, hiring=100_000).hiring == 100_000
    assert Consensus(labels_per_task=100).labels_per_task == 100
    assert Scenario(horizon_days=3653).horizon_days == 3653
