"""Imported labels carry the guideline version in force when they were started, as labels made in LabelOps do:
the newest version published by then, the first for work started before any."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from server.db import Database
from server.db.guidelines import GuidelineVersion
from server.db.models import Label
from tests.server.connectors.world import CROWD_MAPPING, make_project, run_import

pytestmark = pytest.mark.database

MAPPING = CROWD_MAPPING
CSV = (
    "id,task,worker,started,submitted,answer\n"
    "early,t1,w1,2026-03-30T09:00,2026-03-30T09:01,cat\n"  # before version 1 was published
    "first,t2,w1,2026-04-02T09:00,2026-04-02T09:01,cat\n"
    "edge,t3,w2,2026-04-05T12:00,2026-04-05T12:01,dog\n"  # the very second version 2 was published
    "second,t4,w2,2026-04-07T09:00,2026-04-07T09:01,dog\n"
)


async def _versions(database: Database, project_id: int) -> dict[int, int]:
    async with database.transaction() as session:
        rows = [
            GuidelineVersion(project_id=project_id, number=n, created_at=datetime(2026, 4, d, 12, tzinfo=UTC))
            for n, d in ((1, 1), (2, 5))
        ]
        session.add_all(rows)
        await session.flush()
        return {row.number: row.id for row in rows}


async def _stamps(database: Database) -> dict[str, int | None]:
    async with database.session() as session:
        rows = await session.execute(select(Label.external_id, Label.guideline_version_id))
        return {str(key): version for key, version in rows}


async def test_imported_labels_carry_the_version_in_force_when_started(database: Database) -> None:
    project_id = await make_project(database)
    version = await _versions(database, project_id)

    await run_import(database, "csv", CSV, mapping=MAPPING, batch_size=2)

    assert await _stamps(database) == {
        "early": version[1],
        "first": version[1],
        "edge": version[2],
        "second": version[2],
    }
    again = await run_import(database, "csv", CSV, mapping=MAPPING)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


async def test_a_project_without_versions_leaves_imported_labels_unstamped(database: Database) -> None:
    await make_project(database)
    await run_import(database, "csv", CSV, mapping=MAPPING)
    assert set((await _stamps(database)).values()) == {None}
