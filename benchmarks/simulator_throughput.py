"""Simulator throughput: the fast kernel against the per-task SimPy reference, and a 200-replication forecast.

Scenario: 26 weeks, 300 labelers across 3 vendors, about 2 million tasks. Prints figures only:

1. tasks simulated per second on one core by the kernel flow: the median of several full replications;
2. kernel against the reference SimPy flow, paired: rounds alternate the order of the two flows on the same
   seed over a horizon slice, and the figure is the median of the per-round ratios (with their range), so
   both flows see the same machine load;
3. the identity table: both flows on a scenario built to hit ties (``examples.tie_heavy_scenario``), per seed,
   task by task;
4. key statistics of both flows side by side with 95% confidence intervals, on common seeds;
5. the wall time of 200 replications with the process executor on this machine.

Usage: python benchmarks/simulator_throughput.py [--replications 200] [--reference-days N] [--compare 8]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
from typing import Any

import numpy as np

from simulator.engine import run_replication
from simulator.montecarlo import MonteCarloResult, run_monte_carlo

_KEY_STATISTICS = (
    "tasks_arrived",
    "tasks_completed",
    "backlog_end",
    "sla_attainment",
    "turnaround_p50_hours",
    "turnaround_p90_hours",
    "mean_wait_hours",
    "total_cost",
    "cost_per_accepted_label",
)


def _benchmark_scenario() -> Any:
    from simulator import examples

    return examples.benchmark_scenario()


def _slice(scenario: Any, days: int) -> Any:
    return dataclasses.replace(scenario, horizon_days=min(days, scenario.horizon_days))


def _time_run(scenario: Any, seed: int, flow: str) -> tuple[float, float]:
    """(tasks arrived, seconds) for one replication."""
    started = time.perf_counter()
    result = run_replication(scenario, np.random.SeedSequence(seed), flow=flow)
    seconds = time.perf_counter() - started
    return float(result.summary.tasks_arrived), seconds


def _median_rate(runs: list[tuple[float, float]]) -> float:
    return float(np.median([tasks / seconds for tasks, seconds in runs]))


def _paired(scenario: Any, rounds: int) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Kernel and reference runs on the same seeds, alternating which goes first each round."""
    kernel: list[tuple[float, float]] = []
    reference: list[tuple[float, float]] = []
    for seed in range(rounds):
        order = ("kernel", "reference") if seed % 2 == 0 else ("reference", "kernel")
        for flow in order:
            (kernel if flow == "kernel" else reference).append(_time_run(scenario, seed, flow))
    return kernel, reference


def _format(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.2f}"
    return f"{value:.4f}"


def _compare(kernel: MonteCarloResult, reference: MonteCarloResult) -> None:
    print(
        f"{'statistic':<26}{'kernel mean [95% CI]':>40}{'reference mean [95% CI]':>40}{'CIs overlap':>13}"
        f"{'max |diff|':>13}"
    )
    for name in _KEY_STATISTICS:
        if name not in kernel.summary or name not in reference.summary:
            continue
        k, r = kernel.summary[name], reference.summary[name]
        overlap = k.ci_low <= r.ci_high and r.ci_low <= k.ci_high
        kernel_text = f"{_format(k.mean)} [{_format(k.ci_low)}, {_format(k.ci_high)}]"
        reference_text = f"{_format(r.mean)} [{_format(r.ci_low)}, {_format(r.ci_high)}]"
        # Common seeds: the flows see the same random numbers, so per-replication differences are the sharp test.
        diff = float(np.nanmax(np.abs(kernel.samples[name] - reference.samples[name])))
        print(f"{name:<26}{kernel_text:>40}{reference_text:>40}{'yes' if overlap else 'NO':>13}{diff:>13.3g}")


