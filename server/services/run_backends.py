"""Where the job runner sends a run's chunks: the server's simulation pool, or the operator's Dask scheduler."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from server.services.simulation_pool import SimulationPool
from simulator import executors
from simulator.extras import require
from simulator.montecarlo import Replication

__all__ = ["Backend", "DaskBackend", "IndexedSeeds", "PoolBackend", "Replicate", "dask_address"]

IndexedSeeds = Sequence[tuple[int, np.random.SeedSequence]]
Replicate = Callable[[dict[str, Any], str, IndexedSeeds], list[tuple[int, Replication]]]
"""Runs a chunk of replications of a scenario document in a worker; must be a module-level (picklable) function."""


class Backend(Protocol):
    """Runs chunks of replications somewhere; ``workers`` is how many it runs at once."""

    workers: int

    async def run(self, fn: Replicate, *args: Any) -> list[tuple[int, Replication]]: ...

    async def close(self) -> None: ...


class PoolBackend:
    """Chunks in the server's simulation pool; closing it is the runner's business, not the backend's."""

    def __init__(self, pool: SimulationPool) -> None:
        self.pool = pool
        self.workers = pool.size

    async def run(self, fn: Replicate, *args: Any) -> list[tuple[int, Replication]]:
        result: list[tuple[int, Replication]] = await self.pool.run(fn, *args)
        return result

    async def close(self) -> None:
        return None


class DaskBackend:
    """Chunks on the operator's Dask scheduler (connected on first use)."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.workers = 1
        self._client: Any = None

    async def _connect(self) -> Any:
        if self._client is None:
            Client = require("distributed", "the dask executor").Client

            self._client = await Client(self.address, asynchronous=True, set_as_default=False)
            self.workers = max(1, sum((await self._client.nthreads()).values()))
        return self._client

    async def run(self, fn: Replicate, *args: Any) -> list[tuple[int, Replication]]:
        client = await self._connect()
        future = client.submit(fn, *args, pure=False)
        try:
            result: list[tuple[int, Replication]] = await future
            return result
        except asyncio.CancelledError:
            await future.cancel()
            raise

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()


def dask_address(configured: str) -> str:
    """The operator's ``LABELOPS_DASK_ADDRESS`` as a scheduler URL (``HOST:PORT`` means TCP)."""
    return executors.dask_address(configured)
