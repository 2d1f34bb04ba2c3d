"""Migrations against the models: an empty database migrated to head has exactly the schema the code defines."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from server.db import Database
from server.db.enums import DataType, PricingModel, ReviewVerdict, TaskStatus, WorkforceType
from server.db.migrations import current_revision, downgrade, head_revision, model_metadata, upgrade
from server.db.models import Label, Labeler, Project, Review, Task, Vendor
from server.services.schema import upgrade_database
from tests.conftest import TEST_DATABASE_URL_VARIABLE

pytestmark = pytest.mark.database


@pytest.fixture
async def empty_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A database of its own: a new SQLite file, or a new PostgreSQL database next to the configured one."""
    configured = os.environ.get(TEST_DATABASE_URL_VARIABLE)
    if not configured:
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'migrations.sqlite3'}")
        yield database
        await database.dispose()
        return
    name = f"labelops_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(configured, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(make_url(configured).set(database=name).render_as_string(hide_password=False))
    try:
        yield database
    finally:
        await database.dispose()
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await admin.dispose()


def _schema_differences(connection: Connection) -> list[str]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
    return [_describe(difference) for difference in compare_metadata(context, model_metadata())]


def _describe(difference: Any) -> str:
    """One line per difference, e.g. `add_table users` or `modify_type tasks.status`."""
    if isinstance(difference, list):  # column modifications come grouped
        return "; ".join(_describe(item) for item in difference)
    operation, *details = difference
    names = [getattr(item, "name", None) or str(item) for item in details if item is not None][:3]
    return f"{operation} {' '.join(map(str, names))}"


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_given_an_empty_database_when_migrated_to_head_then_schema_matches_the_models(
    empty_database: Database,
) -> None:
    assert await current_revision(empty_database) is None

    await upgrade(empty_database)

    assert await current_revision(empty_database) == head_revision()
    async with empty_database.engine.connect() as connection:
        differences = await connection.run_sync(_schema_differences)
        tables = await connection.run_sync(_tables)
    assert differences == [], f"models and migrations differ; add a revision for: {differences}"
    assert set(model_metadata().tables) <= tables


async def test_given_a_migrated_database_when_downgraded_to_base_then_only_the_version_table_remains(
    empty_database: Database,
) -> None:
    await upgrade(empty_database)

    await downgrade(empty_database, "base")

    async with empty_database.engine.connect() as connection:
        tables = await connection.run_sync(_tables)
    assert tables <= {"alembic_version"}
    assert await current_revision(empty_database) is None
    await upgrade(empty_database)  # and the way back up works again
    assert await current_revision(empty_database) == head_revision()


def test_revisions_form_one_line_from_base_to_head() -> None:
    from alembic.script import ScriptDirectory

    from server.db.migrations import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, "revisions branch: merge them into one head"
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
    assert revisions[0].revision == head_revision()


async def test_given_completed_tasks_when_migrated_past_0008_then_their_completions_are_counted(
    empty_database: Database,
) -> None:
    await upgrade(empty_database, "0007")
    async with empty_database.engine.begin() as connection:
        await connection.execute(
            insert(Project.__table__).values(id=1, name="p", data_type=DataType.IMAGE, sla_turnaround_hours=24.0)
        )

        def at(day: int, hour: int) -> datetime:
            return datetime(2024, 3, day, hour, tzinfo=UTC)

        # Turnarounds of 10 h, 30 h and 18 h, and an open task.
        spans = [(at(1, 0), at(1, 10)), (at(1, 0), at(2, 6)), (at(1, 12), at(2, 6)), (at(2, 0), None)]
        await connection.execute(
            insert(Task.__table__),
            [
                {
                    "project_id": 1,
                    "external_id": f"t{number}",
                    "created_at": created,
                    "completed_at": completed,
                    "status": TaskStatus.TO_LABEL if completed is None else TaskStatus.DONE,
                }
                for number, (created, completed) in enumerate(spans)
            ],
        )

    await upgrade_database(empty_database)

    async with empty_database.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT day, completed, within_sla FROM task_day_rollups"))).all()
    # 10 h and 18 h are within the 24 h SLA, 30 h is not.
    assert sorted(tuple(row) for row in rows) == [("2024-03-01", 1, 1), ("2024-03-02", 2, 1)]


