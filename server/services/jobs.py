"""The job runner: executes persisted simulation runs off the event loop and records their progress.

A run is a row in ``simulation_runs``. The runner claims it (QUEUED -> RUNNING with a conditional UPDATE, so a run
is never executed twice by one database), splits its replications into chunks seeded exactly as
:func:`simulator.montecarlo.run_monte_carlo` seeds them (child ``i`` of ``SeedSequence(seed)`` for replication
``i``), sends the chunks to the server's simulation pool (:mod:`server.services.simulation_pool`), or to the
operator's Dask scheduler for runs stored with the ``dask`` executor, writes progress after every chunk, and
stores the aggregate as JSON. The executor is operator configuration: a run names one of the configured executors
(``local``, and ``dask`` when ``LABELOPS_DASK_ADDRESS`` is set), never an address or a worker count. Cancelling
writes CANCELLED first and then kills the workers of the run's chunks; a run that raises is marked FAILED with its
error and touches no other run, and a worker process that dies fails only its own chunk's run. When a server
starts, and on every heartbeat, it takes the runs that are QUEUED or whose lease expired (a server that was
killed); a run another live process holds is never taken (:mod:`server.services.run_leases`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sqlalchemy import select, update

from server.db.planning import RunStatus, SimulationRun, StoredScenario
from server.db.session import Database
from server.db.types import utcnow
from server.services.run_backends import Backend, DaskBackend, IndexedSeeds, PoolBackend, Replicate, dask_address
from server.services.run_leases import RunLeases
from server.services.simulation_pool import SimulationPool, WorkerDied
from server.settings import Settings, load_settings
from simulator.executors import chunk_size, indexed_chunks
from simulator.montecarlo import Replication, aggregate, reduce_result

__all__ = [
    "DASK_EXECUTOR",
    "LOCAL_EXECUTOR",
    "JobRunner",
    "Replicate",
    "RunSnapshot",
    "configured_executors",
    "default_executor",
    "executor_of_run",
    "jobs_lifespan",
    "register_runner",
    "replicate_chunk",
    "runner_for",
]

_log = logging.getLogger(__name__)


# How often a subscriber re-reads a run it got no notification for (a run executed by another server process).
_POLL_SECONDS = 1.0


def _scenario_key(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True)


@functools.lru_cache(maxsize=8)
def _scenario_from_key(key: str) -> Any:
    from simulator.loading import scenario_from_dict

    return scenario_from_dict(json.loads(key))


def replicate_chunk(document: dict[str, Any], flow: str, indexed_seeds: IndexedSeeds) -> list[tuple[int, Replication]]:
    """Worker entry: run the replications of one chunk with the simulator's engine, each reduced to its summary."""
    from simulator.engine import run_replication

    scenario = _scenario_from_key(_scenario_key(document))
    return [(index, reduce_result(run_replication(scenario, seed, flow=_flow(flow)))) for index, seed in indexed_seeds]


def _flow(flow: str) -> Literal["kernel", "reference"]:
    if flow not in ("kernel", "reference"):
        raise ValueError(f"flow must be 'kernel' or 'reference', got {flow!r}")
    return "kernel" if flow == "kernel" else "reference"


LOCAL_EXECUTOR = "local"
DASK_EXECUTOR = "dask"


def configured_executors(settings: Settings) -> tuple[str, ...]:
    """The executor names the operator made available: always ``local``, ``dask`` with ``LABELOPS_DASK_ADDRESS``."""
    return (LOCAL_EXECUTOR, DASK_EXECUTOR) if settings.dask_address else (LOCAL_EXECUTOR,)


def default_executor(settings: Settings) -> str:
    """``dask`` when the operator configured a scheduler, else the server's local simulation pool."""
    return DASK_EXECUTOR if settings.dask_address else LOCAL_EXECUTOR


