"""Websockets held to the rules of HTTP, against a live server: a socket whose key is revoked, whose user is
deactivated or whose role changes is closed before its next operation runs; authorisation is the same as over HTTP,
each operation reads fresh rows, and a message that is no GraphQL message closes the socket as bad JSON.
(Limits over a socket: `test_websocket_limits.py`.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import test_database_url
from tests.server.access_world import AccessWorld
from tests.server.attacks.http_helpers import graphql_data, post_graphql
from tests.server.attacks.ws_client import closed_by_server, graphql_socket
from tests.server.live_server import LiveServer, drop_database, live_server, prepare_world

VIEWER = "{ viewer { role } }"
MY_KEYS = "{ apiKeys { edges { node { id } } } }"
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }"
UPDATE_USER = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }"
MINT_KEY = 'mutation { createApiKey(input: {name: "kept"}) { __typename ... on CreatedApiKey { secret } } }'
USER_KEYS = "query($user: ID!) { apiKeys(userId: $user) { totalCount } }"


@pytest.fixture(scope="module")
def rechecking_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, AccessWorld]]:
    """A server whose sockets re-validate their key before every operation."""
    url = test_database_url(tmp_path_factory.mktemp("websockets"))
    world = prepare_world(url)
    try:
        with live_server(url, LABELOPS_WS_RECHECK="0") as server:
            yield server, world
    finally:
        drop_database(url)


async def test_given_an_open_socket_when_its_key_is_revoked_then_the_socket_closes_and_mints_no_key(
    rechecking_server: tuple[LiveServer, AccessWorld],
) -> None:
    server, world = rechecking_server
    key = world.keys["pm"]
    async with graphql_socket(server.graphql_url, key) as socket:
        # Given a working socket
        assert (await socket.request(VIEWER))["payload"]["data"]["viewer"]["role"] == "PROGRAM_MANAGER"
        # When its key is revoked over HTTP
        key_id = graphql_data(server, key, MY_KEYS)["apiKeys"]["edges"][0]["node"]["id"]
        assert graphql_data(server, key, REVOKE_KEY, {"id": key_id})["revokeApiKey"]["__typename"] == "ApiKeyPayload"
        # Then the next operation (minting a key) does not run: the socket is closed
        await socket.send(MINT_KEY)
        assert await closed_by_server(socket) == 4403
    keys = graphql_data(server, world.keys["admin"], USER_KEYS, {"user": world.gid("User", "user:pm")})
    assert keys["apiKeys"]["totalCount"] == 0


async def test_given_an_open_socket_when_its_user_is_deactivated_then_the_socket_closes(
    rechecking_server: tuple[LiveServer, AccessWorld],
) -> None:
    server, world = rechecking_server
    async with graphql_socket(server.graphql_url, world.keys["vm"]) as socket:
        assert (await socket.request(VIEWER))["payload"]["data"]["viewer"]["role"] == "VENDOR_MANAGER"
        deactivate = {"input": {"id": world.gid("User", "user:vm"), "active": False}}
        assert (
            graphql_data(server, world.keys["admin"], UPDATE_USER, deactivate)["updateUser"]["__typename"]
            == "UserPayload"
        )
        await socket.send(VIEWER)
        assert await closed_by_server(socket) == 4403


async def test_given_an_open_socket_when_its_users_role_changes_then_the_socket_closes(
    rechecking_server: tuple[LiveServer, AccessWorld],
) -> None:
    server, world = rechecking_server
    async with graphql_socket(server.graphql_url, world.keys["reviewer"]) as socket:
        assert (await socket.request(VIEWER))["payload"]["data"]["viewer"]["role"] == "REVIEWER"
        promote = {
            "input": {
                "id": world.gid("User", "user:reviewer"),
                "role": "PROGRAM_MANAGER",
                "projectIds": [world.gid("Project", "p1")],
            }
        }
        assert (
            graphql_data(server, world.keys["admin"], UPDATE_USER, promote)["updateUser"]["__typename"] == "UserPayload"
        )
        await socket.send(VIEWER)
        assert await closed_by_server(socket) == 4403


async def test_given_a_labelers_socket_when_asking_for_admin_data_then_refused_as_over_http(
    rechecking_server: tuple[LiveServer, AccessWorld],
) -> None:
    server, world = rechecking_server
    query = "{ users { totalCount } }"
    over_http = post_graphql(server, world.keys["labeler"], query).json()
    async with graphql_socket(server.graphql_url, world.keys["labeler"]) as socket:
        answer = await socket.request(query)
    assert over_http["data"] is None and over_http["errors"]
    assert answer["payload"]["data"] is None
    assert [error["message"] for error in answer["payload"]["errors"]] == [
        error["message"] for error in over_http["errors"]
    ]


async def test_given_a_socket_when_a_record_changes_between_its_operations_then_the_next_one_reads_the_change(
    rechecking_server: tuple[LiveServer, AccessWorld],
) -> None:
    server, world = rechecking_server
    query = "{ labelers(first: 10) { edges { node { name vendor { name } } } } }"

    def vendor_of_b1(answer: dict[str, Any]) -> str:
        edges = answer["payload"]["data"]["labelers"]["edges"]
        return str(next(edge["node"]["vendor"]["name"] for edge in edges if edge["node"]["name"] == "b1"))

    rename = 'mutation($id: ID!) { updateVendor(input: {id: $id, name: "Vendor B2"}) { __typename } }'
    async with graphql_socket(server.graphql_url, world.keys["admin"]) as socket:
        assert vendor_of_b1(await socket.request(query)) == "Vendor B"
        renamed = graphql_data(server, world.keys["admin"], rename, {"id": world.gid("Vendor", "vb")})
        assert renamed["updateVendor"]["__typename"] == "VendorPayload"
        assert vendor_of_b1(await socket.request(query)) == "Vendor B2"


@pytest.mark.parametrize(
    "message",
    [
        "null",
        '"x"',
        '{"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }", "variables": {"v": '
        + "[" * 3000
        + "]" * 3000
        + "}}}",
    ],
    ids=["null", "string", "variables-3000-deep"],
)
async def test_given_a_socket_when_a_message_is_no_graphql_message_then_closed_as_bad_json(
    rechecking_server: tuple[LiveServer, AccessWorld], message: str
) -> None:
    server, world = rechecking_server
    async with graphql_socket(server.graphql_url, world.keys["admin"]) as socket:
        await socket.connection.send(message)
        assert await closed_by_server(socket) == 4400