def _identity_table(seeds: int) -> None:
    """Kernel against reference on the tie-heavy scenario: the per-task records must be bit-identical."""
    from simulator.examples import tie_heavy_scenario

    scenario = tie_heavy_scenario()
    print(f"\nidentity, scenario {scenario.name} ({scenario.horizon_days} days), kernel against reference, per seed:")
    print(
        f"{'seed':>5}{'tasks':>8}{'tied starts':>13}{'reviews':>9}{'thumbs down':>13}{'tasks identical':>17}"
        f"{'max |summary diff|':>20}"
    )
    for seed in range(seeds):
        kernel = run_replication(scenario, seed, flow="kernel", keep_tasks=True)
        reference = run_replication(scenario, seed, flow="reference", keep_tasks=True)
        assert kernel.tasks is not None and reference.tasks is not None
        starts = kernel.tasks.start_hour[np.isfinite(kernel.tasks.start_hour)]
        identical = all(
            np.array_equal(getattr(kernel.tasks, name), getattr(reference.tasks, name), equal_nan=True)
            for name in ("start_hour", "finish_hour", "labeler")
        )
        k, r = dataclasses.asdict(kernel.summary), dataclasses.asdict(reference.summary)
        diff = max((abs(k[name] - r[name]) for name in k if math.isfinite(k[name] - r[name])), default=0.0)
        thumbs_down = k["reviews"] * (1.0 - k["accepted_share"])
        print(
            f"{seed:>5}{k['tasks_arrived']:>8.0f}{starts.size - np.unique(starts).size:>13}{k['reviews']:>9.0f}"
            f"{thumbs_down:>13.0f}{'yes' if identical else 'NO':>17}{diff:>20.3g}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replications", type=int, default=200, help="replications for the wall-time figure")
    parser.add_argument("--kernel-runs", type=int, default=3, help="full kernel replications timed on one core")
    parser.add_argument("--reference-days", type=int, default=7, help="horizon of the paired kernel/reference runs")
    parser.add_argument("--rounds", type=int, default=3, help="paired rounds of kernel and reference")
    parser.add_argument("--compare", type=int, default=8, help="replications per flow for the statistics table")
    parser.add_argument("--identity-seeds", type=int, default=5, help="seeds of the tie-heavy identity table")
    parser.add_argument("--compare-days", type=int, default=28, help="horizon of the statistics comparison")
    args = parser.parse_args(argv)

    scenario = _benchmark_scenario()
    labelers = sum(p.headcount.production + p.headcount.training + p.headcount.hiring for p in scenario.workforce)
    vendors = len({p.vendor for p in scenario.workforce})
    print(f"scenario: {scenario.name}, {scenario.horizon_days} days, {labelers} labelers, {vendors} vendors")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")

    # Warm-up (imports, plugin discovery, allocator) on a slice so it does not count.
    run_replication(_slice(scenario, 7), np.random.SeedSequence(99), flow="kernel")

    kernel_runs = [_time_run(scenario, seed, "kernel") for seed in range(args.kernel_runs)]
    tasks = kernel_runs[0][0]
    print(
        f"\nkernel flow, one core: {tasks:,.0f} tasks per replication, "
        f"{', '.join(f'{s:.2f} s' for _, s in kernel_runs)} -> {_median_rate(kernel_runs):,.0f} tasks/s (median)"
    )

    paired_scenario = _slice(scenario, args.reference_days)
    kernel_paired, reference_paired = _paired(paired_scenario, args.rounds)
    ratios = [
        r_seconds / k_seconds for (_, k_seconds), (_, r_seconds) in zip(kernel_paired, reference_paired, strict=True)
    ]
    print(
        f"paired, first {paired_scenario.horizon_days} days, {args.rounds} rounds alternating order: "
        f"kernel {_median_rate(kernel_paired):,.0f} tasks/s, reference {_median_rate(reference_paired):,.0f} tasks/s "
        f"(medians); kernel / reference {np.median(ratios):.1f}x (range {min(ratios):.1f}-{max(ratios):.1f}x)"
    )

    _identity_table(args.identity_seeds)

    if args.compare > 0:
        compare_scenario = _slice(scenario, args.compare_days)
        print(
            f"\nstatistics, {args.compare} replications per flow on the first {compare_scenario.horizon_days} days, "
            "common seeds, process executor:"
        )
        started = time.perf_counter()
        kernel_mc = run_monte_carlo(
            compare_scenario, replications=args.compare, seed=7, executor="process", flow="kernel"
        )
        reference_mc = run_monte_carlo(
            compare_scenario, replications=args.compare, seed=7, executor="process", flow="reference"
        )
        print(f"({time.perf_counter() - started:.0f} s)")
        _compare(kernel_mc, reference_mc)

    if args.replications > 0:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        started = time.perf_counter()
        done = [0]

        def progress(count: int, total: int) -> None:
            if count - done[0] >= max(1, total // 10) or count == total:
                done[0] = count
                print(f"  {count}/{total} replications, {time.perf_counter() - started:.0f} s", flush=True)

        result = run_monte_carlo(
            scenario, replications=args.replications, seed=1, executor="process", progress=progress
        )
        seconds = time.perf_counter() - started
        total_tasks = float(result.samples["tasks_arrived"].sum())
        print(
            f"\n{args.replications} replications, process executor ({workers} workers): {seconds:.1f} s wall, "
            f"{total_tasks / seconds:,.0f} tasks/s overall"
        )
        sla = result.summary["sla_attainment"]
        print(f"forecast SLA attainment: {sla.mean:.4f} [{sla.ci_low:.4f}, {sla.ci_high:.4f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
