"""CSV exports: the content equals the GraphQL answer for the same slice and the same key, scoping included;
cells are safe to open in a spreadsheet; bad requests are refused naming the parameter."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from server.auth.keys import issue_key
from server.auth.users import UserScope, create_user
from server.db import Database
from server.db.access import Role
from server.db.planning import RunStatus, SimulationRun, StoredScenario
from server.exports import csv_chunks, safe_cell
from server.graphql.ids import encode_id
from tests.server.conftest import http_client
from tests.server.test_analytics_speed_cost import _speed_world
from tests.server.test_analytics_world import day

WINDOW = {"from": day(1).isoformat(), "to": day(3).isoformat()}
DASHBOARD = """
query($projectId: ID!, $from: DateTime, $to: DateTime) {
  projectDashboard(projectId: $projectId, from: $from, to: $to) {
    __typename
    ... on ProjectDashboard {
      days { day labels meanSeconds medianSeconds p90Seconds acceptedLabels reworkRate cost slaAttainment }
      labelers { labelerId vendorId labels meanSeconds cost quality { labels approvalRate reworkRate } }
      cost { usage { day projectId vendorId labels acceptedLabels hours cost } }
    }
  }
}
"""
METRICS = """
query($vendorId: ID, $from: DateTime, $to: DateTime) {
  operationsMetrics(vendorId: $vendorId, from: $from, to: $to) {
    __typename ... on OperationsMetrics { labelers { labelerId vendorId labels meanSeconds cost quality { labels } } }
  }
}
"""
RUN = "query($id: ID!) { run(id: $id) { summary { name mean ciLow ciHigh std n } result } }"


@pytest.fixture
async def world(database: Database) -> dict[str, Any]:
    ids: dict[str, Any] = await _speed_world(database)
    async with database.transaction() as session:
        users = {
            "admin": (Role.ADMIN, UserScope()),
            "pm": (Role.PROGRAM_MANAGER, UserScope(project_ids=[ids["project"]])),
            "vm": (Role.VENDOR_MANAGER, UserScope(vendor_id=ids["hourly"])),
        }
        for name, (role, scope) in users.items():
            user = await create_user(session, email=f"{name}@example.com", role=role, scope=scope)
            ids[f"key:{name}"] = (await issue_key(session, user, name="export")).token
        scenario = StoredScenario(name="s", version=1, document={})
        session.add(scenario)
        await session.flush()
        run = SimulationRun(scenario_id=scenario.id, status=RunStatus.DONE, replications=2, seed=7, result=_RESULT)
        session.add(run)
        await session.flush()
        ids["run"] = run.id
    return ids


_RESULT = {
    "summary": {"total_cost": {"mean": 10.5, "ci_low": 9.0, "ci_high": 12.0, "std": 1.5, "n": 2}},
    "daily": {
        "backlog": {"mean": [5.0, 3.0], "ci_low": [4.0, None], "ci_high": [6.0, None], "p2_5": [4, 2], "p97_5": [6, 4]},
        '=HYPERLINK("http://evil")': {"mean": [1.0], "ci_low": [1.0], "ci_high": [1.0], "p2_5": [1], "p97_5": [1]},
    },
}


@pytest.fixture
async def clients(database: Database, world: dict[str, Any]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    made = {
        role: http_client(database, {"Authorization": f"Bearer {world[f'key:{role}']}"})
        for role in ("admin", "pm", "vm")
    }
    try:
        yield made
    finally:
        for client in made.values():
            await client.aclose()


def _cell(value: Any) -> str:
    """What the CSV holds for a GraphQL JSON value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _flat(row: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            out |= _flat(value, f"{prefix}{key}.")
        else:
            out[prefix + key] = _cell(value)
    return out


def _assert_same(rows: list[dict[str, str]], answer: list[dict[str, Any]]) -> None:
    """Every column the GraphQL query asked for holds the same text in the CSV, row by row."""
    assert len(rows) == len(answer)
    for csv_row, graphql_row in zip(rows, answer, strict=True):
        expected = _flat(graphql_row)
        assert {key: csv_row[key] for key in expected} == expected


async def _csv(client: httpx.AsyncClient, table: str, **params: Any) -> list[dict[str, str]]:
    response = await client.get(f"/export/{table}.csv", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == f'attachment; filename="labelops-{table}.csv"'
    return list(csv.DictReader(io.StringIO(response.text)))


async def _graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_dashboard_tables_equal_the_graphql_dashboard_for_the_same_window(
    world: dict[str, Any], clients: dict[str, httpx.AsyncClient]
) -> None:
    project = encode_id("Project", world["project"])
    for role in ("admin", "pm"):
        client = clients[role]
        answer = (await _graphql(client, DASHBOARD, projectId=project, **WINDOW))["projectDashboard"]

        days = await _csv(client, "dashboard-days", projectId=project, **WINDOW)
        labelers = await _csv(client, "dashboard-labelers", projectId=project, **WINDOW)
        usage = await _csv(client, "dashboard-usage", projectId=project, **WINDOW)

        assert [row["day"] for row in days] == ["2024-03-05", "2024-03-06"]
        _assert_same(days, answer["days"])
        _assert_same(labelers, answer["labelers"])
        _assert_same(usage, answer["cost"]["usage"])
        assert len(labelers) == 2 and sum(int(row["labels"]) for row in labelers) == 7


async def test_a_vendor_key_exports_its_own_vendors_rows_only(
    world: dict[str, Any], clients: dict[str, httpx.AsyncClient]
) -> None:
    vm, admin = clients["vm"], clients["admin"]
    own, other = encode_id("Vendor", world["hourly"]), encode_id("Vendor", world["per_label"])

    rows = await _csv(vm, "metrics-labelers", vendorId=own, **WINDOW)
    answer = (await _graphql(vm, METRICS, vendorId=own, **WINDOW))["operationsMetrics"]["labelers"]
    everyone = await _csv(admin, "metrics-labelers", **WINDOW)
    foreign = await vm.get("/export/metrics-labelers.csv", params={"vendorId": other, **WINDOW})
    unscoped = await vm.get("/export/metrics-labelers.csv", params=WINDOW)
    dashboard = await vm.get("/export/dashboard-days.csv", params={"projectId": encode_id("Project", world["project"])})
    run = await vm.get("/export/simulation-summary.csv", params={"runId": encode_id("SimulationRun", world["run"])})

    _assert_same(rows, answer)
    assert {row["vendorId"] for row in rows} == {own} and len(rows) == 1
    assert len(everyone) == 2
    assert foreign.status_code == 404 and foreign.json()["errors"][0]["extensions"]["field"] == "vendorId"
    assert unscoped.status_code == 400 and "projectId" in unscoped.json()["errors"][0]["message"]
    assert dashboard.status_code == 404
    assert run.status_code == 404  # simulation runs are the program side's


async def test_simulation_results_equal_the_run_and_text_cells_cannot_be_formulas(
    world: dict[str, Any], clients: dict[str, httpx.AsyncClient]
) -> None:
    run_id = encode_id("SimulationRun", world["run"])
    answer = (await _graphql(clients["pm"], RUN, id=run_id))["run"]

    summary = await _csv(clients["pm"], "simulation-summary", runId=run_id)
    daily = await _csv(clients["pm"], "simulation-daily", runId=run_id)

    _assert_same(summary, answer["summary"])
    backlog = [row for row in daily if row["series"] == "backlog"]
    assert [(row["day"], row["mean"], row["ciLow"], row["p97_5"]) for row in backlog] == [
        ("0", "5.0", "4.0", "6"),
        ("1", "3.0", "", "4"),
    ]
    assert [row["series"] for row in daily if row["series"] != "backlog"] == ['\'=HYPERLINK("http://evil")']


async def test_requests_are_authenticated_and_bad_ones_name_what_is_wrong(
    database: Database, world: dict[str, Any], clients: dict[str, httpx.AsyncClient]
) -> None:
    admin = clients["admin"]
    project = encode_id("Project", world["project"])
    async with http_client(database) as anonymous:
        no_key = await anonymous.get("/export/dashboard-days.csv", params={"projectId": project})
    unknown = await admin.get("/export/payroll.csv")
    extra = await admin.get("/export/dashboard-days.csv", params={"projectId": project, "vendor": "x"})
    missing = await admin.get("/export/dashboard-days.csv")
    bad_time = await admin.get("/export/dashboard-days.csv", params={"projectId": project, "from": "yesterday"})
    backwards = await admin.get(
        "/export/dashboard-days.csv", params={"projectId": project, "from": WINDOW["to"], "to": WINDOW["from"]}
    )
    listing = await admin.get("/export")

    assert no_key.status_code == 401
    assert unknown.status_code == 404 and "dashboard-days.csv" in unknown.json()["errors"][0]["message"]
    assert extra.status_code == 400 and extra.json()["errors"][0]["extensions"]["field"] == "vendor"
    assert missing.status_code == 400 and "projectId" in missing.json()["errors"][0]["message"]
    assert bad_time.status_code == 400 and "yesterday" in bad_time.json()["errors"][0]["message"]
    assert backwards.status_code == 400 and backwards.json()["errors"][0]["extensions"]["field"] == "to"
    tables = {table["name"]: table for table in listing.json()["tables"]}
    assert "quality.approvalRate" in tables["dashboard-labelers"]["columns"]
    assert tables["simulation-daily"]["parameters"] == {"runId": "ID!"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain", "plain"),
        (-0.5, "-0.5"),
        (3, "3"),
        (True, "true"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_cells_starting_like_a_formula_are_prefixed_and_numbers_stay_numbers(value: Any, cell: str) -> None:
    assert safe_cell(value) == cell


def test_chunked_csv_is_the_same_text_whatever_the_batch_and_quotes_survive() -> None:
    rows = [[i, f'say "hi", {i}', "line\nbreak"] for i in range(7)]

    whole = b"".join(csv_chunks(["n", "text", "note"], rows, batch=1000)).decode()
    pieces = list(csv_chunks(["n", "text", "note"], rows, batch=3))

    assert len(pieces) == 3 and b"".join(pieces).decode() == whole
    parsed = list(csv.reader(io.StringIO(whole)))
    assert parsed[0] == ["n", "text", "note"] and parsed[3] == ["2", 'say "hi", 2', "line\nbreak"]
