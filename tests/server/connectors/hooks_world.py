"""Shared pieces of the webhook tests: connectors made over GraphQL, webhook bodies as the tools send them, and the
labels they leave stored."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select

from server.connectors.credentials import labelbox_signature
from server.db import Database
from server.db.models import Label

CREATE = """
mutation($input: CreateConnectorInput!) {
  createConnector(input: $input) {
    __typename
    ... on ConnectorCreated { secret connector { id receiverPath enabled } }
    ... on UserError { message field }
  }
}
"""
UPDATE = """
mutation($input: UpdateConnectorInput!) {
  updateConnector(input: $input) {
    __typename
    ... on ConnectorPayload { secret connector { id name enabled sourceProject vendorId projectId } }
    ... on UserError { message field }
  }
}
"""
LIST = """
query($projectId: ID) {
  connectors(projectId: $projectId) {
    id name source enabled deliveries failed lastStatus lastEvent lastError lastDeliveryAt receiverPath
  }
}
"""


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    body: dict[str, Any] = response.json()
    return body


async def create_connector(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> tuple[str, str, str]:
    """(global id, receiver path, secret) of a new connector."""
    body = await graphql(client, CREATE, {"input": fields}, headers)
    created = body["data"]["createConnector"]
    assert created["__typename"] == "ConnectorCreated", body
    return created["connector"]["id"], created["connector"]["receiverPath"], created["secret"]


def annotation(annotation_id: int = 501, *, choice: str = "positive", lead_time: float = 12.5) -> dict[str, Any]:
    return {
        "id": annotation_id,
        "completed_by": 7,
        "created_at": "2026-03-02T09:00:00Z",
        "lead_time": lead_time,
        "was_cancelled": False,
        "result": [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [choice]}}],
    }


def labelstudio_body(action: str = "ANNOTATION_CREATED", *, project: int = 3, **changes: Any) -> bytes:
    body = {
        "action": action,
        "annotation": changes.pop("annotation", annotation()),
        "task": {"id": 42, "data": {"text": "great"}, "created_at": "2026-03-01T08:00:00Z", "project": project},
        "project": {"id": project, "title": "Sentiment"},
        **changes,
    }
    return json.dumps(body).encode()


def labelstudio_headers(secret: str) -> dict[str, str]:
    return {"Authorization": f"Token {secret}", "Content-Type": "application/json"}


def labelbox_label(label_id: str = "lbl-1", *, answer: str = "cat", project: str = "lb-proj") -> dict[str, Any]:
    """A LABEL_CREATED body: one label, its answer as JSON text, as Labelbox's label webhooks send it."""
    return {
        "id": label_id,
        "data_row": {"id": "dr-1", "external_id": "img-1.jpg", "row_data": "https://example.com/img-1.jpg"},
        "label": json.dumps(
            {
                "objects": [],
                "classifications": [
                    {"title": "Animal", "value": "animal", "answer": {"title": answer.title(), "value": answer}}
                ],
            }
        ),
        "created_by": {"id": "u-1", "email": "ann@example.com"},
        "created_at": "2026-03-02T10:00:00Z",
        "seconds_to_label": 30,
        "project": {"id": project, "name": "Animals"},
    }


def labelbox_request(secret: str, topic: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    headers = {
        "X-Hub-Signature": labelbox_signature(secret, body),
        "X-Labelbox-Event": topic,
        "Content-Type": "application/json",
    }
    return body, headers


async def stored_labels(database: Database, *more: Any) -> list[tuple[Any, ...]]:
    """Every stored label as (external id, answer, seconds to label, *more columns), by external id."""
    async with database.session() as session:
        rows = await session.execute(
            select(Label.external_id, Label.answer, Label.seconds_to_label, *more).order_by(Label.external_id)
        )
        return [tuple(row) for row in rows]
