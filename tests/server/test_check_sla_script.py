"""examples/check_sla.py as a pipeline runs it: a subprocess against a live server with real API keys.

Exit codes: 0 feasible, 1 infeasible, 2 bad input, 3 cannot reach or authenticate; every failure is one line on
stderr, never a traceback. Runs on SQLite, and on PostgreSQL when LABELOPS_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import test_database_url
from tests.server.live_server import drop_database, free_port, live_server, prepare_world

_ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = _ROOT / "examples" / "check_sla.py"
_OFFER = ["--demand-per-day", "900", "--headcount", "12", "--hourly-rate", "14", "--weeks", "2"]
_EASY = [*_OFFER, "--turnaround-hours", "96", "--required-attainment", "0.5", "--replications", "4"]
_HARD = [*_OFFER, "--turnaround-hours", "2", "--required-attainment", "0.99", "--replications", "4"]


@dataclass(frozen=True)
class Server:
    url: str
    keys: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = test_database_url(tmp_path_factory.mktemp("check_sla"))
    world = prepare_world(url)
    try:
        with live_server(url) as running:
            yield Server(running.graphql_url, world.keys)
    finally:
        drop_database(url)


def _run(url: str, arguments: list[str], key: str | None) -> Outcome:
    env = {k: v for k, v in os.environ.items() if k != "LABELOPS_API_KEY"}
    if key is not None:
        env["LABELOPS_API_KEY"] = key
    done = subprocess.run(
        [sys.executable, str(_SCRIPT), "--url", url, *arguments],
        cwd=_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def _one_line_failure(outcome: Outcome) -> str:
    assert "Traceback" not in outcome.stderr + outcome.stdout
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    return lines[0]


def test_exit_0_when_feasible_with_the_key_from_the_environment(server: Server) -> None:
    outcome = _run(server.url, _EASY, server.keys["admin"])
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout.strip().endswith("feasible") and "P(SLA met)" in outcome.stdout


def test_exit_1_when_infeasible_naming_the_first_failing_week(server: Server) -> None:
    outcome = _run(server.url, _HARD, server.keys["pm"])
    assert outcome.code == 1, outcome.stderr
    assert "infeasible: week 1 fails first" in outcome.stdout


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ([*_EASY, "--ramp", "0:x"], "--ramp step '0:x' must be WEEK:COUNT"),
        ([*_EASY, "--ramp", "5"], "--ramp step '5' must be WEEK:COUNT"),
        ([*_EASY, "--ramp", "0:-2"], "--ramp step '0:-2' must be WEEK:COUNT with integers >= 0"),
        (["--demand-per-day", "900", "--hourly-rate", "14"], "the following arguments are required: --headcount"),
        ([*_EASY, "--weeks", "many"], "argument --weeks: invalid int value: 'many'"),
        ([*_EASY[:3], "-1", *_EASY[4:]], "bad input: input.offer.headcount must be an integer >= 0, got -1"),
    ],
)
def test_exit_2_on_bad_input_in_one_line(server: Server, arguments: list[str], said: str) -> None:
    outcome = _run(server.url, arguments, server.keys["admin"])
    assert outcome.code == 2
    line = _one_line_failure(outcome)
    assert line.startswith("bad input: ") and said in line


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("lk_not-a-real-key", "the server refused the API key"),
        (None, "the server refused the API key (set LABELOPS_API_KEY)"),
        ("labeler", "only admins and program managers may run planning computations"),
    ],
)
def test_exit_3_when_the_key_is_refused(server: Server, key: str | None, said: str) -> None:
    outcome = _run(server.url, _EASY, server.keys.get(key or "", key))
    assert outcome.code == 3
    assert said in _one_line_failure(outcome)


@pytest.mark.parametrize("value", ["nan", "inf", "1e400"])
def test_exit_2_not_1_for_a_number_json_cannot_carry(value: str) -> None:
    # Exit 1 means infeasible: a value no request can carry must not read as an answer. Refused before connecting.
    nowhere = f"http://127.0.0.1:{free_port()}/graphql"
    outcome = _run(nowhere, [*_EASY, "--turnaround-hours", value], "lk_unused")
    assert outcome.code == 2
    assert (
        _one_line_failure(outcome) == f"bad input: argument --turnaround-hours: invalid finite number value: {value!r}"
    )


def test_exit_3_when_the_server_cannot_be_reached(server: Server) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/graphql"
    outcome = _run(nowhere, _EASY, server.keys["admin"])
    assert outcome.code == 3
    assert _one_line_failure(outcome).startswith(f"cannot reach {nowhere}")


def test_the_script_dependency_is_a_main_dependency() -> None:
    # Setup installs the main dependencies only; the script must not need a test extra.
    import tomllib

    project = tomllib.loads((_ROOT / "pyproject.toml").read_text())["project"]
    assert any(requirement.startswith("httpx") for requirement in project["dependencies"])