def test_migrations_import_no_application_code() -> None:
    """A migration must keep working when the models and services move on: it may use column types only."""
    import ast

    from server.db.migrations import MIGRATIONS_DIRECTORY

    allowed = {"server.db.types"}
    offenders = []
    for path in sorted((MIGRATIONS_DIRECTORY / "versions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.name}: {name}" for name in names if name.startswith("server") and name not in allowed]
    assert offenders == []


async def test_given_an_upgrade_that_stops_below_head_then_the_rollups_are_left_to_the_upgrade_to_head(
    empty_database: Database,
) -> None:
    applied = await upgrade_database(empty_database, "0007")
    assert applied == ["0001", "0002", "0003", "0004", "0005", "0006", "0007"]
    assert await current_revision(empty_database) == "0007"
    assert await upgrade_database(empty_database) == [step for step in _all_revisions() if step > "0007"]
    assert await upgrade_database(empty_database) == []


def _all_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    from server.db.migrations import alembic_config

    return sorted(script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions())


async def test_given_projects_and_labels_when_migrated_past_0015_then_each_has_version_1_of_its_guidelines(
    empty_database: Database,
) -> None:
    await upgrade(empty_database, "0010")
    created = datetime(2024, 3, 1, tzinfo=UTC)
    async with empty_database.engine.begin() as connection:
        await connection.execute(
            insert(Project.__table__).values(
                id=1,
                name="p",
                data_type=DataType.TEXT,
                ontology={"field": "tone", "classes": ["calm", "angry"]},
                instructions="Pick one.",
                created_at=created,
            )
        )
        await connection.execute(
            insert(Vendor.__table__).values(
                id=1, name="v", workforce_type=WorkforceType.CROWD, pricing_model=PricingModel.HOURLY, rate=1.0
            )
        )
        await connection.execute(insert(Labeler.__table__).values(id=1, vendor_id=1, name="l"))
        await connection.execute(insert(Task.__table__).values(id=1, project_id=1, external_id="t", created_at=created))
        await connection.execute(
            insert(Label.__table__).values(
                id=1,
                task_id=1,
                labeler_id=1,
                answer={"tone": "calm"},
                started_at=created,
                submitted_at=created,
                seconds_to_label=5.0,
            )
        )

    await upgrade_database(empty_database)

    async with empty_database.engine.connect() as connection:
        version = (
            await connection.execute(
                text("SELECT id, project_id, number, author, ontology, instructions, examples FROM guideline_versions")
            )
        ).one()
        label_version = (await connection.execute(text("SELECT guideline_version_id FROM labels"))).scalar_one()
    ontology = version.ontology if isinstance(version.ontology, dict) else json.loads(version.ontology)
    examples = version.examples if isinstance(version.examples, list) else json.loads(version.examples)
    assert (version.project_id, version.number, version.author, version.instructions) == (1, 1, "system", "Pick one.")
    assert ontology == {"field": "tone", "classes": ["calm", "angry"]}
    assert examples == []
    assert label_version == version.id


async def test_given_rates_and_reviews_when_migrated_past_0013_then_the_history_starts_with_todays_rates(
    empty_database: Database,
) -> None:
    await upgrade(empty_database, "0010")
    moment = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)
    async with empty_database.engine.begin() as connection:
        await connection.execute(
            insert(Vendor.__table__).values(
                id=1, name="v", workforce_type=WorkforceType.IN_HOUSE, pricing_model=PricingModel.HOURLY, rate=0.085
            )
        )
        await connection.execute(insert(Labeler.__table__).values(id=1, vendor_id=1, name="a", hourly_rate=21.5))
        await connection.execute(
            insert(Project.__table__).values(id=1, name="p", data_type=DataType.IMAGE, budget=1234.56)
        )
        await connection.execute(
            insert(Task.__table__).values(id=1, project_id=1, external_id="t", status=TaskStatus.DONE)
        )
        await connection.execute(
            insert(Label.__table__).values(
                id=1, task_id=1, labeler_id=1, answer={}, started_at=moment, submitted_at=moment, seconds_to_label=10
            )
        )
        await connection.execute(
            insert(Review.__table__),
            [
                {
                    "id": number,
                    "label_id": 1,
                    "reviewer_id": 1,
                    "verdict": ReviewVerdict.THUMBS_UP,
                    "seconds_to_review": seconds,
                    "created_at": moment,
                }
                for number, seconds in ((1, 30.0), (2, 12.5))
            ],
        )

    await upgrade(empty_database)

    async with empty_database.engine.connect() as connection:
        labeler_rates = (
            await connection.execute(text("SELECT labeler_id, effective_day, hourly_rate FROM labeler_rates"))
        ).all()
        vendor_rates = (await connection.execute(text("SELECT vendor_id, effective_day, rate FROM vendor_rates"))).all()
        reviewers = (await connection.execute(text("SELECT * FROM reviewer_day_rollups"))).all()
        budget = (await connection.execute(text("SELECT budget FROM projects"))).scalar_one()
    # Decimal on PostgreSQL, a number on SQLite: equal to the exact decimal either way.
    assert [(row[0], row[1], Decimal(str(row[2]))) for row in labeler_rates] == [(1, "0001-01-01", Decimal("21.5"))]
    assert [(row[0], row[1], Decimal(str(row[2]))) for row in vendor_rates] == [(1, "0001-01-01", Decimal("0.085"))]
    assert Decimal(str(budget)) == Decimal("1234.56")
    assert [tuple(row) for row in reviewers] == [(1, 1, "2024-03-01", 2, 42.5)]
