"""Ready-made scenarios used by benchmarks and tests: the large throughput benchmark and small cases."""

from __future__ import annotations

from simulator.scenario import (
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
    ServiceTime,
    Spike,
)

__all__ = ["benchmark_scenario", "tie_heavy_scenario"]


def benchmark_scenario(*, weeks: int = 26, labelers_per_vendor: int = 100, tasks_per_day: float = 11_000.0) -> Scenario:
    """26 weeks, 300 labelers across 3 vendors in three time zones, about 2 million tasks.

    Each vendor covers an 8-hour shift of the day on weekdays; tasks arrive around the clock, heavier on
    weekdays, with a two-week launch spike. 10% of labels are reviewed; people leave and are replaced.
    """
    vendors = (("vendor_a", 0.0, 16.0, None), ("vendor_b", 8.0, 14.0, None), ("vendor_c", 16.0, None, 0.12))
    pools = tuple(
        Pool(
            name=name,
            headcount=Headcount(production=labelers_per_vendor),
            hourly_rate=rate,
            price_per_label=price,
            vendor_fee_share=0.15,
            shift_offset_hours=offset,
            max_concurrent_hires=10,
            time_to_hire_days=Distribution("gamma", 14.0, 0.3),
            attrition_per_week=0.01,
            initial_tenure_weeks=8.0,
            hiring_cost=500.0,
            training_cost=300.0,
        )
        for name, offset, rate, price in vendors
    )
    # Weekday volume carries the weekend's too, so the weekly total stays 7 * tasks_per_day.
    weekly = (1.3, 1.3, 1.3, 1.3, 1.3, 0.25, 0.25)
    return Scenario(
        name="benchmark",
        description="Throughput benchmark: 26 weeks, 300 labelers, 3 vendors, about 2 million tasks.",
        horizon_days=weeks * 7,
        calendar=Calendar(hours_per_day=8.0, start_hour=0.0, working_days=(0, 1, 2, 3, 4)),
        demand=Demand(
            base_per_day=tasks_per_day,
            weekly=weekly,
            spikes=(Spike(start_day=70.0, duration_days=14.0, multiplier=1.1),),
            projects=(
                Project(name="boxes", share=0.6, minutes_per_label=11.0),
                Project(name="segments", share=0.4, minutes_per_label=12.0),
            ),
        ),
        service_time=ServiceTime("lognormal", 0.5),
        workforce=pools,
        learning=ModelSpec("exponential"),
        quality=ModelSpec("exponential"),
        review=Review(share_reviewed=0.1, reviewers=12, review_minutes=2.0),
        staffing=ModelSpec("fixed", {"replace_attrition": True}),
        sla=SLA(turnaround_hours=72.0, required_attainment=0.95),
    )


def tie_heavy_scenario(*, horizon_days: int = 21) -> Scenario:
    """A scenario built to hit every tie the flows must break the same way (see :mod:`simulator.flow`).

    Fixed labeling times and no learning make labelers who start together free together; two pools share a
    shift start while hires and departures interleave their worker ids; consensus copies arrive at the same
    instant; a third of labels are wrong and most are caught, so rework meets fresh work and reviews queue.
    """
    pools = tuple(
        Pool(
            name=name,
            headcount=Headcount(production=count),
            hourly_rate=20.0,
            shift_offset_hours=0.0,
            time_to_hire_days=Distribution("fixed", 2.0, 0.0),
            platform_training_days=1.0,
            project_training_days=0.0,
            attrition_per_week=0.2,
            initial_tenure_weeks=8.0,
        )
        for name, count in (("a", 6), ("b", 5))
    )
    hires = [{"day": day, "pool": pool, "count": 2} for day in (0, 3, 6, 9) for pool in ("a", "b")]
    return Scenario(
        name="tie_heavy",
        description="Ties everywhere: fixed times, shared shift starts, consensus copies, heavy rework.",
        horizon_days=horizon_days,
        calendar=Calendar(hours_per_day=8.0, start_hour=0.0, working_days=(0, 1, 2, 3, 4)),
        demand=Demand(
            base_per_day=200.0,
            projects=(
                Project(name="short", share=0.5, minutes_per_label=6.0),
                Project(name="long", share=0.5, minutes_per_label=12.0),
            ),
        ),
        service_time=ServiceTime("fixed", 0.0),
        workforce=pools,
        learning=ModelSpec("none"),
        quality=ModelSpec("constant", {"error_probability": 0.3}),
        review=Review(
            share_reviewed=0.6, reviewers=2, review_minutes=4.0, detection_probability=0.9, rework_time_factor=1.0
        ),
        consensus=Consensus(labels_per_task=3, coverage=0.5),
        staffing=ModelSpec("scheduled", {"hires": hires}),
        sla=SLA(turnaround_hours=24.0, required_attainment=0.9),
    )
