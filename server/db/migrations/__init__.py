"""Schema migrations: Alembic configured in code (no ini file) and run on a `Database`'s own engine."""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Base
from server.db.session import Database

__all__ = [
    "MIGRATIONS_DIRECTORY",
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "model_metadata",
    "rebuilds_derived_tables",
    "upgrade",
]

MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent


def model_metadata() -> MetaData:
    """The metadata of every table the code defines: each module of `server.db` is imported to register its own."""
    package = importlib.import_module("server.db")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "migrations":
            importlib.import_module(f"server.db.{module.name}")
    return Base.metadata


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic `Config` pointing at this directory, and at `database_url` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    if database_url:
        # ConfigParser interpolates `%`; a password may contain one.
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@functools.cache
def head_revision() -> str | None:
    """The newest revision in the tree: what `upgrade` brings a database to. Read once: the scripts ship with the
    code, and reading the directory costs about 20 ms, too much for every `/health` probe."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(database: Database) -> str | None:
    """The revision a database is at, or None when it was never migrated."""

    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(_read)


async def upgrade(
    database: Database,
    revision: str = "head",
    then: Callable[[AsyncConnection, list[str]], Awaitable[None]] | None = None,
) -> list[str]:
    """Apply revisions up to `revision`, then `then(connection, applied)`, in one transaction where the database
    allows it; returns the applied revisions, oldest first."""
    applied: list[str] = []

    def _upgrade(config: Config) -> None:
        script = ScriptDirectory.from_config(config)
        context = MigrationContext.configure(config.attributes["connection"])
        before = context.get_current_revision()
        command.upgrade(config, revision)
        after = MigrationContext.configure(config.attributes["connection"]).get_current_revision()
        if after is not None and after != before:
            applied.extend(step.revision for step in reversed(list(script.iterate_revisions(after, before))))

    await _run(database, _upgrade, then=(lambda connection: then(connection, applied)) if then else None)
    return applied


def rebuilds_derived_tables(revisions: list[str]) -> bool:
    """Whether any of `revisions` declares that the derived (rollup) tables must be refilled after it."""
    script = ScriptDirectory.from_config(alembic_config())
    return any(
        getattr(script.get_revision(revision).module, "REBUILDS_DERIVED_TABLES", False) for revision in revisions
    )


async def downgrade(database: Database, revision: str = "-1") -> None:
    """Revert to `revision` (`-1` is one step back, `base` removes every table)."""
    await _run(database, lambda config: command.downgrade(config, revision))


async def _run(
    database: Database,
    action: Callable[[Config], None],
    then: Callable[[AsyncConnection], Awaitable[None]] | None = None,
) -> None:
    def _on_connection(connection: Connection) -> None:
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        action(config)

    async with database.engine.begin() as connection:
        await connection.run_sync(_on_connection)
        if then is not None:
            await then(connection)
