"""The cache of verified keys: a repeated request reads no credentials, and nothing that should lock a key out is
delayed by it in this process (revoked, expired, deactivated, rescoped); another process's change takes effect
within the cache's time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, update
from strawberry import relay

from server.auth import identity, key_cache
from server.auth.users import ensure_admin_key
from server.db import Database
from server.db.access import ApiKey, Role, User
from server.db.types import utcnow
from tests.server.conftest import http_client

VIEWER = "{ viewer { role } }"
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }"
# Long enough that only an invalidation, never the clock, can end an entry during a test.
TTL = 60.0
_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def admin(database: Database) -> tuple[str, int]:
    async with database.transaction() as session:
        issued = await ensure_admin_key(session, email="cached@example.com", key_name="test")
    return issued.token, issued.record.id


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(database, key_cache_seconds=TTL) as http:
        yield http


@pytest.fixture
def statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def _ask(client: httpx.AsyncClient, token: str, query: str = VIEWER, **variables: Any) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
    )


async def _write(database: Database, statement: Any) -> None:
    """A change made through another engine of this process (as the CLI or a script would)."""
    other = Database(database.url)
    try:
        async with other.transaction() as session:
            await session.execute(statement)
    finally:
        await other.dispose()


async def test_given_a_verified_key_when_used_again_then_no_credential_is_read(
    client: httpx.AsyncClient, admin: tuple[str, int], statements: list[str]
) -> None:
    assert (await _ask(client, admin[0])).status_code == 200
    assert statements, "the first request reads the key"
    statements.clear()
    response = await _ask(client, admin[0])
    assert response.json() == {"data": {"viewer": {"role": "ADMIN"}}}
    assert statements == []


async def test_given_the_cache_off_when_a_key_is_used_again_then_it_is_read_again(
    database: Database, admin: tuple[str, int], statements: list[str]
) -> None:
    async with http_client(database, key_cache_seconds=0) as client:
        await _ask(client, admin[0])
        statements.clear()
        assert (await _ask(client, admin[0])).status_code == 200
    assert any("api_keys" in statement for statement in statements)


async def test_given_a_cached_key_when_revoked_through_the_api_then_the_next_request_is_refused(
    client: httpx.AsyncClient, admin: tuple[str, int]
) -> None:
    token, key_id = admin
    assert (await _ask(client, token)).status_code == 200
    revoked = await _ask(client, token, REVOKE_KEY, id=str(relay.GlobalID("ApiKey", str(key_id))))
    assert revoked.json()["data"]["revokeApiKey"]["__typename"] == "ApiKeyPayload"
    response = await _ask(client, token)
    assert response.status_code == 401
    assert "revoked" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("change", "status", "expected"),
    [
        (lambda key_id: update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=utcnow()), 401, "API key revoked"),
        (lambda key_id: update(User).values(active=False), 401, "user deactivated"),
        (lambda key_id: update(User).values(role=Role.PROGRAM_MANAGER), 200, "PROGRAM_MANAGER"),
    ],
    ids=["revoked", "deactivated", "role-changed"],
)
async def test_given_a_cached_key_when_its_credentials_change_in_this_process_then_the_next_request_sees_it(
    client: httpx.AsyncClient, database: Database, admin: tuple[str, int], change: Any, status: int, expected: str
) -> None:
    token, key_id = admin
    assert (await _ask(client, token)).json()["data"]["viewer"]["role"] == "ADMIN"
    await _write(database, change(key_id))
    response = await _ask(client, token)
    assert response.status_code == status
    assert expected in response.text


async def test_given_a_cached_key_when_it_expires_then_it_is_refused_at_once(
    client: httpx.AsyncClient, database: Database, admin: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    token, key_id = admin
    expires = utcnow() + timedelta(seconds=20)  # expires before the key is due to be recorded used again
    async with database.transaction() as session:
        await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(expires_at=expires))
    assert (await _ask(client, token)).status_code == 200
    later = expires + timedelta(seconds=1)
    monkeypatch.setattr(identity, "utcnow", lambda: later)
    monkeypatch.setattr("server.auth.keys.utcnow", lambda: later)
    response = await _ask(client, token)
    assert response.status_code == 401
    assert "expired" in response.json()["errors"][0]["message"]


async def test_given_a_cached_key_when_another_process_revokes_it_then_it_is_refused_once_the_cache_time_passes(
    client: httpx.AsyncClient, database: Database, admin: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    token, key_id = admin
    assert (await _ask(client, token)).status_code == 200
    script = textwrap.dedent(
        f"""
        import asyncio
        from sqlalchemy import update
        from server.db import Database
        from server.db.access import ApiKey
        from server.db.types import utcnow

        async def revoke():
            database = Database({database.url!r})
            async with database.transaction() as session:
                await session.execute(update(ApiKey).where(ApiKey.id == {key_id}).values(revoked_at=utcnow()))
            await database.dispose()

        asyncio.run(revoke())
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=_ROOT, check=True, timeout=60)
    assert (await _ask(client, token)).status_code == 200, "another process's write is not seen within the TTL"
    now = time.monotonic()
    monkeypatch.setattr(key_cache.time, "monotonic", lambda: now + TTL)
    assert (await _ask(client, token)).status_code == 401


def test_given_statements_when_classified_then_only_writes_to_credential_tables_invalidate() -> None:
    writes = [
        "UPDATE api_keys SET revoked_at=? WHERE api_keys.id = ?",
        "INSERT INTO user_projects (user_id, project_id) VALUES ($1::INTEGER, $2::INTEGER)",
        'TRUNCATE "users", "tasks" RESTART IDENTITY CASCADE',
        "DELETE FROM users WHERE users.id = ?",
        "\nDROP TABLE api_keys",
    ]
    others = [
        "SELECT api_keys.id FROM api_keys JOIN users ON users.id = api_keys.user_id",
        "UPDATE api_keys SET last_used_at=? WHERE api_keys.id = ?",
        "UPDATE api_keys SET last_used_at=$1::TIMESTAMP WITH TIME ZONE WHERE api_keys.id = $2::INTEGER",
        "UPDATE labels SET status=? WHERE labels.id = ?",
        "INSERT INTO audit_entries (user_email) VALUES (?)",
    ]
    assert all(key_cache._writes_credentials(statement) for statement in writes)
    assert not any(key_cache._writes_credentials(statement) for statement in others)


def test_given_a_negative_cache_time_when_settings_load_then_the_variable_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from server.settings import load_settings

    monkeypatch.setenv("LABELOPS_KEY_CACHE", "-1")
    with pytest.raises(ValueError, match=r"LABELOPS_KEY_CACHE must be zero or a positive number, got -1\.0"):
        load_settings()
    monkeypatch.setenv("LABELOPS_KEY_CACHE", "0")
    assert load_settings().key_cache_seconds == 0
