"""Databases the attack tests run a live server on: a SQLite file always, PostgreSQL when configured."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_DATABASE_URL_VARIABLE

__all__ = ["database_urls"]

DatabaseUrl = Callable[[Path], str]


def _sqlite(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'labelops.sqlite3'}"


def _postgresql(directory: Path) -> str:
    return os.environ[TEST_DATABASE_URL_VARIABLE]


def database_urls() -> list[Any]:
    """Parameters for a fixture: each gives a database URL for a temporary directory.

    The PostgreSQL one is a `database` test, so the PostgreSQL pass of `make test` runs it."""
    configured = bool(os.environ.get(TEST_DATABASE_URL_VARIABLE))
    return [
        pytest.param(_sqlite, id="sqlite"),
        pytest.param(
            _postgresql,
            id="postgresql",
            marks=[
                pytest.mark.database,
                pytest.mark.skipif(not configured, reason=f"{TEST_DATABASE_URL_VARIABLE} is not set"),
            ],
        ),
    ]
