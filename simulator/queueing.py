"""Closed-form queueing formulas the simulator is checked against: Erlang B, Erlang C, Erlang A, Little's law.

Time units are whatever the caller uses consistently (hours in the simulator): an arrival rate per unit time, a
mean service time (AHT) and a mean patience in the same unit. Every function validates its inputs and names the
offending parameter and value, so a planner's typo reads as a sentence rather than a `nan`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ErlangA",
    "ErlangC",
    "JacksonRework",
    "erlang_b",
    "erlang_c",
    "littles_law",
    "offered_load",
    "rework_visits",
]

# The Erlang A chain is truncated where the stationary probabilities are negligible; the tail beyond
# `servers + _TAIL_STATES_MIN` states (or more, for heavy loads) holds far less than 1e-15 of the mass.
_TAIL_STATES_MIN = 200
_TAIL_EPSILON = 1e-18


def _check_positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _check_non_negative(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return float(value)


def _check_servers(servers: int) -> int:
    if isinstance(servers, bool) or not isinstance(servers, int | np.integer) or servers < 1:
        raise ValueError(f"servers must be a positive integer, got {servers!r}")
    return int(servers)


def offered_load(arrival_rate: float, mean_service_time: float) -> float:
    """Offered load A = lambda * AHT, in Erlangs."""
    return _check_positive("arrival_rate", arrival_rate) * _check_positive("mean_service_time", mean_service_time)


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/c/c with offered load `load` (Erlangs).

    Uses the recursion B(k) = A*B(k-1) / (k + A*B(k-1)), which never forms A^c or c! and so stays exact for
    thousands of servers where the textbook quotient overflows.
    """
    c = _check_servers(servers)
    a = _check_non_negative("load", load)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in M/M/c: C = c*B / (c - A*(1 - B)); requires load < servers."""
    c = _check_servers(servers)
    a = _check_non_negative("load", load)
    if a >= c:
        raise ValueError(f"load must be below servers ({c}) for a stable queue, got {load!r}")
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


@dataclass(frozen=True, slots=True)
class ErlangC:
    """An M/M/c queue (Poisson arrivals, exponential service, `servers` identical servers, FCFS, no abandonment)."""

    servers: int
    arrival_rate: float
    mean_service_time: float

    def __post_init__(self) -> None:
        _check_servers(self.servers)
        _check_positive("arrival_rate", self.arrival_rate)
        _check_positive("mean_service_time", self.mean_service_time)
        if self.load >= self.servers:
            raise ValueError(
                f"arrival_rate * mean_service_time must be below servers ({self.servers}) for a stable queue, "
                f"got load {self.load!r}"
            )

    @property
    def load(self) -> float:
        """Offered load A in Erlangs."""
        return self.arrival_rate * self.mean_service_time

    @property
    def utilization(self) -> float:
        """Share of server time busy, A / c."""
        return self.load / self.servers

    @property
    def wait_probability(self) -> float:
        """P(W > 0): the Erlang C formula."""
        return erlang_c(self.servers, self.load)

    def wait_exceeds(self, t: float) -> float:
        """P(W > t) = C * exp(-(c - A) * t / AHT)."""
        t = _check_non_negative("t", t)
        return self.wait_probability * math.exp(-(self.servers - self.load) * t / self.mean_service_time)

    def service_level(self, t: float) -> float:
        """P(W <= t): the share of arrivals that start service within `t`."""
        return 1.0 - self.wait_exceeds(t)

    @property
    def mean_wait(self) -> float:
        """E[W] = C * AHT / (c - A), averaged over all arrivals (those that do not wait count as zero)."""
        return self.wait_probability * self.mean_service_time / (self.servers - self.load)

    @property
    def mean_queue_length(self) -> float:
        """E[Lq] = lambda * E[W] (Little's law on the queue)."""
        return self.arrival_rate * self.mean_wait

    @property
    def mean_time_in_system(self) -> float:
        """E[T] = E[W] + AHT."""
        return self.mean_wait + self.mean_service_time

    @property
    def mean_in_system(self) -> float:
        """E[L] = lambda * E[T]."""
        return self.arrival_rate * self.mean_time_in_system


@dataclass(frozen=True, slots=True)
class ErlangA:
    """An M/M/c+M queue: M/M/c where each waiting arrival abandons after an exponential patience.

    Solved as a birth-death chain: births at `arrival_rate`, deaths at n*mu below c servers and
    c*mu + (n - c)*theta above, with mu = 1/AHT and theta = 1/mean_patience. Always stable, whatever the load.
    """

    servers: int
    arrival_rate: float
    mean_service_time: float
    mean_patience: float

    def __post_init__(self) -> None:
        _check_servers(self.servers)
        _check_positive("arrival_rate", self.arrival_rate)
        _check_positive("mean_service_time", self.mean_service_time)
        _check_positive("mean_patience", self.mean_patience)

    @property
    def load(self) -> float:
        """Offered load A in Erlangs."""
        return self.arrival_rate * self.mean_service_time

    def stationary_distribution(self) -> np.ndarray:
        """P(N = n) for n = 0..K, K chosen so the truncated tail is negligible."""
        lam = self.arrival_rate
        mu = 1.0 / self.mean_service_time
        theta = 1.0 / self.mean_patience
        c = self.servers
        # Log space: the unnormalised weights are products of thousands of ratios and overflow as floats.
        log_w = [0.0]
        peak = 0.0
        n = 0
        while True:
            n += 1
            death = n * mu if n <= c else c * mu + (n - c) * theta
            log_w.append(log_w[-1] + math.log(lam / death))
            peak = max(peak, log_w[-1])
            # Past the mode the ratio lam/death only shrinks, so once a weight is tiny next to the peak, stop.
            if n > c + _TAIL_STATES_MIN and lam < death and log_w[-1] < peak + math.log(_TAIL_EPSILON):
                break
        weights = np.exp(np.asarray(log_w) - peak)
        result: np.ndarray = weights / weights.sum()
        return result

    @property
    def wait_probability(self) -> float:
        """P(an arrival finds all servers busy), by PASTA the stationary P(N >= c)."""
        # Clamped because summing thousands of tail terms can overshoot 1 by an ulp.
        return min(1.0, float(self.stationary_distribution()[self.servers :].sum()))

    @property
    def mean_queue_length(self) -> float:
        """E[Q] = sum over n > c of (n - c) * P(N = n)."""
        p = self.stationary_distribution()
        queue = np.maximum(np.arange(p.size) - self.servers, 0)
        return float((queue * p).sum())

    @property
    def mean_wait(self) -> float:
        """E[W] over all arrivals (served or abandoned) = E[Q] / lambda by Little's law."""
        return self.mean_queue_length / self.arrival_rate

    @property
    def abandonment_share(self) -> float:
        """Share of arrivals that abandon: the abandonment flow theta * E[Q] over the arrival flow."""
        return self.mean_queue_length / self.mean_patience / self.arrival_rate

    @property
    def utilization(self) -> float:
        """Share of server time busy: the served flow lambda * (1 - P(Ab)) times AHT over c."""
        return self.arrival_rate * (1.0 - self.abandonment_share) * self.mean_service_time / self.servers


def littles_law(
    *,
    arrival_rate: float | None = None,
    time_in_system: float | None = None,
    number_in_system: float | None = None,
) -> float:
    """Little's law L = lambda * W: give exactly two of the three quantities, get the third."""
    given = {
        name: value
        for name, value in (
            ("arrival_rate", arrival_rate),
            ("time_in_system", time_in_system),
            ("number_in_system", number_in_system),
        )
        if value is not None
    }
    if len(given) != 2:
        raise ValueError(
            f"littles_law needs exactly two of arrival_rate, time_in_system, number_in_system, got {given}"
        )
    if number_in_system is None:
        assert arrival_rate is not None and time_in_system is not None
        return _check_non_negative("arrival_rate", arrival_rate) * _check_non_negative("time_in_system", time_in_system)
    big_l = _check_non_negative("number_in_system", number_in_system)
    if time_in_system is None:
        assert arrival_rate is not None
        return big_l / _check_positive("arrival_rate", arrival_rate)
    return big_l / _check_positive("time_in_system", time_in_system)


def rework_visits(rework_probability: float) -> float:
    """Mean visits per task when each visit is sent back with probability p: the geometric 1 / (1 - p)."""
    p = _check_non_negative("rework_probability", rework_probability)
    if p >= 1.0:
        raise ValueError(f"rework_probability must be below 1, got {rework_probability!r}")
    return 1.0 / (1.0 - p)


@dataclass(frozen=True, slots=True)
class JacksonRework:
    """Labeling and review as an open Jackson network with rework.

    Tasks arrive at ``arrival_rate`` to ``labelers`` (exponential, mean ``mean_label_time``); a finished label
    goes to ``reviewers`` (exponential, mean ``mean_review_time``) with probability ``share_reviewed``; a
    reviewed label returns to labeling with probability ``rework_probability`` (error x detection), its rework
    an independent exponential draw with the same mean. Each station is then an M/M/c queue at its total
    arrival rate (Jackson's theorem), and a task's mean time in the network adds its visits to each.
    """

    arrival_rate: float
    labelers: int
    mean_label_time: float
    reviewers: int
    mean_review_time: float
    share_reviewed: float
    rework_probability: float

    @property
    def labeling_visits(self) -> float:
        """Labeling visits per task: 1 / (1 - share_reviewed * rework_probability)."""
        return rework_visits(self.share_reviewed * self.rework_probability)

    @property
    def review_visits(self) -> float:
        return self.share_reviewed * self.labeling_visits

    @property
    def labeling(self) -> ErlangC:
        """The labeling station at its total (fresh plus rework) arrival rate."""
        return ErlangC(self.labelers, self.arrival_rate * self.labeling_visits, self.mean_label_time)

    @property
    def review(self) -> ErlangC:
        return ErlangC(self.reviewers, self.arrival_rate * self.review_visits, self.mean_review_time)

    @property
    def mean_time_in_system(self) -> float:
        """E[T] of a task, arrival to acceptance: visits times time per visit, summed over the stations."""
        return (
            self.labeling_visits * self.labeling.mean_time_in_system
            + self.review_visits * self.review.mean_time_in_system
        )
