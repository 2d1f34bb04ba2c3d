"""The rate limit of a key holds across server processes when they share Redis, and falls back to each process's
own buckets when Redis cannot be reached: two live servers on one database, requests alternating between them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import redis

from tests.conftest import test_database_url
from tests.server.access_world import AccessWorld
from tests.server.live_server import LiveServer, drop_database, free_port, live_server, prepare_world

# Database 3 of the local Redis belongs to these tests; each test also has its own key prefix.
REDIS_URL = "redis://127.0.0.1:6379/3"
BURST = 6
VIEWER = {"query": "{ viewer { role } }"}


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def world_url(tmp_path: Path) -> Iterator[tuple[str, AccessWorld]]:
    url = test_database_url(tmp_path)
    world = prepare_world(url)
    try:
        yield url, world
    finally:
        drop_database(url)


def _statuses(servers: list[LiveServer], key: str, requests: int) -> list[int]:
    """Statuses of `requests` requests with `key`, sent to the servers in turn."""
    headers = {"Authorization": f"Bearer {key}"}
    return [
        httpx.post(servers[i % len(servers)].graphql_url, json=VIEWER, headers=headers, timeout=30).status_code
        for i in range(requests)
    ]


@pytest.mark.skipif(not _redis_available(), reason="no Redis at 127.0.0.1:6379")
def test_given_two_processes_sharing_redis_when_a_key_alternates_between_them_then_one_burst_serves_both(
    world_url: tuple[str, AccessWorld],
) -> None:
    url, world = world_url
    prefix = f"labelops-test-{uuid.uuid4().hex}:"
    environment = {
        "LABELOPS_RATE_LIMIT": "0.01",
        "LABELOPS_RATE_BURST": str(BURST),
        "LABELOPS_REDIS_URL": REDIS_URL,
        "LABELOPS_REDIS_PREFIX": prefix,
    }
    try:
        with ExitStack() as stack:
            servers = [stack.enter_context(live_server(url, **environment)) for _ in range(2)]
            statuses = _statuses(servers, world.keys["admin"], 3 * BURST)
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for name in client.scan_iter(match=f"{prefix}*"):
            client.delete(name)
    # One bucket of BURST tokens for the key, whichever process answers: each process alone would allow BURST.
    assert statuses.count(200) == BURST, statuses
    assert statuses[:BURST] == [200] * BURST
    assert set(statuses[BURST:]) == {429}


def test_given_redis_unreachable_when_a_key_exceeds_its_burst_then_each_process_limits_it_alone(
    world_url: tuple[str, AccessWorld],
) -> None:
    url, world = world_url
    environment = {
        "LABELOPS_RATE_LIMIT": "0.01",
        "LABELOPS_RATE_BURST": str(BURST),
        # A loopback port nobody listens on: connections are refused at once.
        "LABELOPS_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }
    with live_server(url, **environment) as server:
        statuses = _statuses([server], world.keys["admin"], BURST + 3)
    assert statuses == [200] * BURST + [429] * 3
