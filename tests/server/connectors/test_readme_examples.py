"""The worked `labelops import` examples of README.md, run as written on the files of `examples/connectors/`: each
command prints the lines the README shows (up to its `...`), on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.cli import main
from server.db import Database
from tests.server.connectors.world import make_project

pytestmark = pytest.mark.database

_ROOT = Path(__file__).resolve().parents[3]
_BLOCK = re.compile(r"Worked examples \(the files are in `examples/connectors/`.*?```\n(?P<body>.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Example:
    arguments: list[str]
    shown: list[str]  # the lines the README prints, in order
    truncated: bool  # the README ends the output with `...`


def readme_examples() -> list[Example]:
    match = _BLOCK.search((_ROOT / "README.md").read_text())
    assert match, "README.md lost its worked import examples"
    examples: list[Example] = []
    lines = iter(match["body"].splitlines())
    for line in lines:
        if not line.startswith("$ "):
            continue
        command = line[2:]
        while command.rstrip().endswith("\\"):
            command = command.rstrip()[:-1] + " " + next(lines).strip()
        arguments = shlex.split(command, comments=True)
        assert arguments[0] == "labelops", command
        shown = []
        for output in lines:
            if not output.strip():
                break
            shown.append(output)
        truncated = bool(shown) and shown[-1] == "..."
        examples.append(Example(arguments[1:], shown[:-1] if truncated else shown, truncated))
    return examples


def test_the_readme_has_the_examples_this_test_runs() -> None:
    examples = readme_examples()
    assert [example.arguments[:2] for example in examples] == [
        ["import", "labelstudio"],
        ["import", "labelstudio"],
        ["import", "labelbox"],
        ["import", "csv"],
        ["import", "csv"],
    ]


def test_each_worked_import_prints_what_the_readme_shows(
    unmigrated_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_ROOT)  # the README's paths are relative to the repository
    examples = readme_examples()
    assert main(["db", "upgrade", "--database-url", unmigrated_url]) == 0
    projects = {example.arguments[example.arguments.index("--project") + 1] for example in examples}

    async def create_projects() -> None:
        database = Database(unmigrated_url)
        try:
            for name in sorted(projects):
                await make_project(database, name)
        finally:
            await database.dispose()

    asyncio.run(create_projects())
    capsys.readouterr()

    for example in examples:
        status = main([*example.arguments, "--database-url", unmigrated_url])
        printed = capsys.readouterr().out.splitlines()
        assert status == 0, (example.arguments, printed)
        got = printed[: len(example.shown)] if example.truncated else printed
        assert got == example.shown, example.arguments
