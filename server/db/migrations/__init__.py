"""Schema migrations: Alembic configured in code (no ini file) and run on a `Database`'s own engine."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from server.db.models import Base
from server.db.session import Database

__all__ = [
    "MIGRATIONS_DIRECTORY",
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "model_metadata",
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


def head_revision() -> str | None:
    """The newest revision in the tree: what `upgrade` brings a database to."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(database: Database) -> str | None:
    """The revision a database is at, or None when it was never migrated."""

    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(_read)


async def upgrade(database: Database, revision: str = "head") -> None:
    """Apply revisions up to `revision`, in one transaction where the database allows it."""
    await _run(database, lambda config: command.upgrade(config, revision))


async def downgrade(database: Database, revision: str = "-1") -> None:
    """Revert to `revision` (`-1` is one step back, `base` removes every table)."""
    await _run(database, lambda config: command.downgrade(config, revision))


async def _run(database: Database, action: Callable[[Config], None]) -> None:
    def _on_connection(connection: Connection) -> None:
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        action(config)

    async with database.engine.begin() as connection:
        await connection.run_sync(_on_connection)
