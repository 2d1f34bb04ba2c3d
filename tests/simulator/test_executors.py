"""The shared chunking policy: runs are cut by the executor's worker count, so small runs use every worker."""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
import resource
from typing import Any

import pytest

from simulator.executors import (
    chunk_size,
    dask_address,
    indexed_chunks,
    keep_freed_memory,
    parse_executor,
    run_dask,
    run_processes,
)


@pytest.mark.parametrize(("replications", "workers"), [(20, 2), (20, 4), (200, 2), (3, 8), (1, 1)])
def test_every_worker_gets_a_chunk(replications: int, workers: int) -> None:
    chunks = list(indexed_chunks(list(range(replications)), chunk_size(replications, workers)))
    assert len(chunks) >= min(workers, replications)
    assert [index for chunk in chunks for index, _ in chunk] == list(range(replications))


def test_twenty_replications_on_two_workers_are_not_one_chunk() -> None:
    # Packed 25 to a chunk, `-n 20` used one Dask worker and ran at half speed.
    assert chunk_size(20, 2) == 3


def _where(payload: Any, chunk: list[tuple[int, int]]) -> list[tuple[int, str]]:
    from distributed import get_worker

    return [(index, get_worker().address) for index, _ in chunk]


def test_a_small_dask_run_spreads_over_the_cluster() -> None:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        where = run_dask(client, _where, None, list(range(20)), lambda done, total: None)
    assert len(set(where)) == 2


def test_executor_specs() -> None:
    assert parse_executor("process:3").workers == 3
    assert parse_executor("dask://10.0.0.5:8786").address == "tcp://10.0.0.5:8786"
    assert dask_address("tls://scheduler:8786") == "tls://scheduler:8786"
    with pytest.raises(ValueError, match=r"executor process:N needs a positive worker count, got 'process:0'"):
        parse_executor("process:0")


def _faults_of_a_second_large_block(payload: Any, chunk: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Page faults taken writing a 64 MB block malloc'd after one of the same size was written and freed."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    size = 64 << 20

    def write_and_free() -> None:
        block = libc.malloc(size)
        ctypes.memset(block, 1, size)
        libc.free(block)

    write_and_free()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    write_and_free()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    return [(index, faults) for index, _ in chunk]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_process_workers_reuse_freed_memory_instead_of_faulting_it_in_again() -> None:
    # Given a pool worker that wrote a large block and freed it
    # When it writes a block of the same size again
    faults = run_processes(_faults_of_a_second_large_block, None, [0, 1], lambda done, total: None, workers=2)
    # Then it reuses the pages it has (a fresh 64 MB mapping would take thousands of faults, 32 even as huge pages)
    assert max(faults) < 16, faults
    assert keep_freed_memory()
