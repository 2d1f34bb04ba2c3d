"""Recording what an engine does inside a block: its statements, its connection checkouts."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import event

from server.db import Database

__all__ = ["driver_crossings", "recorded", "statements_run"]


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


class _CrossingLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.calls: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("executing"):
            self.calls.append(record.getMessage())


@contextmanager
def driver_crossings() -> Iterator[list[str]]:
    """Every call run on an aiosqlite connection's thread inside the block, from aiosqlite's own log: its worker
    thread logs "executing ..." for every call it takes off its queue."""
    logger = logging.getLogger("aiosqlite")
    log = _CrossingLog()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(log)
    try:
        yield log.calls
    finally:
        logger.removeHandler(log)
        logger.setLevel(level)
