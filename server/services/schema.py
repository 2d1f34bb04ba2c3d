"""Bringing a database to the code's schema: Alembic migrations, then the derived tables they invalidated.

Migrations hold DDL only. Rollup tables are derived from the raw tables by the code at head, so a migration that
changes what they hold declares `REBUILDS_DERIVED_TABLES = True` and the rollups are refilled here, once, after the
schema reached head. A migration that imported today's rollup code would break as soon as the models moved on.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import migrations
from server.db.session import Database
from server.services.rollups import rebuild_rollups

__all__ = ["upgrade_database"]


async def upgrade_database(database: Database, revision: str = "head") -> list[str]:
    """Migrate to `revision` and, when that is head, refill the rollups in the same transaction if an applied
    revision asks for it. Stopping below head leaves the rollups as the migrations left them: the code that fills
    them describes head. Returns the applied revisions, oldest first."""

    async def refill(connection: AsyncConnection, applied: list[str]) -> None:
        if revision in ("head", migrations.head_revision()) and migrations.rebuilds_derived_tables(applied):
            await rebuild_rollups(connection)

    return await migrations.upgrade(database, revision, then=refill)
