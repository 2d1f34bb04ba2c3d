"""Attack tests run on every database: those on the test database (`test_database_url`, the `database` fixture)
are `database` tests, so the PostgreSQL pass runs them again; those pinned to SQLite stay in the SQLite pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import test_database_url
from tests.server.access_world import AccessWorld
from tests.server.live_server import drop_database, prepare_world

_PINNED_TO_SQLITE = ("sqlite", "test_ide_browser.py", "ide_switched_off")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents and not any(pin in item.nodeid for pin in _PINNED_TO_SQLITE):
            item.add_marker(pytest.mark.database)


@pytest.fixture
def world_url(tmp_path: Path) -> Iterator[tuple[AccessWorld, str]]:
    """The access world in a fresh schema of the test database, dropped afterwards."""
    url = test_database_url(tmp_path)
    world = prepare_world(url)
    try:
        yield world, url
    finally:
        drop_database(url)
