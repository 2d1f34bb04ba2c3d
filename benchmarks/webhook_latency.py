"""Latency of one live webhook delivery: `POST /hooks/labelstudio/{id}` through the whole application (body
limit, connector lookup, token check, parsing, the one-annotation import, the delivery tally), for a new
annotation and for a redelivery of one already stored.

Reference, measured in the same run and alternated with the deliveries: `import_records` called directly on the
same one-task export (the import the receiver runs, without HTTP or the connector's bookkeeping). Prints the
medians in milliseconds and the median ratio delivery / reference; the project holds `--existing` labels first,
spread over 60 days, so the rollup recount reads a realistic table.

    .venv/bin/python benchmarks/webhook_latency.py --reps 200
    .venv/bin/python benchmarks/webhook_latency.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.app import create_app
from server.connectors import build_format, import_records
from server.connectors.registry import ConnectorFields, create_connector
from server.db import Base, Database
from server.db.connectors import ConnectorSource
from server.db.enums import DataType
from server.db.models import Project
from server.settings import Settings


def _task(task_id: int, annotation_id: int, at: datetime) -> dict[str, Any]:
    return {
        "id": task_id,
        "data": {"text": f"text {task_id}"},
        "project": 3,
        "annotations": [
            {
                "id": annotation_id,
                "completed_by": annotation_id % 50,
                "created_at": at.isoformat(),
                "lead_time": 20.0,
                "result": [{"from_name": "s", "type": "choices", "value": {"choices": ["positive"]}}],
            }
        ],
    }


def _event(task: dict[str, Any]) -> bytes:
    annotation = task["annotations"][0]
    body = {"action": "ANNOTATION_CREATED", "project": {"id": 3}, "task": {**task, "annotations": []}}
    return json.dumps({**body, "annotation": annotation}).encode()


async def run(url: str, reps: int, existing: int) -> None:
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)
    async with database.transaction() as session:
        project = Project(name="Live", data_type=DataType.TEXT)
        session.add(project)
        await session.flush()
        connector = await create_connector(
            session, ConnectorFields(name="LS", source=ConnectorSource.LABELSTUDIO, project_id=project.id)
        )
        path, secret, project_id = f"/hooks/labelstudio/{connector.id}", connector.secret, project.id
    start = datetime(2026, 1, 5, tzinfo=UTC)
    history = [_task(n, n, start + timedelta(seconds=60 * 86400 * n / max(existing, 1))) for n in range(existing)]
    await import_records(database, build_format("labelstudio"), io.StringIO(json.dumps(history)), project=project_id)

    app = create_app(Settings(database_url=url, rate_limit_per_second=0), database)
    headers = {"Authorization": f"Token {secret}", "Content-Type": "application/json"}
    timings: dict[str, list[float]] = {"delivery": [], "redelivery": [], "reference": []}
    at = start + timedelta(days=59)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for rep in range(reps):
            key = 1_000_000 + 2 * rep
            body = _event(_task(key, key, at))
            began = time.perf_counter()
            response = await client.post(path, content=body, headers=headers)
            timings["delivery"].append(time.perf_counter() - began)
            assert response.status_code == 200 and response.json()["created"] == 1, response.text
            began = time.perf_counter()
            response = await client.post(path, content=body, headers=headers)
            timings["redelivery"].append(time.perf_counter() - began)
            assert response.json()["unchanged"] == 1, response.text
            export = json.dumps([_task(key + 1, key + 1, at)])
            began = time.perf_counter()
            report = await import_records(
                database, build_format("labelstudio"), io.StringIO(export), project=project_id
            )
            timings["reference"].append(time.perf_counter() - began)
            assert report.created == 1
    await database.dispose()

    reference = statistics.median(timings["reference"])
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{database.dialect}, {existing} labels stored, {reps} repetitions, load average {load}")
    for name, values in timings.items():
        median = statistics.median(values)
        p90 = sorted(values)[int(0.9 * len(values))]
        ratio = median / reference
        print(f"  {name:<11} median {median * 1000:7.1f} ms  p90 {p90 * 1000:7.1f} ms  / reference {ratio:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--existing", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{directory}/bench.sqlite3"
        asyncio.run(run(url, args.reps, args.existing))


if __name__ == "__main__":
    main()
