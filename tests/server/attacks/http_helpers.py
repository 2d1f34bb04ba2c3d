"""HTTP helpers for attack tests against a live server."""

from __future__ import annotations

from typing import Any

import httpx

from tests.server.live_server import LiveServer

__all__ = ["graphql_data", "post_graphql"]


def post_graphql(server: LiveServer, key: str, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(
        server.graphql_url,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )


def graphql_data(server: LiveServer, key: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = post_graphql(server, key, query, variables).json()
    assert "errors" not in body, body
    return body["data"]