def executor_of_run(stored: str, settings: Settings) -> str:
    """The executor a stored run is executed on: its name when configured here, else the configured default.

    Runs stored by older versions carry an address (``dask://HOST:PORT``) or a worker count (``process:N``) a
    client chose; those are never used.
    """
    return stored if stored in configured_executors(settings) else default_executor(settings)


@dataclass(frozen=True)
class RunSnapshot:
    """What a subscriber sees of a run at one moment."""

    id: int
    status: RunStatus
    progress: float
    error: str | None


class JobRunner:
    """Executes simulation runs of one database; one per server process.

    ``replicate`` is the worker function (the engine by default; tests pass a trivial one) and ``flow`` the
    engine's task flow. ``pool`` is the process's simulation pool, which the planning queries share: one pool of
    ``settings.simulation_workers`` processes (``workers`` overrides it) per server. Dask is used for the runs
    stored with the ``dask`` executor, at the operator's ``settings.dask_address``. Runs are claimed under a
    lease (:mod:`server.services.run_leases`) renewed every ``settings.run_heartbeat_seconds``; the same
    heartbeat takes over runs whose lease expired and stops (killing its workers) a run this process no longer
    holds, because another process cancelled it.
    """

    def __init__(
        self,
        database: Database,
        *,
        settings: Settings | None = None,
        replicate: Replicate = replicate_chunk,
        flow: str = "kernel",
        workers: int | None = None,
    ) -> None:
        self.database = database
        self.settings = settings or load_settings()
        self.replicate = replicate
        self.flow = flow
        self.pool = SimulationPool(workers or self.settings.simulation_workers)
        self.leases = RunLeases(database, self.settings.run_lease_seconds)
        self._backends: dict[str, Backend] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._held: set[int] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        self._listeners: dict[int, set[asyncio.Event]] = {}
        self._closed = False

    # -- lifecycle -------------------------------------------------------------------------------------------

    async def recover(self) -> list[int]:
        """Start every claimable run (QUEUED, or RUNNING under an expired lease) and the heartbeat; their ids.

        A run RUNNING under a live lease belongs to another process and is left alone.
        """
        ids = await self.leases.claimable()
        for run_id in ids:
            self.start(run_id)
        self._ensure_heartbeat()
        return ids

    async def close(self) -> None:
        """Stop executing and give the runs in flight back as QUEUED, for the next process to take at once."""
        self._closed = True
        heartbeat, self._heartbeat = self._heartbeat, None
        tasks = [*self._tasks.values(), *([heartbeat] if heartbeat is not None else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await self.leases.release()
        except Exception:  # the database is gone: the leases expire on their own
            _log.warning("could not release the run leases of %s", self.leases.owner, exc_info=True)
        for backend in self._backends.values():
            await backend.close()
        self._backends.clear()
        await self.pool.close()

    # -- runs ------------------------------------------------------------------------------------------------

    def start(self, run_id: int) -> None:
        """Execute a QUEUED run in the background (no-op when it is already executing here)."""
        if self._closed:
            raise RuntimeError("the job runner is closed")
        if run_id in self._tasks:
            return
        task = asyncio.get_running_loop().create_task(self._execute(run_id), name=f"simulation-run-{run_id}")
        self._tasks[run_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(run_id, None))
        self._ensure_heartbeat()

    def _ensure_heartbeat(self) -> None:
        if self._heartbeat is None and not self._closed:
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat(), name="simulation-run-leases")

    async def _beat(self) -> None:
        """Renew the leases held, stop runs no longer held, take over runs whose lease expired."""
        while True:
            await asyncio.sleep(self.settings.run_heartbeat_seconds)
            try:
                held = set(self._held)
                kept = await self.leases.renew(held)
                for run_id in held - kept:
                    # Cancelled by another process (or taken over after we stalled): stop, killing its workers.
                    self._held.discard(run_id)
                    task = self._tasks.get(run_id)
                    if task is not None:
                        task.cancel()
                    self._notify(run_id)
                for run_id in await self.leases.claimable():
                    if run_id not in self._tasks:
                        self.start(run_id)
            except Exception:  # a database hiccup: the next beat tries again, well before the lease expires
                _log.warning("renewing the simulation run leases failed", exc_info=True)

    async def cancel(self, run_id: int) -> bool:
        """Cancel a QUEUED or RUNNING run; False when it had already finished (or does not exist)."""
        async with self.database.transaction() as session:
            result = await session.execute(
                update(SimulationRun)
                .where(
                    SimulationRun.id == run_id,
                    SimulationRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
                )
                .values(status=RunStatus.CANCELLED, finished_at=utcnow())
            )
            changed = bool(getattr(result, "rowcount", 0))
        task = self._tasks.get(run_id)
        if changed and task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._notify(run_id)
        return changed

    async def wait(self, run_id: int) -> None:
        """Wait until this process stops executing ``run_id`` (tests and scripts use it)."""
        task = self._tasks.get(run_id)
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)

    async def snapshot(self, run_id: int) -> RunSnapshot | None:
        async with self.database.session() as session:
            run = await session.get(SimulationRun, run_id)
            if run is None:
                return None
            return RunSnapshot(run.id, run.status, run.progress, run.error)

    async def watch(self, run_id: int) -> AsyncIterator[RunSnapshot]:
        """Snapshots of a run whenever it changes, ending after the one that shows it finished."""
        event = asyncio.Event()
        self._listeners.setdefault(run_id, set()).add(event)
        try:
            last: RunSnapshot | None = None
            while True:
                event.clear()
                current = await self.snapshot(run_id)
                if current is None:
                    return
                if current != last:
                    yield current
                    last = current
                if current.status.finished:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), _POLL_SECONDS)
        finally:
            listeners = self._listeners.get(run_id)
            if listeners is not None:
                listeners.discard(event)
                if not listeners:
                    self._listeners.pop(run_id, None)

    def _notify(self, run_id: int) -> None:
        for event in self._listeners.get(run_id, ()):
            event.set()

    def _backend(self, stored_executor: str) -> Backend:
        executor = executor_of_run(stored_executor, self.settings)
        backend = self._backends.get(executor)
        if backend is None:
            if executor == DASK_EXECUTOR:
                assert self.settings.dask_address is not None
                backend = DaskBackend(dask_address(self.settings.dask_address))
            else:
                backend = PoolBackend(self.pool)
            self._backends[executor] = backend
        return backend

    async def _claim(self, run_id: int) -> tuple[dict[str, Any], int, int, str] | None:
        if not await self.leases.claim(run_id):
            return None
        self._held.add(run_id)
        async with self.database.session() as session:
            row = (
                await session.execute(
                    select(
                        StoredScenario.document, SimulationRun.replications, SimulationRun.seed, SimulationRun.executor
                    )
                    .join(StoredScenario, StoredScenario.id == SimulationRun.scenario_id)
                    .where(SimulationRun.id == run_id)
                )
            ).one()
        return dict(row[0]), int(row[1]), int(row[2]), str(row[3])

    async def _set_running(self, run_id: int, **values: Any) -> bool:
        """Update a run that is still RUNNING under our lease; False when it was cancelled (or taken) meanwhile."""
        async with self.database.transaction() as session:
            result = await session.execute(
                update(SimulationRun).where(SimulationRun.id == run_id, self.leases.held()).values(**values)
            )
            changed = bool(getattr(result, "rowcount", 0))
        self._notify(run_id)
        return changed

    async def _execute(self, run_id: int) -> None:
        claimed = await self._claim(run_id)
        if claimed is None:
            return
        try:
            await self._execute_claimed(run_id, *claimed)
        finally:
            self._held.discard(run_id)

    async def _execute_claimed(
        self, run_id: int, document: dict[str, Any], replications: int, seed: int, executor: str
    ) -> None:
        self._notify(run_id)
        try:
            result = await self._simulate(run_id, document, replications, seed, executor)
        except asyncio.CancelledError:
            raise  # cancelled by a user (already recorded) or by shutdown (released for another process)
        except Exception as error:
            _log.warning("simulation run %s failed: %s", run_id, error, exc_info=True)
            await self._set_running(run_id, status=RunStatus.FAILED, error=_describe(error), finished_at=utcnow())
            return
        if result is not None:
            await self._set_running(
                run_id,
                status=RunStatus.DONE,
                progress=1.0,
                result=result,
                finished_at=utcnow(),
                lease_owner=None,
                lease_expires_at=None,
            )

    async def _simulate(
        self, run_id: int, document: dict[str, Any], replications: int, seed: int, executor: str
    ) -> dict[str, Any] | None:
        # Validate in the server first: a bad document fails fast with the field named, before any worker starts.
        from simulator.loading import scenario_from_dict

        scenario_from_dict(document)
        backend = self._backend(executor)
        seeds = np.random.SeedSequence(seed).spawn(replications)
        if isinstance(backend, DaskBackend):
            await backend._connect()  # learns the cluster's worker count
        # The simulator's chunking policy: about four chunks per worker, whatever the executor.
        chunks = list(indexed_chunks(seeds, chunk_size(replications, backend.workers)))
        slots: list[Replication | None] = [None] * replications
        pending = {asyncio.ensure_future(self._run_chunk(backend, document, chunk)): chunk for chunk in chunks}
        done_count = 0
        try:
            while pending:
                finished, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for future in finished:
                    pending.pop(future)
                    for index, replication in future.result():
                        slots[index] = replication
                        done_count += 1
                still_running = await self._set_running(run_id, progress=done_count / replications)
                if not still_running:
                    return None
        finally:
            for future in pending:
                future.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        complete = [r for r in slots if r is not None]
        if len(complete) != replications:
            raise RuntimeError(f"{replications - len(complete)} replications returned no result")
        return await asyncio.to_thread(lambda: aggregate(complete, seed=seed).to_dict())

    async def _run_chunk(
        self, backend: Backend, document: dict[str, Any], chunk: IndexedSeeds
    ) -> list[tuple[int, Replication]]:
        try:
            return await backend.run(self.replicate, document, self.flow, chunk)
        except WorkerDied as error:
            # Each chunk has a worker of its own: only the chunk that killed its worker fails, with its run.
            raise RuntimeError(f"a worker process died while running this scenario ({error})") from None


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


