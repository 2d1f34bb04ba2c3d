"""`labelops` as scripts and operators run it: a subprocess on a real database, failing in one line with a documented
status (2 a bad argument, 1 a failure, 130 Ctrl-C), never a traceback, and leaving nothing half-written.

Runs on SQLite, and on PostgreSQL (a database of its own per test) when LABELOPS_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, text

from server.db import Database
from server.db.migrations import head_revision
from tests.server.connectors.world import PROJECT, make_project

pytestmark = pytest.mark.database

_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def _environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key != "LABELOPS_DATABASE_URL"}
    return environment | {"PYTHONPATH": str(_ROOT)}


def _labelops(*arguments: str, cwd: Path) -> Outcome:
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", *arguments],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def _assert_one_error_line(outcome: Outcome, code: int, expected: str) -> None:
    assert outcome.code == code, outcome
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.stderr.count("\n") == 1 and outcome.stderr.startswith("error: "), outcome.stderr
    assert expected in outcome.stderr, outcome.stderr


@pytest.fixture
def url(unmigrated_url: str) -> str:
    return unmigrated_url


def _sql(url: str, statement: str) -> list[Any]:
    async def run() -> list[Any]:
        database = Database(url)
        try:
            async with database.engine.begin() as connection:
                result = await connection.execute(text(statement))
                return list(result.all()) if result.returns_rows else []
        finally:
            await database.dispose()

    return asyncio.run(run())


def _with_project(url: str, tmp_path: Path) -> None:
    assert _labelops("db", "upgrade", "--database-url", url, cwd=tmp_path).code == 0

    async def create() -> None:
        database = Database(url)
        await make_project(database)
        await database.dispose()

    asyncio.run(create())


def _label_studio_export(path: Path, tasks: int) -> Path:
    rows = [
        {
            "id": task,
            "data": {"text": f"item {task}"},
            "annotations": [
                {
                    "id": task * 10 + worker,
                    "completed_by": worker,
                    "created_at": f"2026-03-{1 + task % 28:02d}T09:00:00Z",
                    "lead_time": 12.5,
                    "result": [{"type": "choices", "value": {"choices": ["yes" if task % 2 else "no"]}}],
                }
                for worker in (1, 2)
            ],
        }
        for task in range(tasks)
    ]
    path.write_text(json.dumps(rows))
    return path


def test_a_database_migrated_by_a_newer_version_is_named_and_left_alone(url: str, tmp_path: Path) -> None:
    _with_project(url, tmp_path)
    _sql(url, "UPDATE alembic_version SET version_num = '9999'")
    export = _label_studio_export(tmp_path / "export.json", 2)

    for command in (
        ["db", "upgrade"],
        ["db", "downgrade"],
        ["seed-demo", "--scale", "0.01"],
        ["create-admin", "--email", "ops@example.com"],
        ["import", "labelstudio", str(export), "--project", PROJECT],
    ):
        outcome = _labelops(*command, "--database-url", url, cwd=tmp_path)
        _assert_one_error_line(outcome, 1, "the database is at revision 9999, newer than this version of LabelOps")

    current = _labelops("db", "current", "--database-url", url, cwd=tmp_path)
    assert current.code == 0
    assert f"current: 9999  head: {head_revision()}  (newer than this version of LabelOps" in current.stdout
    assert _sql(url, "SELECT version_num FROM alembic_version") == [("9999",)]
    assert _sql(url, "SELECT count(*) FROM users") == [(0,)]
    assert _sql(url, "SELECT count(*) FROM labels") == [(0,)]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["db", "upgrade", "--revision", "bogus"], "--revision 'bogus': Can't locate revision identified by 'bogus'"),
        (["db", "upgrade", "--revision", ""], "--revision is empty"),
        (["db", "upgrade", "--revision", "-100"], "--revision '-100': Relative revision -100 didn't produce"),
        (["db", "downgrade", "--revision", "+1"], "--revision '+1': Relative revision +1 didn't produce"),
    ],
)
def test_a_revision_alembic_cannot_find_is_a_usage_error(
    url: str, tmp_path: Path, command: list[str], expected: str
) -> None:
    assert _labelops("db", "upgrade", "--database-url", url, cwd=tmp_path).code == 0

    _assert_one_error_line(_labelops(*command, "--database-url", url, cwd=tmp_path), 2, expected)
    assert _sql(url, "SELECT version_num FROM alembic_version") == [(head_revision(),)]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--expires-days", "nan"], "--expires-days must be more than 0 and at most 36500, got nan"),
        (["--expires-days", "inf"], "--expires-days must be more than 0 and at most 36500, got inf"),
        (["--expires-days", "1e9"], "--expires-days must be more than 0 and at most 36500, got 1000000000.0"),
    ],
)
def test_create_admin_refuses_a_lifetime_no_date_can_hold(
    url: str, tmp_path: Path, arguments: list[str], expected: str
) -> None:
    assert _labelops("db", "upgrade", "--database-url", url, cwd=tmp_path).code == 0

    outcome = _labelops("create-admin", "--email", "ops@example.com", *arguments, "--database-url", url, cwd=tmp_path)

    _assert_one_error_line(outcome, 2, expected)
    assert _sql(url, "SELECT count(*) FROM users") == [(0,)]


def test_create_admin_on_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    unreachable = "postgresql+asyncpg://labelops:hunter2@127.0.0.1:1/labelops"

    outcome = _labelops("create-admin", "--email", "ops@example.com", "--database-url", unreachable, cwd=tmp_path)

    _assert_one_error_line(outcome, 1, "error: database postgresql+asyncpg://labelops:***@127.0.0.1:1/labelops")
    assert "hunter2" not in outcome.stderr


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["seed-demo", "--seed", "-1"], "--seed must be a non-negative integer, got -1"),
        (["serve", "--demo", "--seed", "-1"], "--seed must be a non-negative integer, got -1"),
        (["seed-demo", "--anchor", "9999-12-31T00:00:00+00:00"], "--anchor must be from 1970-03-01 to a day from now"),
        (["seed-demo", "--anchor", "1900-01-01T00:00:00+00:00"], "--anchor must be from 1970-03-01 to a day from now"),
    ],
)
def test_seed_values_the_demo_cannot_be_made_from_are_refused_before_anything_is_written(
    url: str, tmp_path: Path, command: list[str], expected: str
) -> None:
    _assert_one_error_line(_labelops(*command, "--database-url", url, cwd=tmp_path), 2, expected)
    assert _labelops("db", "current", "--database-url", url, cwd=tmp_path).stdout.startswith("current: none")


def test_an_empty_database_url_is_refused_rather_than_replaced_by_the_default(tmp_path: Path) -> None:
    # `--database-url "$URL"` with URL unset: the default SQLite file must not be migrated (or dropped) instead.
    for command in (["db", "downgrade", "--revision", "base"], ["db", "upgrade"], ["seed-demo"]):
        _assert_one_error_line(_labelops(*command, "--database-url", "", cwd=tmp_path), 2, "--database-url is empty")
    assert not (tmp_path / "var").exists()


def test_a_database_url_with_a_port_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    outcome = _labelops("db", "current", "--database-url", "postgresql+asyncpg://u:pw@127.0.0.1:99999/x", cwd=tmp_path)

    _assert_one_error_line(outcome, 2, "--database-url postgresql+asyncpg://u:***@127.0.0.1:99999/x has port 99999")


def test_import_refuses_a_batch_size_of_zero(url: str, tmp_path: Path) -> None:
    _with_project(url, tmp_path)
    export = _label_studio_export(tmp_path / "export.json", 2)

    outcome = _labelops(
        "import",
        "labelstudio",
        str(export),
        "--project",
        PROJECT,
        "--batch-size",
        "0",
        "--database-url",
        url,
        cwd=tmp_path,
    )

    _assert_one_error_line(outcome, 2, "--batch-size must be at least 1, got 0")
    assert _sql(url, "SELECT count(*) FROM labels") == [(0,)]


def test_import_refills_the_rollups_a_migration_it_applies_asks_for(url: str, tmp_path: Path) -> None:
    """Given labels at head, a database back at 0025 with its rollups lost: the import that migrates it past 0026
    (which declares its rollups must be refilled) refills them, as `db upgrade` would."""
    _with_project(url, tmp_path)
    export = _label_studio_export(tmp_path / "export.json", 6)
    arguments = ["import", "labelstudio", str(export), "--project", PROJECT, "--database-url", url]
    assert _labelops(*arguments, cwd=tmp_path).code == 0
    assert _labelops("db", "downgrade", "--revision", "0025", "--database-url", url, cwd=tmp_path).code == 0
    _sql(url, "DELETE FROM label_day_rollups")

    outcome = _labelops(*arguments, cwd=tmp_path)

    assert outcome.code == 0, outcome.stderr
    assert "0 created, 0 updated, 12 unchanged" in outcome.stdout
    assert _sql(url, "SELECT sum(labels) FROM label_day_rollups") == [(12,)]


def test_ctrl_c_during_an_import_keeps_whole_batches_and_says_so(url: str, tmp_path: Path) -> None:
    _with_project(url, tmp_path)
    export = _label_studio_export(tmp_path / "export.json", 30_000)
    command = ["import", "labelstudio", str(export), "--project", PROJECT, "--batch-size", "1000"]
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", *command, "--database-url", url],
        cwd=tmp_path,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Interrupted once the first batch is in, well before the sixtieth.
    deadline = time.monotonic() + 120
    while _sql(url, "SELECT count(*) FROM labels") == [(0,)] and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)

    outcome = Outcome(process.returncode, stdout, stderr)
    _assert_one_error_line(outcome, 130, "interrupted; the batches written before stay")
    [(labels,)] = _sql(url, "SELECT count(*) FROM labels")
    assert 0 < labels < 60_000 and labels % 1000 == 0
    assert _sql(url, "SELECT sum(labels) FROM label_day_rollups") == [(labels,)]
    # Running it again completes it: the batches already in are found unchanged, the rest created.
    again = _labelops(*command, "--database-url", url, cwd=tmp_path)
    assert again.code == 0, again.stderr
    assert f"{60_000 - labels} created, 0 updated, {labels} unchanged" in again.stdout
    assert _sql(url, "SELECT count(*), count(DISTINCT external_id) FROM labels") == [(60_000, 60_000)]
    assert _sql(url, "SELECT sum(labels) FROM label_day_rollups") == [(60_000,)]


def _in_a_write_transaction(url: str) -> bool:
    """Whether another connection is inside a transaction that has written: it holds SQLite's write lock, or (on
    PostgreSQL) its transaction has an id, which a first write assigns."""
    database = make_url(url).database or ""
    if make_url(url).get_backend_name() == "sqlite":
        connection = sqlite3.connect(database, timeout=0)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # database is locked
            return True
        finally:
            connection.close()
        return False
    statement = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_xid IS NOT NULL"
    )
    return _sql(url, statement) != [(0,)]


def test_ctrl_c_during_the_demo_seed_leaves_no_row_of_it(url: str, tmp_path: Path) -> None:
    # On PostgreSQL a cancel landing as the driver's bulk INSERT finishes a wait was lost, and the seed ran on to
    # its end: Ctrl-C cancels again until the command has ended.
    assert _labelops("db", "upgrade", "--database-url", url, cwd=tmp_path).code == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "seed-demo", "--scale", "2", "--database-url", url],
        cwd=tmp_path,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not _in_a_write_transaction(url) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # inside the transaction, generating and writing the demo's rows
    process.send_signal(signal.SIGINT)
    try:
        stdout, stderr = process.communicate(timeout=30)  # a rollback takes a moment, the whole seed ~10 s
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("labelops seed-demo still ran 30 s after Ctrl-C")

    _assert_one_error_line(
        Outcome(process.returncode, stdout, stderr), 130, "interrupted; nothing was left half-written"
    )
    for table in ("projects", "vendors", "labelers", "tasks", "labels", "users"):
        assert _sql(url, f"SELECT count(*) FROM {table}") == [(0,)], table
