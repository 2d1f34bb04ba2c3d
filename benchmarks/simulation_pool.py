"""The server's simulation pool: task round trip against a ProcessPoolExecutor, and the cost of killing a worker.

Prints medians over alternating rounds (the pool, then the reference, round after round, so machine drift hits
both alike): the round trip of a trivial task through `SimulationPool` and through a `ProcessPoolExecutor` on the
same forkserver; the time from cancelling a busy task (its worker is SIGKILLed) until the pool has answered the
next task on a fresh worker; how long the simulation budget takes to refuse a 1e7-tasks-a-day request; and the
kernel's cost of a labeler-day and of a simulated day in tasks, the weights the budget uses (25 and 300).

    .venv/bin/python benchmarks/simulation_pool.py --rounds 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.services.errors import ValidationFailed
from server.services.simulation_budget import Fields, check_budget, workload
from server.services.simulation_pool import SimulationPool
from simulator.engine import run_replication
from simulator.scenario import Demand, Headcount, Scenario


async def _round_trip(pool: SimulationPool, reference: ProcessPoolExecutor, rounds: int) -> tuple[float, float]:
    loop = asyncio.get_running_loop()
    ours, theirs = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        await pool.run(abs, -1)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        await loop.run_in_executor(reference, abs, -1)
        theirs.append(time.perf_counter() - started)
    return statistics.median(ours), statistics.median(theirs)


async def _kill_and_replace(pool: SimulationPool, rounds: int) -> float:
    latencies = []
    for _ in range(rounds):
        busy = asyncio.ensure_future(pool.run(time.sleep, 30))
        while not pool.busy_pids:
            await asyncio.sleep(0.005)
        started = time.perf_counter()
        busy.cancel()
        await asyncio.gather(busy, return_exceptions=True)
        await pool.run(abs, -1)
        latencies.append(time.perf_counter() - started)
    return statistics.median(latencies)


def _refusal(rounds: int) -> float:
    scenario = Scenario(demand=Demand(base_per_day=1e7))
    fields: Fields = {
        "tasks": (("demand", "base_per_day"), 1e7),
        "labelers": (("workforce",), 0),
        "days": (("horizon_days",), 0),
    }
    latencies = []
    for _ in range(rounds):
        started = time.perf_counter()
        with contextlib.suppress(ValidationFailed):
            check_budget([(workload(scenario), 64, fields)], 2e8)
        latencies.append(time.perf_counter() - started)
    return statistics.median(latencies)


def _seconds(scenario: Scenario) -> float:
    best = float("inf")
    for seed in range(3):
        started = time.perf_counter()
        run_replication(scenario, np.random.SeedSequence(seed))
        best = min(best, time.perf_counter() - started)
    return best


def _weights() -> None:
    """Tasks, labeler-days and days a second on one core, each from a scenario dominated by it."""
    base = Scenario()
    crowd = replace(base.workforce[0], headcount=Headcount(production=5_000))
    loads = {
        "tasks": replace(base, demand=replace(base.demand, base_per_day=200_000.0)),
        "labeler-days": replace(base, demand=replace(base.demand, base_per_day=0.0), workforce=(crowd,)),
        "days": replace(
            base,
            demand=replace(base.demand, base_per_day=0.0),
            workforce=(replace(base.workforce[0], headcount=Headcount(production=1)),),
            horizon_days=5_000,
        ),
    }
    amounts = {
        name: {"tasks": load.tasks, "labeler-days": load.labeler_days, "days": load.days}[name]
        for name, load in ((name, workload(s)) for name, s in loads.items())
    }
    rates = {name: amounts[name] / _seconds(scenario) for name, scenario in loads.items()}
    for name, rate in rates.items():
        print(f"kernel: {rate:12,.0f} {name}/s  = {rates['tasks'] / rate:6.1f} tasks each")


async def main(rounds: int) -> None:
    pool = SimulationPool(1)
    started = time.perf_counter()
    await asyncio.to_thread(pool.prepare)
    await pool.run(abs, -1)
    print(f"first worker, forkserver included: {1000 * (time.perf_counter() - started):8.1f} ms")
    reference = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"))
    try:
        await asyncio.get_running_loop().run_in_executor(reference, abs, -1)
        ours, theirs = await _round_trip(pool, reference, rounds)
        print(f"round trip, SimulationPool:        {1000 * ours:8.3f} ms (median of {rounds})")
        print(f"round trip, ProcessPoolExecutor:   {1000 * theirs:8.3f} ms  ratio {ours / theirs:.2f}")
        replaced = await _kill_and_replace(pool, max(3, rounds // 4))
        print(f"cancel a busy task -> next answer: {1000 * replaced:8.1f} ms (kill + fresh worker)")
    finally:
        reference.shutdown()
        await pool.close()
    print(f"budget refusal of basePerDay 1e7:  {1e6 * _refusal(rounds):8.1f} us")
    _weights()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    asyncio.run(main(parser.parse_args().rounds))
