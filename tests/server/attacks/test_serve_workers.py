"""`labelops serve --workers 2`, live: both processes serve, a simulation run executes once and streams its
progress over a websocket, a revoked key stops working in every process within the key cache's bound, and with
Redis the rate limit of a key holds across the processes (each with its own buckets would allow twice as much)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from alembic import command
from sqlalchemy import text

from server.db import Database
from server.db.migrations import _run as run_migration_command
from server.db.planning import RunStatus
from tests.server.access_world import AccessWorld
from tests.server.attacks.servers import database_urls
from tests.server.attacks.simulation_helpers import gql, heavy_document, save_scenario, start_run, wait_until
from tests.server.attacks.test_run_lease import _runs
from tests.server.attacks.ws_client import graphql_socket
from tests.server.live_server import drop_database, free_port, prepare_world

_ROOT = Path(__file__).resolve().parents[3]
WORKERS = 2
REDIS_URL = "redis://127.0.0.1:6379/3"
VIEWER = {"query": "{ viewer { role } }"}
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }"
RUN_PROGRESS = "subscription($runId: ID!) { runProgress(runId: $runId) { status progress } }"
KEY_CACHE_SECONDS = 1.0


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=database_urls())
def world_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[AccessWorld, str]]:
    """The access world on a database stamped at the newest revision, so `serve` finds nothing to migrate."""
    url = request.param(tmp_path)
    world = prepare_world(url)

    async def stamp() -> None:
        database = Database(url)
        try:
            await run_migration_command(database, lambda config: command.stamp(config, "head"))
        finally:
            await database.dispose()

    async def unstamp() -> None:
        database = Database(url)
        try:
            async with database.engine.begin() as connection:
                await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        finally:
            await database.dispose()

    asyncio.run(stamp())
    try:
        yield world, url
    finally:
        drop_database(url)
        asyncio.run(unstamp())


@contextmanager
def serving(url: str, **environment: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`labelops serve --workers 2` on a free port until the block ends; its /graphql URL and process."""
    port = free_port()
    env = {
        **os.environ,
        "LABELOPS_RATE_LIMIT": "0",
        "LABELOPS_KEY_CACHE": str(KEY_CACHE_SECONDS),
        "LABELOPS_SIMULATION_WORKERS": "1",
        "LABELOPS_SIMULATION_BUDGET": "1e12",
        **environment,
    }
    command_line = [sys.executable, "-m", "server.cli", "serve", "--workers", str(WORKERS), "--port", str(port)]
    command_line += ["--database-url", url]
    process = subprocess.Popen(command_line, cwd=_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(line.decode() for line in process.stderr), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        # Ready when every worker process has started its app (uvicorn logs each one); a loaded machine takes a while.
        deadline = time.monotonic() + 300
        while sum("Application startup complete" in line for line in log) < WORKERS:
            if process.poll() is not None:
                raise RuntimeError(f"serve exited with {process.returncode}: {''.join(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start {WORKERS} workers within 300 s: {''.join(log)}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/graphql", process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _fresh_statuses(graphql_url: str, key: str, requests: int) -> list[int]:
    """Statuses of `requests` requests, each on a new connection so that the kernel spreads them over the workers."""
    headers = {"Authorization": f"Bearer {key}"}
    return [httpx.post(graphql_url, json=VIEWER, headers=headers, timeout=30).status_code for _ in range(requests)]


def _finished(url: str) -> dict[int, dict[str, Any]] | None:
    runs = _runs(url)
    return runs if all(run["status"].finished for run in runs.values()) else None


async def _progress(graphql_url: str, key: str, run_id: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    async with graphql_socket(graphql_url, key) as socket:
        operation = await socket.send(RUN_PROGRESS, {"runId": run_id})
        while True:
            message = await socket.receive()
            if message.get("id") != operation or message["type"] == "complete":
                break
            assert message["type"] == "next", message
            seen.append(message["payload"]["data"]["runProgress"])
    return seen


def test_given_two_workers_then_both_serve_runs_execute_once_and_progress_streams_over_a_websocket(
    world_url: tuple[AccessWorld, str],
) -> None:
    world, url = world_url
    headers = world.headers("admin")
    with serving(url) as (graphql_url, _process):
        assert set(_fresh_statuses(graphql_url, world.keys["admin"], 20)) == {200}
        scenario_id = save_scenario(graphql_url, headers, heavy_document("multi-worker", tasks_per_day=500.0))
        run_ids = [start_run(graphql_url, headers, scenario_id, replications=2) for _ in range(3)]
        progress = asyncio.run(_progress(graphql_url, world.keys["admin"], run_ids[0]))
        runs = wait_until(lambda: _finished(url), 180, "the runs did not finish")
    assert progress and progress[-1]["status"] == "DONE", progress
    assert [(run["status"], run["attempts"]) for run in runs.values()] == [(RunStatus.DONE, 1)] * 3, runs


def test_given_two_workers_when_a_key_is_revoked_then_every_worker_refuses_it_within_the_cache_bound(
    world_url: tuple[AccessWorld, str],
) -> None:
    world, url = world_url
    key = world.keys["admin"]
    with serving(url) as (graphql_url, _process):
        # Every worker has the key cached.
        assert set(_fresh_statuses(graphql_url, key, 20)) == {200}
        keys = gql(graphql_url, world.headers("admin"), "{ apiKeys(first: 100) { edges { node { id prefix } } } }")
        prefix = key.split("_")[1]
        [key_id] = [edge["node"]["id"] for edge in keys["apiKeys"]["edges"] if edge["node"]["prefix"] == prefix]
        revoked_at = time.monotonic()
        gql(graphql_url, world.headers("admin"), REVOKE_KEY, {"id": key_id})
        time.sleep(max(0.0, revoked_at + KEY_CACHE_SECONDS + 0.2 - time.monotonic()))
        statuses = _fresh_statuses(graphql_url, key, 20)
    assert set(statuses) == {401}, statuses


@pytest.mark.skipif(not _redis_available(), reason="no Redis at 127.0.0.1:6379")
def test_given_two_workers_sharing_redis_when_a_key_spreads_over_them_then_one_burst_serves_both(
    world_url: tuple[AccessWorld, str],
) -> None:
    world, url = world_url
    burst = 6
    prefix = f"labelops-test-{uuid.uuid4().hex}:"
    environment = {
        "LABELOPS_RATE_LIMIT": "0.01",
        "LABELOPS_RATE_BURST": str(burst),
        "LABELOPS_REDIS_URL": REDIS_URL,
        "LABELOPS_REDIS_PREFIX": prefix,
    }
    try:
        with serving(url, **environment) as (graphql_url, _process):
            statuses = _fresh_statuses(graphql_url, world.keys["admin"], 3 * burst)
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for name in client.scan_iter(match=f"{prefix}*"):
            client.delete(name)
    assert statuses.count(200) == burst, statuses
    assert set(statuses[burst:]) == {429}
