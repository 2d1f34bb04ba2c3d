"""The audit trail: every mutation call (done, refused as data, denied, failed) recorded with who, what, outcome
and when, secrets redacted, and readable by admins through `auditLog` with filters."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.event import listen, remove

from server.auth.audit import REDACTED, redact
from server.db import Database
from tests.server.access_world import AccessWorld, build_access_world
from tests.server.conftest import http_client

AUDIT_LOG = """
query($filter: AuditLogFilter) {
  auditLog(filter: $filter) {
    totalCount
    edges { node { operation operationName outcome resultType message userId arguments ip createdAt } }
  }
}
"""
CREATE_VENDOR = """
mutation AddVendor($name: String!) {
  createVendor(input: {name: $name, workforceType: CROWD, pricingModel: HOURLY, rate: 1}) { __typename }
}
"""
CREATE_TASK = """
mutation($input: CreateTaskInput!) { createTask(input: $input) { __typename } }
"""


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await build_access_world(database)


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(database) as http:
        yield http


async def _call(client: httpx.AsyncClient, world: AccessWorld, role: str, query: str, **variables: Any) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=world.headers(role))
    return response.json()


async def test_given_mutations_with_every_outcome_when_reading_the_audit_log_then_each_call_is_there(
    client: httpx.AsyncClient, world: AccessWorld
) -> None:
    await _call(client, world, "admin", CREATE_VENDOR, name="Vendor C")
    await _call(client, world, "admin", CREATE_VENDOR, name="Vendor C")  # duplicate: refused as data
    await _call(client, world, "pm", CREATE_VENDOR, name="Vendor D")  # not a program manager's call
    body = await _call(client, world, "admin", AUDIT_LOG)
    log = body["data"]["auditLog"]
    assert log["totalCount"] == 3
    newest_first = [edge["node"] for edge in log["edges"]]
    assert [(entry["operation"], entry["outcome"]) for entry in newest_first] == [
        ("createVendor", "DENIED"),
        ("createVendor", "REFUSED"),
        ("createVendor", "OK"),
    ]
    denied, refused, done = newest_first
    assert denied["userId"] == world.gid("User", "user:pm") and "PROGRAM_MANAGER" in denied["message"]
    assert refused["resultType"] == "ConflictError"
    assert done["resultType"] == "VendorPayload" and done["userId"] == world.gid("User", "user:admin")
    assert done["operationName"] == "AddVendor" and done["arguments"]["input"]["name"] == "Vendor C"
    assert done["ip"] and done["createdAt"]


async def test_given_filters_when_reading_the_audit_log_then_only_matching_entries_come_back(
    client: httpx.AsyncClient, world: AccessWorld
) -> None:
    await _call(client, world, "admin", CREATE_VENDOR, name="Vendor C")
    task = {"projectId": world.gid("Project", "p2"), "task": {"externalId": "x"}}
    await _call(client, world, "pm", CREATE_TASK, input=task)
    by_outcome = await _call(client, world, "admin", AUDIT_LOG, filter={"outcome": ["DENIED"]})
    by_user = await _call(client, world, "admin", AUDIT_LOG, filter={"userId": world.gid("User", "user:admin")})
    by_operation = await _call(client, world, "admin", AUDIT_LOG, filter={"operation": ["createTask"]})
    assert [e["node"]["operation"] for e in by_outcome["data"]["auditLog"]["edges"]] == ["createTask"]
    assert [e["node"]["operation"] for e in by_user["data"]["auditLog"]["edges"]] == ["createVendor"]
    assert by_operation["data"]["auditLog"]["totalCount"] == 1
    forbidden = await _call(client, world, "pm", AUDIT_LOG)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_given_arguments_with_secrets_when_redacted_then_no_secret_survives() -> None:
    arguments = {
        "input": {"name": "n", "apiKey": "lo_a_b", "nested": [{"password": "p", "note": "ok"}]},
        "token": "t",
        "Authorization": "Bearer x",
    }
    assert redact(arguments) == {
        "input": {"name": "n", "apiKey": REDACTED, "nested": [{"password": REDACTED, "note": "ok"}]},
        "token": REDACTED,
        "Authorization": REDACTED,
    }


async def test_given_a_new_api_key_when_audited_then_its_secret_is_not_in_the_log(
    client: httpx.AsyncClient, world: AccessWorld
) -> None:
    created = await _call(
        client, world, "admin", 'mutation { createApiKey(input: {name: "k"}) { ... on CreatedApiKey { secret } } }'
    )
    secret = created["data"]["createApiKey"]["secret"]
    log = await _call(client, world, "admin", AUDIT_LOG)
    assert log["data"]["auditLog"]["totalCount"] == 1
    assert secret not in str(log)


async def test_given_a_successful_mutation_when_committed_then_its_entry_commits_in_the_same_transaction(
    client: httpx.AsyncClient, world: AccessWorld, database: Database
) -> None:
    await _call(client, world, "admin", AUDIT_LOG)  # the key's first use records when it was used: a commit

    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    listen(database.engine.sync_engine, "commit", count)
    try:
        done = await _call(client, world, "admin", CREATE_VENDOR, name="Vendor E")
        committed_with_the_change = len(commits)
        await _call(client, world, "admin", CREATE_VENDOR, name="Vendor E")  # refused: no transaction to join
    finally:
        remove(database.engine.sync_engine, "commit", count)
    assert done["data"]["createVendor"]["__typename"] == "VendorPayload"
    assert committed_with_the_change == 1
    assert len(commits) == 2
    log = (await _call(client, world, "admin", AUDIT_LOG))["data"]["auditLog"]
    assert [(edge["node"]["outcome"], edge["node"]["resultType"]) for edge in log["edges"]] == [
        ("REFUSED", "ConflictError"),
        ("OK", "VendorPayload"),
    ]


SAVE_SCENARIO = """
mutation($input: SaveScenarioInput!) { saveScenario(input: $input) { __typename ... on ValidationError { field } } }
"""


async def test_given_arguments_holding_nan_or_infinity_when_audited_then_the_entry_is_written_with_them_as_text(
    client: httpx.AsyncClient, world: AccessWorld
) -> None:
    # Python's JSON reader takes NaN and Infinity, which no JSON column can hold (PostgreSQL refused the entry).
    variables = '{"input": {"name": "s", "document": {"demand": {"base_per_day": NaN, "trend_per_week": -Infinity}}}}'
    body = '{"query": ' + json.dumps(SAVE_SCENARIO) + ', "variables": ' + variables + "}"
    headers = {**world.headers("admin"), "Content-Type": "application/json"}
    refused = (await client.post("/graphql", content=body, headers=headers)).json()
    assert refused["data"]["saveScenario"]["__typename"] == "ValidationError"
    log = (await _call(client, world, "admin", AUDIT_LOG))["data"]["auditLog"]
    [entry] = [edge["node"] for edge in log["edges"] if edge["node"]["operation"] == "saveScenario"]
    assert entry["outcome"] == "REFUSED"
    assert entry["arguments"]["input"]["document"]["demand"] == {"base_per_day": "NaN", "trend_per_week": "-Infinity"}
