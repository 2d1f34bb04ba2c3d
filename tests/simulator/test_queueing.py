"""Queueing formulas against published tables, closed forms and limiting cases."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from simulator.queueing import (
    ErlangA,
    ErlangC,
    erlang_b,
    erlang_c,
    littles_law,
    offered_load,
    rework_visits,
)


def _erlang_c_direct(c: int, a: float) -> float:
    """The textbook quotient with factorials, fine for small c, independent of the recursion."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


# Erlang B table: the load that `servers` lines carry at a grade of service of 1% and 2%.
@pytest.mark.parametrize(
    ("servers", "load", "blocking"),
    [(5, 1.361, 0.01), (10, 4.461, 0.01), (10, 5.084, 0.02), (20, 12.031, 0.01), (100, 84.06, 0.01)],
)
def test_erlang_b_matches_published_table(servers: int, load: float, blocking: float) -> None:
    assert erlang_b(servers, load) == pytest.approx(blocking, abs=5e-5)


def test_erlang_b_single_server_is_a_over_one_plus_a() -> None:
    assert erlang_b(1, 3.0) == pytest.approx(3.0 / 4.0)


def test_erlang_b_stays_finite_for_thousands_of_servers() -> None:
    b = erlang_b(5000, 4900.0)
    assert 0.0 < b < 0.01


def test_erlang_c_exact_small_case() -> None:
    # c = 3, A = 2: A^3/3! * 3/(3-2) = 4 and 1 + 2 + 2 = 5, so C = 4/9.
    assert erlang_c(3, 2.0) == pytest.approx(4.0 / 9.0, rel=1e-12)


def test_erlang_c_single_server_is_utilization() -> None:
    assert erlang_c(1, 0.7) == pytest.approx(0.7)


# The classic call-centre example: 100 calls per half hour, 180 s handle time (A = 10 Erlangs).
@pytest.mark.parametrize(("agents", "wait_probability"), [(11, 0.6821), (12, 0.4494), (13, 0.2853), (14, 0.1741)])
def test_erlang_c_call_centre_example(agents: int, wait_probability: float) -> None:
    queue = ErlangC(agents, arrival_rate=100 / 1800, mean_service_time=180.0)
    assert queue.wait_probability == pytest.approx(wait_probability, abs=5e-5)


@given(st.integers(min_value=1, max_value=60), st.floats(min_value=0.01, max_value=0.99))
def test_erlang_c_recursion_agrees_with_direct_formula(c: int, rho: float) -> None:
    assert erlang_c(c, rho * c) == pytest.approx(_erlang_c_direct(c, rho * c), rel=1e-9)


@given(st.integers(min_value=1, max_value=200), st.floats(min_value=0.01, max_value=0.99))
def test_erlang_c_is_a_probability_above_erlang_b(c: int, rho: float) -> None:
    a = rho * c
    assert erlang_b(c, a) <= erlang_c(c, a) <= 1.0


def test_wait_tail_and_mean_are_consistent() -> None:
    queue = ErlangC(20, arrival_rate=17.0, mean_service_time=1.0)
    # E[W] is the integral of P(W > t) over t.
    steps = 200_000
    dt = 20.0 / steps
    integral = sum(queue.wait_exceeds((i + 0.5) * dt) for i in range(steps)) * dt
    assert integral == pytest.approx(queue.mean_wait, rel=1e-6)
    assert queue.wait_exceeds(0.0) == pytest.approx(queue.wait_probability)
    assert queue.service_level(0.5) == pytest.approx(1.0 - queue.wait_exceeds(0.5))
    assert queue.mean_in_system == pytest.approx(queue.mean_queue_length + queue.load)
    assert queue.utilization == pytest.approx(0.85)


def test_mm1_closed_forms() -> None:
    queue = ErlangC(1, arrival_rate=0.8, mean_service_time=1.0)
    assert queue.mean_time_in_system == pytest.approx(1.0 / (1.0 - 0.8))
    assert queue.mean_in_system == pytest.approx(0.8 / 0.2)


def test_erlang_a_without_abandonment_is_erlang_c() -> None:
    patient = ErlangA(20, arrival_rate=17.0, mean_service_time=1.0, mean_patience=1e9)
    reference = ErlangC(20, arrival_rate=17.0, mean_service_time=1.0)
    assert patient.wait_probability == pytest.approx(reference.wait_probability, rel=1e-6)
    assert patient.mean_wait == pytest.approx(reference.mean_wait, rel=1e-6)
    assert patient.abandonment_share == pytest.approx(0.0, abs=1e-8)


