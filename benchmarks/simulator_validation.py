"""Simulator against queueing theory: the validation table quoted in the README.

1. Erlang C, four M/M/c cases: the engine's labeling-stage figures (P(wait), P(wait <= t), mean wait, Lq, L)
   against the closed forms, each with its Monte Carlo 95% confidence interval.
2. Review with rework as an open Jackson network: mean turnaround with ``rework_time = "independent"`` against
   the formula, and with ``"reuse"`` (the original draw again) for contrast.
3. Interval coverage: many independent small experiments, each giving 95% intervals for M/M/c figures; the
   share of intervals that contain the true value should be close to 95%.

Fixed seeds throughout; the figures reproduce exactly. Usage:
    python benchmarks/simulator_validation.py [--replications 40] [--experiments 200]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import sys
import time

import numpy as np

from simulator.engine import run_replication
from simulator.montecarlo import Replication, run_monte_carlo
from simulator.queueing import ErlangC, JacksonRework
from simulator.scenario import ModelSpec, Review, Scenario

_WAIT_TARGET_HOURS = 0.25
# (labelers, arrivals per hour, minutes per label): loads from light to heavy.
_ERLANG_CASES = ((1, 1.6, 30.0), (5, 8.5, 30.0), (10, 17.0, 30.0), (20, 36.0, 30.0))


def _mmc(servers: int, rate: float, minutes: float, days: int) -> Scenario:
    base = Scenario.queueing(arrivals_per_hour=rate, mean_service_minutes=minutes, servers=servers, horizon_days=days)
    return dataclasses.replace(base, sla=dataclasses.replace(base.sla, wait_hours=_WAIT_TARGET_HOURS))


def _row(label: str, expected: float, estimate: object) -> bool:
    inside = estimate.contains(expected)  # type: ignore[attr-defined]
    print(
        f"  {label:<22}{expected:>10.4f}{estimate.mean:>10.4f}"  # type: ignore[attr-defined]
        f"   [{estimate.ci_low:.4f}, {estimate.ci_high:.4f}]{'yes' if inside else 'NO':>6}"  # type: ignore[attr-defined]
    )
    return inside


def erlang_c(replications: int) -> int:
    print(
        f"1. Erlang C: labeling stage, {replications} replications of 28 days each, wait target {_WAIT_TARGET_HOURS} h"
    )
    misses = 0
    for servers, rate, minutes in _ERLANG_CASES:
        queue = ErlangC(servers, arrival_rate=rate, mean_service_time=minutes / 60.0)
        result = run_monte_carlo(_mmc(servers, rate, minutes, 28), replications=replications, seed=servers)
        print(f"\n  M/M/{servers}, {rate:g} tasks/h, {minutes:g} min, utilization {queue.utilization:.2f}")
        print(f"  {'figure':<22}{'theory':>10}{'sim':>10}   95% CI{'':>16}inside")
        for label, expected, name in (
            ("P(wait)", queue.wait_probability, "labeling_wait_probability"),
            (
                f"P(wait <= {_WAIT_TARGET_HOURS:g} h)",
                queue.service_level(_WAIT_TARGET_HOURS),
                "labeling_wait_within_target",
            ),
            ("mean wait (h)", queue.mean_wait, "labeling_mean_wait_hours"),
            ("Lq", queue.mean_queue_length, "labeling_queue_length"),
            ("L", queue.mean_in_system, "labeling_in_system"),
        ):
            misses += not _row(label, expected, result.summary[name])
    return misses


def jackson(replications: int) -> None:
    network = JacksonRework(
        arrival_rate=14.0,
        labelers=10,
        mean_label_time=0.5,
        reviewers=2,
        mean_review_time=0.2,
        share_reviewed=0.5,
        rework_probability=0.25 * 0.8,
    )
    print(
        f"\n2. Jackson network: 14 tasks/h, 10 labelers x 30 min, half reviewed by 2 x 12 min, 25% wrong, 80% caught;"
        f"\n   {replications} replications of 28 days; E[T] = {network.mean_time_in_system:.4f} h"
    )
    print(f"  {'rework time':<22}{'theory':>10}{'sim':>10}   95% CI{'':>16}inside")
    for model in ("independent", "reuse"):
        base = Scenario.queueing(arrivals_per_hour=14.0, mean_service_minutes=30.0, servers=10, horizon_days=28)
        scenario = dataclasses.replace(
            base,
            quality=ModelSpec("constant", {"error_probability": 0.25}),
            review=Review(
                share_reviewed=0.5,
                reviewers=2,
                review_minutes=12.0,
                detection_probability=0.8,
                rework_time_factor=1.0,
                rework_time=model,
            ),
        )
        result = run_monte_carlo(scenario, replications=replications, seed=515)
        _row(model, network.mean_time_in_system, result.summary["turnaround_mean_hours"])


def _windowed(scenario: Scenario, seed: np.random.SeedSequence, warmup_hours: float = 24.0) -> Replication:
    """P(wait) and mean wait over tasks arriving after the warm-up and a day before the end."""
    result = run_replication(scenario, seed, keep_tasks=True)
    assert result.tasks is not None
    arrival, start = result.tasks.arrival_hour, result.tasks.start_hour
    window = (arrival >= warmup_hours) & (arrival < scenario.horizon_hours - 24.0)
    wait = start[window] - arrival[window]
    return Replication(
        summary={
            "labeling_wait_probability": float(np.mean(wait > 0.0)),
            "labeling_mean_wait_hours": float(wait.mean()),
        }
    )


def coverage(experiments: int, sizes: tuple[int, ...], warmup: float, days: int) -> None:
    servers, rate, minutes = 5, 8.5, 30.0
    queue = ErlangC(servers, arrival_rate=rate, mean_service_time=minutes / 60.0)
    scenario = _mmc(servers, rate, minutes, days)
    truths = {
        "P(wait)": ("labeling_wait_probability", queue.wait_probability),
        "mean wait": ("labeling_mean_wait_hours", queue.mean_wait),
    }
    if not warmup:
        truths["L"] = ("labeling_in_system", queue.mean_in_system)
    # Binomial 95% band around 0.95 for this many experiments: where an honest interval's coverage lands.
    half = 1.96 * (0.95 * 0.05 / experiments) ** 0.5
    where = f"tasks arriving after a {warmup:g}-hour warm-up" if warmup else "the engine's whole-horizon figures"
    print(
        f"\n3. Interval coverage: {experiments} experiments per size (M/M/{servers}, rho 0.85, {days} days),"
        f"\n   {where}; share of 95% intervals holding the true value (exact: {0.95 - half:.1%}-{0.95 + half:.1%})"
    )
    print(f"  {'replications':<14}" + "".join(f"{label:>12}" for label in truths))
    runner = functools.partial(_windowed, warmup_hours=warmup) if warmup else None
    for size in sizes:
        covered = dict.fromkeys(truths, 0)
        for experiment in range(experiments):
            result = run_monte_carlo(
                scenario, replications=size, seed=10_000 * size + experiment, executor="serial", runner=runner
            )
            for label, (name, truth) in truths.items():
                covered[label] += result.summary[name].contains(truth)
        print(f"  {size:<14}" + "".join(f"{covered[label] / experiments:>12.1%}" for label in truths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replications", type=int, default=40)
    parser.add_argument("--experiments", type=int, default=200)
    parser.add_argument("--experiment-replications", type=int, nargs="+", default=[10, 30])
    parser.add_argument("--warmup", type=float, default=0.0, help="coverage over tasks after this many hours")
    parser.add_argument("--coverage-days", type=int, default=14, help="horizon of the coverage experiments")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    misses = erlang_c(args.replications) if args.replications else 0
    if args.replications:
        jackson(args.replications)
    coverage(args.experiments, tuple(args.experiment_replications), args.warmup, args.coverage_days)
    if args.replications:
        print(f"\nErlang C figures outside their interval: {misses} of {5 * len(_ERLANG_CASES)}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
