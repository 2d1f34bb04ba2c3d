"""Server-side import paths against a live server: an admin's `importHistory(input: {path})` reads regular files
inside LABELOPS_IMPORT_DIRECTORY and nothing else. Escapes (parent parts, absolute paths, symlinks out to files,
/proc and devices), FIFOs, symlink loops and names the file system refuses are each the same ValidationError on
`input.path`, never "Unexpected error."; and a name swapped for a FIFO after it was checked does not hold the
server's event loop."""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.db import Database
from tests.server.access_world import AccessWorld, build_access_world
from tests.server.attacks.live import Attacker, serving

IMPORT = """
mutation($input: ImportHistoryInput!) {
  importHistory(input: $input) {
    __typename ... on ImportHistoryPayload { rows } ... on ValidationError { field value message }
  }
}
"""
EXPORT = '[{"id": 1, "data": {"text": "x"}, "annotations": []}]'


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    """An import directory holding one export, and every kind of entry that must not be read."""
    inside = tmp_path / "imports"
    inside.mkdir()
    (inside / "export.json").write_text(EXPORT)
    (tmp_path / "secret.json").write_text(EXPORT)
    (inside / "out.json").symlink_to(tmp_path / "secret.json")
    (inside / "environ.json").symlink_to("/proc/self/environ")
    (inside / "zero.json").symlink_to("/dev/zero")
    (inside / "loop-a").symlink_to(inside / "loop-b")
    (inside / "loop-b").symlink_to(inside / "loop-a")
    os.mkfifo(inside / "fifo.json")
    return inside


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await build_access_world(database)


@pytest.fixture
async def live(database: Database, world: AccessWorld, directory: Path) -> AsyncIterator[Attacker]:
    async with serving(database, import_directory=str(directory)) as url, httpx.AsyncClient(timeout=30) as client:
        yield Attacker(client, url, world)


async def _import(live: Attacker, path: str) -> dict[str, Any]:
    variables = {"format": "LABELSTUDIO", "projectId": live.world.gid("Project", "p1"), "path": path, "dryRun": True}
    body = await live.post("admin", IMPORT, input=variables)
    assert "errors" not in body, (path, body)
    answer: dict[str, Any] = body["data"]["importHistory"]
    return answer


@pytest.mark.parametrize(
    "path",
    [
        "../secret.json",
        "out.json",
        "environ.json",
        "zero.json",
        "fifo.json",
        "loop-a",
        "x" * 300,
        "sub/" + "y" * 300 + "/export.json",
        ".",
    ],
)
async def test_given_a_path_that_is_no_regular_file_inside_then_it_is_refused_naming_the_path(
    live: Attacker, path: str
) -> None:
    answer = await _import(live, path)

    assert answer["__typename"] == "ValidationError", answer
    assert answer["field"] == "input.path" and answer["value"] == path
    assert "must name a file inside the import directory" in answer["message"]


async def test_given_a_regular_file_inside_then_it_is_read(live: Attacker) -> None:
    assert await _import(live, "export.json") == {"__typename": "ImportHistoryPayload", "rows": 0}


@pytest.fixture
def checked_before_the_swap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every name looks like a regular file when checked by name: what a FIFO swapped in right after looks like."""
    monkeypatch.setattr(Path, "is_file", lambda self: True)


def _feed_when_opened(fifo: Path, seconds: float) -> None:
    """Write an export into `fifo` as soon as a reader holds it open (within `seconds`), so a blocked reader ends."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
            time.sleep(0.05)
            continue
        os.write(descriptor, b"[]")
        os.close(descriptor)
        return


async def test_given_a_fifo_swapped_in_after_the_check_then_it_is_refused_without_blocking(
    live: Attacker, directory: Path, checked_before_the_swap: None
) -> None:
    # A writer unblocks a reader that opened the FIFO (as a read of it would wait for one); the server should
    # never have become that reader.
    writer = threading.Thread(target=_feed_when_opened, args=(directory / "fifo.json", 5.0), daemon=True)
    writer.start()

    answer = await _import(live, "fifo.json")
    writer.join()

    assert answer["__typename"] == "ValidationError", answer
    assert answer["field"] == "input.path"
