"""The README's worked example against a live server: a connector made over GraphQL, then
`examples/connectors/send_webhook.sh` (curl, and openssl for the Labelbox signature) delivering each example body
twice. Runs on SQLite, and on PostgreSQL when LABELOPS_TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import test_database_url
from tests.server.access_world import AccessWorld
from tests.server.connectors.hooks_world import CREATE
from tests.server.live_server import drop_database, live_server, prepare_world

pytestmark = pytest.mark.database

_ROOT = Path(__file__).resolve().parents[3]
_EXAMPLES = _ROOT / "examples" / "connectors"


@dataclass(frozen=True)
class Server:
    base_url: str
    world: AccessWorld


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = test_database_url(tmp_path_factory.mktemp("hooks_live"))
    world = prepare_world(url)
    try:
        with live_server(url) as running:
            yield Server(running.base_url, world)
    finally:
        drop_database(url)


def _connector(server: Server, **fields: Any) -> tuple[str, str]:
    response = httpx.post(
        f"{server.base_url}/graphql",
        json={"query": CREATE, "variables": {"input": {"projectId": server.world.gid("Project", "p1"), **fields}}},
        headers=server.world.headers("admin"),
        timeout=60,
    )
    created = response.json()["data"]["createConnector"]
    return created["connector"]["receiverPath"].rsplit("/", 1)[1], created["secret"]


def _send(server: Server, tool: str, connector: str, secret: str, body: str) -> dict[str, Any]:
    done = subprocess.run(
        ["sh", str(_EXAMPLES / "send_webhook.sh"), tool, server.base_url, connector, secret, str(_EXAMPLES / body)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


@pytest.mark.parametrize(
    ("tool", "source", "body", "project"),
    [
        ("labelstudio", "LABELSTUDIO", "labelstudio_webhook.json", "3"),
        ("labelbox", "LABELBOX", "labelbox_webhook.json", "cproj-animals"),
    ],
)
def test_the_readme_example_imports_once_and_redelivery_changes_nothing(
    server: Server, tool: str, source: str, body: str, project: str
) -> None:
    connector, secret = _connector(server, name=f"{tool} live", source=source, sourceProject=project)

    first = _send(server, tool, connector, secret, body)
    again = _send(server, tool, connector, secret, body)
    forged = _send(server, tool, connector, secret[::-1], body)

    assert (first["status"], first["created"], first["tasksCreated"]) == ("imported", 1, 1), first
    assert (again["created"], again["unchanged"]) == (0, 1)
    assert forged == {"error": "unknown connector or bad credentials"}
