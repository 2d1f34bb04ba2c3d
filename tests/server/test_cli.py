"""The platform's `labelops` subcommands, in process and as a real installed executable."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from server.cli import main
from server.db.migrations import head_revision

_EXECUTABLE = Path(sys.executable).parent / "labelops"
_ANCHOR = "2026-01-05T00:00:00+00:00"


def _url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"


def test_db_upgrade_current_and_downgrade(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = _url(tmp_path)

    assert main(["db", "current", "--database-url", url]) == 0
    assert "current: none" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database-url", url]) == 0
    assert f"database at revision {head_revision()}" in capsys.readouterr().out
    assert main(["db", "current", "--database-url", url]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["db", "downgrade", "--revision", "base", "--database-url", url]) == 0
    assert "base (empty)" in capsys.readouterr().out


def test_seed_demo_migrates_seeds_once_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["seed-demo", "--scale", "0.05", "--anchor", _ANCHOR, "--database-url", _url(tmp_path)]

    assert main(arguments) == 0
    first = capsys.readouterr().out
    assert main(arguments) == 0
    second = capsys.readouterr().out

    assert "demo workspace seeded: 6 vendors, 4 projects, 60 labelers" in first
    assert "demo workspace already present" in second


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["seed-demo", "--anchor", "2026-01-05"], "--anchor must include a time zone"),
        (["seed-demo", "--anchor", "yesterday"], "--anchor must be an ISO 8601 timestamp"),
        (["seed-demo", "--scale", "0"], "--scale must be greater than 0"),
        (["serve", "--port", "70000"], "--port must be between 1 and 65535"),
        (["serve", "--workers", "0"], "--workers must be between 1 and 64, got 0"),
        (["db", "upgrade", "--database-url", "nosuchdriver://x"], "--database-url nosuchdriver://x is not usable"),
    ],
)
def test_bad_arguments_give_one_error_line_and_status_2(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}")
    assert "Traceback" not in err


def test_an_unreachable_database_is_reported_without_its_password(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+asyncpg://labelops:hunter2@127.0.0.1:1/labelops"

    assert main(["db", "current", "--database-url", url]) == 1

    err = capsys.readouterr().err
    assert err.startswith("error: database postgresql+asyncpg://labelops:***@127.0.0.1:1/labelops")
    assert "hunter2" not in err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_installed_executable_migrates_and_serves(tmp_path: Path) -> None:
    port = _free_port()
    command = [str(_EXECUTABLE), "serve", "--port", str(port), "--database-url", _url(tmp_path)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        health = None
        deadline = time.monotonic() + 60
        while health is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    health = json.load(response)
            except OSError:
                time.sleep(0.2)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)

    assert health is not None, output
    assert health["status"] == "ok"
    assert health["schema"]["up_to_date"] is True
    assert f"database at revision {head_revision()}" in output


def test_db_revision_writes_the_next_numbered_migration_from_the_models(capsys: pytest.CaptureFixture[str]) -> None:
    from server.db.migrations import MIGRATIONS_DIRECTORY

    expected = MIGRATIONS_DIRECTORY / "versions" / f"{int(head_revision() or 0) + 1:04d}_models_match_head.py"
    try:
        assert main(["db", "revision", "-m", "models match head"]) == 0
        assert f"wrote {expected}" in capsys.readouterr().out
        text = expected.read_text()
        assert f"down_revision: str | Sequence[str] | None = '{head_revision()}'" in text
        # The models and the migrations agree, so nothing was generated.
        assert "op." not in text
    finally:
        expected.unlink(missing_ok=True)


def test_serve_defaults_to_one_worker_per_core_on_postgresql_and_one_on_sqlite() -> None:
    from server.platform_commands import default_workers
    from server.settings import default_worker_count

    assert default_workers("sqlite+aiosqlite:///var/labelops.sqlite3") == 1
    assert default_workers("postgresql+asyncpg://postgres@127.0.0.1/labelops") == default_worker_count()