_RUNNERS: dict[int, JobRunner] = {}


def runner_for(database: Database, settings: Settings | None = None) -> JobRunner:
    """The job runner serving ``database`` in this process (created on first use, with ``settings``)."""
    runner = _RUNNERS.get(id(database))
    if runner is None or runner.database is not database or runner._closed:
        if runner is not None:
            runner.pool.kill_all()  # a runner of a database that is gone: nothing will close its workers
        runner = JobRunner(database, settings=settings)
        _RUNNERS[id(database)] = runner
    return runner


def register_runner(runner: JobRunner) -> JobRunner:
    """Make ``runner`` the one serving its database in this process (a custom worker function, a worker count)."""
    _RUNNERS[id(runner.database)] = runner
    return runner


@contextlib.asynccontextmanager
async def jobs_lifespan(
    database: Database, settings: Settings | None = None, *, recover: bool = True
) -> AsyncIterator[JobRunner]:
    """The application's job runner for its lifetime: recovers interrupted runs at start, stops at shutdown."""
    runner = runner_for(database, settings)
    # The first simulation should not wait for the forkserver to import the simulator.
    preparing = asyncio.ensure_future(asyncio.to_thread(runner.pool.prepare))
    if recover:
        await runner.recover()
    try:
        yield runner
    finally:
        await asyncio.gather(preparing, return_exceptions=True)
        await runner.close()
        if _RUNNERS.get(id(database)) is runner:
            del _RUNNERS[id(database)]
