"""CSV exports on their edges: the outlier, profile and SLA tables equal the GraphQL answer for the same window
(windows cut inside days and written with offsets, nulls, negative z-scores), the same instant written with
different offsets exports the same bytes, and a table with no rows still has its header."""

from __future__ import annotations

import csv
import io
from datetime import UTC, timedelta, timezone
from typing import Any

import httpx

from server.auth.users import ensure_admin_key
from server.db import Database
from server.graphql.ids import encode_id
from tests.server.conftest import http_client
from tests.server.test_analytics_outliers_differential import _world
from tests.server.test_analytics_world import day
from tests.server.test_exports import _assert_same

NEPAL = timezone(timedelta(hours=5, minutes=45))
PACIFIC = timezone(timedelta(hours=-7))
SHARE = "share count cohortShare cohortCount z"
DASHBOARD = f"""
query($projectId: ID!, $from: DateTime, $to: DateTime, $asOf: DateTime) {{
  projectDashboard(projectId: $projectId, from: $from, to: $to, asOf: $asOf) {{
    __typename
    ... on ProjectDashboard {{
      outliers {{
        projectId labelerId tenureWeek labels meanSeconds cohortSize cohortMedianSeconds cohortMadSeconds robustZ
        direction benchmarkAccuracy firstPassAcceptance approvalRate
      }}
      labelerOutliers {{
        labelerId labels profile qualityZ quality speedZ speed
        benchmarkAccuracy {{ {SHARE} }} approval {{ {SHARE} }} firstTimeRight {{ {SHARE} }} agreement {{ {SHARE} }}
      }}
      sla {{ byDay {{ day completed withinSla attainment }} }}
    }}
  }}
}}
"""
TABLES = {
    "dashboard-outliers": ("outliers",),
    "dashboard-labeler-profiles": ("labelerOutliers",),
    "dashboard-sla-days": ("sla", "byDay"),
}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


async def _admin(database: Database) -> httpx.AsyncClient:
    async with database.transaction() as session:
        issued = await ensure_admin_key(session, email="exports@example.com", key_name="exports")
    return http_client(database, {"Authorization": f"Bearer {issued.token}"})


async def test_outlier_profile_and_sla_tables_equal_the_dashboard_in_windows_cut_inside_days(
    database: Database,
) -> None:
    projects = await _world(database)
    project = encode_id("Project", projects["main"])
    windows = [
        {},
        {"from": day(7, 5.5).astimezone(NEPAL).isoformat(), "to": day(40, 21).astimezone(PACIFIC).isoformat()},
        {"to": day(30, 0.25).astimezone(PACIFIC).isoformat(), "asOf": day(20, 3).astimezone(NEPAL).isoformat()},
    ]
    async with await _admin(database) as client:
        checked = 0
        for window in windows:
            response = await client.post(
                "/graphql", json={"query": DASHBOARD, "variables": {"projectId": project, **window}}
            )
            answer = response.json()["data"]["projectDashboard"]
            assert answer["__typename"] == "ProjectDashboard", answer
            for table, path in TABLES.items():
                exported = await client.get(f"/export/{table}.csv", params={"projectId": project, **window})
                assert exported.status_code == 200, exported.text
                rows = _rows(exported.text)
                _assert_same(rows, _at(answer, path))
                checked += len(rows)
        assert checked > 0


async def test_the_same_instants_in_other_offsets_export_the_same_bytes(database: Database) -> None:
    projects = await _world(database)
    project = encode_id("Project", projects["main"])
    start, end, as_of = day(7, 5.5), day(40, 21), day(41, 2)
    async with await _admin(database) as client:
        for table in (*TABLES, "dashboard-days", "dashboard-labelers", "dashboard-usage"):
            bodies = set()
            for zone in (UTC, NEPAL, PACIFIC):
                params = {
                    "projectId": project,
                    "from": start.astimezone(zone).isoformat(),
                    "to": end.astimezone(zone).isoformat(),
                    "asOf": as_of.astimezone(zone).isoformat(),
                }
                response = await client.get(f"/export/{table}.csv", params=params)
                assert response.status_code == 200, response.text
                bodies.add(response.content)
            assert len(bodies) == 1, table


async def test_tables_with_no_rows_still_have_their_header(database: Database) -> None:
    projects = await _world(database)
    project = encode_id("Project", projects["alone"])
    # Before any data: no day, labeler, usage, outlier, profile or completion.
    window = {"projectId": project, "from": day(-30).isoformat(), "to": day(-29).isoformat()}
    async with await _admin(database) as client:
        listing = {table["name"]: table for table in (await client.get("/export")).json()["tables"]}
        for table in ("dashboard-labelers", "dashboard-usage", *TABLES):
            response = await client.get(f"/export/{table}.csv", params=window)
            assert response.status_code == 200, response.text
            assert response.text == ",".join(listing[table]["columns"]) + "\r\n", table
