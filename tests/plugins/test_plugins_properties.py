"""Property-based tests of the built-in plugins: learning never slows anyone down, costs are never negative,
quality stays a probability, policies hire non-negative counts, demand stays sorted inside the horizon."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import SLA, Calendar, Demand, Pool, Review, Spike
from simulator.interfaces import PoolStatus, PoolUsage, StaffingState
from simulator.registry import load_plugin

tenures = st.floats(min_value=0.0, max_value=520.0, allow_nan=False)
shares = st.floats(min_value=0.05, max_value=1.0)
positive = st.floats(min_value=0.01, max_value=50.0)


@st.composite
def learning_curves(draw: st.DrawFn) -> object:
    kind = draw(st.sampled_from(["exponential", "power", "none"]))
    factory = load_plugin("learning", kind)
    if kind == "exponential":
        return factory(plateau_share=draw(shares), tau_weeks=draw(positive))
    if kind == "power":
        return factory(exponent=draw(st.floats(0.0, 2.0)), unit_weeks=draw(positive), floor=draw(shares))
    return factory()


@settings(max_examples=200, deadline=None)
@given(curve=learning_curves(), t1=tenures, t2=tenures)
def test_learning_curves_never_increase_time_per_label(curve: object, t1: float, t2: float) -> None:
    early, late = sorted((t1, t2))
    f_early = curve.time_factor(early)  # type: ignore[attr-defined]
    f_late = curve.time_factor(late)  # type: ignore[attr-defined]
    assert 0.0 < f_late <= f_early <= 1.0


def test_default_learning_curve_is_about_thirty_percent_faster_after_six_weeks() -> None:
    curve = load_plugin("learning", "exponential")()
    assert curve.time_factor(0.0) == 1.0
    assert curve.time_factor(6.0) == pytest.approx(0.71, abs=0.01)
    assert curve.time_factor(52.0) == pytest.approx(0.70, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    initial=st.floats(0.0, 1.0),
    plateau_fraction=st.floats(0.0, 1.0),
    tau=positive,
    t1=tenures,
    t2=tenures,
)
def test_error_probability_falls_with_experience(
    initial: float, plateau_fraction: float, tau: float, t1: float, t2: float
) -> None:
    quality = load_plugin("quality", "exponential")(initial=initial, plateau=initial * plateau_fraction, tau_weeks=tau)
    early, late = sorted((t1, t2))
    assert 0.0 <= quality.error_probability(late) <= quality.error_probability(early) <= 1.0


@settings(max_examples=200, deadline=None)
@given(
    hourly=st.one_of(st.none(), st.floats(0.0, 500.0)),
    price=st.floats(0.0, 10.0),
    fee=st.floats(0.0, 1.0),
    hiring=st.floats(0.0, 5000.0),
    training=st.floats(0.0, 5000.0),
    paid=st.floats(0.0, 1e5),
    labels=st.floats(0.0, 1e6),
    hires=st.integers(0, 100),
    trainees=st.integers(0, 100),
    reviewer_rate=st.floats(0.0, 200.0),
    reviewer_hours=st.floats(0.0, 1e4),
)
def test_costs_are_never_negative(
    hourly: float | None,
    price: float,
    fee: float,
    hiring: float,
    training: float,
    paid: float,
    labels: float,
    hires: int,
    trainees: int,
    reviewer_rate: float,
    reviewer_hours: float,
) -> None:
    pool = Pool(
        "p",
        hourly_rate=hourly,
        price_per_label=None if hourly is not None else price,
        vendor_fee_share=fee,
        hiring_cost=hiring,
        training_cost=training,
    )
    cost = load_plugin("cost", "standard")()
    usage = PoolUsage(
        pool=pool, day=0, paid_hours=paid, production_hours=paid, labels=labels, hires=hires, trainees=trainees
    )
    breakdown = cost.pool_cost(usage)
    for part in (breakdown.labor, breakdown.vendor_fees, breakdown.hiring, breakdown.training):
        assert part >= 0.0
    assert breakdown.total >= 0.0
    review = cost.review_cost(Review(reviewer_hourly_rate=reviewer_rate), reviewer_hours)
    assert review.total >= 0.0


@st.composite
def staffing_states(draw: st.DrawFn) -> StaffingState:
    days = draw(st.integers(0, 60))
    floats = st.floats(0.0, 1e5)
    pools = tuple(
        PoolStatus(
            name=f"p{i}",
            vendor="v",
            production=draw(st.integers(0, 500)),
            training=draw(st.integers(0, 50)),
            hiring=draw(st.integers(0, 50)),
            max_concurrent_hires=draw(st.integers(1, 20)),
            initial_production=draw(st.integers(0, 500)),
        )
        for i in range(draw(st.integers(1, 3)))
    )
    return StaffingState(
        day=float(days),
        pools=pools,
        backlog=np.array(draw(st.lists(floats, min_size=days, max_size=days))),
        arrivals=np.array(draw(st.lists(floats, min_size=days, max_size=days))),
        sla_attainment=np.array(
            draw(st.lists(st.one_of(st.just(float("nan")), st.floats(0, 1)), min_size=days, max_size=days))
        ),
        minutes_per_label=draw(st.floats(0.1, 60.0)),
        labeler_hours_per_day=draw(st.floats(0.1, 24.0)),
        sla=SLA(),
    )


@settings(max_examples=150, deadline=None)
@given(state=staffing_states(), kind=st.sampled_from(["fixed", "backlog", "sla"]))
def test_staffing_policies_hire_non_negative_counts_into_known_pools(state: StaffingState, kind: str) -> None:
    params = {"replace_attrition": True} if kind == "fixed" else {}
    policy = load_plugin("staffing", kind)(**params)
    assert policy.interval_days > 0
    decision = policy.decide(state)
    names = {pool.name for pool in state.pools}
    for name, count in decision.items():
        assert name in names
        assert isinstance(count, int) and count >= 0


@settings(max_examples=60, deadline=None)
@given(
    base=st.floats(0.0, 300.0),
    trend=st.floats(-0.5, 0.5),
    weekly=st.lists(st.floats(0.0, 3.0), min_size=7, max_size=7),
    spike=st.tuples(st.floats(0.0, 20.0), st.floats(0.1, 5.0), st.floats(0.0, 5.0)),
    window=st.sampled_from(["day", "shift"]),
    start_hour=st.floats(0.0, 23.0),
    horizon=st.integers(1, 21),
    seed=st.integers(0, 2**32 - 1),
)
def test_demand_arrivals_are_sorted_inside_the_horizon(
    base: float,
    trend: float,
    weekly: list[float],
    spike: tuple[float, float, float],
    window: str,
    start_hour: float,
    horizon: int,
    seed: int,
) -> None:
    demand = Demand(
        base_per_day=base,
        trend_per_week=trend,
        weekly=tuple(weekly),
        spikes=(Spike(*spike),),
        arrival_window=window,
    )
    arrivals = load_plugin("demand", "pattern")().arrivals(
        demand, Calendar(start_hour=start_hour), horizon, np.random.default_rng(seed)
    )
    assert np.all(np.diff(arrivals) >= 0)
    assert np.all((arrivals >= 0) & (arrivals < horizon * 24.0))


def test_pattern_demand_matches_its_expected_volume() -> None:
    demand = Demand(base_per_day=1000, weekly=(1, 1, 1, 1, 1, 0.5, 0.5), spikes=(Spike(2, 1, 3.0),))
    counts = [
        np.bincount(
            (load_plugin("demand", "pattern")().arrivals(demand, Calendar(), 7, np.random.default_rng(s)) // 24).astype(
                int
            ),
            minlength=7,
        )
        for s in range(40)
    ]
    mean = np.mean(counts, axis=0)
    expected = np.array([1000, 1000, 3000, 1000, 1000, 500, 500])
    # Poisson counts: 40 replications give a standard error of sqrt(expected / 40).
    assert np.all(np.abs(mean - expected) <= 4 * np.sqrt(expected / 40))


def test_bad_plugin_params_raise_value_errors_naming_the_parameter() -> None:
    with pytest.raises(ValueError, match="plateau must be <= initial"):
        load_plugin("quality", "exponential")(initial=0.1, plateau=0.2)
    with pytest.raises(ValueError, match=r"hires\[0\]\.count must be an integer >= 0, got -2"):
        load_plugin("staffing", "scheduled")(hires=[{"day": 1, "pool": "a", "count": -2}])
    with pytest.raises(ValueError, match=r"hires\[0\]\.pool must be a pool's name, got 1000000000\.0"):
        load_plugin("staffing", "scheduled")(hires=[{"day": 1, "pool": 1e9, "count": 2}])
    with pytest.raises(ValueError, match="floor must be > 0, got 0"):
        load_plugin("learning", "power")(floor=0)


@pytest.mark.parametrize(
    ("kind", "param", "value"),
    [
        ("backlog", "window_days", 0.5),
        ("backlog", "window_days", 2.5),
        ("backlog", "max_hires_per_decision", 2.7),
        ("sla", "window_days", 0.5),
        ("sla", "step", 2.5),
    ],
)
def test_counts_in_staffing_params_are_whole_numbers(kind: str, param: str, value: float) -> None:
    # They were truncated: a window of 0.5 days became 0, and a window of 0 read the whole history
    # (``history[-0:]``), a policy reacting to last month's average instead of yesterday's.
    with pytest.raises(ValueError, match=rf"^{param} must be a whole number, got {value}$"):
        load_plugin("staffing", kind)(**{param: value})
    with pytest.raises(ValueError, match=rf"^{param} must be >= "):
        load_plugin("staffing", kind)(**{param: -1})
