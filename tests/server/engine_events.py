"""Recording what an engine does inside a block: its statements, its connection checkouts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import event

from server.db import Database

__all__ = ["recorded", "statements_run"]


@contextmanager
def recorded(database: Database, name: str, position: int) -> Iterator[list[Any]]:
    """The argument at `position` of every engine event `name` fired inside the block."""
    seen: list[Any] = []

    def record(*args: Any) -> None:
        seen.append(args[position])

    event.listen(database.engine.sync_engine, name, record)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, name, record)


def statements_run(database: Database) -> AbstractContextManager[list[str]]:
    """The SQL text of the statements run inside the block."""
    return recorded(database, "before_cursor_execute", 2)
