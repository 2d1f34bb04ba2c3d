"""Routes to a faster per-task kernel, measured on its core: the FCFS "server free-times" recursion.

Every route computes the same start times for the same arrivals and work (checked against the first route),
on ``--servers`` identical-speed labelers with per-labeler speed multipliers read per job as the kernel does:

- ``heapq``: the current kernel's loop (a heap of (free time, labeler) tuples, ``heapreplace``);
- ``lean``: pure Python, the heap keyed by a single float (free time plus labeler id packed in the low bits
  is not exact, so instead one heap of free times per speed class; here all labelers share one class);
- ``numpy-R``: numpy across ``--replications`` replications at once, ``argmin`` over the labelers per job;
- ``numba``: the heapq loop compiled with numba (only when numba imports);
- ``kernel``: the shipped compiled loop, ``simulator.kernel_loops.advance_plain`` (only when numba imports).

Rounds alternate the order of the routes; the figures are medians of tasks per second and of the per-round
ratio to ``heapq``. Usage: python benchmarks/kernel_routes.py [--jobs 1000000] [--servers 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from heapq import heapify, heapreplace
from typing import Any

import numpy as np


def route_heapq(arrival: np.ndarray, work: np.ndarray, speed: np.ndarray) -> np.ndarray:
    heap = [(0.0, i) for i in range(speed.size)]
    heapify(heap)
    speeds = speed.tolist()
    start = np.empty(arrival.size)
    out: Any = start.data  # float64 items: plain floats assigned without numpy's per-item overhead
    arr, wk = arrival.data, work.data
    for i in range(arrival.size):
        a = arr[i]
        free, lid = heap[0]
        s = a if a > free else free
        heapreplace(heap, (s + wk[i] * speeds[lid], lid))
        out[i] = s
    return start


def route_lean(arrival: np.ndarray, work: np.ndarray, speed: np.ndarray) -> np.ndarray:
    # One speed for everyone: a heap of bare floats, no tuples to build or compare.
    heap = [0.0] * speed.size
    factor = float(speed[0])
    start = np.empty(arrival.size)
    out: Any = start.data  # float64 items: plain floats assigned without numpy's per-item overhead
    arr, wk = arrival.data, work.data
    for i in range(arrival.size):
        a = arr[i]
        free = heap[0]
        s = a if a > free else free
        heapreplace(heap, s + wk[i] * factor)
        out[i] = s
    return start


def route_numpy_replications(replications: int) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    def run(arrival: np.ndarray, work: np.ndarray, speed: np.ndarray) -> np.ndarray:
        # The same replication `replications` times over, as a stand-in for R independent ones: same work.
        n = arrival.size // replications
        arr = np.tile(arrival[:n], (replications, 1))
        wk = np.tile(work[:n], (replications, 1))
        free = np.zeros((replications, speed.size))
        rows = np.arange(replications)
        start = np.empty((replications, n))
        for i in range(n):
            lid = free.argmin(axis=1)
            s = np.maximum(arr[:, i], free[rows, lid])
            free[rows, lid] = s + wk[:, i] * speed[lid]
            start[:, i] = s
        return start[0]

    return run


def _numba_route() -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None:
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(cache=False)
    def run(arrival: np.ndarray, work: np.ndarray, speed: np.ndarray) -> np.ndarray:  # pragma: no cover
        c = speed.size
        free = np.zeros(c)
        ids = np.arange(c)
        start = np.empty(arrival.size)
        for i in range(arrival.size):
            a = arrival[i]
            s = a if a > free[0] else free[0]
            lid = ids[0]
            start[i] = s
            value = s + work[i] * speed[lid]
            # Sift the root down with the new (free, id) key.
            pos = 0
            while True:
                child = 2 * pos + 1
                if child >= c:
                    break
                right = child + 1
                if right < c and (
                    free[right] < free[child] or (free[right] == free[child] and ids[right] < ids[child])
                ):
                    child = right
                if free[child] < value or (free[child] == value and ids[child] < lid):
                    free[pos] = free[child]
                    ids[pos] = ids[child]
                    pos = child
                else:
                    break
            free[pos] = value
            ids[pos] = lid
        return start

    return run


def _kernel_route() -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None:
    try:
        from simulator import kernel_loops
    except ImportError:
        return None

    def run(arrival: np.ndarray, work: np.ndarray, speed: np.ndarray) -> np.ndarray:
        # Every labeler on duty and free at 0: equal times in id order already make a heap.
        c = speed.size
        start = np.full(arrival.size, np.nan)
        who = np.full(arrival.size, -1, dtype=np.int64)
        state = np.zeros(kernel_loops.STATE_SIZE, dtype=np.int64)
        heap = (np.zeros(c), np.arange(c, dtype=np.int64), c)
        kernel_loops.advance_plain(np.inf, state, arrival, work, start, who, speed, *heap)
        return start

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--servers", type=int, default=300)
    parser.add_argument("--utilization", type=float, default=0.85)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--replications", type=int, default=50, help="width of the numpy-across-replications route")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(1)
    work = rng.exponential(1.0, args.jobs)
    arrival = np.cumsum(rng.exponential(1.0 / (args.servers * args.utilization), args.jobs))
    speed = np.ones(args.servers)
    routes: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
        "heapq": route_heapq,
        "lean": route_lean,
        "numpy-R": route_numpy_replications(args.replications),
    }
    compiled = _numba_route()
    if compiled is not None:
        compiled(arrival[:100], work[:100], speed)  # compile outside the timing
        routes["numba"] = compiled
        kernel = _kernel_route()
        assert kernel is not None
        kernel(arrival[:100], work[:100], speed)
        routes["kernel"] = kernel
    else:
        print("numba: not installed, routes skipped")
    expected = route_heapq(arrival, work, speed)
    for name, route in routes.items():
        got = route(arrival, work, speed)
        n = got.size
        same = (
            np.array_equal(got, expected[:n])
            if name != "numpy-R"
            else np.allclose(got, route_heapq(arrival[:n], work[:n], speed))
        )
        print(f"{name}: start times identical to heapq: {same}")
    seconds: dict[str, list[float]] = {name: [] for name in routes}
    names = list(routes)
    for r in range(args.rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            t = time.perf_counter()
            routes[name](arrival, work, speed)
            seconds[name].append(time.perf_counter() - t)
    print(f"\n{args.jobs:,} jobs, {args.servers} servers, utilization {args.utilization}, {args.rounds} rounds:")
    print(f"{'route':<10}{'tasks/s (median)':>20}{'x heapq (median of paired ratios)':>36}")
    for name in names:
        # numpy-R simulates `replications` replications of jobs/replications each: the same task count.
        rate = args.jobs / float(np.median(seconds[name]))
        ratio = float(np.median([h / s for h, s in zip(seconds["heapq"], seconds[name], strict=True)]))
        print(f"{name:<10}{rate:>20,.0f}{ratio:>36.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
