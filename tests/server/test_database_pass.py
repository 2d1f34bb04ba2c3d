"""Each test pass runs on the database it announces: a pass that says SQLite must not reach PostgreSQL, and back."""

from __future__ import annotations

import os

import pytest

from server.db import Database
from tests.conftest import EXPECTED_DIALECT_VARIABLE


async def test_the_database_fixture_uses_the_dialect_the_pass_names(database: Database) -> None:
    expected = os.environ.get(EXPECTED_DIALECT_VARIABLE)
    if not expected:
        pytest.skip(f"{EXPECTED_DIALECT_VARIABLE} is not set (outside `make test`)")
    assert database.dialect == expected
