"""Simulator throughput: the compiled and pure-Python kernels against the per-task SimPy reference, and the
200-replication forecast.

Scenario: 26 weeks, 300 labelers across 3 vendors, about 2 million tasks. Prints figures only:

1. whole replications on one core, the compiled (numba) and pure-Python kernels alternating on the same seeds:
   medians of tasks/s by wall clock and by CPU time, and the median of the per-round ratios;
2. the three flows paired on a horizon slice: each round runs compiled kernel, pure kernel and reference on one
   seed, rotating which goes first, so all see the same machine load; medians of tasks/s and of per-round ratios;
3. the compiled kernel's first-call cost in a fresh process: compiling into an empty cache, then loading it;
4. the identity table: every flow on a scenario built to hit ties (``examples.tie_heavy_scenario``), per seed,
   task by task against the reference;
5. key statistics of kernel and reference side by side with 95% confidence intervals, on common seeds;
6. ``--mode full``: the 200 replications on the process executor, wall time, the load average around it, and
   the workers' CPU time (tasks per CPU-second per core, and the wall time that CPU time projects on idle cores);
7. ``--mode versus --baseline DIR``: ``--mode full`` of another checkout (say ``git worktree add /tmp/base main``)
   and of this one, alternating which goes first, ``--rounds`` times: medians of wall and of workers' CPU seconds
   per replication, and of the per-round ratios, each run in a fresh process so both pay the same start-up.

Usage: python benchmarks/simulator_throughput.py [--mode all|paired|full|versus] [--replications 200] [--workers 2]
       [--baseline DIR]
``LABELOPS_KERNEL`` set when starting it forces the kernel of sections 5 and 6 (default: numba when installed).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from simulator.engine import run_replication
from simulator.kernel import KERNEL_ENV, KernelFlow
from simulator.montecarlo import MonteCarloResult, Replication, reduce_result, run_monte_carlo

# Flow names of this script: the two kernels and the reference.
_FLOWS = ("numba", "python", "reference")

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


@contextlib.contextmanager
def _kernel(name: str) -> Iterator[None]:
    """Force a kernel for runs in this process (process pools keep the kernel their server started with)."""
    before = os.environ.get(KERNEL_ENV)
    os.environ[KERNEL_ENV] = name
    try:
        yield
    finally:
        if before is None:
            del os.environ[KERNEL_ENV]
        else:
            os.environ[KERNEL_ENV] = before


@contextlib.contextmanager
def _metered_kernel() -> Iterator[list[float]]:
    """CPU seconds spent inside the kernel's ``advance`` (both kernels inherit it) while the block runs."""
    spent = [0.0]
    advance = KernelFlow.advance

    def metered(self: KernelFlow, until: float) -> None:
        cpu = time.process_time()
        advance(self, until)
        spent[0] += time.process_time() - cpu

    KernelFlow.advance = metered  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        KernelFlow.advance = advance  # type: ignore[method-assign]