def test_erlang_a_with_patience_equal_to_service_is_infinite_server() -> None:
    # theta = mu makes every state's death rate n*mu: the number in system is Poisson(A).
    queue = ErlangA(20, arrival_rate=17.0, mean_service_time=1.0, mean_patience=1.0)
    assert queue.wait_probability == pytest.approx(stats.poisson.sf(19, 17.0), rel=1e-9)
    expected_queue = sum((n - 20) * stats.poisson.pmf(n, 17.0) for n in range(21, 200))
    assert queue.mean_queue_length == pytest.approx(expected_queue, rel=1e-9)


def test_erlang_a_is_stable_when_overloaded_and_sheds_the_excess() -> None:
    queue = ErlangA(10, arrival_rate=20.0, mean_service_time=1.0, mean_patience=0.25)
    # At twice the capacity at least half the arrivals must leave, and servers are nearly always busy.
    assert 0.5 <= queue.abandonment_share < 1.0
    assert queue.utilization > 0.95
    assert queue.wait_probability > 0.85
    # Flow balance: the served flow times AHT equals the mean number of busy servers.
    p = queue.stationary_distribution()
    busy = sum(min(n, 10) * p[n] for n in range(p.size))
    assert queue.utilization == pytest.approx(busy / 10, rel=1e-9)


@given(
    st.integers(min_value=1, max_value=40),
    st.floats(min_value=0.1, max_value=2.0),
    st.floats(min_value=0.05, max_value=10.0),
)
def test_erlang_a_probabilities_are_valid(c: int, rho: float, patience: float) -> None:
    queue = ErlangA(c, arrival_rate=rho * c, mean_service_time=1.0, mean_patience=patience)
    p = queue.stationary_distribution()
    assert p.sum() == pytest.approx(1.0)
    assert 0.0 <= queue.abandonment_share <= queue.wait_probability <= 1.0
    assert queue.utilization <= 1.0 + 1e-9


def test_erlang_a_patience_lowers_the_wait() -> None:
    impatient = ErlangA(20, arrival_rate=19.0, mean_service_time=1.0, mean_patience=0.5)
    patient = ErlangA(20, arrival_rate=19.0, mean_service_time=1.0, mean_patience=5.0)
    assert impatient.mean_wait < patient.mean_wait
    assert impatient.abandonment_share > patient.abandonment_share


def test_littles_law_solves_for_the_missing_quantity() -> None:
    assert littles_law(arrival_rate=4.0, time_in_system=2.5) == pytest.approx(10.0)
    assert littles_law(number_in_system=10.0, time_in_system=2.5) == pytest.approx(4.0)
    assert littles_law(number_in_system=10.0, arrival_rate=4.0) == pytest.approx(2.5)
    with pytest.raises(ValueError, match="exactly two"):
        littles_law(arrival_rate=4.0)


def test_rework_visits_is_geometric() -> None:
    assert rework_visits(0.0) == 1.0
    assert rework_visits(0.2) == pytest.approx(1.25)
    with pytest.raises(ValueError, match=r"rework_probability must be below 1, got 1\.0"):
        rework_visits(1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: erlang_b(0, 1.0), r"servers must be a positive integer, got 0"),
        (lambda: erlang_b(2.5, 1.0), r"servers must be a positive integer, got 2\.5"),
        (lambda: erlang_b(3, -1.0), r"load must be a non-negative finite number, got -1\.0"),
        (lambda: erlang_c(3, 3.0), r"load must be below servers \(3\).*got 3\.0"),
        (lambda: offered_load(float("nan"), 1.0), r"arrival_rate must be a positive finite number, got nan"),
        (lambda: ErlangC(5, 10.0, 1.0), r"below servers \(5\).*load 10\.0"),
        (lambda: ErlangC(5, 1.0, 0.0), r"mean_service_time must be a positive finite number, got 0\.0"),
        (lambda: ErlangA(5, 1.0, 1.0, -2.0), r"mean_patience must be a positive finite number, got -2\.0"),
        (lambda: ErlangC(5, 1.0, 1.0).wait_exceeds(-1.0), r"t must be a non-negative finite number, got -1\.0"),
        (lambda: erlang_b(True, 1.0), r"servers must be a positive integer, got True"),
    ],
)
def test_inputs_are_validated_with_named_parameters(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
