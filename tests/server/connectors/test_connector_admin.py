"""Connectors managed over GraphQL: admins only, inputs checked with the field named, the secret shown once,
changes atomic, deletion closing the receiver."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from server.auth.audit import REDACTED
from server.db import Database
from server.db.access import AuditEntry
from server.db.models import Label
from tests.server.access_world import build_access_world, gid
from tests.server.conftest import http_client
from tests.server.connectors.hooks_world import (
    CREATE,
    LIST,
    UPDATE,
    create_connector,
    graphql,
    labelstudio_body,
    labelstudio_headers,
)
from tests.server.connectors.world import make_project

pytestmark = pytest.mark.database

DELETE = """
mutation($id: ID!) {
  deleteConnector(id: $id) { __typename ... on DeletedConnector { id } ... on UserError { message field } }
}
"""
FIELDS = 'query { __type(name: "Connector") { fields { name } } }'


async def test_given_a_new_connector_then_its_secret_is_answered_once_and_never_listed(
    database: Database, api_headers: dict[str, str]
) -> None:
    project = gid("Project", await make_project(database))
    async with http_client(database) as client:
        connector, path, secret = await create_connector(
            client, api_headers, name="LS", source="LABELSTUDIO", projectId=project
        )
        listed = await graphql(client, LIST, {"projectId": project}, api_headers)
        fields = await graphql(client, FIELDS, {}, api_headers)

    assert len(secret) >= 32
    assert path == f"/hooks/labelstudio/{connector_key(connector)}"
    assert [c["id"] for c in listed["data"]["connectors"]] == [connector]
    assert "secret" not in {f["name"] for f in fields["data"]["__type"]["fields"]}


def connector_key(global_id: str) -> str:
    return GlobalID.from_id(global_id).node_id


async def test_given_a_chosen_secret_then_it_is_used_and_the_audit_trail_redacts_it(
    database: Database, api_headers: dict[str, str]
) -> None:
    project = gid("Project", await make_project(database))
    chosen = "a-secret-of-my-choosing"
    async with http_client(database) as client:
        _, path, secret = await create_connector(
            client, api_headers, name="LS", source="LABELSTUDIO", projectId=project, secret=chosen
        )
        response = await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(chosen))

    assert (secret, response.status_code) == (chosen, 200)
    async with database.session() as session:
        (arguments,) = await session.scalars(
            select(AuditEntry.arguments).where(AuditEntry.operation == "createConnector")
        )
    assert arguments["input"]["secret"] == REDACTED
    assert chosen not in str(arguments)


@pytest.mark.parametrize(
    ("changes", "typename", "field", "message"),
    [
        ({"name": "  "}, "ValidationError", "input.name", "input.name must not be empty"),
        ({"secret": "short"}, "ValidationError", "input.secret", "input.secret must be 16 to 200 printable"),
        ({"projectId": "UHJvamVjdDo5OTk5"}, "NotFoundError", "input.projectId", "Project 9999"),
        ({"projectId": "VmVuZG9yOjE="}, "ValidationError", "input.projectId", "must be the id of a Project"),
        ({"vendorId": "VmVuZG9yOjk5OTk="}, "NotFoundError", "input.vendorId", "Vendor 9999"),
        ({"sourceProject": ""}, "ValidationError", "input.sourceProject", "input.sourceProject must not be empty"),
    ],
    ids=["blank-name", "short-secret", "unknown-project", "wrong-id-type", "unknown-vendor", "blank-source-project"],
)
async def test_given_bad_input_when_creating_then_a_typed_error_names_the_field_and_nothing_is_saved(
    database: Database,
    api_headers: dict[str, str],
    changes: dict[str, Any],
    typename: str,
    field: str,
    message: str,
) -> None:
    project = gid("Project", await make_project(database))
    values = {"name": "LS", "source": "LABELSTUDIO", "projectId": project, **changes}
    async with http_client(database) as client:
        body = await graphql(client, CREATE, {"input": values}, api_headers)
        listed = await graphql(client, LIST, {}, api_headers)

    result = body["data"]["createConnector"]
    assert (result["__typename"], result["field"]) == (typename, field), result
    assert message in result["message"]
    assert "short" not in result["message"]  # a secret is never echoed
    assert listed["data"]["connectors"] == []


async def test_given_a_taken_name_then_a_conflict(database: Database, api_headers: dict[str, str]) -> None:
    project = gid("Project", await make_project(database))
    values = {"name": "LS", "source": "LABELSTUDIO", "projectId": project}
    async with http_client(database) as client:
        await graphql(client, CREATE, {"input": values}, api_headers)
        body = await graphql(client, CREATE, {"input": {**values, "source": "LABELBOX"}}, api_headers)

    assert body["data"]["createConnector"] == {
        "__typename": "ConflictError",
        "message": "a connector named 'LS' exists already",
        "field": "input.name",
    }


async def test_given_an_update_with_one_bad_field_then_nothing_changes(
    database: Database, api_headers: dict[str, str]
) -> None:
    project = gid("Project", await make_project(database))
    async with http_client(database) as client:
        connector, _, _ = await create_connector(
            client, api_headers, name="LS", source="LABELSTUDIO", projectId=project, sourceProject="3"
        )
        bad = await graphql(
            client, UPDATE, {"input": {"id": connector, "name": "Renamed", "secret": "tiny"}}, api_headers
        )
        cleared = await graphql(client, UPDATE, {"input": {"id": connector, "sourceProject": None}}, api_headers)
        listed = await graphql(client, LIST, {}, api_headers)

    assert bad["data"]["updateConnector"]["field"] == "input.secret"
    assert listed["data"]["connectors"][0]["name"] == "LS"
    assert cleared["data"]["updateConnector"]["connector"]["sourceProject"] is None
    assert cleared["data"]["updateConnector"]["secret"] is None


async def test_given_a_deleted_connector_then_its_receiver_refuses_and_the_imported_labels_stay(
    database: Database, api_headers: dict[str, str]
) -> None:
    project = gid("Project", await make_project(database))
    async with http_client(database) as client:
        connector, path, secret = await create_connector(
            client, api_headers, name="LS", source="LABELSTUDIO", projectId=project
        )
        imported = await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret))
        deleted = await graphql(client, DELETE, {"id": connector}, api_headers)
        after = await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret))
        again = await graphql(client, DELETE, {"id": connector}, api_headers)

    assert imported.json()["created"] == 1
    assert deleted["data"]["deleteConnector"] == {"__typename": "DeletedConnector", "id": connector}
    assert after.status_code == 401
    assert again["data"]["deleteConnector"]["__typename"] == "NotFoundError"
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Label)) == 1


@pytest.mark.parametrize("role", ["pm", "vm", "reviewer", "labeler"])
async def test_given_a_non_admin_then_connectors_can_be_neither_managed_nor_listed(
    database: Database, api_headers: dict[str, str], role: str
) -> None:
    world = await build_access_world(database)
    project = world.gid("Project", "p1")
    async with http_client(database) as client:
        connector, _, _ = await create_connector(
            client, api_headers, name="LS", source="LABELSTUDIO", projectId=project
        )
        headers = world.headers(role)
        created = await graphql(
            client, CREATE, {"input": {"name": "Mine", "source": "LABELBOX", "projectId": project}}, headers
        )
        updated = await graphql(client, UPDATE, {"input": {"id": connector, "rotateSecret": True}}, headers)
        deleted = await graphql(client, DELETE, {"id": connector}, headers)
        listed = await graphql(client, LIST, {}, headers)
        still = await graphql(client, LIST, {}, api_headers)

    for body in (created, updated, deleted, listed):
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert [c["name"] for c in still["data"]["connectors"]] == ["LS"]
