"""Authentication: bearer keys over HTTP and websockets, refused keys answered 401 as JSON, keys shown once, stored
hashed, revocable and expiring; the IDE page and `LABELOPS_AUTH=0` need no key."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from server.app import create_app
from server.auth.keys import hash_secret
from server.auth.users import ensure_admin_key
from server.db import Base, Database
from server.db.access import ApiKey, User
from server.settings import Settings
from tests.conftest import test_database_url
from tests.server.conftest import http_client

VIEWER = "{ viewer { role user { email } } }"
CREATE_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { __typename ... on CreatedApiKey { secret apiKey { id prefix } } }
}
"""
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { __typename ... on ApiKeyPayload { apiKey { revokedAt } } } }"


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(database) as http:
        yield http


async def _post(
    client: httpx.AsyncClient, token: str | None, query: str = VIEWER, **variables: object
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing API key"),
        ({"Authorization": "Basic dXNlcjpwdw=="}, "malformed Authorization header"),
        ({"Authorization": "Bearer nonsense"}, "malformed API key"),
        ({"Authorization": "Bearer lo_0123456789ab_guessed-secret"}, "invalid API key"),
    ],
)
async def test_given_no_usable_key_when_calling_the_api_then_401_json_says_why(
    client: httpx.AsyncClient, headers: dict[str, str], reason: str
) -> None:
    response = await client.post("/graphql", json={"query": VIEWER}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert reason in error["message"]


async def test_given_an_admin_key_when_calling_the_api_then_the_viewer_is_that_admin(
    client: httpx.AsyncClient, api_headers: dict[str, str]
) -> None:
    response = await client.post("/graphql", json={"query": VIEWER}, headers=api_headers)
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {"role": "ADMIN", "user": {"email": "test-admin@example.com"}}


async def test_given_a_new_key_when_created_then_the_secret_is_shown_once_stored_hashed_and_revocable(
    client: httpx.AsyncClient, api_headers: dict[str, str], database: Database
) -> None:
    admin = api_headers["Authorization"].removeprefix("Bearer ")
    created = (await _post(client, admin, CREATE_KEY, input={"name": "ci"})).json()["data"]["createApiKey"]
    secret = created["secret"]
    assert created["__typename"] == "CreatedApiKey" and secret.startswith(f"lo_{created['apiKey']['prefix']}_")
    async with database.session() as session:
        stored = (await session.scalars(select(ApiKey).where(ApiKey.name == "ci"))).one()
    assert stored.secret_hash == hash_secret(secret) and secret not in (stored.secret_hash, stored.prefix)
    listed = (await _post(client, admin, "{ apiKeys { edges { node { name prefix } } } }")).text
    assert secret not in listed and '"ci"' in listed

    assert (await _post(client, secret)).status_code == 200
    revoked = await _post(client, admin, REVOKE_KEY, id=created["apiKey"]["id"])
    assert revoked.json()["data"]["revokeApiKey"]["apiKey"]["revokedAt"] is not None
    refused = await _post(client, secret)
    assert refused.status_code == 401 and "revoked" in refused.json()["errors"][0]["message"]


async def test_given_an_expired_key_or_a_deactivated_user_when_calling_then_401(
    client: httpx.AsyncClient, api_headers: dict[str, str], database: Database
) -> None:
    admin = api_headers["Authorization"].removeprefix("Bearer ")
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    created = (await _post(client, admin, CREATE_KEY, input={"name": "short", "expiresAt": soon})).json()
    secret = created["data"]["createApiKey"]["secret"]
    async with database.transaction() as session:
        await session.execute(update(ApiKey).where(ApiKey.name == "short").values(expires_at=datetime.now(UTC)))
    expired = await _post(client, secret)
    assert expired.status_code == 401 and "expired" in expired.json()["errors"][0]["message"]

    async with database.transaction() as session:
        await session.execute(update(User).values(active=False))
    deactivated = await _post(client, admin)
    assert deactivated.status_code == 401 and "deactivated" in deactivated.json()["errors"][0]["message"]


async def test_given_a_non_admin_when_creating_a_key_for_someone_else_then_it_is_forbidden(
    client: httpx.AsyncClient, api_headers: dict[str, str], database: Database
) -> None:
    async with database.transaction() as session:
        admin_id = await session.scalar(select(User.id))
    admin = api_headers["Authorization"].removeprefix("Bearer ")
    user = (
        await _post(
            client,
            admin,
            'mutation { createUser(input: {email: "r@example.com", role: REVIEWER}) '
            "{ ... on UserPayload { user { id } } } }",
        )
    ).json()["data"]["createUser"]["user"]
    key = (await _post(client, admin, CREATE_KEY, input={"userId": user["id"]})).json()["data"]["createApiKey"][
        "secret"
    ]
    own = (await _post(client, key, CREATE_KEY, input={})).json()["data"]["createApiKey"]
    assert own["__typename"] == "CreatedApiKey"
    from strawberry.relay import GlobalID

    other = await _post(client, key, CREATE_KEY, input={"userId": str(GlobalID("User", str(admin_id)))})
    assert other.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_given_the_ide_page_when_opened_without_a_key_then_it_loads(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()
    assert (await client.get("/graphql?query={viewer{role}}", headers={"Accept": "text/html"})).status_code == 401


async def test_given_auth_switched_off_when_calling_without_a_key_then_the_caller_is_an_admin(
    database: Database,
) -> None:
    async with http_client(database, auth=False) as client:
        response = await client.post("/graphql", json={"query": VIEWER})
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {"role": "ADMIN", "user": None}


@pytest.mark.database
def test_given_a_websocket_when_connection_init_carries_a_key_then_operations_run_as_its_user(tmp_path: Path) -> None:
    url = test_database_url(tmp_path)

    async def prepare() -> str:
        database = Database(url)
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.run_sync(Base.metadata.create_all)
        async with database.transaction() as session:
            token = (await ensure_admin_key(session, email="ws@example.com")).token
        await database.dispose()
        return token

    token = asyncio.run(prepare())
    app = create_app(Settings(database_url=url))
    with TestClient(app) as http:
        with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
            socket.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer lo_x_wrong"}})
            assert socket.receive()["type"] == "websocket.close"
        with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
            socket.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            assert socket.receive_json()["type"] == "connection_ack"
            socket.send_json({"type": "subscribe", "id": "1", "payload": {"query": VIEWER}})
            message = socket.receive_json()
            assert message["type"] == "next"
            assert message["payload"]["data"]["viewer"]["user"] == {"email": "ws@example.com"}

    async def drop() -> None:
        database = Database(url)
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
        await database.dispose()

    asyncio.run(drop())
