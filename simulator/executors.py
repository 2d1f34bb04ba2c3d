"""Where replications run: the executor specs, the chunking policy, and the serial, process and Dask runners.

One module for the simulator's Monte Carlo and the server's job runner, so both chunk the same way. A run of
N replications is cut into about ``CHUNKS_PER_WORKER`` chunks per worker of the executor (a Dask cluster's
worker threads, a process pool's processes), never fewer chunks than workers allow: 20 replications on 4
workers become 16 chunks of 1-2, not one chunk of 25 that leaves three workers idle. Chunk ``k`` always holds
the same replication indexes for a given size, and each replication has its own seed, so results do not depend
on the executor or the worker count.

Executors are operator configuration: a Dask client unpickles what the scheduler sends, so an address must
come from the operator (command line, server settings), never from a request.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import math
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, TypeVar

from simulator.extras import require

__all__ = [
    "CHUNKS_PER_WORKER",
    "ExecutorSpec",
    "chunk_size",
    "dask_address",
    "default_workers",
    "indexed_chunks",
    "keep_freed_memory",
    "parse_executor",
    "run_dask",
    "run_processes",
    "run_serial",
]

# More chunks than workers keeps progress moving, balances replications of uneven length, and lets a cancelled
# server run give its slots back quickly.
CHUNKS_PER_WORKER = 4

T = TypeVar("T")
R = TypeVar("R")
Chunk = list[tuple[int, T]]
ChunkFn = Callable[[Any, Chunk[T]], list[tuple[int, R]]]
"""Runs one chunk given the shared payload (the scenario); must be picklable for processes and Dask."""
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ExecutorSpec:
    kind: str  # "serial", "process" or "dask"
    workers: int | None = None
    address: str | None = None


def dask_address(text: str) -> str:
    """A scheduler URL from ``HOST:PORT`` (TCP) or a full ``tcp://``, ``tls://`` or ``inproc://`` address,
    with or without a leading ``dask://``."""
    rest = text.removeprefix("dask://")
    return rest if "://" in rest else f"tcp://{rest}"


def parse_executor(spec: str) -> ExecutorSpec:
    """Parse `serial`, `process`, `process:N` (N workers) or `dask://HOST:PORT` (any Dask scheduler address)."""
    text = spec.strip()
    if text == "serial":
        return ExecutorSpec("serial")
    if text == "process":
        return ExecutorSpec("process")
    if text.startswith("process:"):
        count = text.removeprefix("process:")
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"executor process:N needs a positive worker count, got {spec!r}")
        return ExecutorSpec("process", workers=int(count))
    if text.startswith("dask://"):
        if not text.removeprefix("dask://"):
            raise ValueError(f"executor dask:// needs a scheduler address such as dask://127.0.0.1:8786, got {spec!r}")
        return ExecutorSpec("dask", address=dask_address(text))
    raise ValueError(f"executor must be serial, process, process:N or dask://HOST:PORT, got {spec!r}")


def default_workers() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def chunk_size(replications: int, workers: int) -> int:
    """Replications per chunk: about ``CHUNKS_PER_WORKER`` chunks per worker, at least one replication each."""
    return max(1, math.ceil(replications / (max(1, workers) * CHUNKS_PER_WORKER)))


def indexed_chunks(items: Sequence[T], size: int) -> Iterator[Chunk[T]]:
    """Consecutive chunks of ``(index, item)``: the index says where each result goes back."""
    for start in range(0, len(items), size):
        yield [(start + i, item) for i, item in enumerate(items[start : start + size])]


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4


def keep_freed_memory() -> bool:
    """Make glibc's malloc keep what this process frees for its next allocations; True when it took effect.

    A replication allocates its per-task arrays (hundreds of MB on a large scenario) and frees them at the end.
    By default glibc maps each large array afresh and unmaps it when freed, so every replication pays the kernel
    to fault in and zero all of that memory again (0.05 to 0.5 CPU-seconds of system time per replication of the
    26-week benchmark, beside about 0.6 of computing). Kept, the next replication reuses the same pages. Worth it
    only in a process that runs replication after replication, such as the process pool's workers; the memory
    goes back when the worker exits. Other C libraries (musl, macOS) have no ``mallopt``: nothing happens there."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    with contextlib.suppress(OSError, AttributeError):
        mallopt = ctypes.CDLL(name).mallopt
        # Large blocks from the heap rather than their own mappings, and the heap's top never trimmed.
        return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
    return False


def _start_worker() -> None:
    keep_freed_memory()


def run_serial(fn: ChunkFn[T, R], payload: Any, items: Sequence[T], report: Progress) -> list[R]:
    results: list[R] = []
    for index, item in enumerate(items):
        results.extend(result for _, result in fn(payload, [(index, item)]))
        report(index + 1, len(items))
    return results


def run_processes(
    fn: ChunkFn[T, R],
    payload: Any,
    items: Sequence[T],
    report: Progress,
    workers: int | None = None,
    size: int | None = None,
    preload: Sequence[str] = (),
) -> list[R]:
    count = min(workers or default_workers(), len(items))
    size = size or chunk_size(len(items), count)
    # forkserver: forking a parent that already runs threads (a Dask client, a progress bar) can deadlock a child.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver" and preload:
        # Workers fork from a server that has already imported numpy, SciPy, SimPy and the engine, so a pool
        # starts in milliseconds instead of re-importing everything per worker. Takes effect once per process.
        context.set_forkserver_preload(list(preload))
    slots: list[R | None] = [None] * len(items)
    done = 0
    with ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_start_worker) as pool:
        futures = [pool.submit(fn, payload, chunk) for chunk in indexed_chunks(items, size)]
        for future in as_completed(futures):
            for index, result in future.result():
                slots[index] = result
                done += 1
            report(done, len(items))
    return _filled(slots)


def run_dask(
    client: Any, fn: ChunkFn[T, R], payload: Any, items: Sequence[T], report: Progress, size: int | None = None
) -> list[R]:
    dask_as_completed = require("distributed", "the dask executor").as_completed

    threads = max(1, sum(client.nthreads().values()))
    size = size or chunk_size(len(items), threads)
    # One copy of the payload per worker instead of one per task: replayed demand traces can be large.
    payload_ref = client.scatter(payload, broadcast=True)
    futures = [client.submit(fn, payload_ref, chunk, pure=False) for chunk in indexed_chunks(items, size)]
    slots: list[R | None] = [None] * len(items)
    done = 0
    try:
        for future in dask_as_completed(futures, loop=client.loop):
            for index, result in future.result():
                slots[index] = result
                done += 1
            report(done, len(items))
    finally:
        client.cancel([*futures, payload_ref])
    return _filled(slots)


def _filled(slots: list[R | None]) -> list[R]:
    missing = [i for i, r in enumerate(slots) if r is None]
    if missing:
        raise RuntimeError(f"replications {missing[:5]} returned no result")
    return [r for r in slots if r is not None]
