"""Limits over a websocket, against a live server: operations draw from the key's rate-limit bucket (the HTTP
one), queries are cut at the request timeout and refused past the cost limit, as over HTTP. Each test starts a
server with its own settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import test_database_url
from tests.server.access_world import AccessWorld
from tests.server.attacks.http_helpers import post_graphql
from tests.server.attacks.ws_client import graphql_socket
from tests.server.live_server import LiveServer, drop_database, live_server, prepare_world

VIEWER = "{ viewer { role } }"


@pytest.fixture
def server_with(tmp_path: Path) -> Iterator[Any]:
    """Start a live server on a fresh access world with the given environment; stopped after the test."""
    url = test_database_url(tmp_path)
    world = prepare_world(url)
    started: list[Any] = []

    def start(**environment: str) -> tuple[LiveServer, AccessWorld]:
        context = live_server(url, **environment)
        started.append(context)
        return context.__enter__(), world

    try:
        yield start
    finally:
        for context in started:
            context.__exit__(None, None, None)
        drop_database(url)


async def test_given_a_rate_limit_when_a_socket_sends_past_the_burst_then_operations_are_refused(
    server_with: Any,
) -> None:
    # Given a key allowed a burst of 4 requests and almost no refill, 2 of them spent over HTTP
    server, world = server_with(LABELOPS_RATE_LIMIT="0.01", LABELOPS_RATE_BURST="4")
    key = world.keys["admin"]
    assert [post_graphql(server, key, VIEWER).status_code for _ in range(2)] == [200, 200]
    async with graphql_socket(server.graphql_url, key) as socket:
        # When the socket sends 5 operations
        answers = [await socket.request(VIEWER) for _ in range(5)]
    # Then the 2 tokens left run 2 of them, and the others are refused as over HTTP
    assert [answer["type"] for answer in answers] == ["next", "next", "error", "error", "error"]
    refused = answers[-1]["payload"][0]
    assert refused["extensions"]["code"] == "RATE_LIMITED"
    assert "rate limit exceeded" in refused["message"]
    assert post_graphql(server, key, VIEWER).status_code == 429


async def test_given_a_request_timeout_when_a_socket_runs_a_query_then_it_is_cut_like_over_http(
    server_with: Any,
) -> None:
    # Given a timeout no database round trip fits in
    server, world = server_with(LABELOPS_REQUEST_TIMEOUT="0.000001")
    key = world.keys["admin"]
    query = "{ vendors { totalCount } }"
    assert post_graphql(server, key, query).status_code == 504
    async with graphql_socket(server.graphql_url, key) as socket:
        # When the same query runs over a socket
        answer = await socket.request(query)
        # Then it is cut too, and the socket stays usable
        assert answer["type"] == "error", answer
        assert answer["payload"][0]["extensions"]["code"] == "TIMEOUT"
        assert (await socket.request("{ __typename }"))["payload"]["data"] == {"__typename": "Query"}


async def test_given_a_cost_limit_when_a_socket_sends_a_costly_query_then_refused_as_over_http(
    server_with: Any,
) -> None:
    server, world = server_with(LABELOPS_MAX_COST="20")
    query = "{ vendors(first: 50) { edges { node { id name } } } }"
    assert (
        post_graphql(server, world.keys["admin"], query).json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    )
    async with graphql_socket(server.graphql_url, world.keys["admin"]) as socket:
        answer = await socket.request(query)
    assert answer["type"] == "error", answer
    assert answer["payload"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
