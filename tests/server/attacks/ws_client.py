"""A minimal graphql-transport-ws client for attack tests: operations by id, and the close code of the socket."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

__all__ = ["GraphQLSocket", "closed_by_server", "graphql_socket"]

# A guard against hanging on a socket that is never answered or closed (a failure, not a speed limit).
_PATIENCE_SECONDS = 20.0


class GraphQLSocket:
    """One acknowledged socket; `request` runs an operation and returns its final message (next or error)."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._ids = itertools.count(1)

    async def send(self, query: str, variables: dict[str, Any] | None = None) -> str:
        operation_id = str(next(self._ids))
        payload = {"query": query, "variables": variables or {}}
        await self.connection.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))
        return operation_id

    async def receive(self) -> dict[str, Any]:
        """The next message from the server, skipping pings; ConnectionClosed when the server closed the socket."""
        while True:
            async with asyncio.timeout(_PATIENCE_SECONDS):
                message = json.loads(await self.connection.recv())
            if message["type"] == "ping":
                await self.connection.send(json.dumps({"type": "pong"}))
                continue
            return dict(message)

    async def request(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `next` or `error` message of one operation (its `complete` is consumed)."""
        operation_id = await self.send(query, variables)
        while True:
            message = await self.receive()
            if message.get("id") != operation_id:
                continue
            if message["type"] == "next":
                completion = await self.receive()
                assert completion == {"id": operation_id, "type": "complete"}, completion
            return message

    @property
    def close_code(self) -> int | None:
        return self.connection.close_code


@asynccontextmanager
async def graphql_socket(http_url: str, key: str) -> AsyncIterator[GraphQLSocket]:
    """A socket to `http_url` (the /graphql URL) authenticated with `key` in connection_init."""
    url = http_url.replace("http://", "ws://", 1)
    async with connect(url, subprotocols=["graphql-transport-ws"]) as connection:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}
        await connection.send(json.dumps(init))
        acknowledgement = json.loads(await connection.recv())
        assert acknowledgement["type"] == "connection_ack", acknowledgement
        yield GraphQLSocket(connection)


async def closed_by_server(socket: GraphQLSocket) -> int | None:
    """Read until the server closes the socket; its close code (None when it stays open)."""
    try:
        while True:
            await socket.receive()
    except ConnectionClosed:
        return socket.close_code
    except TimeoutError:
        return None
