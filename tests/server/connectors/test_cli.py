"""`labelops import`: the command line runs the same importer, prints the report, and refuses bad input in one
line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from server.cli import main
from server.db import Database
from tests.server.connectors.world import make_project


def _database(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0

    async def project() -> None:
        database = Database(url)
        await make_project(database)
        await database.dispose()

    asyncio.run(project())
    return url


def test_given_a_label_studio_file_when_imported_twice_then_the_second_run_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path)
    export = tmp_path / "export.json"
    annotation = {"id": 7, "completed_by": 3, "created_at": "2026-03-02T09:00:00Z", "lead_time": 9.5, "result": []}
    export.write_text(json.dumps([{"id": 1, "data": {"image": "a.jpg"}, "annotations": [annotation]}]))
    arguments = ["import", "labelstudio", str(export), "--project", "Imported", "--database-url", url]
    capsys.readouterr()

    assert main(arguments) == 0
    first = capsys.readouterr().out
    assert main(arguments) == 0
    second = capsys.readouterr().out

    assert "1 rows read: 1 created, 0 updated, 0 unchanged, 0 skipped, 0 rejected" in first
    assert "1 rows read: 0 created, 0 updated, 1 unchanged, 0 skipped, 0 rejected" in second


def test_given_a_csv_with_flags_and_a_dry_run_then_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path)
    data = tmp_path / "results.csv"
    data.write_text("item,worker,start,end,label\nt1,w1,03.02.2026 09:00,03.02.2026 09:01,cat\n")
    flags = ["--map", "task=item", "--map", "labeler=worker", "--map", "started_at=start", "--map", "submitted_at=end"]
    arguments = ["import", "csv", str(data), "--project", "Imported", "--database-url", url, *flags]
    capsys.readouterr()

    assert main([*arguments, "--map", "answer=label", "--time-format", "%d.%m.%Y %H:%M", "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert main([*arguments, "--map", "answer=label", "--time-format", "%d.%m.%Y %H:%M"]) == 0
    real = capsys.readouterr().out

    assert dry.startswith("dry run, nothing written: 1 rows read: 1 created")
    assert real.startswith("1 rows read: 1 created")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--project", "Nope"], "error: project 'Nope' does not exist"),
        (["--project", "Imported", "--map", "task=x"], "error: --mapping, --map and --time-format apply to the csv"),
        (["--project", "Imported", "--time-zone", "Mars/Base"], "error: time zone 'Mars/Base' is not an IANA zone"),
    ],
)
def test_given_bad_arguments_then_one_error_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    url = _database(tmp_path)
    export = tmp_path / "export.json"
    export.write_text("[]")
    capsys.readouterr()

    assert main(["import", "labelstudio", str(export), "--database-url", url, *extra]) == 2

    assert capsys.readouterr().err.strip().splitlines()[-1].startswith(message)


def test_given_a_missing_file_then_it_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = _database(tmp_path)
    capsys.readouterr()
    assert (
        main(["import", "labelbox", str(tmp_path / "none.ndjson"), "--project", "Imported", "--database-url", url]) == 2
    )
    assert "none.ndjson: No such file or directory" in capsys.readouterr().err


def test_given_a_mapping_file_that_cannot_be_read_then_one_error_line_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path)
    data = tmp_path / "results.csv"
    data.write_text("task,worker,answer\n")
    missing, latin1 = tmp_path / "none.toml", tmp_path / "latin1.toml"
    latin1.write_bytes('task = "J\u00fcrgen"\n'.encode("latin-1"))
    arguments = ["import", "csv", str(data), "--project", "Imported", "--database-url", url, "--mapping"]
    capsys.readouterr()

    assert main([*arguments, str(missing)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: mapping file {missing}: No such file or directory"]
    assert main([*arguments, str(latin1)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: mapping file {latin1} is not UTF-8 text"]


def test_given_a_file_that_is_not_utf8_then_one_error_line_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path)
    data = tmp_path / "latin1.csv"
    data.write_bytes("task,worker,at,answer\nt1,J\u00fcrgen,2026-03-02T09:00:00Z,cat\n".encode("latin-1"))
    flags = ["--map", "task=task", "--map", "labeler=worker", "--map", "submitted_at=at", "--map", "answer=answer"]
    capsys.readouterr()

    status = main(["import", "csv", str(data), "--project", "Imported", "--database-url", url, *flags])

    assert status == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: FILE {data} is not UTF-8 text (byte 0xfc): the import stopped there"
    ]
