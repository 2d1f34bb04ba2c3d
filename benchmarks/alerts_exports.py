"""Cost of an alert evaluation and of a CSV export, each against the GraphQL query it is built on.

On the demo workspace (seeded into a throw-away SQLite file at `--scale`), through the whole application in
process (httpx over ASGI: the access guard, GraphQL and the export endpoint, no sockets), alternating each pair:
- `evaluateAlerts` of the busiest project with one rule of each kind (all on the same 7-day window, so one
  dashboard) against the `projectDashboard` query over that window;
- `/export/dashboard-days.csv` and `/export/dashboard-labelers.csv` over 28 days against the GraphQL query
  selecting the same rows and columns.
Reported: the medians and the median of the per-pair ratios, with the ratio's 2.5-97.5% bootstrap interval.

    .venv/bin/python -m benchmarks.alerts_exports --pairs 15 --scale 0.2
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

from server.app import create_app
from server.auth.users import ensure_admin_key
from server.db import Database
from server.db.migrations import upgrade
from server.exports.tables import TABLES, selection
from server.graphql.ids import encode_id
from server.graphql.schema import schema
from server.services.demo.seed import seed_demo
from server.settings import Settings

ANCHOR = datetime(2026, 12, 3, tzinfo=UTC)
KINDS: list[dict[str, str | int]] = [
    {"kind": "SLA_BELOW_TARGET"},
    {"kind": "FORECAST_AFTER_DEADLINE"},
    {"kind": "BUDGET_AHEAD_OF_PLAN"},
    {"kind": "LABELER_FLAGGED"},
    {"kind": "BACKLOG_ABOVE", "threshold": 100000},
]
CREATE = "mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { __typename } }"
EVALUATE = "mutation($p: ID!) { evaluateAlerts(projectId: $p) { __typename } }"
DASHBOARD = """
query($p: ID!, $from: DateTime, $to: DateTime) {
  projectDashboard(projectId: $p, from: $from, to: $to) { __typename ... on ProjectDashboard { %s } }
}
"""


async def _timed(call: Callable[[], Awaitable[httpx.Response]]) -> float:
    started = time.perf_counter()
    response = await call()
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and "errors" not in response.text[:20], response.text[:300]
    return elapsed


async def _pairs(
    pairs: int, subject: Callable[[], Awaitable[httpx.Response]], reference: Callable[[], Awaitable[httpx.Response]]
) -> tuple[list[float], list[float]]:
    for call in (subject, reference):  # warm-up: caches, first compilations
        await call()
    subjects, references = [], []
    for index in range(pairs):
        order = (subject, reference) if index % 2 == 0 else (reference, subject)
        first, second = await _timed(order[0]), await _timed(order[1])
        subjects.append(first if index % 2 == 0 else second)
        references.append(second if index % 2 == 0 else first)
    return subjects, references


def _report(name: str, subjects: list[float], references: list[float], reference_name: str) -> None:
    ratios = np.array(subjects) / np.array(references)
    rng = np.random.default_rng(7)
    boot = np.median(rng.choice(ratios, size=(2000, ratios.size), replace=True), axis=1)
    low, high = np.percentile(boot, [2.5, 97.5])
    print(
        f"{name:<34} {statistics.median(subjects) * 1000:8.1f} ms   {reference_name:<28} "
        f"{statistics.median(references) * 1000:8.1f} ms   ratio {np.median(ratios):.2f} [{low:.2f}, {high:.2f}]"
    )


async def main(pairs: int, scale: float) -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite3'}")
        await upgrade(database)
        await seed_demo(database, anchor=ANCHOR, scale=scale)
        async with database.transaction() as session:
            key = (await ensure_admin_key(session, email="bench@example.com", key_name="bench")).token
        app = create_app(
            Settings(database_url=database.url, rate_limit_per_second=1e6, rate_limit_burst=10**6), database
        )
        headers = {"Authorization": f"Bearer {key}"}
        project = encode_id("Project", 1)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://b", headers=headers
        ) as client:
            for extra in KINDS:
                values = {
                    "projectId": project,
                    "name": str(extra["kind"]),
                    "webhookUrl": "http://127.0.0.1:9/none",
                    **extra,
                }
                await client.post("/graphql", json={"query": CREATE, "variables": {"input": values}})
            week = {"p": project, "from": (ANCHOR - timedelta(days=7)).isoformat(), "to": ANCHOR.isoformat()}
            full = (
                "quality { labels } cost { budget { burn } } forecast { remainingTasks latestDate } sla { attainment }"
            )
            full += " labelerOutliers { labelerId profile } days { day labels } labelers { labelerId labels }"

            def evaluate() -> Awaitable[httpx.Response]:
                return client.post("/graphql", json={"query": EVALUATE, "variables": {"p": project}})

            def dashboard() -> Awaitable[httpx.Response]:
                return client.post("/graphql", json={"query": DASHBOARD % full, "variables": week})

            print(f"demo workspace at scale {scale}, {pairs} alternating pairs, medians")
            _report(
                "evaluateAlerts (5 rules)", *(await _pairs(pairs, evaluate, dashboard)), "projectDashboard (7 days)"
            )
            month = {"projectId": project, "from": (ANCHOR - timedelta(days=28)).isoformat(), "to": ANCHOR.isoformat()}
            graphql_month = {"p": project, "from": month["from"], "to": month["to"]}
            for table_name in ("dashboard-days", "dashboard-labelers"):
                table = TABLES[table_name]
                assert table.row_type is not None
                rows = f"{table.path[0]} {{ {selection(schema._schema, table.row_type)} }}"

                def export(name: str = table_name) -> Awaitable[httpx.Response]:
                    return client.get(f"/export/{name}.csv", params=month)

                def query(rows: str = rows) -> Awaitable[httpx.Response]:
                    return client.post("/graphql", json={"query": DASHBOARD % rows, "variables": graphql_month})

                _report(f"/export/{table_name}.csv", *(await _pairs(pairs, export, query)), "the same GraphQL query")
        await database.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--scale", type=float, default=0.2)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.pairs, arguments.scale))