def _time_run(scenario: Any, seed: int, flow: str) -> tuple[float, float, float, float]:
    """(tasks arrived, wall seconds, CPU seconds, CPU seconds in the kernel) for one replication; ``flow`` is
    one of ``_FLOWS``."""
    kernel = "python" if flow == "reference" else flow
    with _kernel(kernel), _metered_kernel() as in_kernel:
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_replication(
            scenario, np.random.SeedSequence(seed), flow="reference" if flow == "reference" else "kernel"
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return float(result.summary.tasks_arrived), wall, cpu, in_kernel[0]


def _median_rate(runs: list[tuple[float, float, float, float]], cpu: bool = False) -> float:
    return float(np.median([run[0] / (run[2] if cpu else run[1]) for run in runs]))


def _paired(scenario: Any, rounds: int, flows: tuple[str, ...]) -> dict[str, list[tuple[float, float, float, float]]]:
    """Every flow once per round on that round's seed, rotating which goes first."""
    runs: dict[str, list[tuple[float, float, float, float]]] = {flow: [] for flow in flows}
    for seed in range(rounds):
        shift = seed % len(flows)
        for flow in flows[shift:] + flows[:shift]:
            runs[flow].append(_time_run(scenario, seed, flow))
    return runs


def _ratio(runs: dict[str, list[tuple[float, float, float, float]]], slow: str, fast: str) -> str:
    """How many times faster ``fast`` ran than ``slow``: medians (and ranges) of per-round ratios, wall and CPU."""
    parts = []
    for label, index in (("wall", 1), ("CPU", 2)):
        ratios = [s[index] / f[index] for s, f in zip(runs[slow], runs[fast], strict=True)]
        parts.append(f"{np.median(ratios):.2f}x {label} (range {min(ratios):.2f}-{max(ratios):.2f})")
    return ", ".join(parts)


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


_FIRST_CALL = """
import sys, time
started = time.perf_counter()
import numba, simulator.kernel_numba
imported = time.perf_counter()
from simulator.engine import run_replication
from simulator.examples import tie_heavy_scenario
scenario = tie_heavy_scenario(horizon_days=2)
first = time.perf_counter()
run_replication(scenario, 1)
second = time.perf_counter()
run_replication(scenario, 1)
print(imported - started, second - first, time.perf_counter() - second)
"""


def _first_call_cost() -> None:
    """Import, first and second run of a tiny scenario in fresh processes: an empty cache, then a filled one."""
    if importlib.util.find_spec("numba") is None:
        print("\ncompiled kernel: numba not installed, the pure-Python kernel runs")
        return
    print("\ncompiled kernel, first call in a fresh process (tiny scenario; seconds):")
    with tempfile.TemporaryDirectory() as cache:
        env = os.environ | {"NUMBA_CACHE_DIR": cache, KERNEL_ENV: "numba"}
        for label in ("empty cache (compiles)", "cache filled (loads)"):
            out = subprocess.run(
                [sys.executable, "-c", _FIRST_CALL], env=env, check=True, capture_output=True, text=True
            ).stdout.split()
            imported, first, second = (float(value) for value in out)
            print(
                f"  {label:<24} import numba + module {imported:.2f}, first run {first:.2f}, "
                f"second run {second:.3f} -> first-call cost {first - second:.2f}"
            )


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


def _identity_table(seeds: int, kernels: tuple[str, ...]) -> None:
    """Each kernel against the reference on the tie-heavy scenario: the per-task records must be bit-identical."""
    from simulator.examples import tie_heavy_scenario

    scenario = tie_heavy_scenario()
    print(
        f"\nidentity, scenario {scenario.name} ({scenario.horizon_days} days), each kernel against reference, per seed:"
    )
    header = "".join(f"{kernel + ' identical':>19}" for kernel in kernels)
    print(
        f"{'seed':>5}{'tasks':>8}{'tied starts':>13}{'reviews':>9}{'thumbs down':>13}{header}{'max |summary diff|':>20}"
    )
    for seed in range(seeds):
        reference = run_replication(scenario, seed, flow="reference", keep_tasks=True)
        assert reference.tasks is not None
        r = dataclasses.asdict(reference.summary)
        cells, diff = "", 0.0
        for name in kernels:
            with _kernel(name):
                kernel = run_replication(scenario, seed, flow="kernel", keep_tasks=True)
            assert kernel.tasks is not None
            identical = all(
                np.array_equal(getattr(kernel.tasks, field), getattr(reference.tasks, field), equal_nan=True)
                for field in ("start_hour", "finish_hour", "labeler")
            )
            cells += f"{'yes' if identical else 'NO':>19}"
            k = dataclasses.asdict(kernel.summary)
            diff = max([diff, *(abs(k[f] - r[f]) for f in k if math.isfinite(k[f] - r[f]))])
        starts = reference.tasks.start_hour[np.isfinite(reference.tasks.start_hour)]
        thumbs_down = r["reviews"] * (1.0 - r["accepted_share"])
        print(
            f"{seed:>5}{r['tasks_arrived']:>8.0f}{starts.size - np.unique(starts).size:>13}{r['reviews']:>9.0f}"
            f"{thumbs_down:>13.0f}{cells}{diff:>20.3g}"
        )


def _timed_replication(scenario: Any, seed: np.random.SeedSequence) -> Replication:
    """A replication reduced as the executor would, with the worker's CPU seconds for it as one more figure."""
    cpu = time.process_time()
    replication = reduce_result(run_replication(scenario, seed))
    summary = replication.summary | {"cpu_seconds": time.process_time() - cpu}
    return Replication(summary=summary, daily=replication.daily)


def _full_run(scenario: Any, replications: int, workers: int) -> None:
    kernel = os.environ.get(KERNEL_ENV, "auto")
    numba = importlib.util.find_spec("numba") is not None
    print(
        f"\n{replications} replications of the whole benchmark, process executor, {workers} workers, "
        f"{KERNEL_ENV}={kernel} (numba {'installed' if numba else 'missing'}); load average before: {_load()}"
    )
    started = time.perf_counter()
    done = [0]

    def progress(count: int, total: int) -> None:
        if count - done[0] >= max(1, total // 10) or count == total:
            done[0] = count
            print(f"  {count}/{total} replications, {time.perf_counter() - started:.0f} s", flush=True)

    result = run_monte_carlo(
        scenario,
        replications=replications,
        seed=1,
        executor=f"process:{workers}",
        runner=_timed_replication,
        progress=progress,
    )
    seconds = time.perf_counter() - started
    total_tasks = float(result.samples["tasks_arrived"].sum())
    cpu = float(result.samples["cpu_seconds"].sum())
    print(f"load average after: {_load()}")
    print(
        f"{replications} replications: {seconds:.1f} s wall, {total_tasks / seconds:,.0f} tasks/s overall; "
        f"workers' CPU {cpu:.1f} s ({cpu / replications:.2f} s per replication), "
        f"{total_tasks / cpu:,.0f} tasks per CPU-second per core; "
        f"on {workers} idle cores that CPU time is {cpu / workers:.1f} s wall"
    )
    sla = result.summary["sla_attainment"]
    print(f"forecast SLA attainment: {sla.mean:.4f} [{sla.ci_low:.4f}, {sla.ci_high:.4f}]")


# The summary line of ``--mode full`` (this script's and earlier versions').
_FULL_LINE = re.compile(r"replications: ([\d.]+) s wall, .* workers' CPU ([\d.]+) s")


def _full_in(checkout: str, replications: int, workers: int) -> tuple[float, float]:
    """(wall seconds, workers' CPU seconds) of ``--mode full`` run by ``checkout``'s own script and code."""
    env = os.environ | {"PYTHONPATH": checkout}
    command = [sys.executable, "benchmarks/simulator_throughput.py", "--mode", "full"]
    command += ["--replications", str(replications), "--workers", str(workers)]
    out = subprocess.run(command, cwd=checkout, env=env, check=True, capture_output=True, text=True).stdout
    found = _FULL_LINE.search(out)
    if found is None:
        raise RuntimeError(f"no summary line in the output of {checkout}:\n{out}")
    return float(found.group(1)), float(found.group(2))


def _versus(baseline: str, rounds: int, replications: int, workers: int) -> None:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    checkouts = {"baseline": os.path.abspath(baseline), "this": here}
    print(f"\n--mode full, {replications} replications on {workers} workers, {rounds} rounds alternating:")
    print(f"  baseline {checkouts['baseline']}\n  this     {here}")
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
    for round_ in range(rounds):
        names = list(checkouts) if round_ % 2 == 0 else list(checkouts)[::-1]
        for name in names:
            before = _load()
            wall, cpu = _full_in(checkouts[name], replications, workers)
            runs[name].append((wall, cpu))
            print(
                f"  round {round_ + 1} {name:<8} {wall:6.1f} s wall, workers' CPU {cpu:6.1f} s "
                f"({cpu / replications:.3f} s per replication); load average before {before}, after {_load()}",
                flush=True,
            )
    for name, figures in runs.items():
        wall = float(np.median([run[0] for run in figures]))
        cpu = float(np.median([run[1] for run in figures])) / replications
        print(
            f"  {name:<8} medians: {wall:.1f} s wall, {cpu:.3f} CPU-s per replication "
            f"(on {workers} idle cores: {cpu * replications / workers:.1f} s)"
        )
    for label, index in (("wall", 0), ("workers' CPU", 1)):
        ratios = [b[index] / t[index] for b, t in zip(runs["baseline"], runs["this"], strict=True)]
        print(f"  baseline over this, {label}: {np.median(ratios):.2f}x (range {min(ratios):.2f}-{max(ratios):.2f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--mode", choices=("all", "paired", "full", "versus"), default="all", help="sections 1-5, 6, both, or 7"
    )
    parser.add_argument("--baseline", help="another checkout to run --mode full against (--mode versus)")
    parser.add_argument("--replications", type=int, default=200, help="replications of the full run")
    parser.add_argument("--workers", type=int, default=2, help="process executor workers of the full run")
    parser.add_argument("--kernel-runs", type=int, default=5, help="paired rounds of whole replications, per kernel")
    parser.add_argument("--reference-days", type=int, default=7, help="horizon of the three-flow paired runs")
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds of the three flows, or of --mode versus")
    parser.add_argument("--compare", type=int, default=8, help="replications per flow for the statistics table")
    parser.add_argument("--identity-seeds", type=int, default=5, help="seeds of the tie-heavy identity table")
    parser.add_argument("--compare-days", type=int, default=28, help="horizon of the statistics comparison")
    args = parser.parse_args(argv)

    scenario = _benchmark_scenario()
    labelers = sum(p.headcount.production + p.headcount.training + p.headcount.hiring for p in scenario.workforce)
    vendors = len({p.vendor for p in scenario.workforce})
    print(f"scenario: {scenario.name}, {scenario.horizon_days} days, {labelers} labelers, {vendors} vendors")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, load average {_load()}")
    kernels = ("numba", "python") if importlib.util.find_spec("numba") is not None else ("python",)

    if args.mode in ("all", "paired"):
        # Warm-up (imports, plugin discovery, compilation or cache load, allocator) on a slice so it does not count.
        for kernel in kernels:
            _time_run(_slice(scenario, 7), 99, kernel)

        whole = _paired(scenario, args.kernel_runs, kernels)
        tasks = whole[kernels[0]][0][0]
        print(f"\nwhole replications, one core, {tasks:,.0f} tasks each, {args.kernel_runs} rounds alternating:")
        for kernel in kernels:
            print(
                f"  {kernel:<8} {', '.join(f'{run[1]:.2f}' for run in whole[kernel])} s -> "
                f"{_median_rate(whole[kernel]):,.0f} tasks/s wall, {_median_rate(whole[kernel], cpu=True):,.0f} "
                "tasks per CPU-second (medians)"
            )
        if len(kernels) == 2:
            print(f"  numba over python: {_ratio(whole, 'python', 'numba')}")
        print("  CPU seconds per replication, in the kernel's advance and elsewhere (medians):")
        for kernel in kernels:
            in_kernel = float(np.median([run[3] for run in whole[kernel]]))
            total = float(np.median([run[2] for run in whole[kernel]]))
            share = float(np.median([run[3] / run[2] for run in whole[kernel]]))
            print(
                f"  {kernel:<8} kernel {in_kernel:.3f} s, elsewhere {total - in_kernel:.3f} s "
                f"({share:.0%} in the kernel)"
            )

        sliced = _slice(scenario, args.reference_days)
        flows = (*kernels, "reference")
        three = _paired(sliced, args.rounds, flows)
        print(f"\npaired, first {sliced.horizon_days} days, {args.rounds} rounds rotating the order (medians):")
        print("  " + ", ".join(f"{flow} {_median_rate(three[flow]):,.0f}" for flow in flows) + " tasks/s wall")
        print("  " + ", ".join(f"{flow} {_median_rate(three[flow], cpu=True):,.0f}" for flow in flows) + " tasks/CPU-s")
        for slow, fast in [(flows[i], flows[j]) for j in range(len(flows)) for i in range(j + 1, len(flows))]:
            print(f"  {fast} over {slow}: {_ratio(three, slow, fast)}")

        _first_call_cost()
        _identity_table(args.identity_seeds, kernels)

        if args.compare > 0:
            compare_scenario = _slice(scenario, args.compare_days)
            print(
                f"\nstatistics, {args.compare} replications per flow on the first {compare_scenario.horizon_days} "
                "days, common seeds, process executor:"
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

    if args.mode in ("all", "full") and args.replications > 0:
        _full_run(scenario, args.replications, args.workers)
    if args.mode == "versus":
        if not args.baseline:
            parser.error("--mode versus needs --baseline DIR")
        _versus(args.baseline, args.rounds, args.replications, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
