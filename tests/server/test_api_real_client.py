"""A real client against the real server: uvicorn on a loopback port, driven by the `gql` library."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import uvicorn
from gql import Client, GraphQLRequest, gql
from gql.transport.aiohttp import AIOHTTPTransport

from server.app import create_app
from server.db import Database
from server.settings import Settings

CREATE_VENDOR = gql(
    """
    mutation($input: CreateVendorInput!) {
      createVendor(input: $input) {
        __typename
        ... on VendorPayload { vendor { id name status } }
        ... on UserError { message field }
      }
    }
    """
)
VENDORS = gql(
    """
    query { vendors(first: 10) { totalCount edges { node { id name } } } }
    """
)
VENDOR = {"name": "Acme", "workforceType": "CROWD", "pricingModel": "PER_LABEL", "rate": 0.04}


@pytest.fixture
async def server_url(database: Database) -> AsyncIterator[str]:
    """The URL of a uvicorn server on a free loopback port, serving the app on the test database."""
    settings = replace(Settings(), database_url=database.url)
    # The server owns its engine in its own thread and event loop; it shares only the database itself.
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", lifespan="on"))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started or not thread.is_alive():
                break
            await asyncio.sleep(0.02)
        assert server.started, "the server did not start"
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join)
        listener.close()


async def test_gql_client_runs_a_mutation_a_query_and_gets_a_typed_error(
    server_url: str, api_headers: dict[str, str]
) -> None:
    transport = AIOHTTPTransport(url=server_url, headers=api_headers)
    async with Client(transport=transport, fetch_schema_from_transport=True) as session:
        # when a vendor is created, listed, and created again with a bad rate
        created = await session.execute(GraphQLRequest(CREATE_VENDOR, variable_values={"input": VENDOR}))
        listed = await session.execute(VENDORS)
        bad_rate = {"input": {**VENDOR, "name": "B", "rate": -1}}
        refused = await session.execute(GraphQLRequest(CREATE_VENDOR, variable_values=bad_rate))
    # then the mutation's payload, the connection and the typed error come back as data
    vendor = created["createVendor"]["vendor"]
    assert (vendor["name"], vendor["status"]) == ("Acme", "PROSPECT")
    assert listed["vendors"] == {"totalCount": 1, "edges": [{"node": {"id": vendor["id"], "name": "Acme"}}]}
    assert refused["createVendor"]["__typename"] == "ValidationError"
    assert refused["createVendor"]["field"] == "input.rate"
