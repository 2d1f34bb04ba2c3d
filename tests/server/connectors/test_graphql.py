"""`importHistory` over HTTP: admins only, uploaded content or a file inside the import directory, the same
report as the command line, bad input as typed errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from server.db import Database
from server.graphql.connectors import mutations
from tests.server.access_world import build_access_world, gid
from tests.server.conftest import http_client
from tests.server.connectors.world import make_project

pytestmark = pytest.mark.database

IMPORT = """
mutation($input: ImportHistoryInput!) {
  importHistory(input: $input) {
    __typename
    ... on ImportHistoryPayload { rows created unchanged rejected rejections { line reason } notes dryRun }
    ... on UserError { message field }
  }
}
"""
EXPORT = json.dumps(
    [
        {
            "id": 1,
            "data": {"text": "x"},
            "annotations": [
                {"id": 5, "completed_by": 2, "created_at": "2026-03-02T09:00:00Z", "lead_time": 4.0, "result": []}
            ],
        }
    ]
)
CSV_MAPPING = 'task = "item"\nlabeler = "worker"\nsubmitted_at = "done"\nseconds = "secs"\nanswer = ["label"]\n'


async def _call(client: httpx.AsyncClient, variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": IMPORT, "variables": variables}, headers=headers)
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["importHistory"]
    return result


async def test_given_an_admin_when_importing_content_twice_then_the_second_import_changes_nothing(
    database: Database, api_headers: dict[str, str]
) -> None:
    project = gid("Project", await make_project(database))
    variables = {"input": {"format": "LABELSTUDIO", "projectId": project, "content": EXPORT}}
    async with http_client(database) as client:
        first = await _call(client, variables, api_headers)
        second = await _call(client, variables, api_headers)

    assert (first["__typename"], first["created"], second["created"], second["unchanged"]) == (
        "ImportHistoryPayload",
        1,
        0,
        1,
    )


async def test_given_a_csv_with_a_toml_mapping_then_rows_are_imported_and_bad_ones_listed(
    database: Database, api_headers: dict[str, str]
) -> None:
    project = gid("Project", await make_project(database))
    content = "item,worker,done,secs,label\na,w1,2026-03-02T09:00:00Z,12,cat\nb,w1,yesterday,3,dog\n"
    variables = {"input": {"format": "CSV", "projectId": project, "content": content, "mapping": CSV_MAPPING}}
    async with http_client(database) as client:
        result = await _call(client, variables, api_headers)

    assert (result["created"], result["rejected"]) == (1, 1)
    assert result["rejections"] == [{"line": 3, "reason": "done: 'yesterday' is not an ISO 8601 timestamp"}]


async def test_given_content_with_carriage_return_line_ends_then_each_line_is_a_row(
    database: Database, api_headers: dict[str, str]
) -> None:
    project = gid("Project", await make_project(database))
    results = []
    async with http_client(database) as client:
        for ending, tasks in (("\r", "ab"), ("\r\n", "cd")):
            rows = [f"{task},w1,2026-03-02T09:00:00Z,12,cat" for task in tasks]
            csv = ending.join(["item,worker,done,secs,label", *rows, ""])
            variables = {"input": {"format": "CSV", "projectId": project, "content": csv, "mapping": CSV_MAPPING}}
            result = await _call(client, variables, api_headers)
            results.append((result["rows"], result["created"], result["rejected"]))
        ndjson = "\r".join(json.dumps({"data_row": {"id": row}, "projects": {}}) for row in ("dr1", "dr2"))
        variables = {"input": {"format": "LABELBOX", "projectId": project, "content": ndjson}}
        from_labelbox = await _call(client, variables, api_headers)

    assert results == [(2, 2, 0), (2, 2, 0)]
    assert (from_labelbox["rows"], from_labelbox["rejected"]) == (0, 0)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"content": None}, "input.content", "or input.path must be given"),
        ({"path": "export.json"}, "input.content", "or input.path must be given"),
        ({"format": "CSV"}, "input.mapping", "is required for CSV"),
        ({"mapping": "task = 1"}, "input.mapping", "applies to the CSV format only, got 'task = 1'"),
        (
            {"format": "CSV", "mapping": "task = [1"},
            "input.mapping",
            "is not usable: Unclosed array (at end of document), got 'task = [1'",
        ),
        ({"format": "CSV", "mapping": "task = '" + "x" * 300 + "'"}, "input.mapping", "x" * 40 + '..."'),
        ({"timeZone": "Mars/Base"}, "input.timeZone", "is not an IANA zone"),
        ({"projectId": gid("Project", 999)}, "input.projectId", "does not exist"),
    ],
)
async def test_given_bad_input_then_a_typed_error_names_the_field(
    database: Database, api_headers: dict[str, str], change: dict[str, Any], field: str, message: str
) -> None:
    project = gid("Project", await make_project(database))
    values = {"format": "LABELSTUDIO", "projectId": project, "content": EXPORT, **change}
    async with http_client(database) as client:
        result = await _call(client, {"input": values}, api_headers)

    assert result["field"] == field and message in result["message"], result


async def test_given_server_side_paths_then_only_files_inside_the_import_directory_are_read(
    database: Database, api_headers: dict[str, str], tmp_path: Path
) -> None:
    project = gid("Project", await make_project(database))
    inside = tmp_path / "imports"
    inside.mkdir()
    (inside / "export.json").write_text(EXPORT)
    (tmp_path / "secret.json").write_text(EXPORT)

    async def call(path: str, **settings: Any) -> dict[str, Any]:
        variables = {"input": {"format": "LABELSTUDIO", "projectId": project, "path": path, "dryRun": True}}
        async with http_client(database, **settings) as client:
            return await _call(client, variables, api_headers)

    assert (await call("export.json", import_directory=str(inside)))["created"] == 1
    assert "must name a file inside" in (await call("../secret.json", import_directory=str(inside)))["message"]
    assert (
        "must name a file inside"
        in (await call(str(tmp_path / "secret.json"), import_directory=str(inside)))["message"]
    )
    assert "not enabled" in (await call("export.json"))["message"]


async def test_given_a_program_manager_when_importing_then_it_is_refused(database: Database) -> None:
    world = await build_access_world(database)
    variables = {"input": {"format": "LABELSTUDIO", "projectId": world.gid("Project", "p1"), "content": EXPORT}}
    async with http_client(database) as client:
        response = await client.post(
            "/graphql", json={"query": IMPORT, "variables": variables}, headers=world.headers("pm")
        )

    body = response.json()
    assert body.get("data") is None or body["data"].get("importHistory") is None
    assert "errors" in body


async def test_given_a_concurrent_import_wins_the_race_then_a_conflict_error_says_to_import_again(
    database: Database, api_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = gid("Project", await make_project(database))

    async def raced(*_args: Any, **_kwargs: Any) -> None:
        raise IntegrityError("INSERT INTO vendors", {}, Exception("duplicate key value"))

    monkeypatch.setattr(mutations, "import_records", raced)
    variables = {"input": {"format": "LABELSTUDIO", "projectId": project, "content": EXPORT}}
    async with http_client(database) as client:
        result = await _call(client, variables, api_headers)

    assert result == {
        "__typename": "ConflictError",
        "message": "a concurrent import wrote the same rows first; import again (it is idempotent)",
        "field": None,
    }
