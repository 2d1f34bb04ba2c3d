"""The job runner: real worker processes, persisted progress, failures isolated, cancellation, recovery."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from server.db import Database
from server.db.planning import RunStatus, SimulationRun
from server.services.jobs import JobRunner
from server.services.scenarios import create_run, save_scenario
from server.settings import Settings
from simulator.loading import scenario_to_dict
from simulator.montecarlo import Replication, aggregate
from simulator.scenario import Scenario
from tests.server._planning_workers import fake_replicate


async def _queue(database: Database, name: str, replications: int = 8, seed: int = 5) -> int:
    async with database.transaction() as session:
        stored = await save_scenario(session, name, scenario_to_dict(Scenario(name=name)))
        run = await create_run(session, stored.id, replications=replications, seed=seed, executor="local")
        return run.id


async def _run(database: Database, run_id: int) -> SimulationRun:
    async with database.session() as session:
        run = await session.get(SimulationRun, run_id)
        assert run is not None
        return run


async def test_a_run_completes_in_worker_processes_with_the_monte_carlo_seeding(database: Database) -> None:
    # Given a queued run of 8 replications
    run_id = await _queue(database, "steady", replications=8, seed=11)
    runner = JobRunner(database, replicate=fake_replicate, workers=2)
    try:
        # When the runner executes it
        runner.start(run_id)
        await runner.wait(run_id)
    finally:
        await runner.close()
    # Then it is DONE with progress 1 and the same aggregate as the replications run in order here
    run = await _run(database, run_id)
    assert run.status is RunStatus.DONE, run.error
    assert run.progress == 1.0
    seeds = np.random.SeedSequence(11).spawn(8)
    expected = aggregate(
        [r for _, r in fake_replicate({"name": "steady"}, "kernel", list(enumerate(seeds)))], seed=11
    ).to_dict()
    assert run.result == expected
    assert run.result["summary"]["index"]["n"] == 8


async def test_a_failing_run_records_its_error_and_the_other_run_completes(database: Database) -> None:
    good = await _queue(database, "good")
    bad = await _queue(database, "fail")
    runner = JobRunner(database, replicate=fake_replicate, workers=2)
    try:
        runner.start(bad)
        runner.start(good)
        await runner.wait(bad)
        await runner.wait(good)
    finally:
        await runner.close()
    failed = await _run(database, bad)
    assert failed.status is RunStatus.FAILED
    assert failed.error is not None and "exploded on purpose" in failed.error
    assert (await _run(database, good)).status is RunStatus.DONE


async def test_a_worker_process_that_dies_fails_only_its_own_run(database: Database) -> None:
    good = await _queue(database, "slow-good", replications=4)
    crash = await _queue(database, "crash", replications=2)
    runner = JobRunner(database, replicate=fake_replicate, workers=2)
    try:
        runner.start(good)
        runner.start(crash)
        await runner.wait(crash)
        await runner.wait(good)
    finally:
        await runner.close()
    crashed = await _run(database, crash)
    assert crashed.status is RunStatus.FAILED
    assert crashed.error is not None and "worker process died" in crashed.error
    assert (await _run(database, good)).status is RunStatus.DONE


async def test_cancel_stops_a_running_run_and_keeps_it_cancelled(database: Database) -> None:
    run_id = await _queue(database, "slow-cancel", replications=40)
    runner = JobRunner(database, replicate=fake_replicate, workers=2)
    try:
        runner.start(run_id)
        async for snapshot in runner.watch(run_id):
            if snapshot.status is RunStatus.RUNNING and snapshot.progress > 0:
                break
        assert await runner.cancel(run_id) is True
        await runner.wait(run_id)
        assert await runner.cancel(run_id) is False  # already finished
    finally:
        await runner.close()
    run = await _run(database, run_id)
    assert run.status is RunStatus.CANCELLED
    assert run.result is None
    assert 0 < run.progress < 1


async def test_recover_requeues_runs_left_running_by_a_previous_process(database: Database) -> None:
    # Given a run a dead process left RUNNING half-way, and one still QUEUED
    left_running = await _queue(database, "left-running", replications=4)
    left_queued = await _queue(database, "left-queued", replications=4)
    async with database.transaction() as session:
        run = await session.get(SimulationRun, left_running)
        assert run is not None
        run.status, run.progress = RunStatus.RUNNING, 0.5
    runner = JobRunner(database, replicate=fake_replicate, workers=1)
    try:
        # When a new runner recovers
        recovered = await runner.recover()
        assert recovered == [left_running, left_queued]
        for run_id in recovered:
            await runner.wait(run_id)
    finally:
        await runner.close()
    # Then both ran to completion
    async with database.session() as session:
        rows = (await session.execute(select(SimulationRun.status, SimulationRun.attempts))).all()
    assert sorted(rows) == [(RunStatus.DONE, 1), (RunStatus.DONE, 1)]


async def test_watch_sees_progress_until_the_run_finishes(database: Database) -> None:
    run_id = await _queue(database, "slow-watch", replications=8)
    runner = JobRunner(database, replicate=fake_replicate, workers=2)
    try:
        runner.start(run_id)
        seen = [snapshot async for snapshot in runner.watch(run_id)]
    finally:
        await runner.close()
    assert seen[-1].status is RunStatus.DONE
    progresses = [s.progress for s in seen]
    assert progresses == sorted(progresses)
    assert any(0 < p < 1 for p in progresses)


def test_replication_type_is_what_workers_return() -> None:
    assert isinstance(fake_replicate({"name": "x"}, "kernel", [(0, np.random.SeedSequence(1))])[0][1], Replication)


async def test_a_run_on_the_operators_dask_scheduler_gives_the_same_result_as_the_process_pool(
    database: Database,
) -> None:
    from distributed import LocalCluster

    async with database.transaction() as session:
        stored = await save_scenario(session, "distributed", scenario_to_dict(Scenario(name="distributed")))
        local = await create_run(session, stored.id, replications=12, seed=4, executor="local")
        remote = await create_run(session, stored.id, replications=12, seed=4, executor="dask")
        local_id, remote_id = local.id, remote.id
    async with LocalCluster(
        processes=False, n_workers=1, threads_per_worker=2, asynchronous=True, dashboard_address=None
    ) as cluster:
        settings = Settings(dask_address=cluster.scheduler_address)
        runner = JobRunner(database, settings=settings, replicate=fake_replicate, workers=2)
        try:
            runner.start(remote_id)
            runner.start(local_id)
            await runner.wait(remote_id)
            await runner.wait(local_id)
        finally:
            await runner.close()
        on_dask, on_pool = await _run(database, remote_id), await _run(database, local_id)
        assert on_dask.status is RunStatus.DONE, on_dask.error
        assert on_dask.result == on_pool.result


async def test_a_run_stored_with_an_address_or_a_worker_count_runs_in_the_local_pool(database: Database) -> None:
    # Given runs stored by an older version with a client-chosen address and worker count
    async with database.transaction() as session:
        stored = await save_scenario(session, "legacy", scenario_to_dict(Scenario(name="legacy")))
        addressed = await create_run(session, stored.id, replications=4, seed=1, executor="dask://127.0.0.1:9")
        counted = await create_run(session, stored.id, replications=4, seed=1, executor="process:27")
        ids = [addressed.id, counted.id]
    # When a runner without Dask configured recovers them
    runner = JobRunner(database, settings=Settings(), replicate=fake_replicate, workers=1)
    try:
        for run_id in await runner.recover():
            await runner.wait(run_id)
        pool_size = runner.pool.size
    finally:
        await runner.close()
    # Then both ran in the one-worker local pool: nothing connected to port 9, no 27 workers started
    for run_id in ids:
        run = await _run(database, run_id)
        assert run.status is RunStatus.DONE, run.error
    assert pool_size == 1
